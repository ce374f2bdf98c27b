"""The agenda's rules: who holds one, a week's bounds, and why a check-in is refused.

The use cases (reading a day or a week, checking people in) are the application's
(``pimms_tui.application.agenda``); the statements here run in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import AppointmentStatus, Role
from pimms_tui.db.models import Appointment, Partner, Staff, Visit

from .messages import N_

CHECK_IN_CANCELLED = N_("This appointment was cancelled: it cannot be checked in.")
CHECK_IN_ALREADY = N_("This appointment was already checked in: ticket {ticket}.")
CHECK_IN_ALREADY_NO_TICKET = N_("This appointment was already checked in.")
CHECK_IN_HAS_OUTCOME = N_("This appointment already has an outcome: it cannot be checked in.")
CHECK_IN_NOT_TODAY = N_(
    "This appointment is not today: register the visitor as a walk-in, or book a new time."
)
DAYS_IN_WEEK = 7
# Staff who hold appointments in the agenda (as the booking rules allow).
AGENDA_ROLES = (Role.MEDIATOR.value, Role.MANAGER.value)


@dataclass(frozen=True)
class AgendaPerson:
    """Someone whose agenda can be shown: a mediator, or a partner's on-site session."""

    kind: str  # "staff" or "partner"
    id: int
    name: str

    @property
    def key(self) -> str:
        """A stable text key ("staff:3", "partner:7") for selectors."""
        return f"{self.kind}:{self.id}"

    @property
    def staff_id(self) -> int | None:
        """The mediator's id, when this is a mediator."""
        return self.id if self.kind == "staff" else None

    @property
    def partner_id(self) -> int | None:
        """The partner's id, when this is a partner session."""
        return self.id if self.kind == "partner" else None


def week_start(day: date) -> date:
    """The Monday of the week of ``day``."""
    return day - timedelta(days=day.weekday())


def week_conditions(
    monday: date,
    timezone: str,
    *,
    staff_id: int | None = None,
    partner_id: int | None = None,
    include_cancelled: bool = True,
) -> tuple[list[date], ColumnElement[bool]]:
    """The seven local days from the Monday of ``monday``'s week, and the condition on
    appointments that selects them (the days' bounds are local midnights, so a week across
    a daylight-saving change still has seven whole days)."""
    first = week_start(monday)
    days = [first + timedelta(days=n) for n in range(DAYS_IN_WEEK)]
    zone = ZoneInfo(timezone)
    start = _midnight(first, zone)
    end = _midnight(first + timedelta(days=DAYS_IN_WEEK), zone)
    conditions = [Appointment.starts_at >= start, Appointment.starts_at < end]
    if staff_id is not None:
        conditions.append(Appointment.staff_id == staff_id)
    if partner_id is not None:
        conditions.append(Appointment.partner_id == partner_id)
    if not include_cancelled:
        conditions.append(Appointment.status != AppointmentStatus.CANCELLED.value)
    return days, and_(*conditions)


def agenda_people(session: Session, office_id: int) -> list[AgendaPerson]:
    """Active mediators, then the active partners that hold on-site sessions, by name."""
    staff = session.execute(
        select(Staff.id, Staff.display_name)
        .where(
            Staff.office_id == office_id,
            Staff.active,
            Staff.role.in_(AGENDA_ROLES),
        )
        .order_by(Staff.display_name, Staff.id)
    ).all()
    has_sessions = exists().where(
        Appointment.partner_id == Partner.id, Appointment.office_id == office_id
    )
    partners = session.execute(
        select(Partner.id, Partner.name)
        .where(Partner.office_id == office_id, Partner.active, has_sessions)
        .order_by(Partner.name, Partner.id)
    ).all()
    return [AgendaPerson("staff", i, name) for i, name in staff] + [
        AgendaPerson("partner", i, name) for i, name in partners
    ]


def ticket_of(session: Session, office_id: int, appointment_id: int) -> str | None:
    """The ticket code given when the appointment was checked in, if any."""
    return session.execute(
        select(Visit.ticket_code)
        .where(Visit.appointment_id == appointment_id, Visit.office_id == office_id)
        .order_by(Visit.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local midnight."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
