"""Cross-desk propagation: how long until a ticket issued at desk A shows at desk B.

Two processes, each with its own engine on the same database, as two terminals would be:

- desk A (writer) registers anonymous arrivals with ``QueueService.register_arrival`` at random
  intervals and notes the instant each call returned (the write is committed by then);
- desk B (reader) runs the queue screen's polling logic: every ``interval`` seconds it reads
  ``revision()`` (a timer that skips missed ticks, like Textual's ``set_interval``), and when
  the revision moved it loads ``today()`` and notes the instant each new ticket is in the list.

Latency = seen − committed, on the system-wide monotonic clock. It leaves out the table redraw
after the load (a few ms in the app). Before the arrivals, desk B polls an idle queue for a
while: the cost of an idle desk (µs per ``revision()``, polls per second, CPU share).

    python bench/propagation.py
    python bench/propagation.py --postgres-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import statistics
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from random import Random
from typing import Any

from common import percentile, postgres_url, sqlite_url

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk, find_office
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.setup import prepare_database

OFFICE_CODE = "PROPAG"
RESULT_TIMEOUT_S = 30.0
TIGHT_POLLS = 2000


@dataclass(frozen=True)
class Outcome:
    """What one run measured."""

    engine: str
    interval: float
    latencies_ms: list[float]
    writes_ms: list[float]
    missed: int
    idle_rate: float
    idle_poll_us: float
    idle_poll_median_us: float
    idle_cpu_share: float
    busy_poll_us: float
    tight_poll_us: float


def prepare(url: str) -> None:
    """Migrate and create the office with its two desks."""
    database = Database.from_url(url)
    try:
        prepare_database(database)
        with database.write() as session:
            office = create_office(
                session, name="PIMMS Propagation", code=OFFICE_CODE, now=SystemClock().now()
            )
            ensure_desk(session, office.id, "Desk A")
            ensure_desk(session, office.id, "Desk B")
    finally:
        database.dispose()


def open_desk(url: str, desk: str) -> tuple[Database, QueueService, Actor]:
    """A desk's own engine, its queue service and who acts there."""
    database = Database.from_url(url)
    with database.write() as session:
        office: OfficeInfo | None = find_office(session, OFFICE_CODE)
        assert office is not None
        info = ensure_desk(session, office.id, desk)
    actor = Actor(office_id=office.id, desk_id=info.id, desk_name=info.name, role=Role.MANAGER)
    return database, QueueService(database, SystemClock(), office), actor


def writer(
    url: str, arrivals: int, gaps: tuple[float, float], seed: int, go: Event, out: Any
) -> None:
    """Desk A: arrivals at random instants; reports (code, commit instant, write ms)."""
    database, service, actor = open_desk(url, "Desk A")
    try:
        service.revision()  # connected before the first arrival
        rng = Random(seed)
        go.wait()
        for _ in range(arrivals):
            time.sleep(rng.uniform(*gaps))
            start = time.monotonic()
            ticket = service.register_arrival(ArrivalRequest(), actor)
            committed = time.monotonic()
            out.put(("wrote", ticket.ticket_code, committed, (committed - start) * 1000))
        out.put(("done",))
    except BaseException as error:
        out.put(("error", f"writer: {type(error).__name__}: {error}"))
        raise
    finally:
        database.dispose()


def reader(url: str, interval: float, idle_s: float, go: Event, stop: Event, out: Any) -> None:
    """Desk B: the queue screen's polling loop; idle cost first, then sightings."""
    database, service, _actor = open_desk(url, "Desk B")
    try:
        revision = service.revision()
        seen = {entry.ticket_code for entry in service.today()}
        idle_polls: list[float] = []
        idle_at: list[float] = []
        busy_polls: list[float] = []
        idle = True
        started = time.monotonic()
        cpu_started = time.process_time()
        tick = started + interval
        while not stop.is_set():
            pause = tick - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            now = time.monotonic()
            # A timer that skips ticks it missed, as Textual's set_interval does.
            tick += interval * max(1, int((now - tick) // interval) + 1)
            if idle and now - started >= idle_s:
                wall = now - started
                cpu = time.process_time() - cpu_started
                rate = (len(idle_polls) - 1) / (idle_at[-1] - idle_at[0])
                mean, median = statistics.mean(idle_polls), statistics.median(idle_polls)
                out.put(("idle", rate, mean, median, cpu / wall))
                idle = False
                go.set()
            before = time.monotonic()
            current = service.revision()
            (idle_polls if idle else busy_polls).append((time.monotonic() - before) * 1e6)
            if idle:
                idle_at.append(before)
            if current != revision:
                entries = service.today()
                loaded = time.monotonic()
                revision = current
                for entry in entries:
                    if entry.ticket_code not in seen:
                        seen.add(entry.ticket_code)
                        out.put(("seen", entry.ticket_code, loaded))
        tight = time.monotonic()
        for _ in range(TIGHT_POLLS):
            service.revision()
        tight_us = (time.monotonic() - tight) / TIGHT_POLLS * 1e6
        out.put(("busy", statistics.mean(busy_polls) if busy_polls else 0.0, tight_us))
    except BaseException as error:
        out.put(("error", f"reader: {type(error).__name__}: {error}"))
        raise
    finally:
        database.dispose()


def run(engine: str, url: str, interval: float, args: argparse.Namespace) -> Outcome:
    """One writer, one reader, ``args.arrivals`` tickets; the figures."""
    context = mp.get_context("spawn")
    out = context.Queue()
    go, stop = context.Event(), context.Event()
    gaps = (args.min_gap, args.max_gap)
    processes = [
        context.Process(target=reader, args=(url, interval, args.idle, go, stop, out)),
        context.Process(target=writer, args=(url, args.arrivals, gaps, args.seed, go, out)),
    ]
    for process in processes:
        process.start()
    wrote: dict[str, tuple[float, float]] = {}
    seen: dict[str, float] = {}
    idle: tuple[Any, ...] = ()
    busy = tight = 0.0
    writer_done = False
    try:
        while not (writer_done and set(wrote) <= set(seen)):
            try:
                message = out.get(timeout=RESULT_TIMEOUT_S)
            except queue.Empty:
                break  # the last tickets never showed: counted as missed
            kind = message[0]
            if kind == "error":
                raise RuntimeError(message[1])
            if kind == "wrote":
                wrote[message[1]] = (message[2], message[3])
            elif kind == "seen":
                seen[message[1]] = message[2]
            elif kind == "idle":
                idle = message[1:]
            elif kind == "done":
                writer_done = True
        stop.set()
        while True:
            message = out.get(timeout=RESULT_TIMEOUT_S)
            if message[0] == "busy":
                busy, tight = message[1], message[2]
                break
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    latencies = [(seen[code] - at) * 1000 for code, (at, _ms) in wrote.items() if code in seen]
    return Outcome(
        engine=engine,
        interval=interval,
        latencies_ms=latencies,
        writes_ms=[ms for _at, ms in wrote.values()],
        missed=len(set(wrote) - set(seen)),
        idle_rate=idle[0],
        idle_poll_us=idle[1],
        idle_poll_median_us=idle[2],
        idle_cpu_share=idle[3],
        busy_poll_us=busy,
        tight_poll_us=tight,
    )


def print_table(outcomes: list[Outcome]) -> None:
    """One line per engine and interval."""
    head = (
        f"{'engine':<11}{'poll s':>7}{'n':>5}{'miss':>5}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'write ms':>10}"
        f"{'µs/poll':>9}{'(median)':>9}{'tight µs':>9}{'polls/s':>9}{'CPU %':>7}{'max polls/s':>12}"
    )
    print(head)
    print("-" * len(head))
    for o in outcomes:
        lat = o.latencies_ms
        print(
            f"{o.engine:<11}{o.interval:>7.2f}{len(lat):>5}{o.missed:>5}"
            f"{statistics.median(lat):>9.1f}{percentile(lat, 0.95):>9.1f}{max(lat):>9.1f}"
            f"{statistics.median(o.writes_ms):>10.2f}"
            f"{o.idle_poll_us:>9.0f}{o.idle_poll_median_us:>9.0f}"
            f"{o.tight_poll_us:>9.0f}{o.idle_rate:>9.2f}"
            f"{o.idle_cpu_share * 100:>7.2f}{1e6 / o.tight_poll_us:>12.0f}"
        )
    print(
        "\nlatency: write committed at desk A → ticket in desk B's today(); "
        "write ms: register_arrival (median).\n"
        "µs/poll: mean (and median) revision() on an idle queue, inside the polling loop "
        "(cold after each sleep);\n"
        "tight µs: the same, back to back; polls/s: achieved rate per idle desk;\n"
        "CPU %: the idle desk process's share of one core; "
        "max polls/s: 1e6 / tight µs (one connection's ceiling)."
    )


def main() -> None:
    """Measure on SQLite, and on PostgreSQL when a server is given, at each poll interval."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", help="PostgreSQL server to create a bench database on")
    parser.add_argument("--arrivals", type=int, default=100)
    parser.add_argument("--intervals", type=float, nargs="+", default=[0.25, 0.1])
    parser.add_argument("--min-gap", type=float, default=0.05, help="shortest gap between arrivals")
    parser.add_argument("--max-gap", type=float, default=0.45, help="longest gap between arrivals")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle polling first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    outcomes: list[Outcome] = []
    engines: list[tuple[str, Any]] = []
    if not args.skip_sqlite:
        engines.append(("SQLite", sqlite_url))
    if args.postgres_url:
        engines.append(("PostgreSQL", lambda: postgres_url(args.postgres_url)))
    for engine, scratch in engines:
        for interval in args.intervals:
            with scratch() as url:
                prepare(url)
                outcome = run(engine, url, interval, args)
            outcomes.append(outcome)
            print(
                f"{engine} at {interval:.2f} s: {len(outcome.latencies_ms)} tickets seen, "
                f"{outcome.missed} missed",
                flush=True,
            )
    print()
    print_table(outcomes)


if __name__ == "__main__":
    main()
