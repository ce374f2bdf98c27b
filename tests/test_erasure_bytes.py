"""Erased means gone from the database files, not only from the rows.

A person with a unique name, note and relay texts is erased (on request, on withdrawal of
consent, by the retention purge) through the application layer; then the bytes of the
database are searched for every one of those texts. On SQLite: the file, its ``-wal`` and
its ``-shm`` (``secure_delete`` zeroes the old cells, the checkpoint empties the log). On
PostgreSQL, read with ``pageinspect`` (a superuser's extension, created in the test's own
database): after an erasure at the desk (plain VACUUM) no row, live or dead, of any table,
TOAST table or index holds the texts and ``pgstattuple`` counts no dead row; after ``pimms
purge`` (VACUUM FULL, the tables written anew) no byte of any page holds them at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import RelayMode
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.orientation import RelayInput

from .conftest import _SESSION_ROLES, POSTGRES_URL, as_user
from .test_rights import manager, rights
from .test_visitor_file import Office as FileDesk

FIRST, LAST = "Zqxwvyk", "Vrojbexa"
NOTE, REASON, DETAILS, CONTACT = "Qjvnotex", "Qjvreasonx", "Qjvdetailx", "qjvcontact@example.org"
SECRETS = (FIRST, LAST, NOTE, REASON, DETAILS, CONTACT)


@pytest.fixture
def owner(database: Database) -> Iterator[Database]:
    """The database as its tables' owner sees it: only the owner may VACUUM on PostgreSQL, so
    this is a one-role install, or the purge that cron runs with the owner's address. (The
    desks' role erases too, without the VACUUM: see the last test.)"""
    if database.is_sqlite or not _SESSION_ROLES:
        yield database
        return
    url = database.engine.url.render_as_string(hide_password=False)
    owned = Database.from_url(as_user(url, _SESSION_ROLES[-1].owner))
    yield owned
    owned.dispose()


@pytest.fixture
def desk(owner: Database, office, clock: FixedClock) -> FileDesk:  # type: ignore[no-untyped-def]
    return FileDesk(owner, office, clock)


@contextmanager
def superuser(database: Database) -> Iterator[Connection]:
    """A connection to the same database as the server's superuser (pageinspect needs it)."""
    url = database.engine.url.render_as_string(hide_password=False)
    if POSTGRES_URL is not None:
        url = as_user(url, str(make_url(POSTGRES_URL).username))
    admin = Database.from_url(url)
    try:
        with admin.engine.connect() as connection:
            yield connection
    finally:
        admin.dispose()


def unique_person(desk: FileDesk) -> int:
    """A file whose every text is unique, with a noted demand and a relay; its id."""
    visitor = desk.visitor(FIRST, LAST)
    visit = desk.visit(visitor)
    demand = desk.demand(visit, "energy", "edf", NOTE)
    desk.orientation.relay(
        demand,
        RelayInput(
            desk.partners["edf"],
            RelayMode.EMAIL,
            contact=CONTACT,
            reason=REASON,
            shared_details=DETAILS,
            share_consent=True,
        ),
        desk.actor,
    )
    desk.orientation.close_visit(visit, desk.actor)
    return visitor


def needles() -> list[bytes]:
    """Each text as stored, folded (search words) and upper-cased, in UTF-8."""
    found = set()
    for secret in SECRETS:
        for variant in (secret, secret.lower(), secret.upper()):
            found.add(variant.encode())
    return sorted(found)


def sqlite_bytes(database: Database) -> dict[str, bytes]:
    path = Path(str(database.engine.url.database))
    return {
        suffix or "db": Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    }


def postgres_pages(database: Database) -> bytes:
    """Every page of every table, index, TOAST table and sequence of the public schema."""
    with superuser(database) as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        relations = connection.exec_driver_sql(
            "SELECT c.oid::regclass::text, pg_relation_size(c.oid) / current_setting("
            "'block_size')::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't') "
            "AND c.relpersistence = 'p'"
        ).all()
        chunks = []
        for name, blocks in relations:
            for block in range(int(blocks)):
                chunks.append(
                    connection.execute(
                        text("SELECT get_raw_page(:name, :block)"),
                        {"name": name, "block": block},
                    ).scalar_one()
                )
        connection.commit()
    return b"".join(bytes(chunk) for chunk in chunks)


def postgres_items(database: Database) -> bytes:
    """The data of every row version (live or dead) of every table, TOAST table and index."""
    with superuser(database) as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        relations = connection.exec_driver_sql(
            "SELECT c.oid::regclass::text, c.relkind, pg_relation_size(c.oid) / current_setting("
            "'block_size')::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't') "
            "AND c.relpersistence = 'p'"
        ).all()
        chunks: list[bytes] = []
        for name, kind, blocks in relations:
            for block in range(1 if kind == "i" else 0, int(blocks)):  # 0: a B-tree's metapage
                values = {"name": name, "block": block}
                if kind == "i":
                    rows = connection.execute(
                        text("SELECT data FROM bt_page_items(get_raw_page(:name, :block))"),
                        values,
                    ).scalars()
                    chunks += [bytes.fromhex(row.replace(" ", "")) for row in rows if row]
                else:
                    rows = connection.execute(
                        text("SELECT t_data FROM heap_page_items(get_raw_page(:name, :block))"),
                        values,
                    ).scalars()
                    chunks += [bytes(row) for row in rows if row is not None]
        connection.commit()
    return b"\0".join(chunks)


def database_bytes(database: Database, *, raw: bool) -> dict[str, bytes]:
    if database.is_sqlite:
        return sqlite_bytes(database)
    return {"pages": postgres_pages(database)} if raw else {"rows": postgres_items(database)}


def left_behind(database: Database, *, raw: bool = True) -> list[tuple[str, str]]:
    """Which texts are still in which file (PostgreSQL: in its pages, or in its rows)."""
    return [
        (where, needle.decode())
        for where, data in database_bytes(database, raw=raw).items()
        for needle in needles()
        if needle in data
    ]


def dead_rows(database: Database) -> dict[str, int]:
    """PostgreSQL's count of dead row versions in the tables that held the texts."""
    with superuser(database) as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        counts = {
            table: int(
                connection.exec_driver_sql(
                    f"SELECT dead_tuple_count FROM pgstattuple('{table}')"
                ).scalar_one()
            )
            for table in ("visitor", "visitor_search_token", "demand", "relay")
        }
        connection.commit()
    return counts


def erase(way: str, desk: FileDesk, visitor: int, clock: FixedClock) -> None:
    service = rights(desk)
    if way == "erasure":
        service.erase(visitor, manager(desk))
    elif way == "withdrawal":
        service.withdraw_consent(visitor, desk.actor)
    else:
        clock.current = clock.now() + timedelta(days=365 * 2 + 60)
        assert service.purge(manager(desk)).visitors == 1


@pytest.mark.parametrize("way", ["erasure", "withdrawal", "purge"])
def test_erased_texts_are_gone_from_the_database_files(
    database: Database, desk: FileDesk, clock: FixedClock, way: str
) -> None:
    """Written, seen in the files; erased; then no byte of any of the texts is left."""
    visitor = unique_person(desk)
    before = {needle for _where, needle in left_behind(database, raw=False)}
    assert {FIRST, LAST, NOTE, REASON, DETAILS, CONTACT} <= before  # the search finds them
    erase(way, desk, visitor, clock)
    assert left_behind(database, raw=False) == []
    if database.is_sqlite or way == "purge":
        assert left_behind(database, raw=True) == []
    if not database.is_sqlite:
        assert dead_rows(database) == dict.fromkeys(
            ("visitor", "visitor_search_token", "demand", "relay"), 0
        )


def test_purge_rewrites_what_a_desk_erasure_left_in_postgresql_pages(
    database: Database, desk: FileDesk, clock: FixedClock
) -> None:
    """A desk's erasure leaves no row (VACUUM); the next purge leaves no byte (VACUUM FULL)."""
    visitor = unique_person(desk)
    erase("erasure", desk, visitor, clock)
    assert left_behind(database, raw=False) == []
    assert rights(desk).purge(manager(desk)).nothing
    assert left_behind(database, raw=True) == []


def test_every_sqlite_connection_overwrites_what_it_deletes(tmp_path: Path) -> None:
    """secure_delete is set by the application on each connection, not left to how SQLite
    was built (this machine's build happens to default to it: the statement is traced)."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'traced.sqlite3'}")
    statements: list[str] = []

    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    event.listen(database.engine, "connect", trace, insert=True)  # before the app's own
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    database.dispose()
    assert "PRAGMA secure_delete=ON" in statements


def test_postgresql_autovacuum_reclaims_personal_tables_soon(database: Database) -> None:
    """When the desks' role may not VACUUM, autovacuum comes after 50 changed rows, not a
    fifth of the table (migration 0007)."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL only")
    with database.engine.connect() as connection:
        options = dict(
            connection.exec_driver_sql(
                "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%(names)s)",
                {"names": ["visitor", "visitor_search_token", "demand", "relay"]},
            ).all()
        )
    assert len(options) == 4
    for table, values in options.items():
        assert "autovacuum_vacuum_threshold=50" in values, table
        assert "autovacuum_vacuum_scale_factor=0" in values, table


def test_doctor_reports_secure_delete(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """pimms doctor says on SQLite that erased text is overwritten (PostgreSQL: no line)."""
    from pimms_tui import cli, i18n
    from pimms_tui.settings import data_dir

    before = i18n.active_language()
    data_dir().mkdir(parents=True, mode=0o700)
    url = database.engine.url.render_as_string(hide_password=False)
    try:
        cli.main(["--lang", "en", "--db", url, "doctor"])
    finally:
        i18n.activate(before)
    out = capsys.readouterr().out
    line = "[ok] Erased text is overwritten in the database file."
    assert (line in out) == database.is_sqlite


def test_the_desks_role_erases_and_leaves_the_dead_rows_to_autovacuum(
    database: Database,
    office,
    clock: FixedClock,  # type: ignore[no-untyped-def]
) -> None:
    """As the desks' role (PostgreSQL: not the owner, so no VACUUM) the erasure goes through;
    the live rows lose the texts at once, and the dead ones wait for autovacuum or the purge."""
    desk = FileDesk(database, office, clock)
    visitor = unique_person(desk)
    erase("erasure", desk, visitor, clock)
    with database.read() as session:
        assert (
            session.scalar(
                text("SELECT count(*) FROM visitor WHERE last_name = :name"), {"name": LAST}
            )
            == 0
        )
    if database.is_sqlite:
        assert left_behind(database, raw=True) == []
