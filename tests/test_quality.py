"""The code's own checks: ruff, mypy, the layer rule, and the installed layout.

mypy sees the package as it is installed: ``screens/`` and ``db/`` inside ``pimms_tui``. The
test mirrors that layout with symbolic links in a temporary folder and checks it there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .layout import type_check

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def test_ruff_lint_and_format() -> None:
    """ruff finds nothing to fix and nothing to reformat."""
    lint = _run(sys.executable, "-m", "ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_strict(tmp_path: Path) -> None:
    """mypy --strict passes on the package as installed (``python -m tests.layout``)."""
    result = type_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


LAYER_CHECK = """
import builtins, importlib, pkgutil, sys
real_import = builtins.__import__
def guarded(name, *args, **kwargs):
    if name == "textual" or name.startswith("textual."):
        raise ImportError("textual imported by the core: " + name)
    return real_import(name, *args, **kwargs)
builtins.__import__ = guarded
import pimms_tui.db, pimms_tui.domain
names = ["pimms_tui", "pimms_tui.i18n", "pimms_tui.settings"]
for package in (pimms_tui.db, pimms_tui.domain):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        # Alembic's env.py only runs inside Alembic; the migrations are checked elsewhere.
        if ".migrations" not in module.name:
            names.append(module.name)
for name in names:
    importlib.import_module(name)
assert not [m for m in sys.modules if m.split(".")[0] == "textual"]
print(len(names))
"""


def test_core_never_imports_textual() -> None:
    """db/ and the domain layer import without textual: the layer rule holds."""
    result = _run(sys.executable, "-c", LAYER_CHECK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(result.stdout.strip()) >= 10


@pytest.mark.slow
def test_wheel_installs_one_top_level_name(tmp_path: Path) -> None:
    """The wheel holds pimms_tui only: no top-level db or screens, catalogues included."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = tmp_path.glob("pimms_tui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top_level == {"pimms_tui"}
    assert "pimms_tui/db/models/__init__.py" in names
    # Every package of the source tree is in the wheel (pyproject lists them one by one).
    for init in [*ROOT.glob("pimms_tui/**/__init__.py"), *ROOT.glob("db/**/__init__.py")]:
        relative = init.relative_to(ROOT).as_posix()
        installed = relative if relative.startswith("pimms_tui/") else f"pimms_tui/{relative}"
        assert installed in names, f"{relative}: add its package to pyproject.toml"
    assert "pimms_tui/screens/__init__.py" in names
    assert any(n.startswith("pimms_tui/db/migrations/versions/0001") for n in names)
    assert "pimms_tui/locales/fr/LC_MESSAGES/pimms.po" in names
    assert any(n.startswith("pimms_tui/screens/") and n.endswith(".tcss") for n in names)
