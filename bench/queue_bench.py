"""Measure the queue under load: call-next latency as desks feel it, and throughput.

Each desk is its own process with its own engine on the same database, as separate
terminals are (threads in one Python would add the GIL's latency, which real desks do not
have). SQLite runs on a temporary file (WAL, synchronous=FULL); PostgreSQL
(``--postgres-url``) on a temporary database created on that server and dropped afterwards.
Each mode runs on an office of its own, with ``--history-days`` of past visits and their
events, so that one mode's calls do not weigh on the next one's day.

Modes:

* burst — all desks press call-next at the same instant (a barrier), ``--rounds`` times
  with a pause between rounds: the worst moment a desk can meet, latency per call;
* open loop — each desk calls at random (exponential) intervals, all together
  ``--rate`` calls per second (a real office makes about one call a minute per desk), while
  a reception desk registers arrivals at the same rate: p50/p95/p99 of each;
* closed loop — every desk calls back to back until the queue is empty: the saturation
  throughput (its latencies are queueing at saturation, not what a desk feels);
* arrivals, closed loop — every desk registers arrivals back to back;
* one desk alone, and a bare ``BEGIN; UPDATE; COMMIT`` on the same database: the floor set
  by the engine and the disk (fsync per commit).

Latencies are taken in the desk's process around the ``QueueService`` call (milliseconds),
after a few warm-up calls. In the open loop a desk still busy at its next scheduled time
starts late, and that call counts from its scheduled time ("late starts").

Run from the repository root (``--modes`` picks some of them):

    python bench/queue_bench.py
    python bench/queue_bench.py --postgres-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

import psycopg
from common import postgres_url, sqlite_url
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Priority, Role, VisitStatus
from pimms_tui.db.models import Desk, TicketCounter, Visit, VisitEvent
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.queue import ArrivalRequest, ticket_code
from pimms_tui.domain.setup import prepare_database

ARRIVALS_PER_DESK = 25
# Calls a desk makes (and puts back) before measuring: statements compiled, and prepared
# on the server (psycopg prepares a statement from its fifth execution).
WARM_UP_CALLS = 6
SPAWN = multiprocessing.get_context("spawn")


# Setting up


@dataclass(frozen=True)
class Site:
    """An office of its own for one mode: its desks and its reception desk."""

    url: str
    office: OfficeInfo
    desks: list[Actor]
    reception: Actor


def new_site(url: str, desks: int, waiting: int, history_days: int, per_day: int) -> Site:
    """An office with ``desks`` desks, a reception, past days, and ``waiting`` visitors."""
    database = Database.from_url(url)
    clock = SystemClock()
    with database.write() as session:
        code = f"B{uuid.uuid4().hex[:6]}"
        office = create_office(session, name=f"PIMMS Bench {code}", code=code, now=clock.now())
        rows = [Desk(office_id=office.id, name=f"Bench {n:02d}") for n in range(desks + 1)]
        session.add_all(rows)
        session.flush()
        actors = [Actor(office.id, d.id, None, role=Role.MEDIATOR, desk_name=d.name) for d in rows]
    seed_history(database, office, history_days, per_day)
    top_up(database, office, waiting)
    database.dispose()
    return Site(url, office, actors[1:], actors[0])


def seed_history(database: Database, office: OfficeInfo, days: int, per_day: int) -> None:
    """Past days of closed visits, each with its four events (arrival, call, start, end)."""
    now = SystemClock().now()
    steps = [(None, "waiting"), ("waiting", "called"), ("called", "in_progress")]
    steps.append(("in_progress", "done"))
    with database.write() as session:
        connection = session.connection()
        for back in range(days, 0, -1):
            start = now - timedelta(days=back, hours=2)
            day = office.local_day(start)
            visits = [
                {
                    "office_id": office.id,
                    "day": day,
                    "ticket_number": n,
                    "ticket_code": ticket_code("A", n),
                    "priority": Priority.ELDERLY if n % 4 == 0 else Priority.NONE,
                    "status": VisitStatus.DONE,
                    "arrived_at": start + timedelta(minutes=n),
                }
                for n in range(1, per_day + 1)
            ]
            returning = insert(Visit).returning(Visit.id, sort_by_parameter_order=True)
            ids = connection.execute(returning, visits).scalars().all()
            connection.execute(
                insert(VisitEvent),
                [
                    {
                        "office_id": office.id,
                        "visit_id": visit_id,
                        "at": start + timedelta(minutes=n, seconds=k),
                        "from_status": before,
                        "to_status": after,
                    }
                    for n, visit_id in enumerate(ids, start=1)
                    for k, (before, after) in enumerate(steps)
                ],
            )


def top_up(database: Database, office: OfficeInfo, waiting: int) -> None:
    """Add visitors (one in four with a priority) until ``waiting`` of them wait."""
    now = SystemClock().now()
    day = office.local_day(now)
    with database.write() as session:
        present = session.scalar(
            select(func.count()).where(
                Visit.office_id == office.id, Visit.day == day, Visit.status == VisitStatus.WAITING
            )
        )
        last = session.scalar(
            select(TicketCounter.last_number).where(
                TicketCounter.office_id == office.id,
                TicketCounter.day == day,
                TicketCounter.series == "A",
            )
        )
        first = (last or 0) + 1
        numbers = range(first, first + waiting - (present or 0))
        if not numbers:
            return
        session.add_all(
            Visit(
                office_id=office.id,
                day=day,
                ticket_number=n,
                ticket_code=ticket_code("A", n),
                priority=Priority.ELDERLY if n % 4 == 0 else Priority.NONE,
                status=VisitStatus.WAITING,
                arrived_at=now - timedelta(milliseconds=numbers.stop - n),
            )
            for n in numbers
        )
        # Arrivals registered later continue the series.
        counter = session.get(TicketCounter, (office.id, day, "A"))
        if counter is None:
            session.add(TicketCounter(office_id=office.id, day=day, series="A", last_number=0))
            session.flush()
            counter = session.get(TicketCounter, (office.id, day, "A"))
        assert counter is not None
        counter.last_number = numbers.stop - 1


# Figures


def percentile(samples: Sequence[float], share: float) -> float:
    """The sample below which ``share`` of them fall (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(name: str, latencies: Sequence[float], note: str = "") -> None:
    """One line of figures (milliseconds)."""
    print(
        f"  {name:<34} n={len(latencies):<5} p50={statistics.median(latencies):7.2f}"
        f"  p95={percentile(latencies, 0.95):7.2f}  p99={percentile(latencies, 0.99):7.2f}"
        f"  max={max(latencies):7.2f} ms  {note}".rstrip()
    )


# A desk's process


def desk_service(url: str, office: OfficeInfo) -> tuple[Database, QueueService]:
    """A desk's own engine and queue service, connected."""
    database = Database.from_url(url)
    service = QueueService(database, SystemClock(), office)
    service.revision()
    return database, service


def warm_up(service: QueueService, actor: Actor) -> None:
    """Call and put back a few times: the queue is left as it was."""
    for _ in range(WARM_UP_CALLS):
        entry = service.call_next(actor)
        if entry is not None:
            service.put_back(entry.visit_id, actor)


def burst_desk(
    url: str, office: OfficeInfo, actor: Actor, rounds: int, start: Barrier, end: Barrier, out: Any
) -> None:
    """At each round, call the next visitor as soon as the barrier opens."""
    database, service = desk_service(url, office)
    warm_up(service, actor)
    latencies = []
    for _ in range(rounds):
        start.wait()
        began = time.perf_counter()
        service.call_next(actor)
        latencies.append((time.perf_counter() - began) * 1000)
        end.wait()
    database.dispose()
    out.put(latencies)


def open_loop_desk(
    url: str,
    office: OfficeInfo,
    actor: Actor,
    rate: float,
    duration: float,
    seed: int,
    start: Barrier,
    out: Any,
) -> None:
    """Call (or, at reception, register an arrival) at exponential intervals of mean 1/rate.

    A desk whose previous call is still running at its next scheduled time starts late; the
    latency then counts from the scheduled time (no coordinated omission). Otherwise it
    counts from the wake-up: how late the operating system wakes a sleeper is not the
    queue's doing.
    """
    database, service = desk_service(url, office)
    if actor.role == Role.RECEPTION:

        def act() -> object:
            return service.register_arrival(ArrivalRequest(), actor)
    else:
        warm_up(service, actor)

        def act() -> object:
            return service.call_next(actor)

    rng = random.Random(seed)
    latencies = []
    late = 0
    start.wait()
    origin = time.perf_counter()
    scheduled = origin + rng.expovariate(rate)
    while scheduled < origin + duration:
        pause = scheduled - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
            began = time.perf_counter()  # the sleep's own overshoot is not the queue's
        else:
            late += 1  # the previous call ran past this one's time: it counts from then
            began = scheduled
        act()
        latencies.append((time.perf_counter() - began) * 1000)
        scheduled += rng.expovariate(rate)
    database.dispose()
    out.put((actor.role == Role.RECEPTION, latencies, late))


def closed_loop_desk(
    url: str, office: OfficeInfo, actor: Actor, arrivals: bool, start: Barrier, out: Any
) -> None:
    """Back to back: call until the queue is empty, or register ARRIVALS_PER_DESK arrivals."""
    database, service = desk_service(url, office)
    if not arrivals:
        warm_up(service, actor)
    start.wait()
    latencies = []
    while True:
        began = time.perf_counter()
        if arrivals:
            service.register_arrival(ArrivalRequest(), actor)
            more = len(latencies) + 1 < ARRIVALS_PER_DESK
        else:
            more = service.call_next(actor) is not None
        latencies.append((time.perf_counter() - began) * 1000)
        if not more:
            break
    database.dispose()
    out.put((latencies, time.perf_counter()))


def run_processes(
    target: Callable[..., None],
    argument_lists: list[tuple[Any, ...]],
    coordinate: Callable[[], None],
) -> list[Any]:
    """One process per argument list (the result queue appended); ``coordinate`` runs in
    the parent meanwhile; every process's result."""
    out = SPAWN.Queue()
    processes = [SPAWN.Process(target=target, args=(*args, out)) for args in argument_lists]
    for process in processes:
        process.start()
    coordinate()
    results = [out.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a desk process failed (exit code {process.exitcode})")
    return results


# Modes


@dataclass(frozen=True)
class Options:
    """What the command line sets."""

    desks: int
    waiting: int
    rounds: int
    pause: float
    rate: float
    duration: float
    history_days: int
    per_day: int
    polls: int
    modes: tuple[str, ...]


def burst(url: str, options: Options) -> list[float]:
    """All desks at once, ``rounds`` times; the queue topped up between rounds."""
    site = new_site(url, options.desks, options.waiting, options.history_days, options.per_day)
    database = Database.from_url(url)
    start = SPAWN.Barrier(options.desks + 1)
    end = SPAWN.Barrier(options.desks + 1)

    def coordinate() -> None:
        for _ in range(options.rounds):
            top_up(database, site.office, options.waiting)
            time.sleep(options.pause)
            start.wait()
            end.wait()

    arguments = [(url, site.office, a, options.rounds, start, end) for a in site.desks]
    results = run_processes(burst_desk, arguments, coordinate)
    database.dispose()
    return [latency for latencies in results for latency in latencies]


def open_loop(url: str, options: Options) -> tuple[list[float], list[float], int, int]:
    """Desks call at random, ``rate`` calls a second in all, while reception registers
    arrivals at the same rate: call and arrival latencies, and late starts of each."""
    # Enough waiting that the queue never runs dry while arrivals keep it level.
    site = new_site(url, options.desks, options.waiting, options.history_days, options.per_day)
    start = SPAWN.Barrier(options.desks + 2)
    per_desk = options.rate / options.desks
    reception = Actor(
        site.office.id, site.reception.desk_id, None, role=Role.RECEPTION, desk_name="Accueil"
    )
    arguments = [
        (url, site.office, actor, per_desk, options.duration, seed, start)
        for seed, actor in enumerate(site.desks)
    ]
    arguments.append((url, site.office, reception, options.rate, options.duration, 99, start))
    results = run_processes(open_loop_desk, arguments, start.wait)
    calls = [x for at_reception, xs, _ in results if not at_reception for x in xs]
    arrivals = [x for at_reception, xs, _ in results if at_reception for x in xs]
    late_calls = sum(late for at_reception, _, late in results if not at_reception)
    late_arrivals = sum(late for at_reception, _, late in results if at_reception)
    return calls, arrivals, late_calls, late_arrivals


def closed_loop(
    url: str, options: Options, arrivals: bool
) -> tuple[list[float], float, OfficeInfo]:
    """Every desk back to back: latencies, operations per second over the run, the office."""
    waiting = 0 if arrivals else options.waiting
    site = new_site(url, options.desks, waiting, options.history_days, options.per_day)
    start = SPAWN.Barrier(options.desks + 1)
    began = [0.0]

    def coordinate() -> None:
        start.wait()
        began[0] = time.perf_counter()

    arguments = [(url, site.office, actor, arrivals, start) for actor in site.desks]
    results = run_processes(closed_loop_desk, arguments, coordinate)
    latencies = [x for xs, _ in results for x in xs]
    wall = max(finished for _, finished in results) - began[0]
    return latencies, len(latencies) / wall, site.office


def alone(url: str, options: Options) -> tuple[list[float], list[float]]:
    """One desk on its own: calling (then putting the visitor back), and registering
    arrivals (the place on the ticket included; each then leaves): what a call and an
    arrival cost when nothing else runs."""
    site = new_site(url, 1, options.waiting, options.history_days, options.per_day)
    database, service = desk_service(url, site.office)
    actor = site.desks[0]
    warm_up(service, actor)
    calls = []
    for _ in range(300):
        began = time.perf_counter()
        entry = service.call_next(actor)
        calls.append((time.perf_counter() - began) * 1000)
        assert entry is not None
        service.put_back(entry.visit_id, actor)
    arrivals = []
    for _ in range(300):
        began = time.perf_counter()
        ticket = service.register_arrival(ArrivalRequest(), actor)
        arrivals.append((time.perf_counter() - began) * 1000)
        service.mark_left(ticket.visit_id, actor)  # the queue stays as long
    database.dispose()
    return calls, arrivals


FLOOR_TABLE = "CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"
FLOOR_ROW = "INSERT INTO bench_floor VALUES (1, 0)"
FLOOR_UPDATE = "UPDATE bench_floor SET n = n + 1 WHERE id = 1"


def bare_commits(url: str) -> list[float]:
    """``BEGIN; UPDATE one row; COMMIT`` with the driver alone, on a table of its own in the
    same database: what the engine and the disk (an fsync per commit) cost at least."""
    parsed = make_url(url)
    latencies = []
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        connection = sqlite3.connect(parsed.database, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(FLOOR_TABLE)
        connection.execute(FLOOR_ROW)
        for _ in range(500):
            began = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(FLOOR_UPDATE)
            connection.execute("COMMIT")
            latencies.append((time.perf_counter() - began) * 1000)
        connection.close()
        return latencies
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        connection.execute(FLOOR_TABLE)
        connection.execute(FLOOR_ROW)
        connection.commit()
        for _ in range(500):
            began = time.perf_counter()
            connection.execute(FLOOR_UPDATE)  # psycopg sends BEGIN first
            connection.commit()
            latencies.append((time.perf_counter() - began) * 1000)
    return latencies


def poll_cost(url: str, office: OfficeInfo, polls: int) -> float:
    """Microseconds per revision() on an idle queue."""
    database = Database.from_url(url)
    service = QueueService(database, SystemClock(), office)
    for _ in range(200):  # warm the pool and the statement cache
        service.revision()
    began = time.perf_counter()
    for _ in range(polls):
        service.revision()
    elapsed = time.perf_counter() - began
    database.dispose()
    return elapsed / polls * 1e6


MODES = ("floor", "alone", "burst", "open", "closed", "arrivals")


def bench(engine: str, url: str, options: Options) -> None:
    """The chosen modes on one database."""
    database = Database.from_url(url)
    prepare_database(database)
    database.dispose()
    print(
        f"{engine}: {options.desks} desk processes on {os.cpu_count()} CPUs, "
        f"{options.waiting} waiting, {options.history_days} past days of {options.per_day} visits"
    )
    if "floor" in options.modes:
        report("bare BEGIN; UPDATE; COMMIT", bare_commits(url), "(driver only: the floor)")
    if "alone" in options.modes:
        calls, arrivals = alone(url, options)
        report("call_next, one desk alone", calls)
        report("register_arrival, one desk alone", arrivals)
    if "burst" in options.modes:
        report(
            f"burst: {options.desks} at once x {options.rounds}",
            burst(url, options),
            f"(pause {options.pause * 1000:.0f} ms between rounds)",
        )
    if "open" in options.modes:
        calls, arrivals, late_calls, late_arrivals = open_loop(url, options)
        report(f"open loop: {options.rate:g} calls/s", calls, f"({late_calls} late starts)")
        report(f"  with arrivals at {options.rate:g}/s", arrivals, f"({late_arrivals} late starts)")
    if "closed" in options.modes:
        latencies, throughput, _ = closed_loop(url, options, arrivals=False)
        report("closed loop (saturation)", latencies, f"throughput {throughput:6.1f} calls/s")
    if "arrivals" in options.modes:
        latencies, throughput, office = closed_loop(url, options, arrivals=True)
        report("arrivals, closed loop", latencies, f"throughput {throughput:6.1f} arrivals/s")
        polls = poll_cost(url, office, options.polls)
        print(f"  {'revision() poll':<34} {polls:7.1f} µs per poll (idle)")


def main() -> None:
    """Run the benchmark on SQLite, and on PostgreSQL when a server URL is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", help="PostgreSQL server to create a bench database on")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--desks", type=int, default=20)
    parser.add_argument("--waiting", type=int, default=200, help="visitors waiting (kept level)")
    parser.add_argument("--rounds", type=int, default=30, help="burst rounds")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between bursts")
    parser.add_argument("--rate", type=float, default=20.0, help="open loop: calls/s in all")
    parser.add_argument("--duration", type=float, default=30.0, help="open loop: seconds")
    parser.add_argument("--history-days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=200, help="visits per past day")
    parser.add_argument("--polls", type=int, default=5000)
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES)
    )
    args = parser.parse_args()
    options = Options(
        desks=args.desks,
        waiting=args.waiting,
        rounds=args.rounds,
        pause=args.pause,
        rate=args.rate,
        duration=args.duration,
        history_days=args.history_days,
        per_day=args.per_day,
        polls=args.polls,
        modes=tuple(args.modes.split(",")),
    )
    if not args.skip_sqlite:
        with sqlite_url() as url:
            bench("SQLite (file, WAL, synchronous=FULL)", url, options)
    if args.postgres_url:
        with postgres_url(args.postgres_url) as url:
            bench("PostgreSQL", url, options)


if __name__ == "__main__":
    main()
