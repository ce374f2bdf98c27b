"""Measure the queue under load: call_next latency with many desks, and revision polling cost.

Each desk is a thread with its own engine on the same database, as separate terminals would
be. SQLite runs on a temporary file; PostgreSQL (``--postgres-url``) on a temporary database
created on that server and dropped afterwards.

    python bench/queue_bench.py
    python bench/queue_bench.py --postgres-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Priority, Role, VisitStatus
from pimms_tui.db.models import Desk, TicketCounter, Visit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.queue import ArrivalRequest, QueueService, ticket_code
from pimms_tui.domain.setup import prepare_database

ARRIVALS_PER_DESK = 25


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A fresh SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def postgres_url(server_url: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server, dropped at the end."""
    name = f"pimms_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def prepare(url: str, desks: int, waiting: int) -> tuple[OfficeInfo, list[Actor]]:
    """Migrate, create an office with one desk per thread, and fill its queue."""
    database = Database.from_url(url)
    prepare_database(database)
    clock = SystemClock()
    with database.write() as session:
        office = create_office(session, name="PIMMS Bench", code="BENCH", now=clock.now())
        rows = [Desk(office_id=office.id, name=f"Bench {n:02d}") for n in range(desks)]
        session.add_all(rows)
        session.flush()
        actors = [Actor(office.id, d.id, None, Role.MEDIATOR, d.name) for d in rows]
        fill(session, office, clock, waiting)
    database.dispose()
    return office, actors


def fill(session: Session, office: OfficeInfo, clock: SystemClock, count: int) -> None:
    """``count`` waiting visitors, one in four with a priority."""
    now = clock.now()
    day = office.local_day(now)
    session.add_all(
        Visit(
            office_id=office.id,
            day=day,
            ticket_number=n,
            ticket_code=ticket_code("A", n),
            priority=Priority.ELDERLY if n % 4 == 0 else Priority.NONE,
            status=VisitStatus.WAITING,
            arrived_at=now - timedelta(seconds=count - n + 1),
        )
        for n in range(1, count + 1)
    )
    # Arrivals registered later continue the series.
    session.add(TicketCounter(office_id=office.id, day=day, series="A", last_number=count))


def percentile(samples: list[float], share: float) -> float:
    """The sample below which ``share`` of them fall (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# One operation of a desk, given how many it already made; False when the desk is done.
Operation = Callable[[QueueService, Actor, int], bool]


def call_next(service: QueueService, actor: Actor, _done: int) -> bool:
    """Call the next visitor; done once the queue is empty."""
    return service.call_next(actor) is not None


def arrival(service: QueueService, actor: Actor, done: int) -> bool:
    """Register an anonymous walk-in; done after ARRIVALS_PER_DESK."""
    service.register_arrival(ArrivalRequest(), actor)
    return done + 1 < ARRIVALS_PER_DESK


def contend(
    url: str, office: OfficeInfo, actors: list[Actor], operation: Operation
) -> tuple[list[float], float, int]:
    """Every desk at once: latencies (ms) of each operation, wall time (s), final misses."""
    barrier = threading.Barrier(len(actors) + 1)
    latencies: list[float] = []
    misses = [0]
    errors: list[BaseException] = []
    lock = threading.Lock()

    def desk(actor: Actor) -> None:
        database = Database.from_url(url)
        service = QueueService(database, SystemClock(), office)
        mine: list[float] = []
        try:
            service.revision()  # connected before the start line
            barrier.wait()
            more = True
            while more:
                start = time.perf_counter()
                more = operation(service, actor, len(mine))
                mine.append((time.perf_counter() - start) * 1000)
            with lock:
                misses[0] += 1
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            database.dispose()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=desk, args=(a,)) for a in actors]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return latencies, wall, misses[0]


def poll_cost(url: str, office: OfficeInfo, polls: int) -> float:
    """Microseconds per revision() on an idle queue."""
    database = Database.from_url(url)
    service = QueueService(database, SystemClock(), office)
    for _ in range(200):  # warm the pool and the statement cache
        service.revision()
    start = time.perf_counter()
    for _ in range(polls):
        service.revision()
    elapsed = time.perf_counter() - start
    database.dispose()
    return elapsed / polls * 1e6


def report(name: str, latencies: list[float], wall: float, unit: str) -> None:
    """One line of figures."""
    print(
        f"  {name:<22} n={len(latencies):<5} p50={statistics.median(latencies):7.2f} ms"
        f"  p95={percentile(latencies, 0.95):7.2f} ms  p99={percentile(latencies, 0.99):7.2f} ms"
        f"  max={max(latencies):7.2f} ms  throughput={len(latencies) / wall:7.1f} {unit}/s"
    )


def bench(engine: str, url: str, desks: int, waiting: int, polls: int) -> None:
    """All measures on one database."""
    office, actors = prepare(url, desks, waiting)
    print(f"{engine}: {desks} desks, {waiting} waiting visitors")
    latencies, wall, empty = contend(url, office, actors, call_next)
    called = len(latencies) - empty
    assert called == waiting, f"{called} called out of {waiting}"
    report("call_next", latencies, wall, "calls")
    arrivals, wall, _ = contend(url, office, actors, arrival)
    report("register_arrival", arrivals, wall, "arrivals")
    print(f"  revision() poll         {poll_cost(url, office, polls):7.1f} µs per poll (idle)")


def main() -> None:
    """Run the benchmark on SQLite, and on PostgreSQL when a server URL is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", help="PostgreSQL server to create a bench database on")
    parser.add_argument("--desks", type=int, default=20)
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--polls", type=int, default=5000)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with sqlite_url() as url:
            bench("SQLite", url, args.desks, args.waiting, args.polls)
    if args.postgres_url:
        with postgres_url(args.postgres_url) as url:
            bench("PostgreSQL", url, args.desks, args.waiting, args.polls)


if __name__ == "__main__":
    main()
