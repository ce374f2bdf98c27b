"""The queue's hand-tuned SQL, built once with bound parameters: order, streak and calls.

Desks run these several times a second. The order and the streak are computed by the
database, following :func:`.ordering.waiting_order`; ``call_next`` picks and claims the head
of the queue in one statement (PostgreSQL also records the event and returns the entry in
it, skipping a visit another transaction holds with ``SKIP LOCKED``). The streak is read
back from the latest call to the last regular one, never below the day's floor, so its cost
does not grow with the day nor with the history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from pimms_tui.db.enums import Priority, VisitSource, VisitStatus
from pimms_tui.db.models import (
    Appointment,
    Desk,
    Motif,
    Office,
    Staff,
    Visit,
    VisitEvent,
    Visitor,
)
from pimms_tui.db.types import UTCDateTime

from ..visits import waited_on_call

# Statements are built once, with bound parameters: desks run them several times a second.
_OFFICE_ID: BindParameter[int] = bindparam("office", type_=Integer())
_DAY: BindParameter[date] = bindparam("on_day", type_=Date())
_NOW: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())
_DUE_BEFORE: BindParameter[datetime] = bindparam("due_before", type_=UTCDateTime())
# The desk and mediator asking (None when unknown): names distinct from Visit's columns.
_DESK: BindParameter[int] = bindparam("actor_desk", type_=Integer())
_STAFF: BindParameter[int] = bindparam("actor_staff", type_=Integer())
_CAP_NOW: BindParameter[int] = bindparam("cap", type_=Integer())
_FLOOR: BindParameter[int] = bindparam("floor", type_=Integer())

WAITING_VALUE = VisitStatus.WAITING.value
CALLED_VALUE = VisitStatus.CALLED.value


def _constant(value: str | int) -> ColumnElement[Any]:
    """A constant written into the statement, not bound: the statements stay short enough
    for the driver's cache of parsed queries (psycopg: 4 kB)."""
    return literal_column(str(value) if isinstance(value, int) else f"'{value}'")


_WAITING = _constant(WAITING_VALUE)
_CALLED = _constant(CALLED_VALUE)
_IN_PROGRESS = _constant(VisitStatus.IN_PROGRESS.value)
_BY_APPOINTMENT = _constant(VisitSource.APPOINTMENT.value)
_NO_PRIORITY = _constant(Priority.NONE.value)
_ZERO = _constant(0)
_CAP_QUERY = select(Office.priority_streak_cap).where(Office.id == _OFFICE_ID).scalar_subquery()


def _counted_calls(name: str, column: Callable[[Any], Any]) -> tuple[Any, Any, Select[Any]]:
    """``column`` over the day's calls that the streak rule looks at, after the floor.

    Calls are waiting → called (recalls are called → called) of the office's visits of the
    day, without the neutral ones (appointment arrivals, calls after the visit was seen once:
    hand-overs). Gives the event and visit aliases (named after ``name``), and the query.
    """
    event = aliased(VisitEvent, name=name)
    visit = aliased(Visit, name=f"{name}_v")
    earlier = aliased(VisitEvent, name=f"{name}_s")
    after_a_hand_over = (
        select(earlier.id)
        .where(
            earlier.visit_id == event.visit_id,
            earlier.to_status == _IN_PROGRESS,
            earlier.id < event.id,
        )
        .correlate(event)
        .exists()
    )
    query = (
        select(column(event))
        .select_from(event)
        .join(visit, visit.id == event.visit_id)
        .where(
            event.office_id == _OFFICE_ID,
            event.to_status == _CALLED,
            event.id > _FLOOR,
            event.from_status == _WAITING,
            visit.office_id == _OFFICE_ID,
            visit.day == _DAY,
            visit.source != _BY_APPOINTMENT,
            ~after_a_hand_over,
        )
    )
    return event, visit, query


def _streak_query() -> ScalarSelect[Any]:
    """The current streak: priority calls made since the day's last regular call.

    Read back from the latest call (index on visit_event(office_id, to_status, id)) to the
    last regular one, never further than the floor (:func:`.entries.read_floor`): the cost
    follows the calls since the last regular call, not the day nor the office's history.
    """
    last, last_visit, earlier_calls = _counted_calls("prev", lambda e: e.id)
    last_regular = (
        earlier_calls.where(last_visit.priority == _NO_PRIORITY)
        .order_by(last.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    call, visit, calls = _counted_calls("call", lambda _e: func.count())
    return calls.where(
        visit.priority != _NO_PRIORITY, call.id > func.coalesce(last_regular, _FLOOR)
    ).scalar_subquery()


def _floor_query() -> Select[Any]:
    """An event id below every call of the day's visits: the first one's minus one, or the
    latest event's if none was called yet (later events have greater ids)."""
    visit = aliased(Visit, name="of_the_day")
    event = aliased(VisitEvent, name="first_call")
    first_call = (
        select(func.min(event.id))
        .where(event.visit_id == visit.id, event.to_status == _CALLED)
        .scalar_subquery()
    )
    first_of_the_day = (
        select(func.min(first_call))
        .where(visit.office_id == _OFFICE_ID, visit.day == _DAY)
        .scalar_subquery()
    )
    latest = select(func.max(VisitEvent.id)).scalar_subquery()
    return select(func.coalesce(first_of_the_day - 1, latest, _ZERO))


def _ordered_waiting(priority_rank: ColumnElement[Any]) -> tuple[Any, Any, Select[Any]]:
    """The day's waiting visits a desk's ``call_next`` may take, in the order it takes them.

    The order of :func:`waiting_order`, in SQL: hand-overs to this desk or mediator (rank 0),
    due appointments by start (1), then priority visits at ``priority_rank`` — 2 while the
    streak is under the cap, 4 once it reached it — and regular ones (3); by arrival within
    each. Visits handed over to another desk or mediator are left out. Gives the visit
    alias, the rank and the query (of the visit id; add columns at will).
    """
    visit = aliased(Visit, name="queued")
    booking = aliased(Appointment, name="booked")
    shared = and_(visit.desk_id.is_(None), visit.staff_id.is_(None))
    due = and_(
        shared,
        visit.source == _BY_APPOINTMENT,
        booking.starts_at <= _DUE_BEFORE,
    )
    rank = case(
        (~shared, _ZERO),
        (due, _constant(1)),
        (visit.priority != _NO_PRIORITY, priority_rank),
        else_=_constant(3),
    )
    query = (
        select(visit.id)
        .outerjoin(booking, booking.id == visit.appointment_id)
        .where(
            visit.office_id == _OFFICE_ID,
            visit.day == _DAY,
            visit.status == _WAITING,
            or_(shared, visit.desk_id == _DESK, visit.staff_id == _STAFF),
        )
        .order_by(rank, case((due, booking.starts_at)), visit.arrived_at, visit.id)
    )
    return visit, rank, query


# The visit's own columns a queue entry shows (and the office, for the call's event).
_ENTRY_COLUMNS = (
    "id",
    "office_id",
    "ticket_code",
    "visitor_id",
    "appointment_id",
    "source",
    "priority",
    "needs",
    "interpreter_language",
    "first_motif_id",
    "status",
    "desk_id",
    "staff_id",
    "arrived_at",
    "called_at",
    "started_at",
    "finished_at",
)


def _entries(visit: Any = Visit) -> Select[*tuple[Any, ...]]:
    """Visits with what the queue shows, in one query with joins (``visit``: table or CTE)."""
    return (
        select(
            visit.id,
            visit.ticket_code,
            visit.visitor_id,
            Visitor.first_name,
            Visitor.last_name,
            visit.status,
            visit.priority,
            visit.needs,
            visit.interpreter_language,
            Motif.code.label("motif_code"),
            Motif.label_fr.label("motif_label_fr"),
            Motif.label_en.label("motif_label_en"),
            visit.desk_id,
            Desk.name.label("desk_name"),
            visit.staff_id,
            Staff.display_name.label("staff_name"),
            visit.arrived_at,
            visit.called_at,
            visit.started_at,
            visit.finished_at,
            visit.source,
            Appointment.starts_at.label("appointment_starts_at"),
        )
        .outerjoin(Visitor, Visitor.id == visit.visitor_id)
        .outerjoin(Motif, Motif.id == visit.first_motif_id)
        .outerjoin(Desk, Desk.id == visit.desk_id)
        .outerjoin(Staff, Staff.id == visit.staff_id)
        .outerjoin(Appointment, Appointment.id == visit.appointment_id)
    )


def _call_statements() -> tuple[Any, Any]:
    """``call_next`` as statements: SQLite's ``UPDATE … RETURNING id``; PostgreSQL's one
    statement that also records the event and returns the entry.

    The head of the queue is picked and claimed in one ``UPDATE … WHERE id = (SELECT … LIMIT
    1)``; on PostgreSQL the pick skips a row another transaction holds (``SKIP LOCKED``).
    """

    def claim(sqlite: bool) -> Any:
        streak_under_cap = case((_streak_query() < _CAP_NOW, _constant(2)), else_=_constant(4))
        candidate, _, pick = _ordered_waiting(streak_under_cap)
        pick = pick.limit(1).with_for_update(of=candidate, skip_locked=True)
        return (
            update(Visit)
            .where(Visit.id == pick.scalar_subquery(), Visit.status == _WAITING)
            .values(
                status=_CALLED,
                desk_id=_DESK,
                staff_id=_STAFF,
                called_at=_NOW,
                # The statistics' wait: to the first call (kept after a put back).
                waited_seconds=waited_on_call(_NOW, sqlite),
            )
        )

    picked = (
        claim(sqlite=False)
        .returning(*(Visit.__table__.c[name] for name in _ENTRY_COLUMNS))
        .cte("picked")
    )
    event = insert(VisitEvent).from_select(
        ["office_id", "visit_id", "at", "staff_id", "desk_id", "from_status", "to_status"],
        select(
            picked.c.office_id,
            picked.c.id,
            _NOW,
            _STAFF,
            _DESK,
            _WAITING,
            _CALLED,
        ),
    )
    postgres = _entries(picked.c).add_cte(event.cte("call_event"))
    return claim(sqlite=True).returning(Visit.id), postgres


def _arrival_statement() -> Any:
    """PostgreSQL: a new visit and its arrival event in one statement (``new_…`` values)."""
    columns = Visit.__table__.c
    new_visit = (
        insert(Visit)
        .values({name: bindparam(f"new_{name}", type_=columns[name].type) for name in _ARRIVAL})
        .returning(Visit.id, Visit.office_id)
        .cte("new_visit")
    )
    return (
        insert(VisitEvent)
        .from_select(
            ["office_id", "visit_id", "at", "staff_id", "desk_id", "to_status"],
            select(new_visit.c.office_id, new_visit.c.id, _NOW, _STAFF, _DESK, _WAITING),
        )
        .returning(VisitEvent.visit_id)
    )


# What an arrival writes in its visit.
_ARRIVAL = (
    "office_id",
    "day",
    "ticket_number",
    "ticket_code",
    "visitor_id",
    "appointment_id",
    "age_band",
    "gender",
    "commune",
    "source",
    "priority",
    "needs",
    "interpreter_language",
    "first_motif_id",
    "status",
    "arrived_at",
)


def _order_rows() -> Select[Any]:
    """Waiting visits in call order from a desk (the streak not applied: rank 2 is priority,
    3 regular), with what the streak needs, and the streak and cap as they stand."""
    visit, rank, query = _ordered_waiting(_constant(2))
    return query.add_columns(
        rank.label("rank"),
        visit.source,
        visit.priority,
        visit.started_at.is_not(None).label("resumed"),
        _streak_query().label("streak"),
        _CAP_QUERY.label("cap"),
    )


CALL_SQLITE, CALL_POSTGRES = _call_statements()
TODAY_ENTRIES = _entries().where(Visit.office_id == _OFFICE_ID, Visit.day == _DAY)
ONE_ENTRY = _entries().where(Visit.office_id == _OFFICE_ID, Visit.id == bindparam("visit_id"))
ORDER_ROWS = _order_rows()
STREAK_AND_CAP = select(_streak_query().label("streak"), _CAP_QUERY.label("cap"))
FLOOR_QUERY = _floor_query()
EVENT = insert(VisitEvent)
NEW_VISIT = insert(Visit).returning(Visit.id)
ARRIVAL_POSTGRES = _arrival_statement()
MOTIF_EXISTS = select(Motif.id).where(Motif.id == bindparam("motif_id"))
TOUCH_VISITOR = (
    update(Visitor)
    .where(Visitor.id == bindparam("visitor_id"), Visitor.office_id == bindparam("of_office"))
    .values(last_activity_at=_NOW)
)
