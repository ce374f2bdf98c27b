"""How long after the database returns a save confirmed during an outage is in it.

    python bench/outage_recovery.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]

An arrival is confirmed while the database is away (PostgreSQL: the network to it cut by a
proxy; SQLite: another program holding the file's write lock), with the application's real
retry settings (waits doubling from 0.25 s to 5 s; SQLite's 5 s busy timeout, 4 tries at
BEGIN). The outage lasts 2, 10 or 30 s; printed: how long after the end the arrival was
saved, and how many tries failed meanwhile. Each run ends with exactly one visit written.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from day_load import bench_database  # bench/ is on the path when run as a script
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Visit
from pimms_tui.db.resilience import run_until_saved
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import create_office, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.setup import prepare_database

ROOT = Path(__file__).resolve().parent.parent
LOCK_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
connection.execute("UPDATE office SET queue_revision = queue_revision")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


def load_proxy() -> Any:
    """tests/netproxy.py's Proxy (the tests' cuttable TCP proxy)."""
    spec = importlib.util.spec_from_file_location("netproxy", ROOT / "tests" / "netproxy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Proxy


def one_outage(url: str, engine: str, seconds: float) -> tuple[float, int]:
    """One arrival confirmed during an outage of ``seconds``; (delay after the end, failed
    tries)."""
    proxy = None
    holder = None
    if engine == "postgres":
        parsed = make_url(url)
        proxy = load_proxy()(parsed.host or "127.0.0.1", parsed.port or 5432)
        url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    database = Database.from_url(url)
    with database.write() as session:
        office = create_office(session, name="PIMMS Panne", now=SystemClock().now())
        desk = ensure_desk(session, office.id, "Accueil")
    queue = QueueService(database, SystemClock(), office)
    actor = Actor(office.id, desk.id, role=Role.MANAGER)
    failures: list[BaseException] = []
    saved_at: list[float] = []
    if proxy is not None:
        proxy.cut()
    else:
        holder = subprocess.Popen(
            [sys.executable, "-c", LOCK_HOLDER, str(make_url(url).database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

    def save() -> None:
        run_until_saved(
            lambda: queue.register_arrival(ArrivalRequest(), actor), on_outage=failures.append
        )
        saved_at.append(time.monotonic())

    saver = threading.Thread(target=save)
    saver.start()
    time.sleep(seconds)
    ended = time.monotonic()
    if proxy is not None:
        proxy.restore()
    elif holder is not None and holder.stdin is not None:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(10)
    saver.join(120)
    with database.read() as session:
        visits = session.scalar(select(func.count()).select_from(Visit))
    assert visits == 1, visits
    database.dispose()
    if proxy is not None:
        proxy.close()
    return saved_at[0] - ended, len(failures)


def main() -> int:
    """Print the recovery table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    engines = ["sqlite"] + (["postgres"] if args.postgres_url else [])
    print(f"{'engine':<11}{'outage s':>9}{'saved after s':>15}{'failed tries':>14}")
    for engine in engines:
        for seconds in (2.0, 10.0, 30.0):
            with tempfile.TemporaryDirectory() as folder:
                if engine == "sqlite":
                    url = f"sqlite:///{Path(folder) / 'outage.sqlite3'}"
                    prepare_database(Database.from_url(url))
                    delay, tries = one_outage(url, engine, seconds)
                else:
                    with bench_database(args.postgres_url) as url:
                        setup = Database.from_url(url)
                        prepare_database(setup)
                        setup.dispose()
                        delay, tries = one_outage(url, engine, seconds)
            print(f"{engine:<11}{seconds:>9.0f}{delay:>15.2f}{tries:>14}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
