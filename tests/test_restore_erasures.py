"""Restoring a backup never brings back a person erased or withdrawn since it was made.

The live database lists its erasures (the file's id and the instant it was opened, never a
name); ``pimms restore`` applies them to a copy of the backup before putting it in place.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pimms_tui import cli, i18n
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Erasure, ErasureKind, Visitor, VisitorSearchToken
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.rights import ErasureRecord, reapply_erasures

from .conftest import _SESSION_ROLES, as_user
from .test_rights import rights
from .test_visitor_file import Office as FileDesk


@pytest.fixture(autouse=True)
def restore_language() -> Iterator[None]:
    before = i18n.active_language()
    yield
    i18n.activate(before)


def names(url: str) -> dict[int, tuple[str | None, int]]:
    """Each file's last name and its number of search words, read afresh."""
    database = Database.from_url(url)
    try:
        with database.read() as session:
            return {
                visitor.id: (
                    visitor.last_name,
                    len(
                        list(
                            session.scalars(
                                select(VisitorSearchToken.token).where(
                                    VisitorSearchToken.visitor_id == visitor.id
                                )
                            )
                        )
                    ),
                )
                for visitor in session.scalars(select(Visitor))
            }
    finally:
        database.dispose()


def test_restore_erases_again_who_was_erased_or_withdrew_after_the_backup(
    sqlite_database: Database,
    sqlite_office: OfficeInfo,
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    desk = FileDesk(sqlite_database, sqlite_office, clock)
    url = sqlite_database.engine.url.render_as_string(hide_password=False)
    erased = desk.visitor("Zqxwvyk", "Vrojbexa")
    withdrawn = desk.visitor("Qlumbrat", "Fyxodent")
    kept = desk.visitor("Hélène", "Dupont")
    backup = tmp_path / "backup.sqlite3"
    assert cli.main(["--lang", "en", "--db", url, "backup", str(backup)]) == 0
    clock.advance(hours=2)
    assert cli.main(["--lang", "en", "--db", url, "erase", "visitor", str(erased), "--yes"]) == 0
    rights(desk).withdraw_consent(withdrawn, desk.actor)
    sqlite_database.dispose()
    capsys.readouterr()

    assert cli.main(["--lang", "en", "--db", url, "restore", str(backup), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "2 file(s) erased since the backup was made erased again." in out

    restored = names(url)
    assert restored[erased] == (None, 0)
    assert restored[withdrawn] == (None, 0)
    assert restored[kept][0] == "Dupont" and restored[kept][1] > 0
    database = Database.from_url(url)
    with database.read() as session:
        listed = {
            (row.visitor_id, row.kind)
            for row in session.scalars(select(Erasure).order_by(Erasure.id))
        }
    database.dispose()
    assert listed == {(erased, ErasureKind.ERASURE), (withdrawn, ErasureKind.WITHDRAWAL)}
    # Erased in the file too, not only in the rows.
    path = Path(str(make_path(url)))
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            data = part.read_bytes()
            for secret in (b"Zqxwvyk", b"zqxwvyk", b"Qlumbrat", b"qlumbrat"):
                assert secret not in data, (suffix, secret)
    # A second restore of the same backup erases them again (the list was kept).
    assert cli.main(["--lang", "en", "--db", url, "restore", str(backup), "--yes"]) == 0
    assert "2 file(s) erased since" in capsys.readouterr().out
    assert names(url)[erased] == (None, 0)


def make_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def test_an_erasure_applies_only_to_the_file_it_erased(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    """A file given the same id later (another person) is not erased: the opening instant
    tells them apart; the erasure is listed all the same."""
    desk = FileDesk(database, office, clock)
    visitor = desk.visitor("Zqxwvyk", "Vrojbexa")
    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None
        opened = row.created_at
    other = ErasureRecord(
        office.id, visitor, opened - timedelta(days=3), clock.now(), ErasureKind.ERASURE
    )
    same = ErasureRecord(office.id, visitor, opened, clock.now(), ErasureKind.ERASURE)
    with database.write() as session:
        assert reapply_erasures(session, [other]) == 0
    assert names_in(database)[visitor] == "Vrojbexa"
    with database.write() as session:
        assert reapply_erasures(session, [same]) == 1
        assert reapply_erasures(session, [same]) == 0
    assert names_in(database)[visitor] is None


def names_in(database: Database) -> dict[int, str | None]:
    with database.read() as session:
        return {v.id: v.last_name for v in session.scalars(select(Visitor))}


@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="no pg_dump/pg_restore")
def test_a_postgresql_dump_restored_is_erased_again_from_the_saved_list(
    database: Database,
    office: OfficeInfo,
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's procedure: pg_dump; an erasure; ``pimms erase list``, pg_restore,
    ``pimms erase again``: the person stays erased, the others are back as they were."""
    if database.is_sqlite:
        pytest.skip("pimms restore does it on SQLite")
    desk = FileDesk(database, office, clock)
    url = database.engine.url.render_as_string(hide_password=False)
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    erased = desk.visitor("Zqxwvyk", "Vrojbexa")
    kept = desk.visitor("Hélène", "Dupont")
    # Backups are made and restored by the tables' owner (the README), the desks' role cannot.
    owner = as_user(libpq, _SESSION_ROLES[-1].owner) if _SESSION_ROLES else libpq
    dump = tmp_path / "pimms.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), owner], check=True)
    assert cli.main(["--lang", "en", "--db", url, "erase", "visitor", str(erased), "--yes"]) == 0
    saved = tmp_path / "erasures.json"
    assert cli.main(["--lang", "en", "--db", url, "erase", "list", str(saved)]) == 0
    assert b"Vrojbexa" not in saved.read_bytes() and oct(saved.stat().st_mode)[-3:] == "600"
    database.dispose()
    subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", owner, str(dump)],
        check=True,
    )
    assert names(url)[erased][0] == "Vrojbexa"  # the dump brought the person back
    capsys.readouterr()
    assert cli.main(["--lang", "en", "--db", url, "erase", "again", str(saved)]) == 0
    assert "1 file(s) erased again." in capsys.readouterr().out
    restored = names(url)
    assert restored[erased] == (None, 0)
    assert restored[kept][0] == "Dupont"
