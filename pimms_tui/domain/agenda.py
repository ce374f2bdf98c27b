"""The agenda: the office's appointments by day or week, and the arrival of those expected.

Checking a person in for their appointment puts them in the shared queue with an ``R-``
ticket (:meth:`QueueService.register_arrival`), which also marks the appointment arrived in
the same transaction; the queue order puts due appointments before walk-ins. The refusals
that can be told before writing (cancelled, already checked in, another day) are told here
with their own message; the queue's guarded write still decides when two desks race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, Role, VisitSource
from pimms_tui.db.models import Appointment, Partner, Staff, Visit

from .access import Permission, require
from .actors import Actor
from .appointments import AppointmentService, AppointmentView
from .clock import Clock
from .errors import Conflict
from .messages import N_
from .offices import OfficeInfo
from .queue import ArrivalRequest, QueueService, Ticket

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


class AgendaService:
    """Reading the agenda and checking people in, for one office."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        office: OfficeInfo,
        queue: QueueService | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.office = office
        self.appointments = AppointmentService(database, clock, office)
        # The terminal's queue service when given (it keeps per-day state), else a new one.
        self.queue = queue or QueueService(database, clock, office)

    def today(self) -> date:
        """The office's calendar day now."""
        return self.office.local_day(self.clock.now())

    # Reading ------------------------------------------------------------------------------

    def day(
        self,
        day: date,
        *,
        staff_id: int | None = None,
        partner_id: int | None = None,
        include_cancelled: bool = True,
    ) -> list[AppointmentView]:
        """A local day's appointments in time order, of everyone or of one person.

        Cancelled ones are included by default, so a visitor who comes anyway is found.
        """
        return self.appointments.day_view(
            day, staff_id, partner_id=partner_id, include_cancelled=include_cancelled
        )

    def week(
        self,
        monday: date,
        *,
        staff_id: int | None = None,
        partner_id: int | None = None,
        include_cancelled: bool = True,
    ) -> dict[date, list[AppointmentView]]:
        """The seven local days from the Monday of ``monday``'s week, each in time order.

        One query for the week (the days' bounds are local midnights, so a week across a
        daylight-saving change still has seven whole days).
        """
        first = week_start(monday)
        days = [first + timedelta(days=n) for n in range(DAYS_IN_WEEK)]
        zone = ZoneInfo(self.office.timezone)
        start = _midnight(first, zone)
        end = _midnight(first + timedelta(days=DAYS_IN_WEEK), zone)
        conditions = [Appointment.starts_at >= start, Appointment.starts_at < end]
        if staff_id is not None:
            conditions.append(Appointment.staff_id == staff_id)
        if partner_id is not None:
            conditions.append(Appointment.partner_id == partner_id)
        if not include_cancelled:
            conditions.append(Appointment.status != AppointmentStatus.CANCELLED.value)
        with self.database.read() as session:
            views = self.appointments.views(session, and_(*conditions))
        by_day: dict[date, list[AppointmentView]] = {day: [] for day in days}
        for view in views:
            by_day[view.starts_at.astimezone(zone).date()].append(view)
        return by_day

    def people(self) -> list[AgendaPerson]:
        """Active mediators, then the active partners that hold on-site sessions, by name."""
        with self.database.read() as session:
            staff = session.execute(
                select(Staff.id, Staff.display_name)
                .where(
                    Staff.office_id == self.office.id,
                    Staff.active,
                    Staff.role.in_(AGENDA_ROLES),
                )
                .order_by(Staff.display_name, Staff.id)
            ).all()
            has_sessions = exists().where(
                Appointment.partner_id == Partner.id, Appointment.office_id == self.office.id
            )
            partners = session.execute(
                select(Partner.id, Partner.name)
                .where(Partner.office_id == self.office.id, Partner.active, has_sessions)
                .order_by(Partner.name, Partner.id)
            ).all()
        return [AgendaPerson("staff", i, name) for i, name in staff] + [
            AgendaPerson("partner", i, name) for i, name in partners
        ]

    # Writing ------------------------------------------------------------------------------

    def check_in(self, appointment_id: int, actor: Actor) -> Ticket:
        """The person arrived for their appointment: an R- ticket in the queue, marked arrived.

        Refused for a cancelled appointment, one already checked in or with an outcome, and
        one of another day (the queue orders appointments by today's times).
        """
        require(actor, Permission.QUEUE)
        self.appointments.check_actor(actor)
        appointment = self.appointments.appointment(appointment_id)
        if appointment.status == AppointmentStatus.CANCELLED:
            raise Conflict(CHECK_IN_CANCELLED)
        if appointment.status == AppointmentStatus.ARRIVED:
            ticket = self._ticket_of(appointment_id)
            if ticket is None:
                raise Conflict(CHECK_IN_ALREADY_NO_TICKET)
            raise Conflict(CHECK_IN_ALREADY, ticket=ticket)
        if appointment.status != AppointmentStatus.BOOKED:
            raise Conflict(CHECK_IN_HAS_OUTCOME)
        if self.office.local_day(appointment.starts_at) != self.today():
            raise Conflict(CHECK_IN_NOT_TODAY)
        return self.queue.register_arrival(
            ArrivalRequest(
                visitor_id=appointment.visitor_id,
                motif_id=appointment.motif_id,
                source=VisitSource.APPOINTMENT,
                appointment_id=appointment_id,
            ),
            actor,
        )

    def cancel(self, appointment_id: int, actor: Actor) -> AppointmentView:
        """Cancel a booked appointment, freeing its time."""
        require(actor, Permission.BOOK)
        return self.appointments.cancel(appointment_id, actor)

    def mark_no_show(self, appointment_id: int, actor: Actor) -> AppointmentView:
        """The person did not come (once the appointment has started)."""
        require(actor, Permission.BOOK)
        return self.appointments.set_outcome(appointment_id, AppointmentStatus.NO_SHOW, actor)

    def mark_excused(self, appointment_id: int, actor: Actor) -> AppointmentView:
        """The person let the office know they could not come."""
        require(actor, Permission.BOOK)
        return self.appointments.set_outcome(appointment_id, AppointmentStatus.EXCUSED, actor)

    # Internals ----------------------------------------------------------------------------

    def _ticket_of(self, appointment_id: int) -> str | None:
        """The ticket code given when the appointment was checked in, if any."""
        with self.database.read() as session:
            return session.execute(
                select(Visit.ticket_code)
                .where(Visit.appointment_id == appointment_id, Visit.office_id == self.office.id)
                .order_by(Visit.id.desc())
                .limit(1)
            ).scalar_one_or_none()


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local midnight."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
