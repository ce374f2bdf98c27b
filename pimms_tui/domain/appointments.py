"""Appointments with a mediator of the office or at a partner's on-site session (permanence).

Free slots are cut from the office's opening hours, read in the office's own time zone for the
day asked (so a slot at 09:00 stays at 09:00 local across daylight-saving changes), never in
the past and never over a non-cancelled appointment of the same mediator or partner session.

No double booking holds under concurrency, in the domain: a booking locks the mediator's (and
the partner's) row with ``SELECT … FOR UPDATE`` on PostgreSQL before looking for an overlap, so
two desks booking the same mediator are serialised; on SQLite every write transaction is
``BEGIN IMMEDIATE`` and the database allows one writer at a time. The loser gets a Conflict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, Role
from pimms_tui.db.models import Appointment, Motif, Office, Partner, Staff, Visitor
from pimms_tui.db.normalise import storable

from . import sensitive
from .access import Permission, require
from .actors import Actor
from .clock import Clock
from .errors import Conflict, DomainError, NotFound, PermissionDenied
from .messages import N_
from .offices import OfficeInfo
from .validation import FieldError

MAX_DURATION_MINUTES = 8 * 60
MAX_PLACE_LENGTH = 120
# How far before a time to look for appointments that may still be running (longer than the
# longest appointment the domain accepts).
_LOOKBACK = timedelta(days=1)
# Statuses that free the time they held.
FREEING_STATUSES = frozenset({AppointmentStatus.CANCELLED.value})
# Outcomes recorded after the fact ("à renseigner" until one is).
OUTCOME_STATUSES = frozenset(
    {
        AppointmentStatus.SEEN,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.EXCUSED,
        AppointmentStatus.CANCELLED,
    }
)
# Statuses of an appointment that still waits for its outcome.
PENDING_STATUSES = (AppointmentStatus.BOOKED.value, AppointmentStatus.ARRIVED.value)
# Who can receive appointments; "any mediator" searches only mediators.
BOOKABLE_ROLES = frozenset({Role.MEDIATOR.value, Role.MANAGER.value})

DURATION_INVALID = N_("An appointment lasts between 1 and {max} minutes.")
WITH_WHOM_MISSING = N_("Choose a mediator or a partner session for the appointment.")
NAIVE_TIME = N_("The appointment time has no time zone.")
IN_THE_PAST = N_("This time is already past: choose a later slot.")
OUTSIDE_HOURS = N_("The office is closed at that time: choose a slot within opening hours.")
SLOT_TAKEN = N_("This slot was just taken by another booking: choose another one.")
VISITOR_BUSY = N_("This visitor already has an appointment at that time.")
PLACE_TOO_LONG = N_("The place is too long ({max} characters at most).")
STAFF_UNKNOWN = N_("This mediator does not exist or is no longer active.")
STAFF_NOT_BOOKABLE = N_("Appointments are only booked with a mediator or a manager.")
PARTNER_UNKNOWN = N_("This partner does not exist or is no longer active.")
VISITOR_UNKNOWN = N_("This visitor file does not exist.")
VISITOR_ERASED = N_("This visitor file was anonymised or merged: search the visitor again.")
MOTIF_UNKNOWN = N_("This reason does not exist.")
APPOINTMENT_UNKNOWN = N_("This appointment does not exist.")
ALREADY_CANCELLED = N_("This appointment is already cancelled.")
OUTCOME_ALREADY_SET = N_("This appointment already has an outcome: it can no longer be cancelled.")
OUTCOME_INVALID = N_("Choose seen, no-show, excused or cancelled.")
NOT_STARTED = N_("This appointment has not started yet.")
CANCELLED_NO_OUTCOME = N_("This appointment was cancelled; book a new one if needed.")
OTHER_OFFICE = N_("This desk belongs to another office.")


@dataclass(frozen=True)
class Slot:
    """A time that can be booked: start (aware), length, and with whom."""

    starts_at: datetime
    duration_minutes: int
    staff_id: int | None = None
    partner_id: int | None = None

    @property
    def ends_at(self) -> datetime:
        """When the slot ends."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class AppointmentView:
    """An appointment as the agenda and the listening screen show it."""

    id: int
    starts_at: datetime
    duration_minutes: int
    status: str
    place: str | None
    visitor_id: int | None
    visitor_first_name: str | None
    visitor_last_name: str | None
    staff_id: int | None
    staff_name: str | None
    partner_id: int | None
    partner_name: str | None
    motif_id: int | None
    motif_code: str | None
    motif_label_fr: str | None
    motif_label_en: str | None

    @property
    def ends_at(self) -> datetime:
        """When the appointment ends."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)


# --- Opening hours --------------------------------------------------------------------------


def _parse_hhmm(value: Any) -> tuple[int, int] | None:
    """ "09:30" → (9, 30); None when the value is not a time of day (24:00 allowed)."""
    if not isinstance(value, str):
        return None
    parts = value.strip().split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= minute < 60 and (0 <= hour < 24 or (hour == 24 and minute == 0))):
        return None
    return hour, minute


def _local_instant(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on a day (24:00 is the next midnight)."""
    if hour == 24:
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def opening_intervals(
    opening_hours: dict[str, Any], timezone: str, day: date
) -> list[tuple[datetime, datetime]]:
    """The day's opening intervals as UTC instants; Monday is "0", times are local.

    Malformed entries are skipped rather than trusted: a closed day is better than a slot at
    an impossible time.
    """
    zone = ZoneInfo(timezone)
    intervals: list[tuple[datetime, datetime]] = []
    entries = opening_hours.get(str(day.weekday())) or []
    if not isinstance(entries, list):
        return intervals
    for entry in entries:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            continue
        start, end = _parse_hhmm(entry[0]), _parse_hhmm(entry[1])
        if start is None or end is None:
            continue
        start_at = _local_instant(day, *start, zone)
        end_at = _local_instant(day, *end, zone)
        if start_at < end_at:
            intervals.append((start_at, end_at))
    intervals.sort()
    return intervals


def _within(intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(open_at <= start and end <= close_at for open_at, close_at in intervals)


def _overlaps(busy: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def check_duration(duration_minutes: int) -> None:
    """Refuse a length that is not a positive number of minutes up to the maximum."""
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 0 < duration_minutes <= MAX_DURATION_MINUTES
    ):
        raise FieldError("duration_minutes", DURATION_INVALID, {"max": str(MAX_DURATION_MINUTES)})


# --- Service ---------------------------------------------------------------------------------


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
        check_duration(duration_minutes)
        step = timedelta(minutes=step_minutes or duration_minutes)
        length = timedelta(minutes=duration_minutes)
        now = self.clock.now()
        with self.database.read() as session:
            office = self._office_row(session)
            intervals = opening_intervals(office.opening_hours, office.timezone, day)
            if not intervals:
                return []
            window_start, window_end = intervals[0][0] - _LOOKBACK, intervals[-1][1]
            candidates: list[int | None]
            if staff_id is None and partner_id is None:
                mediators = list(
                    session.scalars(
                        select(Staff.id)
                        .where(
                            Staff.office_id == self.office.id,
                            Staff.active,
                            Staff.role == Role.MEDIATOR.value,
                        )
                        .order_by(Staff.display_name, Staff.id)
                    )
                )
                candidates = list(mediators)
            else:
                self._check_with_whom(session, staff_id, partner_id, lock=False)
                mediators = _ids(staff_id)
                candidates = [staff_id]
            staff_busy = self._busy(
                session, Appointment.staff_id, mediators, window_start, window_end
            )
            partner_busy = self._busy(
                session, Appointment.partner_id, _ids(partner_id), window_start, window_end
            )
        slots: list[Slot] = []
        for open_at, close_at in intervals:
            start = open_at
            while start + length <= close_at and len(slots) < limit:
                end = start + length
                if start >= now and not (
                    partner_id is not None
                    and _overlaps(partner_busy.get(partner_id, []), start, end)
                ):
                    for candidate in candidates:
                        busy = staff_busy.get(candidate, []) if candidate is not None else []
                        if not _overlaps(busy, start, end):
                            slots.append(Slot(start, duration_minutes, candidate, partner_id))
                            break
                start += step
        return slots

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

    def upcoming_for_visitor(self, visitor_id: int, *, limit: int = 10) -> list[AppointmentView]:
        """A visitor's booked appointments that have not ended yet."""
        with self.database.read() as session:
            return self.upcoming_in_session(session, visitor_id, limit=limit)

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
            appointment_id = self.book_in_session(session, visitor_id, slot, motif_id, place)
            return self.view(session, appointment_id)

    def cancel(self, appointment_id: int, actor: Actor) -> AppointmentView:
        """Cancel a booked appointment, freeing its time."""
        require(actor, Permission.BOOK)
        self.check_actor(actor)
        with self.database.write() as session:
            current = self._status(session, appointment_id)
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
            if _rowcount(result) != 1:
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
            if _rowcount(result) != 1:
                raise Conflict(N_("This appointment changed meanwhile: look at it again."))
            return self.view(session, appointment_id)

    # Building blocks shared with the orientation service ----------------------------------

    def check_actor(self, actor: Actor) -> None:
        """Refuse an actor from another office."""
        if actor.office_id != self.office.id:
            raise PermissionDenied(OTHER_OFFICE)

    def book_in_session(
        self,
        session: Session,
        visitor_id: int | None,
        slot: Slot,
        motif_id: int | None,
        place: str | None,
    ) -> int:
        """Validate and insert a booking inside the caller's write transaction; its id."""
        check_duration(slot.duration_minutes)
        if slot.staff_id is None and slot.partner_id is None:
            raise FieldError("staff_id", WITH_WHOM_MISSING)
        if slot.starts_at.tzinfo is None or slot.starts_at.utcoffset() is None:
            raise FieldError("starts_at", NAIVE_TIME)
        cleaned_place = _clean_place(place)
        starts_at = slot.starts_at.astimezone(UTC)
        ends_at = starts_at + timedelta(minutes=slot.duration_minutes)
        if starts_at < self.clock.now():
            raise FieldError("starts_at", IN_THE_PAST)
        office = self._office_row(session)
        local_day = starts_at.astimezone(ZoneInfo(office.timezone)).date()
        intervals = opening_intervals(office.opening_hours, office.timezone, local_day)
        if not _within(intervals, starts_at, ends_at):
            raise FieldError("starts_at", OUTSIDE_HOURS)
        # Lock who the time is booked with (PostgreSQL; SQLite's writer lock is already held).
        self._check_with_whom(session, slot.staff_id, slot.partner_id, lock=True)
        if visitor_id is not None:
            visitor = session.execute(
                select(Visitor.anonymised_at, Visitor.merged_into_id).where(
                    Visitor.id == visitor_id, Visitor.office_id == self.office.id
                )
            ).one_or_none()
            if visitor is None:
                raise NotFound(VISITOR_UNKNOWN)
            if visitor.anonymised_at is not None or visitor.merged_into_id is not None:
                raise DomainError(VISITOR_ERASED)
        if motif_id is not None and session.get(Motif, motif_id) is None:
            raise FieldError("motif_id", MOTIF_UNKNOWN)

        window = (starts_at - _LOOKBACK, ends_at)
        if slot.staff_id is not None:
            busy = self._busy(session, Appointment.staff_id, [slot.staff_id], *window)
            if _overlaps(busy.get(slot.staff_id, []), starts_at, ends_at):
                raise Conflict(SLOT_TAKEN)
        if slot.partner_id is not None:
            busy = self._busy(session, Appointment.partner_id, [slot.partner_id], *window)
            if _overlaps(busy.get(slot.partner_id, []), starts_at, ends_at):
                raise Conflict(SLOT_TAKEN)
        if visitor_id is not None:
            busy = self._busy(session, Appointment.visitor_id, [visitor_id], *window)
            if _overlaps(busy.get(visitor_id, []), starts_at, ends_at):
                raise Conflict(VISITOR_BUSY)

        appointment = Appointment(
            office_id=self.office.id,
            visitor_id=visitor_id,
            staff_id=slot.staff_id,
            partner_id=slot.partner_id,
            motif_id=motif_id,
            starts_at=starts_at,
            duration_minutes=slot.duration_minutes,
            place=cleaned_place,
            status=AppointmentStatus.BOOKED.value,
            created_at=self.clock.now(),
        )
        session.add(appointment)
        session.flush()
        return appointment.id

    def view(self, session: Session, appointment_id: int) -> AppointmentView:
        """One appointment of the office as a plain value; NotFound otherwise."""
        views = self.views(session, Appointment.id == appointment_id)
        if not views:
            raise NotFound(APPOINTMENT_UNKNOWN)
        return views[0]

    def views(self, session: Session, condition: ColumnElement[bool]) -> list[AppointmentView]:
        """The office's appointments matching a condition, in time order, in one query."""
        rows = session.execute(
            select(
                Appointment,
                Visitor.first_name,
                Visitor.last_name,
                Staff.display_name,
                Partner.name,
                Motif.code,
                Motif.label_fr,
                Motif.label_en,
            )
            .outerjoin(Visitor, Visitor.id == Appointment.visitor_id)
            .outerjoin(Staff, Staff.id == Appointment.staff_id)
            .outerjoin(Partner, Partner.id == Appointment.partner_id)
            .outerjoin(Motif, Motif.id == Appointment.motif_id)
            .where(Appointment.office_id == self.office.id, condition)
            .order_by(Appointment.starts_at, Appointment.id)
        ).all()
        return [
            AppointmentView(
                id=a.id,
                starts_at=a.starts_at,
                duration_minutes=a.duration_minutes,
                status=a.status,
                place=a.place,
                visitor_id=a.visitor_id,
                visitor_first_name=first_name,
                visitor_last_name=last_name,
                staff_id=a.staff_id,
                staff_name=staff_name,
                partner_id=a.partner_id,
                partner_name=partner_name,
                motif_id=a.motif_id,
                motif_code=motif_code,
                motif_label_fr=label_fr,
                motif_label_en=label_en,
            )
            for (
                a,
                first_name,
                last_name,
                staff_name,
                partner_name,
                motif_code,
                label_fr,
                label_en,
            ) in rows
        ]

    def upcoming_in_session(
        self, session: Session, visitor_id: int, *, limit: int = 10
    ) -> list[AppointmentView]:
        """A visitor's booked appointments that have not ended yet, soonest first."""
        now = self.clock.now()
        views = self.views(
            session,
            and_(
                Appointment.visitor_id == visitor_id,
                Appointment.status.in_(PENDING_STATUSES),
                Appointment.starts_at >= now - _LOOKBACK,
            ),
        )
        return [v for v in views if v.ends_at > now][:limit]

    # Internals ----------------------------------------------------------------------------

    def _office_row(self, session: Session) -> Office:
        office = session.get(Office, self.office.id)
        if office is None:
            raise NotFound(N_("This office does not exist."))
        return office

    def _check_with_whom(
        self, session: Session, staff_id: int | None, partner_id: int | None, *, lock: bool
    ) -> None:
        """Refuse an unknown or inactive mediator or partner; lock them, mediator first."""
        if staff_id is not None:
            query = select(Staff.role, Staff.active).where(
                Staff.id == staff_id, Staff.office_id == self.office.id
            )
            staff = session.execute(query.with_for_update() if lock else query).one_or_none()
            if staff is None or not staff.active:
                raise FieldError("staff_id", STAFF_UNKNOWN)
            if staff.role not in BOOKABLE_ROLES:
                raise FieldError("staff_id", STAFF_NOT_BOOKABLE)
        if partner_id is not None:
            partner_query = select(Partner.active).where(
                Partner.id == partner_id, Partner.office_id == self.office.id
            )
            if lock:
                partner_query = partner_query.with_for_update()
            if not session.execute(partner_query).scalar_one_or_none():
                raise FieldError("partner_id", PARTNER_UNKNOWN)

    def _status(self, session: Session, appointment_id: int) -> str:
        status = session.execute(
            select(Appointment.status).where(
                Appointment.id == appointment_id, Appointment.office_id == self.office.id
            )
        ).scalar_one_or_none()
        if status is None:
            raise NotFound(APPOINTMENT_UNKNOWN)
        return status

    def _busy(
        self,
        session: Session,
        column: Any,
        ids: Sequence[int],
        window_start: datetime,
        window_end: datetime,
    ) -> dict[int, list[tuple[datetime, datetime]]]:
        """Times held by non-cancelled appointments starting in a window, by ``column``'s id.

        ``column`` is whom the time is held by: the mediator, the partner or the visitor.
        """
        if not ids:
            return {}
        rows = session.execute(
            select(column, Appointment.starts_at, Appointment.duration_minutes).where(
                Appointment.office_id == self.office.id,
                column.in_(list(ids)),
                Appointment.status.not_in(FREEING_STATUSES),
                Appointment.starts_at >= window_start,
                Appointment.starts_at < window_end,
            )
        ).all()
        busy: dict[int, list[tuple[datetime, datetime]]] = {}
        for key, starts_at, duration in rows:
            busy.setdefault(key, []).append((starts_at, starts_at + timedelta(minutes=duration)))
        return busy


def _clean_place(place: str | None) -> str | None:
    if place is None:
        return None
    cleaned = " ".join(storable(place).split())
    if not cleaned:
        return None
    if len(cleaned) > MAX_PLACE_LENGTH:
        raise FieldError("place", PLACE_TOO_LONG, {"max": str(MAX_PLACE_LENGTH)})
    sensitive.check_free_text(cleaned)
    return cleaned


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


def _ids(value: int | None) -> list[int]:
    return [] if value is None else [value]
