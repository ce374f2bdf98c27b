"""The global options (--lang, --db, --office, --desk, --demo) work before or after the command,
as the README says: ``pimms demo seed … --lang en`` is not refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pimms_tui import cli, i18n
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Visitor

from .test_cli import data_dir, head_revision, revision_of, run_main


@pytest.fixture(autouse=True)
def restore_language() -> Iterator[None]:
    """main() activates a language for the whole process; put the previous one back."""
    before = i18n.active_language()
    yield
    i18n.activate(before)


def test_demo_seed_takes_lang_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`pimms demo seed … --lang en`: seeded, and said in English; its own --db is still the
    database to fill."""
    path = tmp_path / "seeded.sqlite3"
    args = ("demo", "seed", "--visitors", "5", "--days", "1", "--offices", "1")
    result = run_main(capsys, *args, "--db", f"sqlite:///{path}", "--lang", "en")
    assert (result.code, result.err) == (0, ""), result
    assert "5 visitors" in result.out
    assert i18n.active_language() == "en"
    database = Database.from_url(f"sqlite:///{path}")
    try:
        with database.read() as session:
            assert session.scalar(select(func.count()).select_from(Visitor)) == 5
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("db", "upgrade", "--db", "{url}", "--lang", "en"), id="after"),
        pytest.param(("--lang", "en", "db", "upgrade", "--db", "{url}"), id="both-sides"),
        pytest.param(("db", "--db", "{url}", "upgrade", "--lang", "en"), id="in-between"),
    ],
)
def test_db_and_lang_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    """--db and --lang after `db upgrade` (or between its words) name the file and the
    language, exactly as before the command."""
    path = tmp_path / "other" / "desk.sqlite3"
    url = f"sqlite:///{path}"
    i18n.activate("fr")
    result = run_main(capsys, *(a.format(url=url) for a in args))
    assert result.code == 0, result
    assert revision_of(url) == head_revision()
    assert not data_dir().exists()
    assert i18n.active_language() == "en"


def test_demo_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """--demo after `db upgrade` works on the demo file, leaving the real one alone."""
    result = run_main(capsys, "db", "upgrade", "--demo")
    assert result.code == 0, result
    assert (data_dir() / "pimms-demo.sqlite3").is_file()
    assert not (data_dir() / "pimms.sqlite3").exists()


def test_an_option_before_the_command_is_not_reset_after_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--db before the command stays when the command does not repeat it."""
    args = cli.build_parser().parse_args(["--db", "sqlite:///x", "--office", "LYON", "doctor"])
    assert (args.db, args.office, args.lang) == ("sqlite:///x", "LYON", None)
    args = cli.build_parser().parse_args(["doctor", "--office", "LYON", "--desk", "Guichet 2"])
    assert (args.db, args.office, args.desk) == (None, "LYON", "Guichet 2")


def test_an_unknown_option_after_the_command_is_still_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Accepting the global options everywhere accepts nothing else."""
    result = run_main(capsys, "db", "upgrade", "--colour", "blue")
    assert result.code == cli.EXIT_USAGE
    assert "--colour" in result.err
