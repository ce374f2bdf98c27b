"""Reading the queue: entries from rows, the day's order of display, places in the queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from pimms_tui.db.enums import Priority, VisitSource, VisitStatus

from .model import CLOSED, QueueCandidate, QueueEntry
from .ordering import CallKind, call_kind, interleave
from .statements import FLOOR_QUERY, ONE_ENTRY, ORDER_ROWS, STREAK_AND_CAP, TODAY_ENTRIES


def candidate_of(row: Row[*tuple[Any, ...]]) -> QueueCandidate:
    """What the queue order needs to know of a visit read with the queue's columns."""
    return QueueCandidate(
        visit_id=row.id,
        arrived_at=row.arrived_at,
        priority=row.priority,
        source=row.source,
        appointment_starts_at=row.appointment_starts_at,
        desk_id=row.desk_id,
        staff_id=row.staff_id,
        resumed=row.started_at is not None,
    )


def entry_of(row: Row[*tuple[Any, ...]], now: datetime, position: int | None) -> QueueEntry:
    """A visit read with the queue's columns, as the queue shows it."""
    candidate = candidate_of(row)
    waiting = row.status == VisitStatus.WAITING
    return QueueEntry(
        visit_id=row.id,
        ticket_code=row.ticket_code,
        visitor_id=row.visitor_id,
        first_name=row.first_name,
        last_name=row.last_name,
        status=VisitStatus(row.status),
        priority=Priority(row.priority),
        needs=tuple(row.needs or ()),
        interpreter_language=row.interpreter_language,
        motif_code=row.motif_code,
        motif_label_fr=row.motif_label_fr,
        motif_label_en=row.motif_label_en,
        desk_id=row.desk_id,
        desk_name=row.desk_name,
        staff_name=row.staff_name,
        arrived_at=row.arrived_at,
        called_at=row.called_at,
        source=VisitSource(row.source),
        appointment_due=waiting and candidate.is_due(now),
        position=position,
        transfer_to_desk=waiting and candidate.is_handed_over,
    )


def _active_sort_key(row: Row[*tuple[Any, ...]]) -> tuple[int, datetime, int]:
    rank = 0 if row.status == VisitStatus.CALLED else 1
    moment = row.called_at if rank == 0 else row.started_at
    return (rank, moment or row.arrived_at, row.id)


def _closed_sort_key(row: Row[*tuple[Any, ...]]) -> tuple[datetime, int]:
    return (row.finished_at or row.called_at or row.arrived_at, row.id)


def today_rows(session: Session, office_id: int, day: date) -> list[Row[Any]]:
    """The office's visits of a local day, with what the queue shows (unordered)."""
    params = {"office": office_id, "on_day": day}
    return list(session.connection().execute(TODAY_ENTRIES, params).all())


def entry_row(session: Session, office_id: int, visit_id: int) -> Row[Any]:
    """One visit with what the queue shows."""
    params = {"office": office_id, "visit_id": visit_id}
    return session.connection().execute(ONE_ENTRY, params).one()


def day_order(
    rows: Sequence[Row[Any]], positions: dict[int, int], now: datetime
) -> list[QueueEntry]:
    """The day's visits in the order a desk shows them.

    Waiting visits first, by their place (visits without one follow); then called and
    in-progress visits; then the day's closed visits, latest first.
    """
    waiting = [r for r in rows if r.status == VisitStatus.WAITING]
    waiting.sort(key=lambda r: (positions.get(r.id, len(rows) + 1), r.arrived_at, r.id))
    active = sorted(
        (r for r in rows if r.status in (VisitStatus.CALLED, VisitStatus.IN_PROGRESS)),
        key=_active_sort_key,
    )
    closed = sorted((r for r in rows if r.status in CLOSED), key=_closed_sort_key)
    closed.reverse()
    return [entry_of(r, now, positions.get(r.id)) for r in [*waiting, *active, *closed]]


def read_floor(session: Session, office_id: int, day: date) -> int:
    """An event id below every call of the day's visits: the streak reads back no further.

    Read under the office lock, it holds for the rest of the day: every event of the office
    is written under that lock, so none can come later with a smaller id (ids grow: SQLite's
    rowid, PostgreSQL's sequence). Read outside the lock, it only serves that read's snapshot.
    """
    params = {"office": office_id, "on_day": day}
    return int(session.connection().execute(FLOOR_QUERY, params).scalar_one())


def streak_and_cap(session: Session, office_id: int, day: date, floor: int) -> tuple[int, int]:
    """The priority streak as it stands, and the office's cap."""
    params = {"office": office_id, "on_day": day, "floor": floor}
    streak, cap = session.connection().execute(STREAK_AND_CAP, params).one()
    return int(streak), int(cap)


def place_in_queue(session: Session, visit_id: int, params: dict[str, Any]) -> int | None:
    """The place of one waiting visit as seen from a desk, in one query.

    ``params``: the office, the day, its floor, the due limit and the desk and mediator
    asking (``actor_desk``, ``actor_staff``: None for nobody in particular).
    """
    rows = session.connection().execute(ORDER_ROWS, params).all()
    if not rows:
        return None
    groups: tuple[list[tuple[int, CallKind]], ...] = ([], [], [])
    for row in rows:
        kind = call_kind(row.source, row.priority, bool(row.resumed))
        groups[max(0, row.rank - 1)].append((row.id, kind))
    order = interleave(*groups, streak=int(rows[0].streak), cap=int(rows[0].cap))
    return next((place for place, v in enumerate(order, start=1) if v == visit_id), None)
