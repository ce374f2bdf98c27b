"""The office's shared queue (DESIGN §2): arrivals, ticket codes, queue order and calls.

The queue is the database: every desk reads the same rows and polls ``Office.queue_revision``
to know when to refresh. Each operation is one short write transaction, and every status
change goes through :func:`visits.transition_visit`, so two desks can never both take the
same visitor.

Queue order, as :func:`waiting_order` computes it and ``call_next`` follows it:

1. visits transferred to the calling desk or mediator (a hand-over goes first there, and only
   there: other desks' ``call_next`` skip it, though any desk may still ``call`` it by hand);
2. appointments that are due (arrived for an appointment starting within 10 minutes or
   earlier), earliest appointment first; they are not subject to the priority cap;
3. priority visitors (elderly, disability, pregnancy, urgency…), by arrival;
4. everyone else by arrival, first in first out (ties broken by visit id).

Starvation rule: after ``Office.priority_streak_cap`` consecutive calls of priority visitors,
the next call takes the longest-waiting regular visitor if one waits. "Consecutive" is read
from the day's history of calls (VisitEvent rows waiting → called), so no extra state is
kept: counting back from the latest call, priority visits add one, a regular visit ends the
streak, and calls that are outside the rule (appointment arrivals, visits handed over after
being seen) neither count nor end it; recalls (called → called) are not calls. A cap of 0
therefore means a priority visitor is only called when no regular visitor waits. The cap is
read from the office row at each call, so a change in the settings applies to every desk at
once.

Concurrency: every write of this service locks the office row first, by bumping its queue
revision (PostgreSQL row lock; SQLite's ``BEGIN IMMEDIATE`` already serialises writers).
Queue changes of one office thus happen one after the other, the streak is exact, and locks
are always taken in the same order (office, then visit), so two desks cannot deadlock. On an
SQLite file, queue writers also take turns on a lock file, which wakes the next one as soon
as a write ends (SQLite's own busy wait sleeps up to 100 ms between tries).

Cost: ``call_next`` picks and claims the head of the queue in one statement, the order and
the streak computed by the database (PostgreSQL also records the event and returns the entry
in that statement, skipping a visit another transaction holds with ``SKIP LOCKED``). The
streak is read back from the latest call to the last regular one, so its cost does not grow
with the day nor with the history.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    Row,
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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import (
    AgeBand,
    AppointmentStatus,
    Gender,
    Need,
    Priority,
    VisitSource,
    VisitStatus,
)
from pimms_tui.db.lock import WritersTurn
from pimms_tui.db.models import (
    Appointment,
    Desk,
    Motif,
    Office,
    Staff,
    TicketCounter,
    Visit,
    VisitEvent,
    Visitor,
)
from pimms_tui.db.types import UTCDateTime

from .access import Permission, require
from .actors import Actor
from .clock import Clock
from .errors import Conflict, NotFound
from .messages import N_
from .offices import OfficeInfo
from .visits import bump_queue_revision, refusal, transition_visit, waited_on_call

# An appointment arrival goes first from this long before its start.
APPOINTMENT_DUE_WINDOW = timedelta(minutes=10)
WALK_IN_SERIES = "A"
APPOINTMENT_SERIES = "R"

_CLOSED = (VisitStatus.DONE, VisitStatus.LEFT, VisitStatus.NO_SHOW)
_T = TypeVar("_T")


@dataclass(frozen=True)
class QueueEntry:
    """One visit of the day as the queue shows it.

    ``first_name``/``last_name`` are None for an anonymous visit (the UI decides masking).
    ``position`` is the 1-based place among waiting visits, as ``call_next`` would take them
    from the viewer's desk, else None. For a waiting visit with ``transfer_to_desk`` set,
    ``desk_id``/``desk_name``/``staff_name`` name the desk or mediator it was handed over to:
    only their ``call_next`` takes it (first), so other desks see it without a position.
    """

    visit_id: int
    ticket_code: str
    visitor_id: int | None
    first_name: str | None
    last_name: str | None
    status: VisitStatus
    priority: Priority
    needs: tuple[str, ...]
    interpreter_language: str | None
    motif_code: str | None
    motif_label_fr: str | None
    motif_label_en: str | None
    desk_id: int | None
    desk_name: str | None
    staff_name: str | None
    arrived_at: datetime
    called_at: datetime | None
    source: VisitSource
    appointment_due: bool
    position: int | None
    transfer_to_desk: bool


@dataclass(frozen=True)
class ArrivalRequest:
    """What the reception desk enters for an arrival; everything but the defaults is optional."""

    visitor_id: int | None = None
    motif_id: int | None = None
    priority: Priority = Priority.NONE
    needs: tuple[Need, ...] = ()
    interpreter_language: str | None = None
    age_band: AgeBand | None = None
    gender: Gender = Gender.NOT_GIVEN
    commune: str | None = None
    source: VisitSource = VisitSource.WALK_IN
    appointment_id: int | None = None


@dataclass(frozen=True)
class Ticket:
    """The ticket given at arrival, with the place it takes in the shared queue."""

    visit_id: int
    ticket_code: str
    position: int | None


@dataclass(frozen=True)
class QueueCandidate:
    """What the queue order needs to know about a waiting visit.

    ``desk_id``/``staff_id`` set on a waiting visit mean it was handed over to that desk or
    mediator; ``resumed`` means it was already seen once (transferred back to the queue).
    """

    visit_id: int
    arrived_at: datetime
    priority: str = Priority.NONE
    source: str = VisitSource.WALK_IN
    appointment_starts_at: datetime | None = None
    desk_id: int | None = None
    staff_id: int | None = None
    resumed: bool = False

    def is_due(self, now: datetime) -> bool:
        """Whether this is an appointment arrival whose appointment starts soon or started."""
        return (
            self.source == VisitSource.APPOINTMENT
            and self.appointment_starts_at is not None
            and self.appointment_starts_at <= now + APPOINTMENT_DUE_WINDOW
        )

    @property
    def is_handed_over(self) -> bool:
        """Whether it waits for one desk or mediator in particular."""
        return self.desk_id is not None or self.staff_id is not None

    def is_for(self, desk_id: int | None, staff_id: int | None) -> bool:
        """Whether it was handed over to this desk or this mediator."""
        return (self.desk_id is not None and self.desk_id == desk_id) or (
            self.staff_id is not None and self.staff_id == staff_id
        )


class CallKind(StrEnum):
    """How a call counts for the priority streak."""

    PRIORITY = "priority"
    REGULAR = "regular"
    NEUTRAL = "neutral"  # appointment arrivals and hand-overs: outside the cap


def call_kind(source: str, priority: str, resumed: bool) -> CallKind:
    """How calling a visit with these traits counts for the priority streak."""
    if source == VisitSource.APPOINTMENT or resumed:
        return CallKind.NEUTRAL
    return CallKind.REGULAR if priority == Priority.NONE else CallKind.PRIORITY


def _after_call(streak: int, kind: CallKind) -> int:
    if kind is CallKind.PRIORITY:
        return streak + 1
    return 0 if kind is CallKind.REGULAR else streak


def waiting_order(
    candidates: Iterable[QueueCandidate],
    *,
    now: datetime,
    streak: int,
    cap: int,
    desk_id: int | None = None,
    staff_id: int | None = None,
) -> list[int]:
    """Visit ids in the order successive ``call_next`` from this desk would take them.

    ``streak`` is the number of consecutive priority calls just made (see the module
    docstring); due appointments and hand-overs to this desk are not subject to the cap.
    Visits handed over to another desk or mediator are left out. This is the reference the
    database's own ordering (:class:`QueueService`) follows.
    """
    by_arrival = sorted(candidates, key=lambda c: (c.arrived_at, c.visit_id))
    handed_over: list[QueueCandidate] = []
    due: list[QueueCandidate] = []
    priority: list[QueueCandidate] = []
    regular: list[QueueCandidate] = []
    for candidate in by_arrival:
        if candidate.is_handed_over:
            if candidate.is_for(desk_id, staff_id):
                handed_over.append(candidate)
        elif candidate.is_due(now):
            due.append(candidate)
        elif candidate.priority != Priority.NONE:
            priority.append(candidate)
        else:
            regular.append(candidate)
    due.sort(key=lambda c: (c.appointment_starts_at, c.arrived_at, c.visit_id))

    def calls(group: list[QueueCandidate]) -> list[tuple[int, CallKind]]:
        return [(c.visit_id, call_kind(c.source, c.priority, c.resumed)) for c in group]

    return list(
        _interleave(
            calls([*handed_over, *due]), calls(priority), calls(regular), streak=streak, cap=cap
        )
    )


def _interleave(
    first: Iterable[tuple[int, CallKind]],
    priority: Iterable[tuple[int, CallKind]],
    regular: Iterable[tuple[int, CallKind]],
    *,
    streak: int,
    cap: int,
) -> Iterator[int]:
    """Visit ids as successive calls take them from the queue's groups, each already sorted.

    ``first`` (hand-overs, due appointments) go before the others; then a priority visit
    while the streak is under the cap or no regular visit waits, else a regular one.
    """
    heads = deque(first)
    priorities = deque(priority)
    regulars = deque(regular)
    while heads or priorities or regulars:
        if heads:
            visit_id, kind = heads.popleft()
        elif priorities and (not regulars or streak < cap):
            visit_id, kind = priorities.popleft()
        else:
            visit_id, kind = regulars.popleft()
        streak = _after_call(streak, kind)
        yield visit_id


def ticket_code(series: str, number: int) -> str:
    """The code shown and announced: ``A-042``; more digits past 999."""
    return f"{series}-{number:03d}"


def draw_ticket_number(session: Session, office_id: int, day: date, series: str) -> int:
    """The next number of a series for the office and day, in the caller's transaction.

    One statement: the counter row is created at 1, or incremented in place if it exists
    (a concurrent creation is not an error). The row lock held until commit serialises
    concurrent arrivals, so numbers are neither duplicated nor skipped.
    """
    key = {"office_id": office_id, "day": day, "series": series, "last_number": 1}
    connection = session.connection()
    statement = _DRAW_TICKET[connection.dialect.name == "postgresql"]
    return int(connection.execute(statement, key).scalar_one())


def _draw_ticket(insert: Callable[..., Any]) -> Any:
    return (
        insert(TicketCounter)
        .on_conflict_do_update(
            index_elements=[TicketCounter.office_id, TicketCounter.day, TicketCounter.series],
            set_={"last_number": TicketCounter.last_number + 1},
        )
        .returning(TicketCounter.last_number)
    )


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
# Indexed by "is PostgreSQL": both dialects have the same upsert.
_DRAW_TICKET = (_draw_ticket(sqlite.insert), _draw_ticket(postgresql.insert))

_WAITING_VALUE = VisitStatus.WAITING.value
_CALLED_VALUE = VisitStatus.CALLED.value


def _constant(value: str | int) -> ColumnElement[Any]:
    """A constant written into the statement, not bound: the statements stay short enough
    for the driver's cache of parsed queries (psycopg: 4 kB)."""
    return literal_column(str(value) if isinstance(value, int) else f"'{value}'")


_WAITING = _constant(_WAITING_VALUE)
_CALLED = _constant(_CALLED_VALUE)
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
    last regular one, never further than the floor (:meth:`QueueService._floor`): the cost
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


_CALL_SQLITE, _CALL_POSTGRES = _call_statements()
_TODAY_ENTRIES = _entries().where(Visit.office_id == _OFFICE_ID, Visit.day == _DAY)
_ONE_ENTRY = _entries().where(Visit.office_id == _OFFICE_ID, Visit.id == bindparam("visit_id"))
_ORDER_ROWS = _order_rows()
_STREAK_AND_CAP = select(_streak_query().label("streak"), _CAP_QUERY.label("cap"))
_FLOOR_QUERY = _floor_query()
_EVENT = insert(VisitEvent)
_NEW_VISIT = insert(Visit).returning(Visit.id)
_ARRIVAL_POSTGRES = _arrival_statement()
_MOTIF = select(Motif.id).where(Motif.id == bindparam("motif_id"))
_TOUCH_VISITOR = (
    update(Visitor)
    .where(Visitor.id == bindparam("visitor_id"), Visitor.office_id == bindparam("of_office"))
    .values(last_activity_at=_NOW)
)


def _candidate(row: Row[*tuple[Any, ...]]) -> QueueCandidate:
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


def _entry(row: Row[*tuple[Any, ...]], now: datetime, position: int | None) -> QueueEntry:
    candidate = _candidate(row)
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


class QueueService:
    """The queue of one office, shared by every desk through the database."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self._database = database
        self._clock = clock
        self._office = office
        self._revision_query = select(Office.queue_revision).where(Office.id == office.id)
        self._turn = WritersTurn(database, "queue")
        self._floors: tuple[date, int] | None = None  # the day, and its floor (_floor)

    @property
    def office(self) -> OfficeInfo:
        """The office whose queue this is."""
        return self._office

    # Reading

    def revision(self) -> int:
        """The office's queue revision: it changes whenever the queue does (poll it)."""
        # A bare connection, no ORM session: desks poll this several times a second.
        with self._database.engine.connect() as connection:
            return int(connection.execute(self._revision_query).scalar_one())

    def today(self, viewer: Actor | None = None) -> list[QueueEntry]:
        """The visits of the office-local day, in the order a desk shows them.

        Waiting visits first, in the order ``call_next`` from ``viewer``'s desk would take
        them (positions 1, 2…; visits handed over to another desk follow without a position);
        then called and in-progress visits; then the day's closed visits, latest first.
        """
        now = self._clock.now()
        day = self._office.local_day(now)
        with self._database.read() as session:
            params = {"office": self._office.id, "on_day": day}
            rows = session.connection().execute(_TODAY_ENTRIES, params).all()
            waiting = [r for r in rows if r.status == VisitStatus.WAITING]
            positions = self._positions(session, [_candidate(r) for r in waiting], now, viewer)
        waiting.sort(key=lambda r: (positions.get(r.id, len(rows) + 1), r.arrived_at, r.id))
        active = sorted(
            (r for r in rows if r.status in (VisitStatus.CALLED, VisitStatus.IN_PROGRESS)),
            key=_active_sort_key,
        )
        closed = sorted((r for r in rows if r.status in _CLOSED), key=_closed_sort_key)
        closed.reverse()
        return [_entry(r, now, positions.get(r.id)) for r in [*waiting, *active, *closed]]

    # Arrival

    def register_arrival(self, request: ArrivalRequest, actor: Actor) -> Ticket:
        """Put a visitor in the queue with a new ticket code (``A-…``, or ``R-…`` when
        arriving for an appointment, which is then marked arrived)."""
        self._check_actor(actor)
        now = self._clock.now()
        day = self._office.local_day(now)
        office_id = self._office.id
        needs = list(dict.fromkeys(Need(n).value for n in request.needs))
        if request.interpreter_language and Need.INTERPRETER.value not in needs:
            needs.append(Need.INTERPRETER.value)

        def work(session: Session) -> tuple[int, str]:
            connection = session.connection()
            visitor_id = request.visitor_id
            motif_id = request.motif_id
            source = VisitSource(request.source)
            if request.appointment_id is not None:
                source = VisitSource.APPOINTMENT
                booked_for, booked_motif = self._check_in(session, request.appointment_id)
                visitor_id = visitor_id if visitor_id is not None else booked_for
                motif_id = motif_id if motif_id is not None else booked_motif
            if (
                motif_id is not None
                and connection.execute(_MOTIF, {"motif_id": motif_id}).first() is None
            ):
                raise NotFound(N_("This reason for coming does not exist."))
            if visitor_id is not None:
                # Bookkeeping, not an edit of the file: the optimistic-lock version stays.
                touched = connection.execute(
                    _TOUCH_VISITOR,
                    {"visitor_id": visitor_id, "of_office": office_id, "now": now},
                )
                if touched.rowcount != 1:
                    raise NotFound(N_("This visitor does not exist."))
            series = APPOINTMENT_SERIES if source == VisitSource.APPOINTMENT else WALK_IN_SERIES
            number = draw_ticket_number(session, office_id, day, series)
            code = ticket_code(series, number)
            visit = {
                "office_id": office_id,
                "day": day,
                "ticket_number": number,
                "ticket_code": code,
                "visitor_id": visitor_id,
                "appointment_id": request.appointment_id,
                "age_band": AgeBand(request.age_band).value if request.age_band else None,
                "gender": Gender(request.gender).value,
                "commune": (request.commune or "").strip() or None,
                "source": source.value,
                "priority": Priority(request.priority).value,
                "needs": needs,
                "interpreter_language": (request.interpreter_language or "").strip() or None,
                "first_motif_id": motif_id,
                "status": VisitStatus.WAITING.value,
                "arrived_at": now,
            }
            if connection.dialect.name == "postgresql":  # the visit and its event at once
                params = {f"new_{name}": value for name, value in visit.items()}
                params.update(now=now, actor_staff=actor.staff_id, actor_desk=actor.desk_id)
                return int(connection.execute(_ARRIVAL_POSTGRES, params).scalar_one()), code
            visit_id = int(connection.execute(_NEW_VISIT, visit).scalar_one())
            connection.execute(
                _EVENT,
                {
                    "office_id": office_id,
                    "visit_id": visit_id,
                    "at": now,
                    "staff_id": actor.staff_id,
                    "desk_id": actor.desk_id,
                    "from_status": None,
                    "to_status": VisitStatus.WAITING.value,
                },
            )
            return visit_id, code

        visit_id, code = self._write(work)
        # The place is read once committed: the write lock is not held while ordering.
        with self._database.read() as session:
            position = self._position(session, visit_id, now, None, locked=False)
        return Ticket(visit_id=visit_id, ticket_code=code, position=position)

    def _check_in(self, session: Session, appointment_id: int) -> tuple[int | None, int | None]:
        """Mark a booked appointment arrived (guarded, like a visit transition)."""
        booked = session.execute(
            select(Appointment.status, Appointment.visitor_id, Appointment.motif_id).where(
                Appointment.id == appointment_id, Appointment.office_id == self._office.id
            )
        ).one_or_none()
        if booked is None:
            raise NotFound(N_("This appointment does not exist."))
        result = session.execute(
            update(Appointment)
            .where(
                Appointment.id == appointment_id,
                Appointment.status == AppointmentStatus.BOOKED.value,
            )
            .values(status=AppointmentStatus.ARRIVED.value)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            status = session.execute(
                select(Appointment.status).where(Appointment.id == appointment_id)
            ).scalar_one()
            if status == AppointmentStatus.ARRIVED:
                raise Conflict(N_("This appointment was already checked in."))
            raise Conflict(N_("This appointment is no longer booked."))
        return booked.visitor_id, booked.motif_id

    # Calling

    def call_next(self, actor: Actor) -> QueueEntry | None:
        """Call the head of the queue to the actor's desk; None when nobody waits for it.

        Calls of one office are serialised (the office row is locked first), which keeps the
        priority streak exact; the head is then picked and claimed by one statement, so every
        caller gets a different visitor or None. An empty call changes nothing (rolled back).
        """
        self._check_actor(actor)
        now = self._clock.now()
        day = self._office.local_day(now)
        params: dict[str, Any] = {
            "office": self._office.id,
            "on_day": day,
            "now": now,
            "due_before": now + APPOINTMENT_DUE_WINDOW,
            "actor_desk": actor.desk_id,
            "actor_staff": actor.staff_id,
        }

        def work(session: Session) -> QueueEntry:
            params["cap"] = bump_queue_revision(session, self._office.id)
            params["floor"] = self._floor(session, day, locked=True)
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                row = connection.execute(_CALL_POSTGRES, params).one_or_none()
                if row is None:
                    raise _NobodyWaits
                return _entry(row, now, None)
            visit_id = connection.execute(_CALL_SQLITE, params).scalar_one_or_none()
            if visit_id is None:
                raise _NobodyWaits
            connection.execute(
                _EVENT,
                {
                    "office_id": self._office.id,
                    "visit_id": visit_id,
                    "at": now,
                    "staff_id": actor.staff_id,
                    "desk_id": actor.desk_id,
                    "from_status": _WAITING_VALUE,
                    "to_status": _CALLED_VALUE,
                },
            )
            return _entry(
                connection.execute(_ONE_ENTRY, {**params, "visit_id": visit_id}).one(), now, None
            )

        try:
            return self._write(work)
        except _NobodyWaits:
            return None

    def _transition_to_called(
        self, session: Session, visit_id: int, actor: Actor, now: datetime
    ) -> None:
        transition_visit(
            session,
            visit_id=visit_id,
            expected=(VisitStatus.WAITING,),
            to=VisitStatus.CALLED,
            actor=actor,
            now=now,
            values={"desk_id": actor.desk_id, "staff_id": actor.staff_id, "called_at": now},
        )

    def call(self, visit_id: int, actor: Actor) -> QueueEntry:
        """Call a waiting visit out of order (including one handed over to another desk)."""
        self._check_actor(actor)
        now = self._clock.now()

        def work(session: Session) -> QueueEntry:
            self._transition_to_called(session, visit_id, actor, now)
            return self._load(session, visit_id, now, actor)

        return self._write(work)

    def recall(self, visit_id: int, actor: Actor) -> QueueEntry:
        """Announce a called visit again, from the desk that called it (and only that one).

        Another desk re-announcing would send the visitor to the wrong counter; it gets the
        refusal naming the desk that called. The call time is refreshed (the walk time counts
        from the last announcement) and the event is recorded as called → called.
        """
        self._check_actor(actor)
        now = self._clock.now()

        def work(session: Session) -> QueueEntry:
            current = session.execute(
                select(Visit.status, Visit.desk_id)
                .where(Visit.id == visit_id, Visit.office_id == actor.office_id)
                .with_for_update()
            ).one_or_none()
            if current is None:
                raise NotFound(N_("This visit does not exist."))
            if current.status == VisitStatus.CALLED and current.desk_id != actor.desk_id:
                raise refusal(session, visit_id)
            self._move(
                session,
                visit_id,
                actor,
                now,
                expected=(VisitStatus.CALLED,),
                to=VisitStatus.CALLED,
                values={"called_at": now},
            )
            return self._load(session, visit_id, now, actor)

        return self._write(work)

    # After the call

    def start(self, visit_id: int, actor: Actor) -> QueueEntry:
        """The called visitor sat down: listening starts at the actor's desk."""
        now = self._clock.now()
        values = {"started_at": now, "desk_id": actor.desk_id, "staff_id": actor.staff_id}
        return self._change(visit_id, actor, (VisitStatus.CALLED,), VisitStatus.IN_PROGRESS, values)

    def put_back(self, visit_id: int, actor: Actor) -> QueueEntry:
        """Return a called visit to the shared queue; its arrival time keeps its place."""
        values = {"desk_id": None, "staff_id": None, "called_at": None}
        return self._change(visit_id, actor, (VisitStatus.CALLED,), VisitStatus.WAITING, values)

    def mark_no_show(self, visit_id: int, actor: Actor) -> QueueEntry:
        """Nobody came when called."""
        values = {"finished_at": self._clock.now()}
        return self._change(visit_id, actor, (VisitStatus.CALLED,), VisitStatus.NO_SHOW, values)

    def mark_left(self, visit_id: int, actor: Actor) -> QueueEntry:
        """The visitor left before being seen."""
        values = {"finished_at": self._clock.now()}
        expected = (VisitStatus.WAITING, VisitStatus.CALLED)
        return self._change(visit_id, actor, expected, VisitStatus.LEFT, values)

    def transfer(
        self, visit_id: int, to_desk_id: int | None, to_staff_id: int | None, actor: Actor
    ) -> QueueEntry:
        """Hand a visit being seen over to another desk and/or mediator; same ticket code.

        The visit waits again, reserved for the target: only the ``call_next`` of that desk
        (or of that mediator, wherever signed in) takes it, and first, before due
        appointments. Any desk can still ``call`` it by hand. With neither target it goes
        back to the shared queue at its arrival place. Hand-overs do not count in the
        priority streak.
        """
        self._check_actor(actor)
        now = self._clock.now()

        def work(session: Session) -> QueueEntry:
            if (
                to_desk_id is not None
                and session.execute(
                    select(Desk.id).where(Desk.id == to_desk_id, Desk.office_id == actor.office_id)
                ).scalar_one_or_none()
                is None
            ):
                raise NotFound(N_("This desk does not exist."))
            if (
                to_staff_id is not None
                and session.execute(
                    select(Staff.id).where(
                        Staff.id == to_staff_id, Staff.office_id == actor.office_id
                    )
                ).scalar_one_or_none()
                is None
            ):
                raise NotFound(N_("This staff member does not exist."))
            # started_at stays: it marks the visit as already seen once (a hand-over).
            self._move(
                session,
                visit_id,
                actor,
                now,
                expected=(VisitStatus.IN_PROGRESS,),
                to=VisitStatus.WAITING,
                values={"desk_id": to_desk_id, "staff_id": to_staff_id, "called_at": None},
            )
            return self._load(session, visit_id, now, actor)

        return self._write(work)

    def finish(self, visit_id: int, actor: Actor) -> QueueEntry:
        """Close a visit being seen (callers check every demand has an outcome first)."""
        values = {"finished_at": self._clock.now()}
        return self._change(visit_id, actor, (VisitStatus.IN_PROGRESS,), VisitStatus.DONE, values)

    # Helpers

    def _write(self, work: Callable[[Session], _T]) -> _T:
        """Run ``work`` in one write transaction that locks the office row first.

        The lock is the queue revision's bump (rolled back with the rest if ``work`` fails).
        Every queue write takes its locks in one order, office then visit, so desks never
        deadlock on PostgreSQL, and calls are serialised per office (the streak stays exact).
        On an SQLite file, queue writers first wait for their turn (:class:`WritersTurn`).
        """
        with self._turn.taken(), self._database.write() as session:
            bump_queue_revision(session, self._office.id)
            return work(session)

    def _change(
        self,
        visit_id: int,
        actor: Actor,
        expected: Sequence[VisitStatus],
        to: VisitStatus,
        values: dict[str, Any],
    ) -> QueueEntry:
        self._check_actor(actor)
        now = self._clock.now()

        def work(session: Session) -> QueueEntry:
            self._move(session, visit_id, actor, now, expected=expected, to=to, values=values)
            return self._load(session, visit_id, now, actor)

        return self._write(work)

    def _move(
        self,
        session: Session,
        visit_id: int,
        actor: Actor,
        now: datetime,
        *,
        expected: Sequence[VisitStatus],
        to: VisitStatus,
        values: dict[str, Any],
    ) -> None:
        transition_visit(
            session,
            visit_id=visit_id,
            expected=expected,
            to=to,
            actor=actor,
            now=now,
            values=values,
        )

    def _check_actor(self, actor: Actor) -> None:
        # Every operation of the queue passes here first: the role is checked with the office.
        require(actor, Permission.QUEUE)
        if actor.office_id != self._office.id:
            raise ValueError("the actor works at another office than this queue's")

    def _positions(
        self,
        session: Session,
        waiting: Sequence[QueueCandidate],
        now: datetime,
        viewer: Actor | None,
    ) -> dict[int, int]:
        """Place of each waiting visit as seen from the viewer's desk (1-based)."""
        if not waiting:
            return {}
        day = self._office.local_day(now)
        params = {"office": self._office.id, "on_day": day}
        params["floor"] = self._floor(session, day, locked=False)
        streak, cap = session.connection().execute(_STREAK_AND_CAP, params).one()
        order = waiting_order(
            waiting,
            now=now,
            streak=int(streak),
            cap=int(cap),
            desk_id=viewer.desk_id if viewer else None,
            staff_id=viewer.staff_id if viewer else None,
        )
        return {visit_id: place for place, visit_id in enumerate(order, start=1)}

    def _position(
        self,
        session: Session,
        visit_id: int,
        now: datetime,
        viewer: Actor | None,
        *,
        locked: bool = True,
    ) -> int | None:
        """The place of one waiting visit as seen from the viewer's desk, in one query
        (``locked``: in a write, after the office row)."""
        day = self._office.local_day(now)
        params = {
            "office": self._office.id,
            "on_day": day,
            "floor": self._floor(session, day, locked=locked),
            "due_before": now + APPOINTMENT_DUE_WINDOW,
            "actor_desk": viewer.desk_id if viewer else None,
            "actor_staff": viewer.staff_id if viewer else None,
        }
        rows = session.connection().execute(_ORDER_ROWS, params).all()
        if not rows:
            return None
        groups: tuple[list[tuple[int, CallKind]], ...] = ([], [], [])
        for row in rows:
            kind = call_kind(row.source, row.priority, bool(row.resumed))
            groups[max(0, row.rank - 1)].append((row.id, kind))
        order = _interleave(*groups, streak=int(rows[0].streak), cap=int(rows[0].cap))
        return next((place for place, v in enumerate(order, start=1) if v == visit_id), None)

    def _floor(self, session: Session, day: date, *, locked: bool) -> int:
        """An event id below every call of the day's visits: the streak reads back no further.

        Kept for the day once read under the office lock (``locked``): every event of the
        office is written under that lock, so none can come later with a smaller id (ids
        grow: SQLite's rowid, PostgreSQL's sequence). Read outside the lock, it only serves
        that read's snapshot.
        """
        known = self._floors
        if known is not None and known[0] == day:
            return known[1]
        params = {"office": self._office.id, "on_day": day}
        floor = int(session.connection().execute(_FLOOR_QUERY, params).scalar_one())
        if locked:
            self._floors = (day, floor)
        return floor

    def _load(
        self, session: Session, visit_id: int, now: datetime, viewer: Actor | None
    ) -> QueueEntry:
        """One visit as the queue shows it, read in a write, after the office row."""
        params = {"office": self._office.id, "visit_id": visit_id}
        row = session.connection().execute(_ONE_ENTRY, params).one()
        position = None
        if row.status == VisitStatus.WAITING:
            position = self._position(session, visit_id, now, viewer)
        return _entry(row, now, position)


class _NobodyWaits(Exception):
    """Nothing for this desk to call: the transaction is rolled back (revision unchanged)."""
