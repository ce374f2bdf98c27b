"""Many desks at once: each visitor is called exactly once, and ticket numbers never repeat.

Each thread opens its own Database (its own engine and connection) on the same URL, as
separate desks or terminals would. SQLite runs on the fixture's file database, PostgreSQL on
its own test database.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from pimms_tui.application.queue import QueueService
from pimms_tui.db import engine as engine_module
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Priority, Role, VisitStatus
from pimms_tui.db.models import Desk, TicketCounter, Visit, VisitEvent
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import TransitionRefused
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.queue import (
    ArrivalRequest,
    QueueCandidate,
    Ticket,
    ticket_code,
    waiting_order,
)

if sys.platform != "win32":
    import fcntl

THREADS = 20
WAITING = 200
ARRIVALS_PER_THREAD = 25
JOIN_TIMEOUT_S = 60.0

T = TypeVar("T")


def url_of(database: Database) -> str:
    """The URL another desk would open, password included."""
    return database.engine.url.render_as_string(hide_password=False)


def make_desks(database: Database, office: OfficeInfo) -> list[Actor]:
    """One desk per thread."""
    with database.write() as session:
        desks = [Desk(office_id=office.id, name=f"Guichet T{n:02d}") for n in range(THREADS)]
        session.add_all(desks)
        session.flush()
        return [Actor(office.id, d.id, None, role=Role.MEDIATOR, desk_name=d.name) for d in desks]


def run_desks(
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    desks: list[Actor],
    work: Callable[[QueueService, Actor], list[T]],
) -> list[T]:
    """Run ``work`` on every desk at once, each with its own engine; all results, no error."""
    barrier = threading.Barrier(len(desks))
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def desk_thread(actor: Actor) -> None:
        own = Database.from_url(url_of(database))
        try:
            service = QueueService(own, clock, office)
            service.revision()  # connect before the start line
            barrier.wait(timeout=JOIN_TIMEOUT_S)
            done = work(service, actor)
            with lock:
                results.extend(done)
        except BaseException as error:
            with lock:
                errors.append(error)
            barrier.abort()
        finally:
            own.dispose()

    threads = [threading.Thread(target=desk_thread, args=(a,), daemon=True) for a in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_S)
    assert not [t for t in threads if t.is_alive()], "a desk is stuck"
    assert errors == []
    return results


def fill_queue(database: Database, clock: FixedClock, office: OfficeInfo) -> None:
    """200 waiting visitors, one in four with a priority, arrived a few seconds apart."""
    day = office.local_day(clock.now())
    start = clock.now() - timedelta(hours=1)
    with database.write() as session:
        session.add_all(
            Visit(
                office_id=office.id,
                day=day,
                ticket_number=n,
                ticket_code=ticket_code("A", n),
                priority=Priority.ELDERLY if n % 4 == 0 else Priority.NONE,
                status=VisitStatus.WAITING,
                arrived_at=start + timedelta(seconds=10 * n),
            )
            for n in range(1, WAITING + 1)
        )


def test_concurrent_call_next_calls_each_visitor_once(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """20 desks calling at once: 200 distinct visitors, in exactly the queue order, then None."""
    desks = make_desks(database, office)
    fill_queue(database, clock, office)
    with database.read() as session:
        expected_order = waiting_order(
            [
                QueueCandidate(v.id, v.arrived_at, v.priority)
                for v in session.scalars(select(Visit).where(Visit.office_id == office.id))
            ],
            now=clock.now(),
            streak=0,
            cap=office.priority_streak_cap,
        )

    def call_until_empty(service: QueueService, actor: Actor) -> list[int | None]:
        taken: list[int | None] = []
        while True:
            entry = service.call_next(actor)
            taken.append(entry.visit_id if entry else None)
            if entry is None:
                return taken
            assert entry.status == VisitStatus.CALLED and entry.desk_id == actor.desk_id

    results = run_desks(database, clock, office, desks, call_until_empty)
    called = [r for r in results if r is not None]
    assert len(called) == WAITING
    assert len(set(called)) == WAITING
    assert results.count(None) == THREADS  # each desk stopped on an empty queue
    with database.read() as session:
        statuses = session.execute(select(Visit.status, func.count()).group_by(Visit.status)).all()
        assert [tuple(s) for s in statuses] == [(VisitStatus.CALLED, WAITING)]
        # Calls were serialised: their history is the queue order, priority cap included.
        history = session.scalars(
            select(VisitEvent.visit_id)
            .where(VisitEvent.to_status == VisitStatus.CALLED)
            .order_by(VisitEvent.id)
        ).all()
    assert history == expected_order


def test_concurrent_arrivals_get_distinct_consecutive_tickets(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """500 arrivals from 20 desks at once: numbers 1..500, no duplicate, no error."""
    desks = make_desks(database, office)

    def register(service: QueueService, actor: Actor) -> list[Ticket]:
        return [
            service.register_arrival(ArrivalRequest(), actor) for _ in range(ARRIVALS_PER_THREAD)
        ]

    tickets = run_desks(database, clock, office, desks, register)
    total = THREADS * ARRIVALS_PER_THREAD
    codes = [t.ticket_code for t in tickets]
    assert len(codes) == total
    assert sorted(codes) == sorted(ticket_code("A", n) for n in range(1, total + 1))
    with database.read() as session:
        numbers = session.scalars(select(Visit.ticket_number)).all()
        assert sorted(numbers) == list(range(1, total + 1))
        assert session.scalar(select(TicketCounter.last_number)) == total
        arrivals = session.scalar(
            select(func.count()).where(VisitEvent.to_status == VisitStatus.WAITING)
        )
        assert arrivals == total


def test_sqlite_busy_at_begin_is_tried_again(
    sqlite_database: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk starved of SQLite's write lock past the busy timeout tries again, then gives up."""
    with sqlite_database.write() as session:
        office = create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 100)
    desk = Database.from_url(url_of(sqlite_database))
    service = QueueService(desk, clock, office)
    actor = Actor(office.id, None, role=Role.MANAGER)
    path = sqlite_database.engine.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")  # another terminal holds the write lock for 250 ms
        release = threading.Timer(0.25, other.execute, args=("ROLLBACK",))
        release.start()
        assert service.register_arrival(ArrivalRequest(), actor).ticket_code == "A-001"
        release.join()
        other.execute("BEGIN IMMEDIATE")  # and now for longer than every attempt
        with pytest.raises(OperationalError, match="database is locked"):
            service.register_arrival(ArrivalRequest(), actor)
        other.execute("ROLLBACK")
        assert service.register_arrival(ArrivalRequest(), actor).ticket_code == "A-002"
    finally:
        other.close()
        desk.dispose()


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows")
def test_sqlite_queue_writers_take_turns(sqlite_database: Database, clock: FixedClock) -> None:
    """On an SQLite file, a queue write waits for its turn on the lock file beside the
    database (not in SQLite's sleeping busy loop), and goes as soon as the turn is free."""
    with sqlite_database.write() as session:
        office = create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
    desk = Database.from_url(url_of(sqlite_database))
    service = QueueService(desk, clock, office)
    tickets: list[Ticket] = []
    reception = Actor(office.id, None, role=Role.MANAGER)
    arrival = threading.Thread(
        target=lambda: tickets.append(service.register_arrival(ArrivalRequest(), reception))
    )
    try:
        with open(f"{sqlite_database.engine.url.database}-queue-lock", "ab") as turn:
            fcntl.flock(turn, fcntl.LOCK_EX)  # another desk's write is under way
            arrival.start()
            arrival.join(timeout=0.3)
            assert arrival.is_alive() and tickets == []
            began = time.perf_counter()
        arrival.join(timeout=JOIN_TIMEOUT_S)
        assert time.perf_counter() - began < 0.2  # woken, not polling
        assert [t.ticket_code for t in tickets] == ["A-001"]
    finally:
        desk.dispose()


def test_desks_racing_on_the_same_visitors(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Half the desks call, half mark gone the same visitors at once: no deadlock, no error.

    Each visitor is called at most once and marked gone exactly once (from waiting or from
    called); every other attempt is a clear refusal.
    """
    desks = make_desks(database, office)
    fill_queue(database, clock, office)
    with database.read() as session:
        targets = session.scalars(select(Visit.id).order_by(Visit.id).limit(10)).all()

    def race(service: QueueService, actor: Actor) -> list[tuple[int, str, bool]]:
        action = "call" if desks.index(actor) % 2 == 0 else "mark_left"
        outcomes = []
        for target in targets:
            try:
                getattr(service, action)(target, actor)
                outcomes.append((target, action, True))
            except TransitionRefused:
                outcomes.append((target, action, False))
        return outcomes

    outcomes = run_desks(database, clock, office, desks, race)
    assert len(outcomes) == THREADS * len(targets)
    for target in targets:
        won = [action for t, action, success in outcomes if t == target and success]
        assert won.count("mark_left") == 1 and won.count("call") <= 1
    with database.read() as session:
        statuses = session.scalars(select(Visit.status).where(Visit.id.in_(targets))).all()
    assert set(statuses) == {VisitStatus.LEFT}
