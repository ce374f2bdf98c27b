"""Rows for follow-up and agenda tests, inserted directly (fast, any date, any status)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, Outcome, RelayMode, RelayStatus, Role
from pimms_tui.db.models import Appointment, Demand, Motif, Partner, Relay, Staff, Visit, Visitor
from pimms_tui.db.search_index import index_visitor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.reference import DEFAULT_REGISTER

PARIS = ZoneInfo("Europe/Paris")


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock time as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def motif_id(database: Database, code: str = "energy") -> int:
    """A seeded motif."""
    with database.read() as session:
        return session.scalars(select(Motif.id).where(Motif.code == code)).one()


def partner_id(database: Database, office: OfficeInfo, code: str = "caf") -> int:
    """A seeded partner of the office."""
    with database.read() as session:
        return session.scalars(
            select(Partner.id).where(Partner.office_id == office.id, Partner.code == code)
        ).one()


def add_visitor(
    database: Database, office: OfficeInfo, clock: FixedClock, first: str, last: str = "Martin"
) -> int:
    """A named visitor file."""
    with database.write() as session:
        visitor = Visitor(
            office_id=office.id,
            first_name=first,
            last_name=last,
            search_key=" ".join(sorted((first.lower(), last.lower()))),
            created_at=clock.now(),
            last_activity_at=clock.now(),
        )
        session.add(visitor)
        session.flush()
        index_visitor(session, visitor.id)  # searchable, as a file opened at the desk is
        return visitor.id


def add_staff(database: Database, office: OfficeInfo, name: str) -> int:
    """A mediator."""
    with database.write() as session:
        staff = Staff(office_id=office.id, display_name=name, role=Role.MEDIATOR.value)
        session.add(staff)
        session.flush()
        return staff.id


def add_relay(
    database: Database,
    office: OfficeInfo,
    clock: FixedClock,
    *,
    follow_up_on: date,
    visitor_id: int | None = None,
    partner: str = "caf",
    motif: str = "energy",
    status: RelayStatus = RelayStatus.OPEN,
) -> int:
    """A relay made at a past closed visit (one demand), with its follow-up date."""
    sent_at = clock.now() - timedelta(days=20)
    with database.write() as session:
        number = (
            session.execute(
                select(func.count()).select_from(Visit).where(Visit.office_id == office.id)
            ).scalar_one()
            + 1
        )
        visit = Visit(
            office_id=office.id,
            day=sent_at.date(),
            ticket_number=number,
            ticket_code=f"A-{number:03d}",
            visitor_id=visitor_id,
            status="done",
            arrived_at=sent_at,
            finished_at=sent_at,
        )
        session.add(visit)
        session.flush()
        demand = Demand(
            office_id=office.id,
            visit_id=visit.id,
            motif_id=session.scalars(select(Motif.id).where(Motif.code == motif)).one(),
            register_code=DEFAULT_REGISTER,
            outcome=Outcome.RELAY.value,
            created_at=sent_at,
        )
        session.add(demand)
        session.flush()
        relay = Relay(
            office_id=office.id,
            demand_id=demand.id,
            partner_id=session.scalars(
                select(Partner.id).where(Partner.office_id == office.id, Partner.code == partner)
            ).one(),
            mode=RelayMode.REFERRAL_SLIP.value,
            sent_at=sent_at,
            follow_up_on=follow_up_on,
            status=status.value,
            refusal_reason="other" if status == RelayStatus.REFUSED else None,
            closed_at=None if status == RelayStatus.OPEN else sent_at + timedelta(days=15),
        )
        session.add(relay)
        session.flush()
        return relay.id


def add_appointment(
    database: Database,
    office: OfficeInfo,
    *,
    starts_at: datetime,
    staff_id: int | None = None,
    partner_id: int | None = None,
    visitor_id: int | None = None,
    motif_id: int | None = None,
    duration_minutes: int = 30,
    status: AppointmentStatus = AppointmentStatus.BOOKED,
) -> int:
    """An appointment at any time (in the past too), without the booking rules."""
    with database.write() as session:
        appointment = Appointment(
            office_id=office.id,
            visitor_id=visitor_id,
            staff_id=staff_id,
            partner_id=partner_id,
            motif_id=motif_id,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            status=status.value,
            created_at=starts_at - timedelta(days=7),
        )
        session.add(appointment)
        session.flush()
        return appointment.id


def relay_row(database: Database, relay_id: int) -> Relay:
    """A relay as stored."""
    with database.read() as session:
        relay = session.get(Relay, relay_id)
        assert relay is not None
        return relay


def appointment_row(database: Database, appointment_id: int) -> Appointment:
    """An appointment as stored."""
    with database.read() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        return appointment
