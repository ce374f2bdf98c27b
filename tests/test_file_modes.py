"""Private files whatever the umask: the real ``pimms`` command, run as a user would.

Each test runs ``pimms`` in a subprocess started by a shell with a permissive umask (0000 or
0022), against a fresh data folder: the database, the demo, exports, a backup, a restore and a
log line are made, then every folder and file under the data and config folders is walked.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

# A log line as an unexpected failure of a command writes it (the command's own handler).
FAILING_COMMAND = (
    "import sys, pimms_tui.cli as cli\n"
    "def broken(args, settings):\n"
    "    raise RuntimeError('a failure for the log')\n"
    "cli._dispatch = broken\n"
    "raise SystemExit(cli.main(sys.argv[1:]))\n"
)


def pimms(
    folder: Path, umask: int, *args: str, code: str | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``pimms`` (or ``code``) from a shell whose umask is ``umask``."""
    env = {
        **os.environ,
        "HOME": str(folder / "home"),
        "PIMMS_DATA_DIR": str(folder / "data"),
        "PIMMS_CONFIG_DIR": str(folder / "config"),
        "LANG": "C.UTF-8",
    }
    program = ["-c", code] if code else ["-m", "pimms_tui"]
    command = " ".join(["exec", _quote(sys.executable), *map(_quote, program), *map(_quote, args)])
    return subprocess.run(
        ["/bin/sh", "-c", f"umask {umask:03o} && {command}"],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def modes_under(*roots: Path) -> dict[str, str]:
    """Every folder and file under ``roots`` with its mode, as ``{path: "0700"}``."""
    modes: dict[str, str] = {}
    for root in roots:
        if not root.exists():
            continue
        modes[str(root)] = f"{stat.S_IMODE(root.stat().st_mode):04o}"
        for folder, folders, files in os.walk(root):
            for name in (*folders, *files):
                path = Path(folder) / name
                modes[str(path)] = f"{stat.S_IMODE(path.lstat().st_mode):04o}"
    return modes


def not_private(modes: dict[str, str]) -> dict[str, str]:
    """The entries other accounts could read (folders other than 0700, files other than 0600)."""
    return {
        path: mode
        for path, mode in modes.items()
        if mode != ("0700" if Path(path).is_dir() else "0600")
    }


def test_a_fresh_install_is_clean_for_doctor(tmp_path: Path) -> None:
    """Before anything was started: nothing to complain about, nothing created by the check."""
    done = pimms(tmp_path, 0o022, "--lang", "en", "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PROBLEM" not in done.stdout
    assert "There is no database yet" in done.stdout
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_every_file_the_app_or_sqlite_creates_is_private(tmp_path: Path, umask: int) -> None:
    """Database and its -wal/-shm, demo, documents, exports, backup, restore, log: 0600 in
    0700 folders, and ``pimms doctor`` clean afterwards."""
    data = tmp_path / "data"
    steps = [
        ("db", "upgrade"),
        ("demo", "seed", "--visitors", "30", "--days", "3", "--offices", "1"),
        ("--demo", "export", "stats", "--from", "2020-01-01", "--to", "2030-12-31"),
        (
            "--demo",
            "export",
            "stats",
            "--from",
            "2020-01-01",
            "--to",
            "2030-12-31",
            "--format",
            "xlsx",
            "--output",
            str(data / "exports" / "stats.xlsx"),
        ),
        ("--demo", "export", "visitor", "1"),
        ("--demo", "backup", str(data / "backups" / "monday.sqlite3")),
    ]
    for step in steps:
        done = pimms(tmp_path, umask, "--lang", "en", *step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    backup = data / "backups" / "monday.sqlite3"
    restored = f"sqlite:///{data / 'restored' / 'pimms.sqlite3'}"
    done = pimms(tmp_path, umask, "--lang", "en", "--db", restored, "restore", str(backup), "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    # A restore over the demo database, which desks hold open in WAL mode.
    done = pimms(tmp_path, umask, "--lang", "en", "--demo", "restore", str(backup), "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    failed = pimms(tmp_path, umask, "--lang", "en", "db", "upgrade", code=FAILING_COMMAND)
    assert failed.returncode == 1 and (data / "pimms.log").is_file(), failed.stderr

    modes = modes_under(data, tmp_path / "config")
    names = {Path(path).name for path in modes}
    for expected in (
        "pimms.sqlite3",
        "pimms-demo.sqlite3",
        "documents",
        "pimms.log",
        "stats.xlsx",
        backup.name,
    ):
        assert expected in names, sorted(names)
    assert any(name.endswith(".csv") for name in names)
    assert any(name.endswith(".json") for name in names)  # the right-of-access export
    assert not_private(modes) == {}
    done = pimms(tmp_path, umask, "--lang", "en", "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Only this account can read" in done.stdout


def test_sqlite_gives_its_wal_and_shm_the_databases_mode(tmp_path: Path) -> None:
    """While a desk holds the database open, its -wal and -shm files are private too."""
    code = (
        "import os, sys, pimms_tui.cli as cli\n"
        "from pimms_tui.application import open_database\n"
        "from pimms_tui.settings import load_settings\n"
        "from sqlalchemy import text\n"
        "assert cli.main(['db', 'upgrade']) == 0\n"
        "database = open_database(load_settings())\n"
        "with database.write() as session:\n"
        "    session.execute(text('CREATE TABLE IF NOT EXISTS t (x int)'))\n"
        "with database.read() as session:\n"
        "    folder = os.environ['PIMMS_DATA_DIR']\n"
        "    print(sorted(os.listdir(folder)))\n"
        "    print({n: oct(os.stat(os.path.join(folder, n)).st_mode & 0o777)"
        " for n in os.listdir(folder)})\n"
    )
    done = pimms(tmp_path, 0o000, code=code)
    assert done.returncode == 0, done.stderr
    assert "pimms.sqlite3-wal" in done.stdout and "pimms.sqlite3-shm" in done.stdout
    assert "0o6" in done.stdout and "0o644" not in done.stdout and "0o666" not in done.stdout


def test_doctor_repairs_an_existing_install(tmp_path: Path) -> None:
    """An install made before: folders 0755, files 0644; --repair says what it changed."""
    assert pimms(tmp_path, 0o022, "db", "upgrade").returncode == 0
    data, config = tmp_path / "data", tmp_path / "config"
    (data / "documents").mkdir(exist_ok=True)
    slip = data / "documents" / "old-slip.txt"
    slip.write_text("Fiche")
    config.mkdir()
    (config / "settings.toml").write_text('language = "en"\n')
    for path in (data, data / "documents", config):
        path.chmod(0o755)
    for path in (data / "pimms.sqlite3", slip, config / "settings.toml"):
        path.chmod(0o644)

    checked = pimms(tmp_path, 0o022, "--lang", "en", "doctor")
    assert checked.returncode == 1
    assert "can be read by other accounts" in checked.stdout
    assert "old-slip.txt (0644)" in checked.stdout

    repaired = pimms(tmp_path, 0o022, "--lang", "en", "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert f"Made private: {slip} (0644 → 0600)." in repaired.stdout
    assert f"Made private: {data} (0755 → 0700)." in repaired.stdout
    assert not_private(modes_under(data, config)) == {}
    again = pimms(tmp_path, 0o022, "--lang", "en", "doctor", "--repair")
    assert again.returncode == 0 and "Made private" not in again.stdout


def test_any_command_makes_the_folders_of_an_old_install_private(tmp_path: Path) -> None:
    """The data and config folders of an older install are closed at the next start."""
    assert pimms(tmp_path, 0o022, "db", "upgrade").returncode == 0
    data, config = tmp_path / "data", tmp_path / "config"
    config.mkdir(mode=0o755)
    data.chmod(0o755)
    config.chmod(0o755)
    assert pimms(tmp_path, 0o022, "db", "upgrade").returncode == 0
    assert f"{stat.S_IMODE(data.stat().st_mode):04o}" == "0700"
    assert f"{stat.S_IMODE(config.stat().st_mode):04o}" == "0700"
