"""Statements on appointments, inside the caller's unit of work: views, busy times, booking.

No double booking holds under concurrency: a booking locks the mediator's (and the partner's)
row with ``SELECT … FOR UPDATE`` on PostgreSQL before looking for an overlap, so two desks
booking the same mediator are serialised; on SQLite every write transaction is ``BEGIN
IMMEDIATE`` and the database allows one writer at a time. The loser gets a Conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import AppointmentStatus, Role
from pimms_tui.db.models import Appointment, Motif, Office, Partner, Staff, Visitor

from ..errors import Conflict, DomainError, NotFound
from ..messages import N_
from ..validation import FieldError
from .rules import (
    APPOINTMENT_UNKNOWN,
    BOOKABLE_ROLES,
    FREEING_STATUSES,
    IN_THE_PAST,
    LOOKBACK,
    MOTIF_UNKNOWN,
    NAIVE_TIME,
    OUTSIDE_HOURS,
    PARTNER_UNKNOWN,
    PENDING_STATUSES,
    SLOT_TAKEN,
    STAFF_NOT_BOOKABLE,
    STAFF_UNKNOWN,
    VISITOR_BUSY,
    VISITOR_ERASED,
    VISITOR_UNKNOWN,
    WITH_WHOM_MISSING,
    AppointmentView,
    Slot,
    check_duration,
    clean_place,
    opening_intervals,
    overlaps,
    within,
)


def appointment_views(
    session: Session, office_id: int, condition: ColumnElement[bool]
) -> list[AppointmentView]:
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
        .where(Appointment.office_id == office_id, condition)
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


def appointment_view(session: Session, office_id: int, appointment_id: int) -> AppointmentView:
    """One appointment of the office as a plain value; NotFound otherwise."""
    views = appointment_views(session, office_id, Appointment.id == appointment_id)
    if not views:
        raise NotFound(APPOINTMENT_UNKNOWN)
    return views[0]


def upcoming_appointments(
    session: Session, office_id: int, visitor_id: int, now: datetime, *, limit: int = 10
) -> list[AppointmentView]:
    """A visitor's booked appointments that have not ended yet, soonest first."""
    views = appointment_views(
        session,
        office_id,
        and_(
            Appointment.visitor_id == visitor_id,
            Appointment.status.in_(PENDING_STATUSES),
            Appointment.starts_at >= now - LOOKBACK,
        ),
    )
    return [v for v in views if v.ends_at > now][:limit]


def office_row(session: Session, office_id: int) -> Office:
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound(N_("This office does not exist."))
    return office


def check_with_whom(
    session: Session, office_id: int, staff_id: int | None, partner_id: int | None, *, lock: bool
) -> None:
    """Refuse an unknown or inactive mediator or partner; lock them, mediator first."""
    if staff_id is not None:
        query = select(Staff.role, Staff.active).where(
            Staff.id == staff_id, Staff.office_id == office_id
        )
        staff = session.execute(query.with_for_update() if lock else query).one_or_none()
        if staff is None or not staff.active:
            raise FieldError("staff_id", STAFF_UNKNOWN)
        if staff.role not in BOOKABLE_ROLES:
            raise FieldError("staff_id", STAFF_NOT_BOOKABLE)
    if partner_id is not None:
        partner_query = select(Partner.active).where(
            Partner.id == partner_id, Partner.office_id == office_id
        )
        if lock:
            partner_query = partner_query.with_for_update()
        if not session.execute(partner_query).scalar_one_or_none():
            raise FieldError("partner_id", PARTNER_UNKNOWN)


def appointment_status(session: Session, office_id: int, appointment_id: int) -> str:
    status = session.execute(
        select(Appointment.status).where(
            Appointment.id == appointment_id, Appointment.office_id == office_id
        )
    ).scalar_one_or_none()
    if status is None:
        raise NotFound(APPOINTMENT_UNKNOWN)
    return status


def busy_times(
    session: Session,
    office_id: int,
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
            Appointment.office_id == office_id,
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


def insert_booking(
    session: Session,
    office_id: int,
    now: datetime,
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
    cleaned_place = clean_place(place)
    starts_at = slot.starts_at.astimezone(UTC)
    ends_at = starts_at + timedelta(minutes=slot.duration_minutes)
    if starts_at < now:
        raise FieldError("starts_at", IN_THE_PAST)
    office = office_row(session, office_id)
    local_day = starts_at.astimezone(ZoneInfo(office.timezone)).date()
    intervals = opening_intervals(office.opening_hours, office.timezone, local_day)
    if not within(intervals, starts_at, ends_at):
        raise FieldError("starts_at", OUTSIDE_HOURS)
    # Lock who the time is booked with (PostgreSQL; SQLite's writer lock is already held).
    check_with_whom(session, office_id, slot.staff_id, slot.partner_id, lock=True)
    if visitor_id is not None:
        visitor = session.execute(
            select(Visitor.anonymised_at, Visitor.merged_into_id).where(
                Visitor.id == visitor_id, Visitor.office_id == office_id
            )
        ).one_or_none()
        if visitor is None:
            raise NotFound(VISITOR_UNKNOWN)
        if visitor.anonymised_at is not None or visitor.merged_into_id is not None:
            raise DomainError(VISITOR_ERASED)
    if motif_id is not None and session.get(Motif, motif_id) is None:
        raise FieldError("motif_id", MOTIF_UNKNOWN)

    window = (starts_at - LOOKBACK, ends_at)
    if slot.staff_id is not None:
        busy = busy_times(session, office_id, Appointment.staff_id, [slot.staff_id], *window)
        if overlaps(busy.get(slot.staff_id, []), starts_at, ends_at):
            raise Conflict(SLOT_TAKEN)
    if slot.partner_id is not None:
        busy = busy_times(session, office_id, Appointment.partner_id, [slot.partner_id], *window)
        if overlaps(busy.get(slot.partner_id, []), starts_at, ends_at):
            raise Conflict(SLOT_TAKEN)
    if visitor_id is not None:
        busy = busy_times(session, office_id, Appointment.visitor_id, [visitor_id], *window)
        if overlaps(busy.get(visitor_id, []), starts_at, ends_at):
            raise Conflict(VISITOR_BUSY)

    appointment = Appointment(
        office_id=office_id,
        visitor_id=visitor_id,
        staff_id=slot.staff_id,
        partner_id=slot.partner_id,
        motif_id=motif_id,
        starts_at=starts_at,
        duration_minutes=slot.duration_minutes,
        place=cleaned_place,
        status=AppointmentStatus.BOOKED.value,
        created_at=now,
    )
    session.add(appointment)
    session.flush()
    return appointment.id


def find_free_slots(
    session: Session,
    office_id: int,
    now: datetime,
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
    office = office_row(session, office_id)
    intervals = opening_intervals(office.opening_hours, office.timezone, day)
    if not intervals:
        return []
    window_start, window_end = intervals[0][0] - LOOKBACK, intervals[-1][1]
    candidates: list[int | None]
    if staff_id is None and partner_id is None:
        mediators = list(
            session.scalars(
                select(Staff.id)
                .where(
                    Staff.office_id == office_id,
                    Staff.active,
                    Staff.role == Role.MEDIATOR.value,
                )
                .order_by(Staff.display_name, Staff.id)
            )
        )
        candidates = list(mediators)
    else:
        check_with_whom(session, office_id, staff_id, partner_id, lock=False)
        mediators = _ids(staff_id)
        candidates = [staff_id]
    staff_busy = busy_times(
        session, office_id, Appointment.staff_id, mediators, window_start, window_end
    )
    partner_busy = busy_times(
        session, office_id, Appointment.partner_id, _ids(partner_id), window_start, window_end
    )
    slots: list[Slot] = []
    for open_at, close_at in intervals:
        start = open_at
        while start + length <= close_at and len(slots) < limit:
            end = start + length
            if start >= now and not (
                partner_id is not None and overlaps(partner_busy.get(partner_id, []), start, end)
            ):
                for candidate in candidates:
                    busy = staff_busy.get(candidate, []) if candidate is not None else []
                    if not overlaps(busy, start, end):
                        slots.append(Slot(start, duration_minutes, candidate, partner_id))
                        break
            start += step
    return slots


def rowcount(result: Any) -> int:
    """How many rows an UPDATE changed."""
    count: int = result.rowcount
    return count


def _ids(value: int | None) -> list[int]:
    return [] if value is None else [value]
