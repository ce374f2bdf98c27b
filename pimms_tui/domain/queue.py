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

Concurrency: every write of this service locks the office row first (PostgreSQL ``FOR
UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already serialises writers). Queue changes of one
office thus happen one after the other, the streak is exact, and locks are always taken in
the same order (office, then visit), so two desks cannot deadlock. ``call_next`` takes its
candidate with ``SKIP LOCKED``, so it never queues behind a visit some other writer holds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Row, Select, bindparam, select, update
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

from .actors import Actor
from .clock import Clock
from .errors import Conflict, NotFound, TransitionRefused
from .messages import N_
from .offices import OfficeInfo
from .visits import bump_queue_revision, refusal, transition_visit

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
    Visits handed over to another desk or mediator are left out.
    """
    by_arrival = sorted(candidates, key=lambda c: (c.arrived_at, c.visit_id))
    handed_over: deque[QueueCandidate] = deque()
    due: list[QueueCandidate] = []
    priority: deque[QueueCandidate] = deque()
    regular: deque[QueueCandidate] = deque()
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
    first = deque([*handed_over, *due])
    order: list[int] = []
    while first or priority or regular:
        if first:
            chosen = first.popleft()
        elif priority and (not regular or streak < cap):
            chosen = priority.popleft()
        else:
            chosen = regular.popleft()
        streak = _after_call(streak, call_kind(chosen.source, chosen.priority, chosen.resumed))
        order.append(chosen.visit_id)
    return order


def ticket_code(series: str, number: int) -> str:
    """The code shown and announced: ``A-042``; more digits past 999."""
    return f"{series}-{number:03d}"


def draw_ticket_number(session: Session, office_id: int, day: date, series: str) -> int:
    """The next number of a series for the office and day, in the caller's transaction.

    The counter row is created if missing (a concurrent creation is not an error), then
    incremented in place: the row lock held until commit serialises concurrent arrivals, so
    numbers are neither duplicated nor skipped.
    """
    key = {"office_id": office_id, "day": day, "series": series}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(TicketCounter).values(**key, last_number=0).on_conflict_do_nothing())
    number = session.execute(
        update(TicketCounter)
        .where(
            TicketCounter.office_id == office_id,
            TicketCounter.day == day,
            TicketCounter.series == series,
        )
        .values(last_number=TicketCounter.last_number + 1)
        .returning(TicketCounter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(number)


# Statements are built once, with bound parameters: desks run them several times a second.
_OFFICE_ID: BindParameter[int] = bindparam("office_id")
_DAY: BindParameter[date] = bindparam("day")


def _call_history() -> Select[*tuple[Any, ...]]:
    """The day's calls from the queue (not recalls), latest first, with what classifies them."""
    earlier = aliased(VisitEvent)
    resumed = (
        select(earlier.id)
        .where(
            earlier.visit_id == VisitEvent.visit_id,
            earlier.to_status == VisitStatus.IN_PROGRESS.value,
            earlier.id < VisitEvent.id,
        )
        .correlate(VisitEvent)
        .exists()
    )
    return (
        select(Visit.source, Visit.priority, resumed.label("resumed"))
        .select_from(VisitEvent)
        .join(Visit, Visit.id == VisitEvent.visit_id)
        .where(
            Visit.office_id == _OFFICE_ID,
            Visit.day == _DAY,
            VisitEvent.to_status == VisitStatus.CALLED.value,
            VisitEvent.from_status == VisitStatus.WAITING.value,
        )
        .order_by(VisitEvent.id.desc())
    )


def _entries() -> Select[*tuple[Any, ...]]:
    """The office's visits with what the queue shows, in one query with joins."""
    return (
        select(
            Visit.id,
            Visit.ticket_code,
            Visit.visitor_id,
            Visitor.first_name,
            Visitor.last_name,
            Visit.status,
            Visit.priority,
            Visit.needs,
            Visit.interpreter_language,
            Motif.code.label("motif_code"),
            Motif.label_fr.label("motif_label_fr"),
            Motif.label_en.label("motif_label_en"),
            Visit.desk_id,
            Desk.name.label("desk_name"),
            Visit.staff_id,
            Staff.display_name.label("staff_name"),
            Visit.arrived_at,
            Visit.called_at,
            Visit.started_at,
            Visit.finished_at,
            Visit.source,
            Appointment.starts_at.label("appointment_starts_at"),
        )
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .outerjoin(Motif, Motif.id == Visit.first_motif_id)
        .outerjoin(Desk, Desk.id == Visit.desk_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .outerjoin(Appointment, Appointment.id == Visit.appointment_id)
        .where(Visit.office_id == _OFFICE_ID)
    )


# A streak is almost always settled within the last few calls; the whole day is read only
# when this window holds neither a regular call nor cap priority ones.
_HISTORY_WINDOW = 32
_RECENT_CALLS = _call_history().limit(_HISTORY_WINDOW)
_ALL_CALLS = _call_history()
_TODAY_ENTRIES = _entries().where(Visit.day == _DAY)
_ONE_ENTRY = _entries().where(Visit.id == bindparam("visit_id"))
_WAITING = (
    select(
        Visit.id,
        Visit.arrived_at,
        Visit.priority,
        Visit.source,
        Visit.desk_id,
        Visit.staff_id,
        Visit.started_at,
        Appointment.starts_at.label("appointment_starts_at"),
    )
    .outerjoin(Appointment, Appointment.id == Visit.appointment_id)
    .where(
        Visit.office_id == _OFFICE_ID,
        Visit.day == _DAY,
        Visit.status == VisitStatus.WAITING.value,
    )
)
_CAP = select(Office.priority_streak_cap).where(Office.id == _OFFICE_ID)
_LOCK_OFFICE = select(Office.id).where(Office.id == _OFFICE_ID).with_for_update()
_STILL_WAITING = (
    select(Visit.id)
    .where(Visit.id == bindparam("visit_id"), Visit.status == VisitStatus.WAITING.value)
    # PostgreSQL: skip a row another transaction is changing rather than queue behind it.
    .with_for_update(skip_locked=True)
)


def priority_streak(session: Session, office_id: int, day: date, cap: int) -> int:
    """Consecutive priority calls at the end of the day's call history (counted up to cap)."""
    if cap <= 0:
        return 0
    params = {"office_id": office_id, "day": day}
    recent = session.execute(_RECENT_CALLS, params).all()
    streak, settled = _streak_of(recent, cap)
    if settled or len(recent) < _HISTORY_WINDOW:
        return streak
    return _streak_of(session.execute(_ALL_CALLS, params).all(), cap)[0]


def _streak_of(calls: Sequence[Row[*tuple[Any, ...]]], cap: int) -> tuple[int, bool]:
    """The streak ending these calls (latest first), and whether it is settled."""
    streak = 0
    for call in calls:
        kind = call_kind(call.source, call.priority, bool(call.resumed))
        if kind is CallKind.REGULAR:
            return streak, True
        if kind is CallKind.PRIORITY:
            streak += 1
            if streak >= cap:
                return streak, True
    return streak, False


def waiting_candidates(session: Session, office_id: int, day: date) -> list[QueueCandidate]:
    """The day's waiting visits, as the queue order sees them."""
    rows = session.execute(_WAITING, {"office_id": office_id, "day": day})
    return [_candidate(row) for row in rows]


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
            params = {"office_id": self._office.id, "day": day}
            rows = session.execute(_TODAY_ENTRIES, params).all()
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
            visitor_id = request.visitor_id
            motif_id = request.motif_id
            source = VisitSource(request.source)
            if request.appointment_id is not None:
                source = VisitSource.APPOINTMENT
                booked_for, booked_motif = self._check_in(session, request.appointment_id)
                visitor_id = visitor_id if visitor_id is not None else booked_for
                motif_id = motif_id if motif_id is not None else booked_motif
            if motif_id is not None and session.get(Motif, motif_id) is None:
                raise NotFound(N_("This reason for coming does not exist."))
            if visitor_id is not None:
                touched = session.execute(
                    update(Visitor)
                    .where(Visitor.id == visitor_id, Visitor.office_id == office_id)
                    # Bookkeeping, not an edit of the file: the optimistic-lock version stays.
                    .values(last_activity_at=now)
                    .execution_options(synchronize_session=False)
                )
                if touched.rowcount != 1:  # type: ignore[attr-defined]
                    raise NotFound(N_("This visitor does not exist."))
            series = APPOINTMENT_SERIES if source == VisitSource.APPOINTMENT else WALK_IN_SERIES
            number = draw_ticket_number(session, office_id, day, series)
            visit = Visit(
                office_id=office_id,
                day=day,
                ticket_number=number,
                ticket_code=ticket_code(series, number),
                visitor_id=visitor_id,
                appointment_id=request.appointment_id,
                age_band=AgeBand(request.age_band).value if request.age_band else None,
                gender=Gender(request.gender).value,
                commune=(request.commune or "").strip() or None,
                source=source.value,
                priority=Priority(request.priority).value,
                needs=needs,
                interpreter_language=(request.interpreter_language or "").strip() or None,
                first_motif_id=motif_id,
                status=VisitStatus.WAITING.value,
                arrived_at=now,
            )
            session.add(visit)
            session.flush()
            session.add(
                VisitEvent(
                    office_id=office_id,
                    visit_id=visit.id,
                    at=now,
                    staff_id=actor.staff_id,
                    desk_id=actor.desk_id,
                    from_status=None,
                    to_status=VisitStatus.WAITING.value,
                )
            )
            bump_queue_revision(session, office_id)
            return visit.id, visit.ticket_code

        visit_id, code = self._write(work)
        # The place is read once committed: the write lock is not held while ordering.
        with self._database.read() as session:
            position = self._position(session, visit_id, now, None)
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

        When the head was taken meanwhile by another desk, the next one is tried, so every
        caller gets a different visitor or None. Calls of one office are serialised (the
        office row is locked first), which keeps the priority streak exact.
        """
        self._check_actor(actor)
        now = self._clock.now()
        day = self._office.local_day(now)

        def work(session: Session) -> QueueEntry | None:
            cap = self._cap(session)
            candidates = waiting_candidates(session, self._office.id, day)
            streak = priority_streak(session, self._office.id, day, cap)
            while candidates:
                order = waiting_order(
                    candidates,
                    now=now,
                    streak=streak,
                    cap=cap,
                    desk_id=actor.desk_id,
                    staff_id=actor.staff_id,
                )
                if not order:
                    return None
                visit_id = order[0]
                if self._take(session, visit_id, actor, now):
                    return self._load(session, visit_id, now, actor)
                candidates = [c for c in candidates if c.visit_id != visit_id]
            return None

        return self._write(work)

    def _take(self, session: Session, visit_id: int, actor: Actor, now: datetime) -> bool:
        """Call this waiting visit unless another desk holds or took it."""
        # SQLite has no row locks (FOR UPDATE is dropped): its IMMEDIATE transaction already
        # serialises writers.
        still_waiting = session.execute(_STILL_WAITING, {"visit_id": visit_id}).scalar_one_or_none()
        if still_waiting is None:
            return False
        try:
            self._transition_to_called(session, visit_id, actor, now)
        except TransitionRefused:
            return False
        return True

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

        Every queue write takes its locks in one order, office then visit, so desks never
        deadlock on PostgreSQL, and calls are serialised per office (the streak stays exact).
        """
        with self._database.write() as session:
            session.execute(_LOCK_OFFICE, {"office_id": self._office.id})
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
        if actor.office_id != self._office.id:
            raise ValueError("the actor works at another office than this queue's")

    def _cap(self, session: Session) -> int:
        """The priority streak cap as the office settings say now."""
        return int(session.execute(_CAP, {"office_id": self._office.id}).scalar_one())

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
        cap = self._cap(session)
        streak = priority_streak(session, self._office.id, day, cap)
        order = waiting_order(
            waiting,
            now=now,
            streak=streak,
            cap=cap,
            desk_id=viewer.desk_id if viewer else None,
            staff_id=viewer.staff_id if viewer else None,
        )
        return {visit_id: place for place, visit_id in enumerate(order, start=1)}

    def _position(
        self, session: Session, visit_id: int, now: datetime, viewer: Actor | None
    ) -> int | None:
        day = self._office.local_day(now)
        waiting = waiting_candidates(session, self._office.id, day)
        return self._positions(session, waiting, now, viewer).get(visit_id)

    def _load(
        self, session: Session, visit_id: int, now: datetime, viewer: Actor | None
    ) -> QueueEntry:
        """One visit as the queue shows it, read in the caller's transaction."""
        params = {"office_id": self._office.id, "visit_id": visit_id}
        row = session.execute(_ONE_ENTRY, params).one()
        position = None
        if row.status == VisitStatus.WAITING:
            position = self._position(session, visit_id, now, viewer)
        return _entry(row, now, position)
