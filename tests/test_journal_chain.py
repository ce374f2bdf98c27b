"""The journal cannot be rewritten unseen: every entry is sealed with the previous one's hash.

On both engines: the use cases' entries form one unbroken chain; the database refuses
SQLite's ``REPLACE`` (which deletes without firing the delete trigger); a journal rewritten
past the database's guards (triggers dropped on SQLite, ``session_replication_role`` on
PostgreSQL) is caught by ``pimms doctor``, which names the first broken link; several desk
processes writing at once never fork the chain; and the upgrade seals old entries.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from pimms_tui import cli
from pimms_tui.application.doctor_journal import check_journal
from pimms_tui.application.office_settings import update_settings
from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.journal_chain import GENESIS, entry_hash
from pimms_tui.db.models import AuditChain, AuditEntry
from pimms_tui.domain import audit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.journal import ChainBreakKind, verify_chain
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.settings import data_dir

from .conftest import (
    ENGINES,
    FIXED_NOW,
    POSTGRES_URL,
    as_user,
    create_postgres_database,
    drop_postgres_database,
)
from .test_visitor_file import Office as FileDesk

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> FileDesk:
    return FileDesk(database, office, clock)


def manager_of(desk: FileDesk) -> Actor:
    actor = desk.actor
    return Actor(actor.office_id, actor.desk_id, actor.staff_id, role=Role.MANAGER)


def journal_work(desk: FileDesk) -> None:
    """A morning's journal through the use cases: files created and opened, settings changed."""
    for first in ("Hélène", "Moussa", "Zoé"):
        visitor = desk.visitor(first=first)
        desk.files.open(visitor, desk.actor)
        desk.clock.advance(minutes=3)
    update_settings(
        desk.database,
        desk.office.id,
        manager_of(desk),
        {"wait_target_minutes": 25},
        desk.clock.now(),
    )


def url_of(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def chain_rows(database: Database) -> list[AuditEntry]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def doctor_output(database: Database, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``pimms doctor`` on this database, as the desks connect to it."""
    data_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    code = cli.main(["--lang", "en", "--db", url_of(database), "doctor"])
    return code, capsys.readouterr().out


# --- The seal -----------------------------------------------------------------------------------


def test_every_entry_is_sealed_with_the_previous_ones_hash(
    database: Database, desk: FileDesk, capsys: pytest.CaptureFixture[str]
) -> None:
    journal_work(desk)
    rows = chain_rows(database)
    assert len(rows) >= 7  # consents, openings, the settings change
    previous = GENESIS
    for row in rows:
        assert row.previous_hash == previous
        assert row.entry_hash == entry_hash(
            id=row.id,
            at=row.at,
            office_id=row.office_id,
            staff_id=row.staff_id,
            desk_id=row.desk_id,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            detail=row.detail,
            previous_hash=previous,
        )
        previous = row.entry_hash
    with database.read() as session:
        head = session.get(AuditChain, 1)
        assert head is not None and (head.last_id, head.last_hash) == (rows[-1].id, previous)
        assert verify_chain(session).broken is None
    _code, out = doctor_output(database, capsys)  # (other checks judge the files' modes…)
    journal_lines = [line for line in out.splitlines() if "journal" in line]
    assert journal_lines and all(line.startswith("[ok]") for line in journal_lines), out
    assert (
        f"The journal's chain is intact: {len(rows)} entries, the last sealed {previous[:16]}"
        in out
    )
    assert "The database refuses changes to the journal." in out


def test_a_transaction_that_fails_seals_nothing(database: Database, desk: FileDesk) -> None:
    """Entries recorded in a write that rolls back leave the chain (and its head) as it was."""
    journal_work(desk)
    before = chain_rows(database)
    with pytest.raises(RuntimeError), database.write() as session:
        audit.record(session, desk.actor, Action.EXPORT, at=desk.clock.now(), entity="visitor")
        raise RuntimeError("the export failed")
    with database.write() as session:
        audit.record(session, desk.actor, Action.EXPORT, at=desk.clock.now(), entity="visitor")
        audit.record(session, desk.actor, Action.PURGE, at=desk.clock.now())
    after = chain_rows(database)
    assert [r.action for r in after[len(before) :]] == [Action.EXPORT, Action.PURGE]
    assert after[len(before)].previous_hash == before[-1].entry_hash
    with database.read() as session:
        assert verify_chain(session).broken is None


# --- SQLite's REPLACE -------------------------------------------------------------------------

REPLACES = [
    # Rewrite an entry in place: same id, other content.
    "INSERT OR REPLACE INTO audit_entry (id, at, action, detail) "
    "VALUES ({first}, '2026-03-02 09:00:00.000000', 'nothing_happened', '{{}}')",
    "REPLACE INTO audit_entry (id, at, action, detail) "
    "VALUES ({first}, '2020-01-01 00:00:00.000000', 'sign_in', '{{}}')",
    # Back-date another: the last entry replaced with an earlier time.
    "REPLACE INTO audit_entry (id, at, action, detail) "
    "VALUES ({last}, '2020-01-01 00:00:00.000000', 'export', '{{}}')",
    # An upsert spelled the other way.
    "INSERT INTO audit_entry (id, at, action, detail) "
    "VALUES ({first}, '2026-03-02 09:00:00.000000', 'x', '{{}}') "
    "ON CONFLICT (id) DO UPDATE SET action = 'x'",
]


@pytest.mark.parametrize("statement", REPLACES)
def test_sqlite_refuses_replace_whatever_program_connects(
    sqlite_database: Database, sqlite_office: OfficeInfo, clock: FixedClock, statement: str
) -> None:
    """Through SQLite's own module, without the application's connection settings."""
    journal_work(FileDesk(sqlite_database, sqlite_office, clock))
    before = [(r.id, r.at, r.action, r.entry_hash) for r in chain_rows(sqlite_database)]
    path = sqlite_database.engine.url.database
    assert path
    raw = sqlite3.connect(path)
    try:
        sql = statement.format(first=before[0][0], last=before[-1][0])
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute(sql)
            raw.commit()
    finally:
        raw.close()
    after = [(r.id, r.at, r.action, r.entry_hash) for r in chain_rows(sqlite_database)]
    assert after == before


def test_a_second_entry_after_the_same_one_is_refused(database: Database, desk: FileDesk) -> None:
    """No fork: one entry only may follow each (a unique seal link), on both engines."""
    journal_work(desk)
    rows = chain_rows(database)
    with pytest.raises(DBAPIError), database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_entry (id, at, action, detail, previous_hash, entry_hash) "
                "VALUES (:id, :at, 'export', '{}', :previous, :hash)"
            ),
            {
                "id": rows[-1].id + 100,
                "at": rows[-1].at.replace(tzinfo=None),
                "previous": rows[1].previous_hash,
                "hash": "f" * 64,
            },
        )
    assert len(chain_rows(database)) == len(rows)


# --- A rewritten journal is caught -----------------------------------------------------------


def _seal_of(connection: Connection, entry_id: int, previous: str) -> str:
    row = (
        connection.execute(select(AuditEntry.__table__).where(AuditEntry.id == entry_id))
        .mappings()
        .one()
    )
    fields = {k: row[k] for k in ("id", "at", "office_id", "staff_id", "desk_id", "action")}
    return entry_hash(
        **fields,
        entity=row["entity"],
        entity_id=row["entity_id"],
        detail=row["detail"],
        previous_hash=previous,
    )


def _change(connection: Connection, rows: list[AuditEntry]) -> tuple[int, str]:
    target = rows[2]
    connection.execute(
        text("UPDATE audit_entry SET detail = :detail WHERE id = :id"),
        {"detail": json.dumps({"why": "covered up"}), "id": target.id},
    )
    return target.id, ChainBreakKind.CHANGED


def _back_date_and_reseal(connection: Connection, rows: list[AuditEntry]) -> tuple[int, str]:
    """Who knows the seal's recipe re-seals the entry: the next entry's link breaks."""
    target = rows[2]
    connection.execute(
        text("UPDATE audit_entry SET at = :at WHERE id = :id"),
        {"at": (target.at - timedelta(days=30)).replace(tzinfo=None), "id": target.id},
    )
    resealed = _seal_of(connection, target.id, target.previous_hash)
    connection.execute(
        text("UPDATE audit_entry SET entry_hash = :hash WHERE id = :id"),
        {"hash": resealed, "id": target.id},
    )
    return rows[3].id, ChainBreakKind.LINK


def _remove_one(connection: Connection, rows: list[AuditEntry]) -> tuple[int, str]:
    connection.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[2].id})
    return rows[3].id, ChainBreakKind.LINK


def _remove_the_last(connection: Connection, rows: list[AuditEntry]) -> tuple[int, str]:
    connection.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[-1].id})
    return rows[-2].id, ChainBreakKind.TAIL


TAMPERINGS: list[Callable[[Connection, list[AuditEntry]], tuple[int, str]]] = [
    _change,
    _back_date_and_reseal,
    _remove_one,
    _remove_the_last,
]
EXPECTED_WORDS = {
    ChainBreakKind.CHANGED: "no longer matches its seal",
    ChainBreakKind.LINK: "is broken",
    ChainBreakKind.TAIL: "were removed",
}


@contextmanager
def past_the_guards(database: Database) -> Iterator[Connection]:
    """A connection that can rewrite the journal: SQLite with its triggers dropped (any
    program writing the file can); PostgreSQL as a superuser in replica mode (triggers off)."""
    if database.is_sqlite:
        with database.engine.begin() as connection:
            for name in ("update", "delete", "replace"):
                connection.exec_driver_sql(f"DROP TRIGGER audit_entry_no_{name}")
            yield connection
        return
    assert POSTGRES_URL is not None
    admin = Database.from_url(as_user(url_of(database), make_url(POSTGRES_URL).username or ""))
    try:
        with admin.engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield connection
    finally:
        admin.dispose()


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__.strip("_"))
def test_doctor_names_the_first_broken_link(
    database: Database,
    desk: FileDesk,
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[Connection, list[AuditEntry]], tuple[int, str]],
) -> None:
    journal_work(desk)
    rows = chain_rows(database)
    with past_the_guards(database) as connection:
        named, kind = tamper(connection, rows)
    at = next(r.at for r in rows if r.id == named)
    with database.read() as session:
        broken = verify_chain(session).broken
    assert broken is not None and (broken.kind, broken.entry_id) == (kind, named)
    code, out = doctor_output(database, capsys)
    assert code == 1
    problem = next(line for line in out.splitlines() if "The journal was altered" in line)
    assert problem.startswith("[PROBLEM]")
    assert f"entry {named} ({at.isoformat(sep=' ', timespec='seconds')})" in problem
    assert EXPECTED_WORDS[kind] in problem
    if database.is_sqlite:  # the dropped triggers are named too
        assert "no longer refuses changes to the journal: audit_entry_no_update" in out


def test_the_doctor_check_is_translated(database: Database, desk: FileDesk) -> None:
    journal_work(desk)
    rows = chain_rows(database)
    with past_the_guards(database) as connection:
        _change(connection, rows)
    findings = check_journal(database)
    assert [f.ok for f in findings][:2] == [database.is_sqlite is False, False]
    from pimms_tui.i18n import activate, translate

    activate("fr")
    try:
        text_fr = translate(findings[1].message, findings[1].params)
    finally:
        activate("en")
    assert f"entrée {rows[2].id}" in text_fr and "maillon" in text_fr


# --- Several desks at once --------------------------------------------------------------------

WRITER = """
import sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from pimms_tui.application.office_settings import update_settings
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain import audit
from pimms_tui.domain.actors import Actor

url, office_id, other_id, number, start = sys.argv[1:6]
office_id, other_id, number = int(office_id), int(other_id), int(number)
database = Database.from_url(url)
manager = Actor(office_id, None, None, role=Role.MANAGER)
elsewhere = Actor(other_id, None, None, role=Role.MANAGER)
now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Path(start + f"-ready-{number}").touch()
while not Path(start).exists():
    time.sleep(0.005)
for step in range(ENTRIES):
    at = now + timedelta(seconds=step)
    if step % 3 == 0:  # the office row FOR UPDATE, then the journal
        update_settings(
            database, office_id, manager, {"wait_target_minutes": 10 + (number + step) % 50}, at
        )
    else:
        with database.write() as session:
            actor = manager if step % 2 else elsewhere
            audit.record(session, actor, "file_opened", at=at, entity="visitor", entity_id=step)
            audit.record(session, actor, "export", at=at, entity="visitor", entity_id=number)
database.dispose()
"""
PROCESSES = 4
ENTRIES = 30
WRITERS_TIMEOUT_S = 120


def test_desks_writing_at_once_never_fork_the_chain(
    database: Database, office: OfficeInfo, tmp_path: Path
) -> None:
    """Four processes, two offices, settings changes (office row locked) among the entries."""
    with database.write() as session:
        other = create_office(session, name="PIMMS Autre", code="AUT", now=FIXED_NOW)
    start = tmp_path / "start"
    script = WRITER.replace("ENTRIES", str(ENTRIES))
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                script,
                url_of(database),
                str(office.id),
                str(other.id),
                str(n),
                str(start),
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    deadline = time.monotonic() + WRITERS_TIMEOUT_S
    while len(list(tmp_path.glob("start-ready-*"))) < PROCESSES:  # every writer is ready
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers)
        time.sleep(0.02)
    start.touch()
    began = time.monotonic()
    errors = []
    for writer in writers:
        _out, err = writer.communicate(timeout=WRITERS_TIMEOUT_S)
        if writer.returncode:
            errors.append(err[-2000:])
    elapsed = time.monotonic() - began
    assert errors == []
    rows = chain_rows(database)
    with database.read() as session:
        check = verify_chain(session)
        count = session.scalar(select(func.count()).select_from(AuditEntry))
        links = session.scalar(select(func.count(func.distinct(AuditEntry.previous_hash))))
    assert check.broken is None
    # Each process: ENTRIES steps; a third change the settings (one entry when the value
    # changed), the others write two entries.
    assert count == check.entries == len(rows) == links
    assert count >= PROCESSES * (ENTRIES * 2 // 3) * 2
    assert {r.office_id for r in rows} == {office.id, other.id}
    print(f"{PROCESSES} processes, {count} entries in {elapsed:.2f} s")


# --- The upgrade seals the old entries --------------------------------------------------------


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema at all, once per engine (migrated by the test)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        url = create_postgres_database()
        request.addfinalizer(lambda: drop_postgres_database(url))
    database = Database.from_url(url)
    yield database
    database.dispose()


def test_the_upgrade_seals_existing_entries_in_order(empty_database: Database) -> None:
    engine = empty_database.engine
    migrate.upgrade(engine, "0007")  # the revision before the chain
    with empty_database.write() as session:
        office = create_office(session, name="PIMMS Ancien", code="OLD", now=FIXED_NOW)
    with engine.begin() as connection:
        for minute, action in enumerate(("sign_in", "file_opened", "export", "purge")):
            connection.execute(
                text(
                    "INSERT INTO audit_entry (at, office_id, action, entity, entity_id, detail) "
                    "VALUES (:at, :office, :action, 'visitor', :minute, :detail)"
                ),
                {
                    "at": (FIXED_NOW + timedelta(minutes=minute)).replace(tzinfo=None),
                    "office": office.id,
                    "action": action,
                    "minute": minute,
                    "detail": json.dumps({"n": minute, "name": "é"}),
                },
            )
    migrate.upgrade(engine)
    rows = chain_rows(empty_database)
    assert [r.action for r in rows] == ["sign_in", "file_opened", "export", "purge"]
    assert rows[0].previous_hash == GENESIS
    assert all(b.previous_hash == a.entry_hash for a, b in itertools.pairwise(rows))
    with empty_database.read() as session:
        assert verify_chain(session).broken is None
    # New entries follow the old ones; downgrading and upgrading again seals the same way.
    with empty_database.write() as session:
        audit.record(session, None, Action.EXPORT, at=FIXED_NOW, office_id=office.id)
    sealed = [(r.id, r.entry_hash) for r in chain_rows(empty_database)]
    assert len(sealed) == 5
    migrate.downgrade(engine, "0007")
    migrate.upgrade(engine)
    assert [(r.id, r.entry_hash) for r in chain_rows(empty_database)] == sealed
