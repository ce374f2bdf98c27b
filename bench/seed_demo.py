"""Time the demo seeding: ``python bench/seed_demo.py --visitors 100000 --days 365``."""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pimms_tui.db.engine import Database
from pimms_tui.demo import seed_demo


def main(argv: list[str] | None = None) -> None:
    """Seed a demo into a fresh database and print what was written, and how fast."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--offices", type=int, default=2)
    parser.add_argument("--visits", type=int, default=None)
    parser.add_argument(
        "--now", default=None, help="ISO instant to seed up to (default: the current time)"
    )
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pimms-bench-") as scratch:
        url = args.db or f"sqlite:///{Path(scratch) / 'demo.sqlite3'}"
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
        database = Database.from_url(url)
        try:
            report = seed_demo(
                database,
                visitors=args.visitors,
                days=args.days,
                seed=args.seed,
                now=now,
                offices=args.offices,
                visits=args.visits,
            )
        finally:
            database.dispose()
    print(f"database      {url}")
    for name in (
        "offices",
        "staff",
        "visitors",
        "visits",
        "events",
        "demands",
        "relays",
        "appointments",
        "consents",
    ):
        print(f"{name:<13} {getattr(report, name):>10,}")
    print(f"{'rows':<13} {report.rows:>10,}")
    print(f"{'seconds':<13} {report.seconds:>10.2f}")
    print(f"{'rows/second':<13} {report.rows_per_second:>10,.0f}")


if __name__ == "__main__":
    main()
