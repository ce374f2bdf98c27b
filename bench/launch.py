"""Start-up time and memory of ``pimms`` on a 100,000-visitor database, against a bare Textual app.

Each program runs as a real process in a detached tmux session (a private tmux server), and
the clock runs from ``tmux new-session`` until the pane shows the marker: for pimms the list of
names on the sign-in screen (the first screen since staff sign in), for the bare app (a minimal
App with a DataTable, started the same way) its row. The runs alternate, after one warm-up
each. Once the queue shows, the pimms process's resident memory is read from /proc.

The 100,000-visitor SQLite database is seeded once with ``seed_demo`` into a cache folder and
reused; when the office has no visit today (night, Sunday), a few arrivals are registered so
that the queue has rows to show.

    python bench/launch.py
    python bench/launch.py --runs 10 --visitors 100000
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common import TRACEBACK, Tmux, percentile, python_process, status_kib

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import ensure_desk, find_office
from pimms_tui.domain.queue import ArrivalRequest

CACHE = Path(tempfile.gettempdir()) / "pimms-bench-cache"
OFFICE = "DEMO-1"
# A name with its role on the sign-in screen (either language).
SIGN_IN = re.compile(r" — (reception|mediator|manager|accueil|médiateur|responsable)\b")
BARE_MARKER = "BARE-READY"
GOAL_SECONDS = 1.0
GOAL_RSS_MB = 150.0
SEED_ATTEMPTS = 5
SEED_RETRY_S = 30.0

BARE_APP = f'''
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="table")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Ticket", "Name", "Waiting")
        table.add_row("{BARE_MARKER}", "anonymous", "3 min")


Bare().run()
'''


@dataclass(frozen=True)
class Run:
    """One start: seconds to the marker, resident and peak memory (MiB) at that moment."""

    seconds: float
    rss_mb: float
    peak_mb: float


def seeded_database(visitors: int, days: int, seed: int) -> Path:
    """The cached demo database, seeded on first use (retrying while demo.py is unfinished)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    # "-pins": a cache seeded before staff had PINs would open on the first-run form.
    path = CACHE / f"demo-v{visitors}-d{days}-s{seed}-pins.sqlite3"
    if path.exists():
        return path
    for attempt in range(1, SEED_ATTEMPTS + 1):
        partial = path.with_suffix(".partial")
        for leftover in CACHE.glob(partial.name + "*"):
            leftover.unlink()
        try:
            from pimms_tui.demo import seed_demo

            database = Database.from_url(f"sqlite:///{partial}")
            try:
                print(f"seeding {visitors:,} visitors over {days} days into {path} …", flush=True)
                report = seed_demo(
                    database, visitors=visitors, days=days, seed=seed, now=datetime.now(UTC)
                )
            finally:
                database.dispose()
            print(f"seeded {report.rows:,} rows in {report.seconds:.1f} s", flush=True)
            with sqlite3.connect(partial) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            partial.replace(path)
            return path
        except Exception as error:  # demo.py may still be in progress: say so and retry
            print(f"demo seeding failed (attempt {attempt}): {type(error).__name__}: {error}")
            if attempt == SEED_ATTEMPTS:
                raise
            time.sleep(SEED_RETRY_S)
    raise AssertionError("unreachable")


def ensure_queue_today(path: Path) -> int:
    """Make sure the office has visits today; how many it has."""
    database = Database.from_url(f"sqlite:///{path}")
    try:
        with database.write() as session:
            office = find_office(session, OFFICE)
            assert office is not None, f"no office {OFFICE} in {path}"
            desk = ensure_desk(session, office.id, "Bench")
        queue = QueueService(database, SystemClock(), office)
        if not queue.today():
            actor = Actor(
                office_id=office.id, desk_id=desk.id, desk_name=desk.name, role=Role.MANAGER
            )
            for _ in range(3):
                queue.register_arrival(ArrivalRequest(), actor)
        return len(queue.today())
    finally:
        database.dispose()


def measure(tmux: Tmux, name: str, command: str, marker: re.Pattern[str]) -> Run:
    """Start ``command`` in a new session; time to the marker and memory then."""
    started = time.perf_counter()
    tmux.start(name, command)
    try:
        tmux.wait_for(name, marker, timeout=60.0)
        seconds = time.perf_counter() - started
        pid = python_process(tmux.pane_pid(name))
        rss = status_kib(pid, "VmRSS") / 1024
        peak = status_kib(pid, "VmHWM") / 1024
        time.sleep(0.3)  # let the first frames settle, then look for errors on screen
        screen = tmux.capture(name)
        if TRACEBACK.search(screen):
            raise RuntimeError(f"traceback on screen in {name}:\n{screen}")
        return Run(seconds, rss, peak)
    finally:
        tmux.kill_session(name)


def describe(label: str, runs: list[Run]) -> str:
    """One line: median, p95, min, max seconds and memory."""
    seconds = [r.seconds for r in runs]
    rss = [r.rss_mb for r in runs]
    return (
        f"{label:<8}{statistics.median(seconds):>9.3f}{percentile(seconds, 0.95):>9.3f}"
        f"{min(seconds):>9.3f}{max(seconds):>9.3f}"
        f"{statistics.median(rss):>10.1f}{max(r.peak_mb for r in runs):>10.1f}"
    )


def main() -> None:
    """Seed if needed, then alternate pimms and bare starts and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--visitors", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pimms",
        default=str(Path(sys.executable).with_name("pimms")),
        help="the pimms command (default: beside this Python)",
    )
    args = parser.parse_args()

    path = seeded_database(args.visitors, args.days, args.seed)
    today = ensure_queue_today(path)
    print(f"database {path} ({path.stat().st_size / 2**20:.0f} MiB), {today} visits today")

    with tempfile.TemporaryDirectory(prefix="pimms-launch-") as scratch:
        folder = Path(scratch)
        bare = folder / "bare_app.py"
        bare.write_text(BARE_APP)
        env = (
            f"env PIMMS_DATA_DIR={shlex.quote(str(folder / 'data'))}"
            f" PIMMS_CONFIG_DIR={shlex.quote(str(folder / 'config'))}"
        )
        pimms = (
            f"{env} {shlex.quote(args.pimms)} --db {shlex.quote(f'sqlite:///{path}')}"
            f" --office {OFFICE}"
        )
        plain = f"{env} {shlex.quote(sys.executable)} {shlex.quote(str(bare))}"
        bare_marker = re.compile(re.escape(BARE_MARKER))
        tmux = Tmux()
        tmux.start("keep", "sleep 86400")  # one server for every run
        pimms_runs: list[Run] = []
        bare_runs: list[Run] = []
        try:
            warm = (
                measure(tmux, "warm-pimms", pimms, SIGN_IN),
                measure(tmux, "warm-bare", plain, bare_marker),
            )
            print(f"warm-up: pimms {warm[0].seconds:.3f} s, bare {warm[1].seconds:.3f} s")
            for n in range(args.runs):
                pimms_runs.append(measure(tmux, f"pimms-{n}", pimms, SIGN_IN))
                bare_runs.append(measure(tmux, f"bare-{n}", plain, bare_marker))
                print(
                    f"run {n + 1}: pimms {pimms_runs[-1].seconds:.3f} s "
                    f"({pimms_runs[-1].rss_mb:.0f} MiB), bare {bare_runs[-1].seconds:.3f} s",
                    flush=True,
                )
        finally:
            tmux.kill_server()
        log = folder / "data" / "pimms.log"
        log_text = log.read_text() if log.exists() else ""

    print()
    print(
        f"{'':<8}{'median s':>9}{'p95 s':>9}{'min s':>9}{'max s':>9}{'RSS MiB':>10}{'peak MiB':>10}"
    )
    print(describe("pimms", pimms_runs))
    print(describe("bare", bare_runs))
    median_pimms = statistics.median(r.seconds for r in pimms_runs)
    median_bare = statistics.median(r.seconds for r in bare_runs)
    rss = statistics.median(r.rss_mb for r in pimms_runs)
    print(f"\nratio pimms / bare (medians): {median_pimms / median_bare:.2f}")
    print(
        f"goals: median ≤ {GOAL_SECONDS:.1f} s: "
        f"{'met' if median_pimms <= GOAL_SECONDS else 'NOT met'} ({median_pimms:.3f} s); "
        f"RSS ≤ {GOAL_RSS_MB:.0f} MB: {'met' if rss * 1.048576 <= GOAL_RSS_MB else 'NOT met'} "
        f"({rss * 1.048576:.0f} MB)"
    )
    if log_text:
        print(f"\npimms.log was written during the runs:\n{log_text}")
    load = os.getloadavg()[0]
    print(f"(load average at the end: {load:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
