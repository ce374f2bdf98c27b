"""The package as it is installed (``screens/`` and ``db/`` inside ``pimms_tui``), mirrored with
links, and the type check run on it: the same command for a developer and for the suite.

    .venv/bin/python -m tests.layout        # mypy --strict on the installed layout
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "pimms_tui"


def installed_layout(folder: Path) -> Path:
    """Mirror the installed package with links, following pyproject's package folders."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders: dict[str, str] = pyproject["tool"]["setuptools"]["package-dir"]
    for name, source in sorted(folders.items()):
        if name != PACKAGE:
            target = folder.joinpath(*name.split("."))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(ROOT / source)
    for entry in (ROOT / folders[PACKAGE]).iterdir():
        target = folder / PACKAGE / entry.name
        if entry.name != "__pycache__" and not target.exists():
            target.symlink_to(entry)
    return folder


def type_check(folder: Path) -> subprocess.CompletedProcess[str]:
    """mypy --strict (pyproject's settings) on the layout mirrored in ``folder``."""
    installed_layout(folder)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            PACKAGE,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        checked = type_check(Path(scratch))
    print(checked.stdout + checked.stderr, end="")
    raise SystemExit(checked.returncode)
