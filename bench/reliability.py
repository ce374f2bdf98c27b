"""A short busy day with one desk frozen mid-write, one cut off, one killed: what the others see.

    python bench/reliability.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]
                                [--seconds 24]

Two healthy desks register arrivals and call the next visitor back to back, each action
through the screens' save path (``run_until_saved``, the application's real settings; the
time of each action taken at its "key"). Meanwhile, on PostgreSQL each troubled desk reaches
the server through its own TCP proxy (tests/netproxy.py):

* frozen: its network goes silent right after its write locked the office row (the server
  keeps the transaction until its own limits end it);
* cut: its network is refused for 5 s while it keeps registering arrivals;
* killed: a desk process registering arrivals is SIGKILLed mid-burst.

On SQLite (one file, no network): "frozen" is a desk process stopped (SIGSTOP) for 5 s while
it holds the write lock, "cut" another program holding the write lock for 5 s, "killed" the
same as on PostgreSQL.

Printed for the healthy desks: the longest action (key to done), the longest wait before
being told (the first error the screen shows, or done), the time from each incident's end to
their next success, and lost and duplicated actions (every confirmed arrival is in the
database once, no visitor called twice, nothing written that nobody confirmed, but for the
killed desk's one write in flight).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role, VisitStatus
from pimms_tui.db.models import Visit, VisitEvent
from pimms_tui.db.resilience import run_until_saved
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.setup import prepare_database

ROOT = Path(__file__).resolve().parent.parent

KILLED_DESK = """
import sys
from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import office_info
from pimms_tui.db.models import Office
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.db.resilience import run_until_saved
database = Database.from_url(sys.argv[1])
with database.read() as session:
    office = office_info(session.get(Office, int(sys.argv[2])))
queue = QueueService(database, SystemClock(), office)
actor = Actor(office.id, int(sys.argv[3]), role=Role.MANAGER)
while True:
    ticket = run_until_saved(lambda: queue.register_arrival(ArrivalRequest(), actor))
    print(ticket.visit_id, flush=True)
"""

SQLITE_FROZEN = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("UPDATE office SET queue_revision = queue_revision + 1")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


def load_proxy() -> Any:
    """tests/netproxy.py's Proxy."""
    spec = importlib.util.spec_from_file_location("netproxy", ROOT / "tests" / "netproxy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Proxy


class Figures:
    """What the healthy desks saw."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.longest = 0.0
        self.longest_untold = 0.0
        self.successes: list[float] = []  # monotonic times of successful actions
        self.confirmed: set[int] = set()  # visit ids of confirmed arrivals (every thread desk)
        self.actions = 0

    def action(self, started: float, ended: float, told: float | None) -> None:
        with self.lock:
            self.actions += 1
            self.longest = max(self.longest, ended - started)
            self.longest_untold = max(self.longest_untold, (told or ended) - started)
            self.successes.append(ended)


def timed(figures: Figures | None, job: Callable[[], Any]) -> Any:
    """One action through the save path; its figures recorded for a healthy desk."""
    started = time.monotonic()
    told: list[float] = []
    result = run_until_saved(job, on_outage=lambda _e: told.append(time.monotonic()))
    if figures is not None:
        figures.action(started, time.monotonic(), told[0] if told else None)
    return result


def desk_loop(
    queue: QueueService,
    actor: Actor,
    figures: Figures,
    until: float,
    healthy: bool,
    calls: bool,
) -> None:
    """Register arrivals (and call) back to back until ``until``; never raises."""
    clock = SystemClock()
    turn = 0
    while time.monotonic() < until:
        turn += 1
        at = clock.now()
        try:
            if calls and turn % 2 == 0:
                timed(figures if healthy else None, lambda at=at: queue.call_next(actor, at=at))
            else:
                ticket = timed(
                    figures if healthy else None,
                    lambda at=at: queue.register_arrival(ArrivalRequest(), actor, at=at),
                )
                with figures.lock:
                    figures.confirmed.add(ticket.visit_id)
        except Exception as error:  # a frozen desk's error: the screen would show it
            if healthy:
                print(f"  healthy desk error: {error!r}")
            time.sleep(0.5)
        time.sleep(0.05)


def run(url: str, engine: str, seconds: float) -> dict[str, Any]:
    """One busy day with its incidents on ``url``; the figures."""
    prepare = Database.from_url(url)
    prepare_database(prepare)
    with prepare.write() as session:
        office: OfficeInfo = create_office(session, name="PIMMS Fiable", now=SystemClock().now())
        desks = {
            n: ensure_desk(session, office.id, n).id
            for n in ("Guichet 1", "Guichet 2", "Figé", "Coupé", "Tué")
        }
    prepare.dispose()
    actors = {n: Actor(office.id, i, role=Role.MANAGER) for n, i in desks.items()}
    proxy_class = load_proxy() if engine == "postgres" else None
    parsed = make_url(url)
    proxies: dict[str, Any] = {}
    databases: dict[str, Database] = {}
    for name in ("Guichet 1", "Guichet 2", "Figé", "Coupé"):
        desk_url = url
        if proxy_class is not None and name in ("Figé", "Coupé"):
            proxies[name] = proxy_class(parsed.host or "127.0.0.1", parsed.port or 5432)
            desk_url = parsed.set(host="127.0.0.1", port=proxies[name].port).render_as_string(
                hide_password=False
            )
        databases[name] = Database.from_url(desk_url)
    queues = {n: QueueService(d, SystemClock(), office) for n, d in databases.items()}
    figures = Figures()
    start = time.monotonic()
    until = start + seconds
    threads = [
        threading.Thread(
            target=desk_loop,
            args=(queues[n], actors[n], figures, until, n.startswith("Guichet"), True),
            daemon=True,
        )
        for n in ("Guichet 1", "Guichet 2")
    ]
    cut_figures = Figures()  # the cut desk's own: how soon it is back
    threads.append(
        threading.Thread(
            target=desk_loop,
            args=(queues["Coupé"], actors["Coupé"], cut_figures, until, True, False),
            daemon=True,
        )
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED_DESK, url, str(office.id), str(desks["Tué"])],
        stdout=subprocess.PIPE,
        text=True,
    )
    killed_ids: list[int] = []
    reader = threading.Thread(
        target=lambda: [killed_ids.append(int(line)) for line in killed.stdout or []],
        daemon=True,
    )
    reader.start()
    for thread in threads:
        thread.start()
    incidents: dict[str, float] = {}

    # Frozen mid-write at 20 % of the day.
    time.sleep(seconds * 0.2)
    if engine == "postgres":
        proxies["Figé"].freeze_after = b"UPDATE office"
        frozen = threading.Thread(
            target=lambda: _quietly(lambda: queues["Figé"].call_next(actors["Figé"])),
            daemon=True,
        )
        frozen.start()
        proxies["Figé"].lost.wait(5)
        incidents["frozen"] = time.monotonic()  # ends by the server's limits
    else:
        path = make_url(url).database or ""
        holder = subprocess.Popen(
            [sys.executable, "-c", SQLITE_FROZEN, path, "0.2"], stdout=subprocess.PIPE, text=True
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        holder.send_signal(signal.SIGSTOP)
        time.sleep(5)
        holder.send_signal(signal.SIGCONT)
        holder.wait(10)
        incidents["frozen"] = time.monotonic()

    # Cut for 5 s at 45 %.
    time.sleep(max(0.0, start + seconds * 0.45 - time.monotonic()))
    if engine == "postgres":
        proxies["Coupé"].cut()
        time.sleep(5)
        proxies["Coupé"].restore()
    else:
        path = make_url(url).database or ""
        holder = subprocess.Popen(
            [sys.executable, "-c", SQLITE_FROZEN, path, "5"], stdout=subprocess.PIPE, text=True
        )
        holder.wait(20)
    incidents["cut"] = time.monotonic()

    # Killed at 70 %.
    time.sleep(max(0.0, start + seconds * 0.7 - time.monotonic()))
    killed.kill()
    killed.wait()
    incidents["killed"] = time.monotonic()
    for thread in threads:
        thread.join(seconds + 60)
    reader.join(5)

    recovery = {
        name: min((t for t in figures.successes if t > at), default=float("nan")) - at
        for name, at in incidents.items()
    }
    check = Database.from_url(url)
    with check.read() as session:
        visit_ids = set(session.scalars(select(Visit.id)))
        called_twice = session.scalar(
            select(func.count()).select_from(
                select(VisitEvent.visit_id)
                .where(VisitEvent.to_status == VisitStatus.CALLED)
                .where(VisitEvent.from_status == VisitStatus.WAITING)
                .group_by(VisitEvent.visit_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
    check.dispose()
    for database in databases.values():
        database.dispose()
    for proxy in proxies.values():
        proxy.close()
    confirmed = figures.confirmed | cut_figures.confirmed | set(killed_ids)
    cut_back = min((t for t in cut_figures.successes if t > incidents["cut"]), default=math.nan)
    return {
        "actions": figures.actions,
        "longest": figures.longest,
        "untold": figures.longest_untold,
        "recovery": recovery,
        "cut_back": cut_back - incidents["cut"],
        "cut_longest": cut_figures.longest,
        "lost": len(confirmed - visit_ids),
        "unconfirmed": len(visit_ids - confirmed),  # at most the killed desk's one in flight
        "called_twice": called_twice or 0,
    }


def _quietly(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception as error:
        print(f"  frozen desk told: {type(error).__name__} {str(error).splitlines()[0][:70]}")


def bench_database(postgres_url: str | None) -> AbstractContextManager[str]:
    return common.postgres_url(postgres_url) if postgres_url else common.sqlite_url()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", help="also run on this PostgreSQL server")
    parser.add_argument("--seconds", type=float, default=24.0)
    args = parser.parse_args()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()}")
    engines = [("sqlite", None)] + ([("postgres", args.postgres_url)] if args.postgres_url else [])
    print(
        "| engine | actions | longest action | longest wait untold | recovery after "
        "frozen / cut / killed | cut desk: longest save, back after | lost | "
        "duplicated (called twice) | written unconfirmed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for engine, server in engines:
        with bench_database(server) as url:
            result = run(url, engine, args.seconds)
        recovery = " / ".join(f"{result['recovery'][k]:.2f} s" for k in ("frozen", "cut", "killed"))
        print(
            f"| {engine} | {result['actions']} | {result['longest']:.2f} s | "
            f"{result['untold']:.2f} s | {recovery} | {result['cut_longest']:.2f} s, "
            f"{result['cut_back']:.2f} s | {result['lost']} | "
            f"{result['called_twice']} | {result['unconfirmed']} |"
        )
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
