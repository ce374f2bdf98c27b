"""How long `pimms purge` takes on an office's worth of demo data (SQLite, optionally PostgreSQL).

    python bench/purge_bench.py [--visitors 20000] [--days 180] [--postgres-url URL]

Seeds demo data over ``--days`` days, sets the retention period to three months (so the
visitors not seen for three months are anonymised) and the relay retention to one month,
then times a dry run, the purge, and a second purge (which finds nothing).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import postgres_url, sqlite_url
from sqlalchemy import select, update

from pimms_tui.application.rights import RightsService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Office
from pimms_tui.demo import seed_demo
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import office_info
from pimms_tui.domain.setup import prepare_database


def run(url: str, visitors: int, days: int) -> None:
    """Seed, then time the three purges; print one line per step."""
    now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    database = Database.from_url(url)
    prepare_database(database)
    seed_demo(database, visitors=visitors, days=days, seed=1, now=now, offices=1)
    with database.write() as session:
        session.execute(update(Office).values(retention_months=3, relay_retention_months=1))
        office = office_info(session.scalars(select(Office)).first())  # type: ignore[arg-type]
    service = RightsService(database, FixedClock(now), office)
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    for label, dry in (("dry run", True), ("purge", False), ("second purge", False)):
        started = time.perf_counter()
        report = service.purge(actor, dry_run=dry, via="bench")
        seconds = time.perf_counter() - started
        print(f"  {label:13} {report.visitors:7} files {report.relays:6} relays  {seconds:6.2f} s")
    database.dispose()


def main() -> None:
    """Parse the options and run on each engine asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    print(f"SQLite, {args.visitors} visitors over {args.days} days")
    with sqlite_url() as url:
        run(url, args.visitors, args.days)
    if args.postgres_url:
        print(f"PostgreSQL, {args.visitors} visitors over {args.days} days")
        with postgres_url(args.postgres_url) as url:
            run(url, args.visitors, args.days)


if __name__ == "__main__":
    main()
