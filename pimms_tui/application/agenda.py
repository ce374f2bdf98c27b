"""The agenda's use cases: the office's appointments by day or week, and arrivals for them.

Checking a person in for their appointment puts them in the shared queue with an ``R-``
ticket (:meth:`QueueService.register_arrival`), which also marks the appointment arrived in
the same transaction; the queue order puts due appointments before walk-ins. The refusals
that can be told before writing (cancelled, already checked in, another day) are told here
with their own message; the queue's guarded write still decides when two desks race.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, VisitSource
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.agenda import (
    CHECK_IN_ALREADY,
    CHECK_IN_ALREADY_NO_TICKET,
    CHECK_IN_CANCELLED,
    CHECK_IN_HAS_OUTCOME,
    CHECK_IN_NOT_TODAY,
    AgendaPerson,
    agenda_people,
    ticket_of,
    week_conditions,
)
from pimms_tui.domain.appointments import AppointmentView
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.errors import Conflict
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest, Ticket

from .queue import QueueService


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
        days, condition = week_conditions(
            monday,
            self.office.timezone,
            staff_id=staff_id,
            partner_id=partner_id,
            include_cancelled=include_cancelled,
        )
        with self.database.read() as session:
            views = self.appointments.views(session, condition)
        zone = ZoneInfo(self.office.timezone)
        by_day: dict[date, list[AppointmentView]] = {day: [] for day in days}
        for view in views:
            by_day[view.starts_at.astimezone(zone).date()].append(view)
        return by_day

    def people(self) -> list[AgendaPerson]:
        """Active mediators, then the active partners that hold on-site sessions, by name."""
        with self.database.read() as session:
            return agenda_people(session, self.office.id)

    # Writing ------------------------------------------------------------------------------

    def check_in(self, appointment_id: int, actor: Actor, *, at: datetime | None = None) -> Ticket:
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
            with self.database.read() as session:
                ticket = ticket_of(session, self.office.id, appointment_id)
            if ticket is None:
                raise Conflict(CHECK_IN_ALREADY_NO_TICKET)
            raise Conflict(CHECK_IN_ALREADY, ticket=ticket)
        if appointment.status != AppointmentStatus.BOOKED:
            raise Conflict(CHECK_IN_HAS_OUTCOME)
        today = self.office.today(self.clock)
        if self.office.local_day(appointment.starts_at) != today:
            raise Conflict(CHECK_IN_NOT_TODAY)
        return self.queue.register_arrival(
            ArrivalRequest(
                visitor_id=appointment.visitor_id,
                motif_id=appointment.motif_id,
                source=VisitSource.APPOINTMENT,
                appointment_id=appointment_id,
            ),
            actor,
            at=at,
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
