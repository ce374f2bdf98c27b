"""The appointment use cases of one office: free slots, booking, cancelling, outcomes, a day.

Free slots are cut from the office's opening hours, read in the office's own time zone for the
day asked (so a slot at 09:00 stays at 09:00 local across daylight-saving changes), never in
the past and never over a non-cancelled appointment of the same mediator or partner session.
The rules are in ``domain.appointments.rules``, the statements (and the no-double-booking
lock) in ``domain.appointments.statements``; the agenda, the follow-ups and the visitor file use
its ``views`` and ``check_actor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus
from pimms_tui.db.models import Appointment, Demand, Motif, Partner, Staff, Visit, Visitor
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments.rules import (
    ALREADY_CANCELLED,
    APPOINTMENT_UNKNOWN,
    CANCELLED_NO_OUTCOME,
    FREEING_STATUSES,
    NOT_STARTED,
    OTHER_OFFICE,
    OUTCOME_ALREADY_SET,
    OUTCOME_INVALID,
    OUTCOME_STATUSES,
    PENDING_STATUSES,
    AppointmentView,
    Slot,
)
from pimms_tui.domain.appointments.statements import (
    appointment_status,
    appointment_view,
    appointment_views,
    find_free_slots,
    insert_booking,
    rowcount,
)
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.errors import Conflict, DomainError, NotFound, PermissionDenied
from pimms_tui.domain.messages import N_
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.slips import office_contact
from pimms_tui.domain.validation import FieldError


@dataclass(frozen=True)
class BookingSummary:
    """What booking a slot will make, read before it is booked: for whom, with whom, where."""

    starts_at: datetime
    duration_minutes: int
    visitor_first_name: str | None
    visitor_last_name: str | None
    staff_name: str | None
    partner_name: str | None
    place: str
    motif_label_fr: str | None
    motif_label_en: str | None

    @property
    def anonymous(self) -> bool:
        """No name: the appointment is booked without a file."""
        return not (self.visitor_first_name or self.visitor_last_name)


class AppointmentService:
    """Free slots, booking without double booking, cancelling, outcomes and the agenda."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self.database = database
        self.clock = clock
        self.office = office

    # Reading ------------------------------------------------------------------------------

    def free_slots(
        self,
        day: date,
        *,
        staff_id: int | None = None,
        partner_id: int | None = None,
        duration_minutes: int = 30,
        limit: int = 20,
        step_minutes: int | None = None,
    ) -> list[Slot]:
        """Bookable slots of a local day, in time order, at most ``limit``.

        With a mediator (``staff_id``) and/or a partner session (``partner_id``): the times
        when all of them are free. With neither: for each time, the first free mediator.
        Slots start at each opening and follow each other every ``step_minutes`` (the
        duration by default).
        """
        with self.database.read() as session:
            return find_free_slots(
                session,
                self.office.id,
                self.clock.now(),
                day,
                staff_id=staff_id,
                partner_id=partner_id,
                duration_minutes=duration_minutes,
                limit=limit,
                step_minutes=step_minutes,
            )

    def summary(
        self,
        slot: Slot,
        *,
        visitor_id: int | None = None,
        motif_id: int | None = None,
        demand_id: int | None = None,
    ) -> BookingSummary:
        """What booking ``slot`` would make, for a visitor (or a demand's visitor and reason).

        Nothing is written: the desk shows it for a second confirmation before booking. An
        anonymised file reads as anonymous, as on the card.
        """
        with self.database.read() as session:
            if demand_id is not None:
                row = session.execute(
                    select(Visit.visitor_id, Demand.motif_id)
                    .join(Visit, Visit.id == Demand.visit_id)
                    .where(Demand.id == demand_id, Demand.office_id == self.office.id)
                ).one_or_none()
                if row is not None:
                    visitor_id, motif_id = row.visitor_id, row.motif_id
            first = last = None
            if visitor_id is not None:
                person = session.execute(
                    select(Visitor.first_name, Visitor.last_name, Visitor.anonymised_at).where(
                        Visitor.id == visitor_id
                    )
                ).one_or_none()
                if person is not None and person.anonymised_at is None:
                    first, last = person.first_name, person.last_name
            staff_name = (
                session.execute(
                    select(Staff.display_name).where(Staff.id == slot.staff_id)
                ).scalar_one_or_none()
                if slot.staff_id is not None
                else None
            )
            partner = (
                session.execute(
                    select(Partner.name).where(Partner.id == slot.partner_id)
                ).one_or_none()
                if slot.partner_id is not None
                else None
            )
            motif = (
                session.execute(
                    select(Motif.label_fr, Motif.label_en).where(Motif.id == motif_id)
                ).one_or_none()
                if motif_id is not None
                else None
            )
            office = office_contact(session, self.office.id)
        return BookingSummary(
            starts_at=slot.starts_at,
            duration_minutes=slot.duration_minutes,
            visitor_first_name=first,
            visitor_last_name=last,
            staff_name=staff_name,
            partner_name=partner.name if partner is not None else None,
            place=office.address or office.name,
            motif_label_fr=motif.label_fr if motif is not None else None,
            motif_label_en=motif.label_en if motif is not None else None,
        )

    def appointment(self, appointment_id: int) -> AppointmentView:
        """One appointment of the office."""
        with self.database.read() as session:
            return self.view(session, appointment_id)

    def day_view(
        self,
        day: date,
        staff_id: int | None = None,
        *,
        partner_id: int | None = None,
        include_cancelled: bool = False,
    ) -> list[AppointmentView]:
        """The agenda of a local day, in time order (optionally one mediator's or partner's)."""
        zone = ZoneInfo(self.office.timezone)
        start = datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)
        conditions: list[ColumnElement[bool]] = [
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        ]
        if staff_id is not None:
            conditions.append(Appointment.staff_id == staff_id)
        if partner_id is not None:
            conditions.append(Appointment.partner_id == partner_id)
        if not include_cancelled:
            conditions.append(Appointment.status.not_in(FREEING_STATUSES))
        with self.database.read() as session:
            return self.views(session, and_(*conditions))

    def to_fill_in(self, staff_id: int | None = None, *, limit: int = 200) -> list[AppointmentView]:
        """Past appointments still waiting for their outcome ("à renseigner"), oldest first."""
        now = self.clock.now()
        conditions: list[ColumnElement[bool]] = [
            Appointment.status.in_(PENDING_STATUSES),
            Appointment.starts_at < now,
        ]
        if staff_id is not None:
            conditions.append(Appointment.staff_id == staff_id)
        with self.database.read() as session:
            views = self.views(session, and_(*conditions))
        return [v for v in views if v.ends_at <= now][:limit]

    # Writing ------------------------------------------------------------------------------

    def book(
        self,
        visitor_id: int | None,
        slot: Slot,
        motif_id: int | None,
        actor: Actor,
        place: str | None = None,
    ) -> AppointmentView:
        """Book a slot; Conflict if it was taken meanwhile, FieldError if it is not bookable."""
        require(actor, Permission.BOOK)
        self.check_actor(actor)
        with self.database.write() as session:
            appointment_id = insert_booking(
                session, self.office.id, self.clock.now(), visitor_id, slot, motif_id, place
            )
            return self.view(session, appointment_id)

    def cancel(self, appointment_id: int, actor: Actor) -> AppointmentView:
        """Cancel a booked appointment, freeing its time."""
        require(actor, Permission.BOOK)
        self.check_actor(actor)
        with self.database.write() as session:
            current = appointment_status(session, self.office.id, appointment_id)
            result = session.execute(
                update(Appointment)
                .where(
                    Appointment.id == appointment_id,
                    Appointment.office_id == self.office.id,
                    Appointment.status == AppointmentStatus.BOOKED.value,
                )
                .values(status=AppointmentStatus.CANCELLED.value)
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) != 1:
                if current == AppointmentStatus.CANCELLED:
                    raise Conflict(ALREADY_CANCELLED)
                raise Conflict(OUTCOME_ALREADY_SET)
            return self.view(session, appointment_id)

    def set_outcome(self, appointment_id: int, status: str, actor: Actor) -> AppointmentView:
        """Record what happened: seen, no-show, excused or cancelled (a later fix is allowed).

        That the person was seen is the mediators' follow-up; that they did not come, sent
        word or cancelled is kept by whoever holds the agenda, reception included.
        """
        seen = status == AppointmentStatus.SEEN.value
        require(actor, Permission.FOLLOW_UP if seen else Permission.BOOK)
        self.check_actor(actor)
        if status not in OUTCOME_STATUSES:
            raise FieldError("status", OUTCOME_INVALID)
        with self.database.write() as session:
            row = session.execute(
                select(Appointment.status, Appointment.starts_at).where(
                    Appointment.id == appointment_id, Appointment.office_id == self.office.id
                )
            ).one_or_none()
            if row is None:
                raise NotFound(APPOINTMENT_UNKNOWN)
            if row.status == AppointmentStatus.CANCELLED and status != AppointmentStatus.CANCELLED:
                raise Conflict(CANCELLED_NO_OUTCOME)
            happened = status in (AppointmentStatus.SEEN, AppointmentStatus.NO_SHOW)
            if happened and row.starts_at > self.clock.now():
                raise DomainError(NOT_STARTED)
            result = session.execute(
                update(Appointment)
                .where(
                    Appointment.id == appointment_id,
                    Appointment.office_id == self.office.id,
                    Appointment.status == row.status,  # guarded: refuse if changed meanwhile
                )
                .values(status=str(status))
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) != 1:
                raise Conflict(N_("This appointment changed meanwhile: look at it again."))
            return self.view(session, appointment_id)

    # Statements for the other services of the office ---------------------------------------

    def check_actor(self, actor: Actor) -> None:
        """Refuse an actor from another office."""
        if actor.office_id != self.office.id:
            raise PermissionDenied(OTHER_OFFICE)

    def view(self, session: Session, appointment_id: int) -> AppointmentView:
        """One appointment of the office as a plain value; NotFound otherwise."""
        return appointment_view(session, self.office.id, appointment_id)

    def views(self, session: Session, condition: ColumnElement[bool]) -> list[AppointmentView]:
        """The office's appointments matching a condition, in time order, in one query."""
        return appointment_views(session, self.office.id, condition)
