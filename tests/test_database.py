"""The schema, its migrations and the engine settings, on both engines."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Base, Motif, Partner, Register, Thematique, Visit, Visitor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.reference_seed import seed_reference_data


def test_migrations_match_the_models(database: Database) -> None:
    """Autogenerate finds nothing to do: migrations and models describe the same schema."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert migrate.current_revision(database.engine) == migrate.head_revision()


def test_head_constant_is_alembics_head() -> None:
    """The revision a desk compares against at start is the newest migration shipped."""
    assert migrate.head_revision() == migrate.HEAD_REVISION


def test_upgrade_is_idempotent(database: Database) -> None:
    """Upgrading a database already at head changes nothing and does not fail."""
    migrate.upgrade(database.engine)
    assert migrate.current_revision(database.engine) == migrate.head_revision()


def test_reference_data_is_complete(database: Database) -> None:
    """8 registers, the national taxonomy (16 + 69) and every motif mapped to a thématique."""
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Register)) == 8
        categories = session.scalar(select(func.count()).where(Thematique.category_code.is_(None)))
        subcategories = session.scalar(
            select(func.count()).where(Thematique.category_code.is_not(None))
        )
        assert (categories, subcategories) == (16, 69)
        codes = set(session.scalars(select(Thematique.code)))
        motifs = session.scalars(select(Motif)).all()
        assert len(motifs) >= 15
        assert all(m.thematique_code in codes for m in motifs)
        labels = session.scalars(select(Register.label_fr).order_by(Register.position)).all()
        assert labels[0] == "Assurer une présence active de proximité"


def test_reference_seeding_twice_changes_nothing(database: Database) -> None:
    """A second seeding adds no row."""
    with database.write() as session:
        assert seed_reference_data(session).total == 0


def test_office_gets_default_partners(database: Database, office: OfficeInfo) -> None:
    """A new office has the default partner list, placeholders marked as such."""
    with database.read() as session:
        partners = session.scalars(select(Partner).where(Partner.office_id == office.id)).all()
    names = {p.code for p in partners}
    assert {"caf", "cpam", "la_poste", "edf", "france_travail", "mdph", "adil"} <= names
    assert len(partners) == 18
    caf = next(p for p in partners if p.code == "caf")
    assert caf.network_code == "caf" and caf.is_placeholder and caf.what_to_bring


def _visit(office: OfficeInfo, clock: FixedClock, code: str, status: str = "waiting") -> Visit:
    return Visit(
        office_id=office.id,
        day=date(2026, 3, 2),
        ticket_number=int(code[2:]),
        ticket_code=code,
        status=status,
        arrived_at=clock.now(),
    )


def test_ticket_code_is_unique_per_office_and_day(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    """The database refuses a second A-001 the same day in the same office."""
    with database.write() as session:
        session.add(_visit(office, clock, "A-001"))
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(_visit(office, clock, "A-001"))


def test_status_values_are_checked(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    """A stray status cannot be stored, whatever front end writes it."""
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(_visit(office, clock, "A-002", status="lost"))


def test_foreign_keys_are_enforced(database: Database, clock: FixedClock) -> None:
    """A visit of an office that does not exist is refused (SQLite foreign keys are on)."""
    orphan = Visit(
        office_id=999,
        day=date(2026, 3, 2),
        ticket_number=1,
        ticket_code="A-001",
        arrived_at=clock.now(),
    )
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(orphan)


def test_visitor_version_guards_concurrent_edits(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    """An edit based on an old version of a visitor fails instead of overwriting."""
    with database.write() as session:
        visitor = Visitor(
            office_id=office.id,
            first_name="Hélène",
            last_name="Dupont",
            created_at=clock.now(),
            last_activity_at=clock.now(),
        )
        session.add(visitor)
    stale = visitor
    with database.write() as session:
        session.execute(
            update(Visitor)
            .where(Visitor.id == stale.id)
            .values(first_name="Hélène-Marie", version=Visitor.version + 1)
        )
    with pytest.raises(StaleDataError), database.write() as session:
        merged = session.merge(stale, load=False)
        merged.commune = "Dijon"


def test_sqlite_settings(sqlite_database: Database) -> None:
    """WAL, foreign keys, a busy timeout and full durability on the embedded database."""
    with sqlite_database.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == 500  # × 3 tries: a desk told in 1.5 s
        assert pragma("PRAGMA synchronous").scalar() == 2  # FULL


def test_sqlite_statistics_are_gathered(sqlite_database: Database) -> None:
    """The planner gets statistics, so a visitor's demands are read by visit, not by office."""
    sqlite_database.refresh_statistics(full=True)
    with sqlite_database.engine.connect() as connection:
        tables = connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1").scalars()
        assert "register" in set(tables)
