"""The queue's use cases: arrivals, calls and what follows them, for one office's desks.

Each operation is one short write transaction; the rules, the order and the statements are
the domain's (:mod:`pimms_tui.domain.queue`).

Concurrency: every write of this service locks the office row first, by bumping its queue
revision (PostgreSQL row lock; SQLite's ``BEGIN IMMEDIATE`` already serialises writers).
Queue changes of one office thus happen one after the other, the streak is exact, and locks
are always taken in the same order (office, then visit), so two desks cannot deadlock. On an
SQLite file, queue writers also take turns on a lock file, which wakes the next one as soon
as a write ends (SQLite's own busy wait sleeps up to 100 ms between tries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.lock import WritersTurn
from pimms_tui.db.models import Office
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import (
    APPOINTMENT_DUE_WINDOW,
    ArrivalRequest,
    QueueEntry,
    QueuePlaces,
    Ticket,
    add_reason,
    candidate_of,
    check_recall,
    check_transfer_target,
    claim_next,
    day_order,
    record_arrival,
    today_rows,
)
from pimms_tui.domain.visits import bump_queue_revision, transition_visit

_T = TypeVar("_T")


class QueueService:
    """The queue of one office, shared by every desk through the database."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self._database = database
        self._clock = clock
        self._office = office
        self._revision_query = select(Office.queue_revision).where(Office.id == office.id)
        self._turn = WritersTurn(database, "queue")
        self._places = QueuePlaces(office)

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
            rows = today_rows(session, self._office.id, day)
            waiting = [candidate_of(r) for r in rows if r.status == VisitStatus.WAITING]
            positions = self._places.positions(session, waiting, now, viewer)
        return day_order(rows, positions, now)

    # Arrival

    def register_arrival(
        self, request: ArrivalRequest, actor: Actor, *, at: datetime | None = None
    ) -> Ticket:
        """Put a visitor in the queue with a new ticket code (``A-…``, or ``R-…`` when
        arriving for an appointment, which is then marked arrived)."""
        self._check_actor(actor)
        now = self._now(at)
        day = self._office.local_day(now)

        def work(session: Session) -> tuple[int, str]:
            return record_arrival(session, self._office.id, request, actor, day=day, now=now)

        visit_id, code = self._write(work)
        # The place is read once committed: the write lock is not held while ordering.
        return Ticket(visit_id=visit_id, ticket_code=code, position=self._place(visit_id, now))

    def add_reason(
        self, visit_id: int, motif_id: int, actor: Actor, *, at: datetime | None = None
    ) -> Ticket:
        """Add a reason for coming to a visit already open today (the person arrived once
        already): no second ticket; the visit's ticket and place come back."""
        self._check_actor(actor)
        now = self._now(at)
        day = self._office.local_day(now)

        def work(session: Session) -> str:
            return add_reason(session, self._office.id, visit_id, motif_id, day=day, now=now)

        code = self._write(work)
        return Ticket(visit_id=visit_id, ticket_code=code, position=self._place(visit_id, now))

    # Calling

    def call_next(self, actor: Actor, *, at: datetime | None = None) -> QueueEntry | None:
        """Call the head of the queue to the actor's desk; None when nobody waits for it.

        Calls of one office are serialised (the office row is locked first), which keeps the
        priority streak exact; the head is then picked and claimed by one statement, so every
        caller gets a different visitor or None. An empty call changes nothing (rolled back).
        """
        self._check_actor(actor)
        now = self._now(at)
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
            params["floor"] = self._places.floor(session, day, locked=True)
            entry = claim_next(session, params, actor, now)
            if entry is None:
                raise _NobodyWaits
            return entry

        try:
            return self._write(work)
        except _NobodyWaits:
            return None

    def call(self, visit_id: int, actor: Actor, *, at: datetime | None = None) -> QueueEntry:
        """Call a waiting visit out of order (including one handed over to another desk)."""
        self._check_actor(actor)
        now = self._now(at)
        values = {"desk_id": actor.desk_id, "staff_id": actor.staff_id, "called_at": now}

        def work(session: Session) -> QueueEntry:
            self._move(
                session,
                visit_id,
                actor,
                now,
                expected=(VisitStatus.WAITING,),
                to=VisitStatus.CALLED,
                values=values,
            )
            return self._places.load(session, visit_id, now, actor)

        return self._write(work)

    def recall(self, visit_id: int, actor: Actor, *, at: datetime | None = None) -> QueueEntry:
        """Announce a called visit again, from the desk that called it (and only that one).

        Another desk re-announcing would send the visitor to the wrong counter; it gets the
        refusal naming the desk that called. The call time is refreshed (the walk time counts
        from the last announcement) and the event is recorded as called → called.
        """
        now = self._now(at)
        return self._change(
            visit_id,
            actor,
            (VisitStatus.CALLED,),
            VisitStatus.CALLED,
            {"called_at": now},
            now,
            calling_desk_only=True,
        )

    # After the call

    def start(self, visit_id: int, actor: Actor, *, at: datetime | None = None) -> QueueEntry:
        """The called visitor sat down: listening starts at the actor's desk.

        A visitor called to another desk is on their way there: refused here, naming that
        desk (the screen checks what it shows, this checks what the database holds)."""
        now = self._now(at)
        values = {"started_at": now, "desk_id": actor.desk_id, "staff_id": actor.staff_id}
        return self._change(
            visit_id,
            actor,
            (VisitStatus.CALLED,),
            VisitStatus.IN_PROGRESS,
            values,
            now,
            calling_desk_only=True,
        )

    def put_back(self, visit_id: int, actor: Actor, *, at: datetime | None = None) -> QueueEntry:
        """Return a called visit to the shared queue; its arrival time keeps its place."""
        values = {"desk_id": None, "staff_id": None, "called_at": None}
        return self._change(
            visit_id, actor, (VisitStatus.CALLED,), VisitStatus.WAITING, values, self._now(at)
        )

    def mark_no_show(
        self, visit_id: int, actor: Actor, *, at: datetime | None = None
    ) -> QueueEntry:
        """Nobody came when called."""
        now = self._now(at)
        values = {"finished_at": now}
        return self._change(
            visit_id, actor, (VisitStatus.CALLED,), VisitStatus.NO_SHOW, values, now
        )

    def mark_left(self, visit_id: int, actor: Actor, *, at: datetime | None = None) -> QueueEntry:
        """The visitor left before being seen."""
        now = self._now(at)
        values = {"finished_at": now}
        expected = (VisitStatus.WAITING, VisitStatus.CALLED)
        return self._change(visit_id, actor, expected, VisitStatus.LEFT, values, now)

    def transfer(
        self,
        visit_id: int,
        to_desk_id: int | None,
        to_staff_id: int | None,
        actor: Actor,
        *,
        at: datetime | None = None,
    ) -> QueueEntry:
        """Hand a visit being seen over to another desk and/or mediator; same ticket code.

        The visit waits again, reserved for the target: only the ``call_next`` of that desk
        (or of that mediator, wherever signed in) takes it, and first, before due
        appointments. Any desk can still ``call`` it by hand. With neither target it goes
        back to the shared queue at its arrival place. Hand-overs do not count in the
        priority streak.
        """
        self._check_actor(actor)
        now = self._now(at)

        def work(session: Session) -> QueueEntry:
            check_transfer_target(session, actor.office_id, to_desk_id, to_staff_id)
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
            return self._places.load(session, visit_id, now, actor)

        return self._write(work)

    def finish(self, visit_id: int, actor: Actor, *, at: datetime | None = None) -> QueueEntry:
        """Close a visit being seen (callers check every demand has an outcome first)."""
        now = self._now(at)
        values = {"finished_at": now}
        return self._change(
            visit_id, actor, (VisitStatus.IN_PROGRESS,), VisitStatus.DONE, values, now
        )

    # Helpers

    def _now(self, at: datetime | None) -> datetime:
        """The time of the action: ``at``, when the person pressed the key (a save retried
        through an outage keeps it), else now."""
        return self._clock.now() if at is None else at

    def _place(self, visit_id: int, now: datetime) -> int | None:
        """The place of a visit just written; None if the database went away meanwhile: the
        ticket is issued all the same (an error here would hide a ticket that exists, and a
        second press would issue another)."""
        try:
            with self._database.read() as session:
                return self._places.position(session, visit_id, now, None, locked=False)
        except DBAPIError:
            return None

    def _write(self, work: Callable[[Session], _T]) -> _T:
        """Run ``work`` in one write transaction that locks the office row first.

        The lock is the queue revision's bump (rolled back with the rest if ``work`` fails).
        Every queue write takes its locks in one order, office then visit, so desks never
        deadlock on PostgreSQL, and calls are serialised per office (the streak stays exact).
        On SQLite, queue writers first wait for their turn (``db.lock.WritersTurn``).
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
        now: datetime,
        *,
        calling_desk_only: bool = False,
    ) -> QueueEntry:
        """One status change of one visit; ``calling_desk_only``: a visit called to another
        desk is refused, naming that desk (recall, start)."""
        self._check_actor(actor)

        def work(session: Session) -> QueueEntry:
            if calling_desk_only:
                check_recall(session, visit_id, actor)
            self._move(session, visit_id, actor, now, expected=expected, to=to, values=values)
            return self._places.load(session, visit_id, now, actor)

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


class _NobodyWaits(Exception):
    """Nothing for this desk to call: the transaction is rolled back (revision unchanged)."""
