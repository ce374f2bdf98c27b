"""Tests of the ``pimms`` command: in-process through ``main`` and as a real process.

Whatever the user gets wrong ends in one line on stderr starting with ``pimms: `` and a
non-zero exit code (2 for the command line, 1 for the rest), never a traceback.
"""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from pimms_tui import __version__, cli, i18n
from pimms_tui.db.migrate import current_revision, head_revision
from pimms_tui.settings import data_dir

from .conftest import (
    POSTGRES_SKIP_REASON,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)

REFUSED_POSTGRES = "postgresql://postgres@127.0.0.1:1/nothing"  # port 1: refused at once
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2
PR_CAPBSET_DROP = 24


@dataclass
class Result:
    """What one run of the command gave."""

    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def restore_language() -> Iterator[None]:
    """main() activates a language for the whole process; put the previous one back."""
    before = i18n.active_language()
    yield
    i18n.activate(before)


@pytest.fixture(autouse=True)
def no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables the shared fixture leaves alone must not leak from the developer's shell."""
    for name in ("LC_MESSAGES", "PIMMS_OFFICE"):
        monkeypatch.delenv(name, raising=False)


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run ``pimms args`` in this process."""
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def run_process(
    *args: str, env: dict[str, str] | None = None, preexec: Callable[[], None] | None = None
) -> Result:
    """Run ``python -m pimms_tui args`` as a separate process, in the isolated environment."""
    completed = subprocess.run(
        [sys.executable, "-m", "pimms_tui", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=preexec,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def assert_one_line_error(result: Result, code: int) -> str:
    """The run failed with ``code`` and exactly one ``pimms: `` line on stderr; returns it."""
    assert result.code == code, result
    assert "Traceback" not in result.out + result.err
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert result.err.endswith("\n")
    assert lines[0].startswith("pimms: ")
    assert len(lines[0]) > len("pimms: ") + 10
    return lines[0]


def drop_root_override() -> None:
    """In the child, before exec: give up root's right to ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None] | None]]:
    """A folder with mode 0500, and how to start a process that cannot write in it.

    Root ignores permissions: as root, the process is started without the capabilities that
    let it (probed first, so that the test cannot pass without the folder being read-only).
    """
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    preexec = drop_root_override if os.geteuid() == 0 else None
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        capture_output=True,
        check=False,
        preexec_fn=preexec,
    )
    if probe.returncode == 0:
        folder.chmod(stat.S_IRWXU)
        pytest.skip("cannot make a folder read-only for this user (root without CAP_SETPCAP?)")
    yield folder, preexec
    folder.chmod(stat.S_IRWXU)


# --- version and command line -----------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the version and exits 0."""
    result = run_main(capsys, "--version")
    assert (result.code, result.out, result.err) == (0, f"pimms {__version__}\n", "")
    assert __version__ == "0.1.0"


def test_version_as_a_process() -> None:
    """The same through ``python -m pimms_tui``."""
    result = run_process("--version")
    assert (result.code, result.out, result.err) == (0, "pimms 0.1.0\n", "")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_help(capsys: pytest.CaptureFixture[str], language: str) -> None:
    """--help lists the commands and options and exits 0."""
    result = run_main(capsys, "--lang", language, "--help")
    assert result.code == 0
    assert result.err == ""
    for word in ("pimms", "--db", "--lang", "--desk", "--office", "--demo", "db", "demo"):
        assert word in result.out


def test_subcommand_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Each command has its own help."""
    result = run_main(capsys, "db", "--help")
    assert result.code == 0
    assert "upgrade" in result.out


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        pytest.param(("--frobnicate",), "--frobnicate", id="unknown-option"),
        pytest.param(("--lang", "xx"), "xx", id="bad-language"),
        pytest.param(("--lang=xx",), "xx", id="bad-language-equals"),
        pytest.param(("--db",), "--db", id="missing-value"),
        pytest.param(("--desk",), "--desk", id="missing-desk"),
        pytest.param(("frobnicate",), "frobnicate", id="unknown-command"),
        pytest.param(("db",), "pimms db", id="missing-subcommand"),
        pytest.param(("db", "downgrade"), "downgrade", id="unknown-subcommand"),
        pytest.param(("db", "upgrade", "now"), "now", id="extra-argument"),
        pytest.param(("demo", "seed", "--visitors", "many"), "many", id="not-a-number"),
        pytest.param(("--de",), "--de", id="ambiguous-option"),
    ],
)
def test_usage_errors(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], mentions: str
) -> None:
    """A wrong command line: one line naming what is wrong, exit code 2."""
    line = assert_one_line_error(run_main(capsys, *args), cli.EXIT_USAGE)
    assert mentions in line
    assert "usage:" not in line


@pytest.mark.parametrize(
    "args", [("--frobnicate",), ("--lang", "xx"), ("--db",)], ids=["option", "lang", "db"]
)
def test_usage_errors_as_a_process(args: tuple[str, ...]) -> None:
    """The same from a real process: exit code 2, one line, no traceback."""
    assert_one_line_error(run_process(*args), cli.EXIT_USAGE)


@pytest.mark.skipif(not Path(i18n.catalogue_path("fr")).is_file(), reason="no French catalogue yet")
def test_usage_error_in_french_and_english(capsys: pytest.CaptureFixture[str]) -> None:
    """The line is in the language asked for: French and English differ."""
    french = assert_one_line_error(run_main(capsys, "--lang", "fr", "--frobnicate"), 2)
    english = assert_one_line_error(run_main(capsys, "--lang", "en", "--frobnicate"), 2)
    assert french != english


# --- databases that cannot be opened ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "mentions"),
    [
        pytest.param("nonsense://", "nonsense", id="unknown-kind"),
        pytest.param("::", "::", id="not-a-url"),
        pytest.param(REFUSED_POSTGRES, "127.0.0.1", id="refused"),
    ],
)
def test_database_that_cannot_be_opened(
    capsys: pytest.CaptureFixture[str], url: str, mentions: str
) -> None:
    """A bad or unreachable database: one line naming it, exit code 1."""
    line = assert_one_line_error(run_main(capsys, "--db", url, "db", "upgrade"), cli.EXIT_FAILURE)
    assert mentions in line


@pytest.mark.parametrize("url", ["nonsense://", "::", REFUSED_POSTGRES])
def test_database_that_cannot_be_opened_as_a_process(url: str) -> None:
    """The same from a real process, starting the desk (no command) and via the environment."""
    assert_one_line_error(run_process("--db", url), cli.EXIT_FAILURE)
    assert_one_line_error(run_process(env={"PIMMS_DATABASE_URL": url}), cli.EXIT_FAILURE)


@pytest.mark.skipif(POSTGRES_URL is None, reason=POSTGRES_SKIP_REASON)
def test_postgres_database_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    """The server answers but the database is not there: one line saying so, exit code 1."""
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL).set(database="pimms_does_not_exist")
    result = run_main(capsys, "--db", url.render_as_string(hide_password=False), "db", "upgrade")
    line = assert_one_line_error(result, cli.EXIT_FAILURE)
    assert "pimms_does_not_exist" in line
    assert "does not exist" in line  # the server's own reason, not a refused connection


def test_password_is_never_shown(capsys: pytest.CaptureFixture[str]) -> None:
    """The database's password stays out of the message and of the log."""
    url = "postgresql://pimms:s3cr3t-pw@127.0.0.1:1/pimms"
    line = assert_one_line_error(run_main(capsys, "--db", url, "db", "upgrade"), 1)
    assert "s3cr3t-pw" not in line
    log = data_dir() / cli.LOG_FILE
    assert not log.exists() or "s3cr3t-pw" not in log.read_text()


def test_control_characters_are_not_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    """An address with terminal escapes is shown without them."""
    result = run_main(capsys, "--db", "\x1b]0;owned\x07\x1b[2J::", "db", "upgrade")
    line = assert_one_line_error(result, cli.EXIT_FAILURE)
    assert "\x1b" not in line
    assert "\x07" not in line


# --- data folder --------------------------------------------------------------------------------


def test_data_folder_under_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A data folder that cannot be created (a file is in the way): one line, exit code 1."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PIMMS_DATA_DIR", str(blocker / "data"))
    line = assert_one_line_error(run_main(capsys, "db", "upgrade"), cli.EXIT_FAILURE)
    assert str(blocker / "data") in line
    assert blocker.read_text() == "not a folder"


def test_data_folder_under_a_file_as_a_process(tmp_path: Path) -> None:
    """The same when starting the desk from a real process."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_process(env={"PIMMS_DATA_DIR": str(blocker / "deeper" / "data")})
    assert_one_line_error(result, cli.EXIT_FAILURE)


@pytest.mark.parametrize("where", ["the folder itself", "a folder inside it"])
def test_read_only_data_folder(
    read_only_folder: tuple[Path, Callable[[], None] | None], where: str
) -> None:
    """A data folder, or its parent, that cannot be written: one line, exit code 1."""
    folder, preexec = read_only_folder
    target = folder if where == "the folder itself" else folder / "data"
    for args in (("db", "upgrade"), ()):
        result = run_process(*args, env={"PIMMS_DATA_DIR": str(target)}, preexec=preexec)
        line = assert_one_line_error(result, cli.EXIT_FAILURE)
        assert str(target) in line
    assert list(folder.iterdir()) == []


def test_read_only_data_folder_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder exists but the system says it cannot be written (as it does for root too)."""
    import pimms_tui.application.startup

    data_dir().mkdir(parents=True)
    monkeypatch.setattr(pimms_tui.application.startup.os, "access", lambda *args, **kwargs: False)
    line = assert_one_line_error(run_main(capsys, "db", "upgrade"), cli.EXIT_FAILURE)
    assert str(data_dir()) in line
    assert list(data_dir().iterdir()) == []


# --- settings file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'language = "fr\n', id="bad-toml"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b'language = "de"\n', id="unknown-language"),
        pytest.param(b"desk = 12\n", id="not-text"),
    ],
)
def test_corrupt_settings_file(capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    """A settings file that cannot be used: one line naming it, exit code 1."""
    config = Path(os.environ["PIMMS_CONFIG_DIR"])
    config.mkdir(parents=True)
    (config / "settings.toml").write_bytes(content)
    line = assert_one_line_error(run_main(capsys, "db", "upgrade"), cli.EXIT_FAILURE)
    assert "settings.toml" in line
    assert not data_dir().exists()
    assert_one_line_error(run_process(), cli.EXIT_FAILURE)


def test_unknown_language_in_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    """PIMMS_LANG=xx: one line, exit code 1."""
    os.environ["PIMMS_LANG"] = "xx"  # removed by the shared fixture's monkeypatch
    try:
        line = assert_one_line_error(run_main(capsys, "db", "upgrade"), cli.EXIT_FAILURE)
    finally:
        del os.environ["PIMMS_LANG"]
    assert "xx" in line


# --- unexpected failures ------------------------------------------------------------------------


def test_unexpected_error_is_an_apology_and_a_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug gives one line pointing at the log, and the log holds the traceback (where it
    happened and the error's kind; its text is withheld, it may quote what was typed)."""

    def broken(settings: object, **options: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli.database, "open_database", broken)
    line = assert_one_line_error(run_main(capsys, "db", "upgrade"), cli.EXIT_FAILURE)
    log = data_dir() / cli.LOG_FILE
    assert str(log) in line
    assert "boom" in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "RuntimeError" in text and "RuntimeError: boom" not in text


def test_interrupted(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C during a command ends quietly with 130."""

    def interrupted(settings: object, **options: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.database, "open_database", interrupted)
    result = run_main(capsys, "db", "upgrade")
    assert result.code == cli.EXIT_INTERRUPTED
    assert "Traceback" not in result.out + result.err


# --- db upgrade ---------------------------------------------------------------------------------


def revision_of(url: str) -> str | None:
    """The Alembic revision a database is at."""
    engine = create_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_embedded_database(capsys: pytest.CaptureFixture[str]) -> None:
    """On a fresh data folder: the file is created and migrated to head; twice is fine."""
    path = data_dir() / "pimms.sqlite3"
    assert not data_dir().exists()
    for _ in range(2):
        result = run_main(capsys, "db", "upgrade")
        assert (result.code, result.err) == (0, "")
        assert len(result.out.splitlines()) == 1
        assert str(path) in result.out
        assert path.is_file()
        assert revision_of(f"sqlite:///{path}") == head_revision()
    assert not (data_dir() / "pimms-demo.sqlite3").exists()


def test_db_upgrade_as_a_process(tmp_path: Path) -> None:
    """The same from a real process, with the data folder from the environment."""
    folder = tmp_path / "elsewhere" / "data"
    result = run_process("db", "upgrade", env={"PIMMS_DATA_DIR": str(folder)})
    assert (result.code, result.err) == (0, "")
    assert len(result.out.splitlines()) == 1
    assert revision_of(f"sqlite:///{folder / 'pimms.sqlite3'}") == head_revision()


def test_db_upgrade_of_the_demo_database(capsys: pytest.CaptureFixture[str]) -> None:
    """--demo works on its own file, leaving the real one alone."""
    result = run_main(capsys, "--demo", "db", "upgrade")
    assert result.code == 0
    assert (data_dir() / "pimms-demo.sqlite3").is_file()
    assert not (data_dir() / "pimms.sqlite3").exists()


def test_db_upgrade_of_an_sqlite_file_named_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--db sqlite:///path migrates that file, not the data folder's."""
    path = tmp_path / "other" / "desk.sqlite3"
    result = run_main(capsys, "--db", f"sqlite:///{path}", "db", "upgrade")
    assert result.code == 0, result
    assert revision_of(f"sqlite:///{path}") == head_revision()
    assert not data_dir().exists()


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """An empty PostgreSQL database, dropped afterwards."""
    if POSTGRES_URL is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def test_db_upgrade_on_postgres(capsys: pytest.CaptureFixture[str], fresh_postgres: str) -> None:
    """--db postgresql://… migrates that database to head; twice is fine; no local file."""
    assert revision_of(fresh_postgres.replace("postgresql://", "postgresql+psycopg://", 1)) is None
    for _ in range(2):
        result = run_main(capsys, "--db", fresh_postgres, "db", "upgrade")
        assert (result.code, result.err) == (0, "")
        assert len(result.out.splitlines()) == 1
    psycopg_url = make_url(fresh_postgres).set(drivername="postgresql+psycopg")
    assert revision_of(psycopg_url.render_as_string(hide_password=False)) == head_revision()
    assert not (data_dir() / "pimms.sqlite3").exists()


def test_db_upgrade_on_postgres_from_the_environment(fresh_postgres: str) -> None:
    """PIMMS_DATABASE_URL is used by a real process."""
    result = run_process("db", "upgrade", env={"PIMMS_DATABASE_URL": fresh_postgres})
    assert (result.code, result.err) == (0, "")
    psycopg_url = make_url(fresh_postgres).set(drivername="postgresql+psycopg")
    assert revision_of(psycopg_url.render_as_string(hide_password=False)) == head_revision()


# --- language -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "language"),
    [
        pytest.param(("--lang", "en"), {}, "en", id="option"),
        pytest.param(("--lang=en",), {}, "en", id="option-equals"),
        pytest.param((), {"PIMMS_LANG": "en"}, "en", id="pimms-lang"),
        pytest.param((), {"LANG": "en_US.UTF-8"}, "en", id="locale-en"),
        pytest.param((), {"LANG": "de_DE.UTF-8"}, "fr", id="locale-de"),
        pytest.param(("--lang", "fr"), {"PIMMS_LANG": "en"}, "fr", id="option-beats-env"),
    ],
)
def test_language_of_the_command(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: dict[str, str],
    language: str,
) -> None:
    """The command runs in the language the option, PIMMS_LANG or the locale asks for."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    i18n.activate("en" if language == "fr" else "fr")
    result = run_main(capsys, *args, "db", "upgrade")
    assert result.code == 0
    assert i18n.active_language() == language


def test_language_of_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Errors found while parsing are already in the language asked for."""
    seen: list[str] = []
    translate = cli.common.translate_argparse

    def spy(message: str, prog: str = "pimms") -> str:
        seen.append(i18n.active_language())
        return translate(message, prog)

    monkeypatch.setattr(cli.common, "translate_argparse", spy)
    i18n.activate("fr")
    assert_one_line_error(run_main(capsys, "--lang", "en", "--frobnicate"), 2)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    i18n.activate("fr")
    assert_one_line_error(run_main(capsys, "--frobnicate"), 2)
    assert seen == ["en", "en"]
