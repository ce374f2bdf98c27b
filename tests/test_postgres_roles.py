"""PostgreSQL's two roles: an owner that migrates, a desks' role that cannot rewrite the journal.

Each test makes its own roles and database (dropped after, the server left as found): the
database is migrated by the owner, the desks' role gets its rights from ``pimms db roles``,
and the application works as that role. Work goes on as usual; every way to rewrite the
journal is refused: UPDATE, DELETE, TRUNCATE, disabling or dropping its triggers, replica
mode, taking the table over. (Every other PostgreSQL test runs as such a role too:
tests/conftest.py.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from pimms_tui import cli
from pimms_tui.application import StartupError, open_database
from pimms_tui.application.journal import protect_journal
from pimms_tui.application.queue import QueueService
from pimms_tui.application.rights import RightsService
from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, Base
from pimms_tui.db.roles import journal_powers
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.journal import verify_chain
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.settings import Settings, data_dir

from .conftest import (
    FIXED_NOW,
    POSTGRES_SKIP_REASON,
    POSTGRES_URL,
    as_user,
    create_postgres_database,
    create_postgres_roles,
    drop_postgres_database,
    drop_postgres_roles,
)
from .test_visitor_file import Office as FileDesk

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason=POSTGRES_SKIP_REASON),
]


@dataclass(frozen=True)
class TwoRoles:
    """A database owned by ``owner``; the desks connect as ``app``."""

    owner: str
    app: str
    owner_url: str
    app_url: str


@pytest.fixture
def fresh_roles() -> Iterator[TwoRoles]:
    """Two new roles and an empty database owned by the first (nothing migrated yet)."""
    suffix = uuid.uuid4().hex[:10]
    owner, app = f"pimms_owner_{suffix}", f"pimms_desk_{suffix}"
    create_postgres_roles(owner, app)
    url = create_postgres_database(owner=owner)
    try:
        yield TwoRoles(owner, app, as_user(url, owner), as_user(url, app))
    finally:
        drop_postgres_database(url)
        drop_postgres_roles(app, owner)


@pytest.fixture
def two_roles(fresh_roles: TwoRoles) -> TwoRoles:
    """The database migrated by the owner, the desks' role given its rights."""
    database = open_database(Settings(database_url=fresh_roles.owner_url), always_seed=True)
    database.dispose()
    protect_journal(fresh_roles.owner_url, fresh_roles.app)
    return fresh_roles


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["--lang", "en", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_setting_up_the_two_roles_from_the_command_line(
    fresh_roles: TwoRoles, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    roles = fresh_roles
    data_dir().mkdir(parents=True, mode=0o700)
    # The desks' role may not build the schema: a plain refusal, nothing half done.
    code, _out, err = run(["--db", roles.app_url, "db", "upgrade"], capsys)
    assert code == 1 and "may not make: run pimms db upgrade as the database's owner" in err
    # The owner migrates (PIMMS_MIGRATION_URL) and grants, the desks' address unchanged.
    monkeypatch.setenv("PIMMS_MIGRATION_URL", roles.owner_url)
    code, out, err = run(["--db", roles.app_url, "db", "upgrade", "--app-role", roles.app], capsys)
    assert code == 0, err
    assert "The database is up to date" in out and roles.owner in out
    assert f"The role {roles.app} may read and write every table" in out
    # pimms doctor: clean as the desks' role, a problem as the owner.
    _code, out, _err = run(["--db", roles.app_url, "doctor"], capsys)
    journal_lines = [line for line in out.splitlines() if "journal" in line]
    assert journal_lines and all(line.startswith("[ok]") for line in journal_lines), out
    assert (
        f"The role {roles.app} the desks connect with may only read and add to the journal" in out
    )
    code, out, _err = run(["--db", roles.owner_url, "doctor"], capsys)
    assert code == 1
    assert (
        f"[PROBLEM] The role {roles.owner} the desks connect with could rewrite the journal "
        "(owner, UPDATE, DELETE, TRUNCATE, TRIGGER)"
    ) in out
    # Roles that would defeat the purpose are refused; the script can be printed instead.
    code, _out, err = run(["db", "roles", "--app-role", roles.owner], capsys)
    assert code == 1 and "is a superuser or owns the tables" in err
    code, _out, err = run(["db", "roles", "--app-role", "nobody_" + roles.app], capsys)
    assert code == 1 and "There is no role nobody_" in err
    code, out, _err = run(["db", "roles", "--app-role", roles.app, "--sql"], capsys)
    assert code == 0 and f'GRANT SELECT, INSERT ON audit_entry TO "{roles.app}";' in out


def test_a_desk_never_migrates_when_its_role_cannot(two_roles: TwoRoles) -> None:
    owner = Database.from_url(two_roles.owner_url)
    migrate.downgrade(owner.engine, "0005")
    owner.dispose()
    with pytest.raises(StartupError, match="may not make"):
        open_database(Settings(database_url=two_roles.app_url))
    owner = Database.from_url(two_roles.owner_url)
    assert migrate.current_revision(owner.engine) == "0005"
    owner.dispose()


def test_every_table_is_granted_and_the_journal_only_read_and_added_to(
    two_roles: TwoRoles,
) -> None:
    """The grants come from the models: a table added later is granted by the next run."""
    database = Database.from_url(two_roles.app_url)
    rights = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
    with database.engine.connect() as connection:
        held = {
            (table.name, right)
            for table in Base.metadata.sorted_tables
            for right in rights
            if connection.execute(
                text("SELECT has_table_privilege(:table, :right)"),
                {"table": table.name, "right": right},
            ).scalar_one()
        }
        powers = journal_powers(connection)
    database.dispose()
    expected = {
        (table.name, right)
        for table in Base.metadata.sorted_tables
        for right in ("SELECT", "INSERT", "UPDATE", "DELETE")
        if table.name != "audit_entry" or right in ("SELECT", "INSERT")
    }
    assert held == expected
    assert (powers.role, powers.powers) == (two_roles.app, ())


REWRITES = [
    "UPDATE audit_entry SET action = 'nothing_happened'",
    "DELETE FROM audit_entry",
    "TRUNCATE audit_entry",
    "INSERT INTO audit_entry (id, at, action, detail, previous_hash, entry_hash) "
    "SELECT id, at, 'x', '{}', previous_hash, entry_hash FROM audit_entry "
    "ON CONFLICT (id) DO UPDATE SET action = 'x'",
    "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only",
    "ALTER TABLE audit_entry DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_entry_append_only ON audit_entry",
    "ALTER TABLE audit_entry DROP CONSTRAINT uq_audit_entry_previous_hash",
    "ALTER TABLE audit_entry OWNER TO CURRENT_USER",
    "SET session_replication_role = replica",
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$",
    "DROP TABLE audit_entry",
]


def test_the_desks_role_works_and_cannot_rewrite_the_journal(two_roles: TwoRoles) -> None:
    database = Database.from_url(two_roles.app_url)
    clock = FixedClock(FIXED_NOW)
    try:
        with database.write() as session:
            office: OfficeInfo = create_office(
                session, name="PIMMS Rôles", code="ROL", now=clock.now()
            )
        # A morning's work as the desks' role: arrival, call, a file opened and a demand,
        # an erasure by a manager; all journalled.
        desk = FileDesk(database, office, clock)
        queue = QueueService(database, clock, office)
        ticket = queue.register_arrival(ArrivalRequest(), desk.actor)
        called = queue.call_next(desk.actor)
        assert called is not None and called.visit_id == ticket.visit_id
        clock.advance(days=1)  # the file desk numbers its own tickets: another day
        visitor = desk.visitor()
        desk.files.open(visitor, desk.actor)
        desk.demand(desk.visit(visitor), "energy", "edf", "Facture de janvier")
        clock.advance(minutes=5)
        manager = Actor(office.id, desk.actor.desk_id, desk.staff_id, role=Role.MANAGER)
        RightsService(database, clock, office).erase(visitor, manager)
        with database.read() as session:
            before = list(session.execute(select(AuditEntry.id, AuditEntry.entry_hash)))
            assert len(before) >= 3 and verify_chain(session).broken is None

        refused = []
        for statement in REWRITES:
            with database.engine.connect() as connection:
                try:
                    connection.exec_driver_sql(statement)
                    connection.commit()
                except DBAPIError as error:
                    message = str(error.orig)
                    if "permission denied" in message or "must be owner" in message:
                        refused.append(statement)
        assert refused == REWRITES
        # A GRANT by a role without the grant option only warns: the right is still not held.
        with database.engine.begin() as connection:
            connection.exec_driver_sql("GRANT UPDATE, DELETE ON audit_entry TO CURRENT_USER")
            assert journal_powers(connection).powers == ()
        with database.read() as session:
            after = list(session.execute(select(AuditEntry.id, AuditEntry.entry_hash)))
            assert after == before and verify_chain(session).broken is None
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == len(before)
    finally:
        database.dispose()


def test_the_tests_themselves_run_as_the_restricted_role(database: Database) -> None:
    """The shared ``database`` fixture connects as the desks' role on PostgreSQL."""
    if database.is_sqlite:
        pytest.skip("roles are PostgreSQL's")
    with database.engine.connect() as connection:
        powers = journal_powers(connection)
    assert powers.role.startswith("pimms_desk_") and powers.powers == ()
