"""Upgrading a database filled at the first revision keeps every row, on both engines.

The database is brought to 0001 with a row (or more) in every one of its tables (written
through today's models at the head, then migrated down to 0001: those models have columns
0001 lacks), every table is read back whole; then it is upgraded to the current head and read
again: each row is still there, unchanged, and what the new revisions add (the search index,
the statistics columns) is filled from the old rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, inspect, select

from pimms_tui.application.visitors import VisitorService
from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import (
    Appointment,
    AuditEntry,
    Consent,
    Demand,
    Motif,
    Partner,
    Register,
    Relay,
    Staff,
    TicketCounter,
    Visit,
    VisitEvent,
    Visitor,
)
from pimms_tui.domain.offices import create_office
from pimms_tui.domain.reference_seed import seed_reference_data

from .conftest import ENGINES, FIXED_NOW, create_postgres_database, drop_postgres_database

FIRST_REVISION = "0001"


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no schema at all), once per engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        url = create_postgres_database()
        request.addfinalizer(lambda: drop_postgres_database(url))
    database = Database.from_url(url)
    yield database
    database.dispose()


def fill_every_table(database: Database) -> None:
    """Rows in every table of revision 0001, written as the application of that time did."""
    now = FIXED_NOW
    with database.write() as session:
        seed_reference_data(session)
        office = create_office(session, name="PIMMS Ancien", code="OLD", now=now)
        motif = session.scalars(select(Motif).order_by(Motif.id)).first()
        register = session.scalars(select(Register).order_by(Register.code)).first()
        partner = session.scalars(select(Partner).where(Partner.office_id == office.id)).first()
        assert motif and register and partner
        staff = Staff(office_id=office.id, display_name="Karim B.", role=Role.MEDIATOR)
        visitors = [
            Visitor(
                office_id=office.id,
                first_name="Hélène",
                last_name="Dupont-Moreau",
                phone="+33612345678",
                phone_digits="0612345678",
                birth_year=1961,
                search_key="helene dupont moreau",
                created_at=now,
                last_activity_at=now,
            ),
            Visitor(
                office_id=office.id,
                first_name="Moussa",
                last_name="N'Diaye",
                search_key="moussa ndiaye",
                created_at=now,
                last_activity_at=now,
            ),
        ]
        session.add_all([staff, *visitors])
        session.flush()
        session.add(
            Consent(
                office_id=office.id,
                visitor_id=visitors[0].id,
                scope="keep_file",
                given_at=now,
                staff_id=staff.id,
                text_version_hash="v1",
            )
        )
        appointment = Appointment(
            office_id=office.id,
            visitor_id=visitors[0].id,
            staff_id=staff.id,
            motif_id=motif.id,
            starts_at=now + timedelta(days=2),
            duration_minutes=30,
            status="booked",
            created_at=now,
        )
        session.add(appointment)
        session.flush()
        day = date(2026, 3, 2)
        visit = Visit(
            office_id=office.id,
            day=day,
            ticket_number=1,
            ticket_code="A-001",
            visitor_id=visitors[0].id,
            first_motif_id=motif.id,
            status="done",
            needs=["interpreter"],
            interpreter_language="arabe",
            arrived_at=now,
            called_at=now,
            started_at=now,
            finished_at=now,
        )
        anonymous = Visit(
            office_id=office.id,
            day=day,
            ticket_number=2,
            ticket_code="A-002",
            age_band="26_44",
            gender="female",
            commune="Lyon",
            status="left",
            arrived_at=now,
            finished_at=now,
        )
        session.add_all([visit, anonymous])
        session.add(TicketCounter(office_id=office.id, day=day, series="A", last_number=2))
        session.flush()
        for before, after in (
            (None, "waiting"),
            ("waiting", "called"),
            ("called", "in_progress"),
            ("in_progress", "done"),
        ):
            session.add(
                VisitEvent(
                    office_id=office.id,
                    visit_id=visit.id,
                    at=now,
                    from_status=before,
                    to_status=after,
                )
            )
        demand = Demand(
            office_id=office.id,
            visit_id=visit.id,
            position=1,
            motif_id=motif.id,
            partner_id=partner.id,
            register_code=register.code,
            level="accompany",
            outcome="relay",
            note="Facture EDF contestée",
            created_at=now,
        )
        booked = Demand(
            office_id=office.id,
            visit_id=visit.id,
            position=2,
            motif_id=motif.id,
            register_code=register.code,
            outcome="appointment",
            appointment_id=appointment.id,
            created_at=now,
        )
        session.add_all([demand, booked])
        session.flush()
        session.add(
            Relay(
                office_id=office.id,
                demand_id=demand.id,
                partner_id=partner.id,
                mode="email",
                contact="service clients",
                sent_at=now,
                follow_up_on=day + timedelta(days=14),
                status="open",
            )
        )
        session.add(
            AuditEntry(
                at=now,
                office_id=office.id,
                action="file_opened",
                entity="visitor",
                entity_id=visitors[0].id,
                detail={"why": "écoute"},
            )
        )


def snapshot(
    engine: Engine, tables: list[str], columns: dict[str, list[str]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, as the database holds them, in primary-key order
    (only the given columns of each table, when given: those it had before an upgrade)."""
    metadata = MetaData()
    metadata.reflect(engine, only=tables)
    rows = {}
    with engine.connect() as connection:
        for name in tables:
            table = metadata.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            chosen = [table.c[c] for c in columns[name]] if columns else list(table.columns)
            rows[name] = [tuple(r) for r in connection.execute(select(*chosen).order_by(*order))]
    return rows


def column_names(engine: Engine, tables: list[str]) -> dict[str, list[str]]:
    """The columns each table has now."""
    inspector = inspect(engine)
    return {name: [c["name"] for c in inspector.get_columns(name)] for name in tables}


def test_upgrade_from_the_first_revision_keeps_every_row(empty_database: Database) -> None:
    """0001 with data → head: same rows in every old table, and the new index filled."""
    engine = empty_database.engine
    migrate.upgrade(engine)
    fill_every_table(empty_database)
    migrate.downgrade(engine, FIRST_REVISION)
    assert migrate.current_revision(engine) == FIRST_REVISION
    old_tables = sorted(t for t in inspect(engine).get_table_names() if t != "alembic_version")
    old_columns = column_names(engine, old_tables)
    before = snapshot(engine, old_tables)
    empty = [name for name, rows in before.items() if not rows]
    assert empty == [], "every table of 0001 holds a row before the upgrade"
    assert len(old_tables) >= 16

    migrate.upgrade(engine)
    empty_database.dispose()

    assert migrate.current_revision(engine) == migrate.head_revision()
    after = snapshot(engine, old_tables, old_columns)
    for name in old_tables:
        assert after[name] == before[name], f"table {name} changed in the upgrade"
    # The statistics columns are filled from the old rows: the visit's day on its demands
    # and relay, the done visit's wait and listening (arrived, called, started and finished
    # at the same instant), nothing for the visit never called.
    with engine.connect() as connection:
        days = connection.execute(
            select(Demand.day).union_all(select(Relay.day), select(Visit.day))
        ).scalars()
        assert set(days) == {date(2026, 3, 2)}
        timings = connection.execute(
            select(Visit.status, Visit.waited_seconds, Visit.listened_seconds).order_by(Visit.id)
        ).all()
        assert [tuple(t) for t in timings] == [("done", 0.0, 0.0), ("left", None, None)]
    # What the later revisions add is built from the old rows: the old files are found.
    office_id = after["office"][0][0]
    visitors = VisitorService(empty_database, office_id)
    assert [m.last_name for m in visitors.search("dupont hel")] == ["Dupont-Moreau"]
    assert [m.last_name for m in visitors.search("0612")] == ["Dupont-Moreau"]
    assert [m.first_name for m in visitors.search("ndiaye")] == ["Moussa"]
