"""Shared fixtures: isolated settings, and migrated databases on SQLite and PostgreSQL.

Database tests take the ``database`` fixture and run twice, once per engine. PostgreSQL runs
when ``PIMMS_TEST_POSTGRES_URL`` names a server (CI sets it); each test gets its own database,
cloned from a template migrated once per session, and dropped afterwards. As in production,
two roles made for the session (unique names: xdist workers each have theirs, dropped at the
end): an owner that migrates the template and owns every table, and the desks' role the
tests connect as, which may read and write but only read and add to the journal.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.roles import grant_application_role
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.setup import prepare_database

POSTGRES_URL = os.environ.get("PIMMS_TEST_POSTGRES_URL") or None
POSTGRES_SKIP_REASON = "PIMMS_TEST_POSTGRES_URL is not set: PostgreSQL cases skipped"
ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(POSTGRES_URL is None, reason=POSTGRES_SKIP_REASON),
        ],
    ),
]
if os.environ.get("PIMMS_REQUIRE_POSTGRES") and POSTGRES_URL is None:
    raise pytest.UsageError("PIMMS_REQUIRE_POSTGRES is set but PIMMS_TEST_POSTGRES_URL is not")

# A Monday morning in March, 10:00 in Paris.
FIXED_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's data, settings, locale or database."""
    monkeypatch.setenv("PIMMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PIMMS_CONFIG_DIR", str(tmp_path / "config"))
    for name in (
        "PIMMS_DATABASE_URL",
        "PIMMS_MIGRATION_URL",
        "PIMMS_LANG",
        "PIMMS_DESK",
        "PIMMS_OFFICE",
        "PIMMS_IDLE_LOCK_MINUTES",
        "PIMMS_LOCKOUT_ATTEMPTS",
        "PIMMS_LOCKOUT_MINUTES",
        "LANGUAGE",
        "LC_ALL",
        "LC_MESSAGES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def cheap_pin_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with a small cost: the same algorithm and format, a hundred times faster."""
    from argon2 import PasswordHasher

    from pimms_tui.domain import staff

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(staff, "_hasher", lambda: cheap)


def _admin_engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(
        make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


def create_postgres_database(template: str | None = None, owner: str | None = None) -> str:
    """Create a fresh PostgreSQL database on the test server and return its URL."""
    assert POSTGRES_URL is not None
    name = f"pimms_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(POSTGRES_URL)
    with admin.connect() as connection:
        clause = f" TEMPLATE {template}" if template else ""
        clause += f" OWNER {owner}" if owner else ""
        connection.execute(text(f"CREATE DATABASE {name}{clause}"))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def as_user(url: str, user: str) -> str:
    """The same database, connected as another role (the test server trusts local roles)."""
    return make_url(url).set(username=user, password=None).render_as_string(hide_password=False)


def create_postgres_roles(*names: str) -> None:
    """Create login roles with no special right (neither superuser nor creator of anything)."""
    assert POSTGRES_URL is not None
    admin = _admin_engine(POSTGRES_URL)
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB"))
    admin.dispose()


def drop_postgres_roles(*names: str) -> None:
    """Drop roles made by a test (after the databases they owned or were granted on)."""
    assert POSTGRES_URL is not None
    admin = _admin_engine(POSTGRES_URL)
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f"DROP ROLE IF EXISTS {name}"))
    admin.dispose()


@dataclass(frozen=True)
class PostgresRoles:
    """The session's two roles: the owner that migrates, the desks' restricted role."""

    owner: str
    app: str


# The session's roles, once made (migrate_as_owner needs the owner's name).
_SESSION_ROLES: list[PostgresRoles] = []


@pytest.fixture(scope="session")
def postgres_roles() -> Iterator[PostgresRoles]:
    """An owner and a desks' role for this session (this xdist worker), dropped at the end."""
    suffix = uuid.uuid4().hex[:10]
    roles = PostgresRoles(owner=f"pimms_owner_{suffix}", app=f"pimms_desk_{suffix}")
    create_postgres_roles(roles.owner, roles.app)
    _SESSION_ROLES.append(roles)
    yield roles
    _SESSION_ROLES.remove(roles)
    drop_postgres_roles(roles.app, roles.owner)


def migrate_as_owner(database: Database, revision: str = "head", *, down: bool = False) -> None:
    """Migrate a test's database as production does: on PostgreSQL as the owner, then the
    desks' role granted again at the head (tables made again need their rights)."""
    if database.is_sqlite or not _SESSION_ROLES:
        change = migrate.downgrade if down else migrate.upgrade
        change(database.engine, revision)
        return
    roles = _SESSION_ROLES[-1]
    url = database.engine.url.render_as_string(hide_password=False)
    owner = Database.from_url(as_user(url, roles.owner))
    try:
        if down:
            migrate.downgrade(owner.engine, revision)
        else:
            migrate.upgrade(owner.engine, revision)
            if migrate.is_current(owner.engine):
                grant_application_role(owner.engine, roles.app)
    finally:
        owner.dispose()


def drop_postgres_database(url: str) -> None:
    """Drop a test database, closing any connection left open to it."""
    assert POSTGRES_URL is not None
    name = make_url(url).database
    admin = _admin_engine(POSTGRES_URL)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and seeded once; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = Database.from_url(f"sqlite:///{path}")
    prepare_database(database)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_roles: PostgresRoles) -> Iterator[str]:
    """A PostgreSQL database migrated and seeded once by the owner; tests get clones."""
    url = create_postgres_database(owner=postgres_roles.owner)
    database = Database.from_url(as_user(url, postgres_roles.owner))
    prepare_database(database)
    grant_application_role(database.engine, postgres_roles.app)
    database.dispose()
    yield url
    drop_postgres_database(url)


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, seeded database, once on SQLite and once on PostgreSQL."""
    url = _database_url_for(request, request.param, tmp_path)
    database = Database.from_url(url)
    yield database
    database.dispose()


def _database_url_for(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "pimms.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    template_url: str = request.getfixturevalue("postgres_template")
    roles: PostgresRoles = request.getfixturevalue("postgres_roles")
    url = create_postgres_database(template=make_url(template_url).database, owner=roles.owner)
    request.addfinalizer(lambda: drop_postgres_database(url))
    return as_user(url, roles.app)  # the tests work as the desks do: the restricted role


@pytest.fixture
def sqlite_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, seeded SQLite database only (UI tests)."""
    database = Database.from_url(_database_url_for(request, "sqlite", tmp_path))
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed on a Monday morning, moved by the test."""
    return FixedClock(FIXED_NOW)


@pytest.fixture
def office(database: Database, clock: FixedClock) -> OfficeInfo:
    """An office with its default desks and partners."""
    with database.write() as session:
        return create_office(session, name="PIMMS Test", code="TEST", now=clock.now())


@pytest.fixture
def sqlite_office(sqlite_database: Database, clock: FixedClock) -> OfficeInfo:
    """An office in the SQLite-only database (UI tests)."""
    with sqlite_database.write() as session:
        return create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
