"""Statistics benchmark: the screen's whole figure set over a year (``StatsService.figures``).

* SQLite, one office, about 20,000 visits in the year (target ≤ 200 ms);
* PostgreSQL, 60 offices, 2,000,000 demands in the year (target ≤ 2 s).

Data come from the deterministic demo seeder (``pimms demo seed``: realistic visits, events,
demands, relays and appointments). On PostgreSQL it gives about 1.4 demands per visit, so
the demands are topped up to 2,000,000 by copying demands of the same visits in SQL
(``INSERT … SELECT``: a visit with one more demand, same motif mix), which takes seconds.

    python bench/stats_bench.py                       # SQLite only
    python bench/stats_bench.py --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/stats_bench.py --postgres-url … --keep stats_bench   # reuse a seeded database

The PostgreSQL database is created as ``stats_bench`` and dropped at the end unless
``--keep`` names it (then it is reused if already seeded, and kept).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from common import percentile, sqlite_url
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pimms_tui.application.stats import StatsService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.demo import seed_demo
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.stats import StatsQuery

NOW = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
TARGET_DEMANDS = 2_000_000


def measure(database: Database, office_ids: tuple[int, ...], runs: int) -> list[float]:
    """Milliseconds of each run of the whole figure set for the year."""
    service = StatsService(database)
    actor = Actor(office_id=office_ids[0], desk_id=None, role=Role.MANAGER)
    with database.engine.connect() as connection:
        last = connection.execute(text("SELECT max(day) FROM visit")).scalar_one()
    last = last if isinstance(last, date) else date.fromisoformat(str(last))
    # The year that ends on the last day with visits (the seeder's days run up to its now).
    query = StatsQuery(start=last - timedelta(days=364), end=last, office_ids=office_ids)
    service.figures(actor, query)  # warm-up: caches, statement compilation
    samples = []
    cpu = []
    for _ in range(runs):
        started = time.perf_counter()
        cpu_started = time.process_time()
        stats = service.figures(actor, query)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    print(
        f"    {stats.visits:,} visits, {stats.demands:,} demands, {stats.relays:,} relays, "
        f"{sum(stats.appointments_by_status.values()):,} appointments; "
        f"this process's CPU per run: median {statistics.median(cpu):.0f} ms "
        f"(all of SQLite's work, the driver's only on PostgreSQL); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return samples


def report(name: str, samples: list[float], target_ms: float) -> None:
    """Median and p95 against the target."""
    median = statistics.median(samples)
    p95 = percentile(samples, 0.95)
    verdict = "ok" if p95 <= target_ms else "OVER TARGET"
    print(
        f"{name}: median {median:.0f} ms, p95 {p95:.0f} ms over {len(samples)} runs "
        f"(target ≤ {target_ms:.0f} ms: {verdict})"
    )


def office_ids(database: Database) -> tuple[int, ...]:
    with database.engine.connect() as connection:
        return tuple(r[0] for r in connection.execute(text("SELECT id FROM office ORDER BY id")))


def bench_sqlite(runs: int) -> None:
    with sqlite_url() as url:
        database = Database.from_url(url)
        started = time.perf_counter()
        seed_demo(database, visitors=8000, visits=20_000, days=365, seed=3, offices=1, now=NOW)
        print(f"SQLite: seeded one office's year in {time.perf_counter() - started:.1f} s")
        report(
            "SQLite, 1 office, ~20,000 visits", measure(database, office_ids(database), runs), 200
        )
        database.dispose()


def top_up_demands(database: Database) -> None:
    """Bring the demands to TARGET_DEMANDS with copies on the same (closed) visits."""
    with database.engine.begin() as connection:
        count = connection.execute(text("SELECT count(*) FROM demand")).scalar_one()
        missing = TARGET_DEMANDS - count
        if missing <= 0:
            return
        connection.execute(
            text(
                """
                INSERT INTO demand (office_id, visit_id, position, motif_id, partner_id,
                                    register_code, level, outcome, note, created_at, day)
                SELECT office_id, visit_id, position + 10, motif_id, partner_id,
                       register_code, level, outcome, NULL, created_at, day
                FROM demand WHERE outcome IS NOT NULL AND outcome <> 'appointment'
                ORDER BY id LIMIT :missing
                """
            ),
            {"missing": missing},
        )
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))


def bench_postgres(server_url: str, runs: int, keep: str | None) -> None:
    name = keep or "stats_bench"
    admin = create_engine(
        make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    database = Database.from_url(url)
    try:
        seeded = False
        if exists:
            with database.engine.connect() as connection:
                seeded = bool(connection.execute(text("SELECT count(*) FROM visit")).scalar())
        if not seeded:
            started = time.perf_counter()
            seed_demo(
                database,
                visitors=400_000,
                visits=1_000_000,
                days=365,
                seed=7,
                offices=60,
                now=NOW,
            )
            print(f"PostgreSQL: demo seeded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        top_up_demands(database)
        print(f"PostgreSQL: demands topped up to 2M in {time.perf_counter() - started:.0f} s")
        ids = office_ids(database)
        report(
            f"PostgreSQL, {len(ids)} offices, 2,000,000 demands",
            measure(database, ids, runs),
            2000,
        )
        one = measure(database, ids[:1], runs)
        report("PostgreSQL, 1 office of the 60", one, 200)
    finally:
        database.dispose()
        if keep is None:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", help="a PostgreSQL server (database name ignored)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", metavar="NAME", help="keep (and reuse) this seeded database")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        bench_sqlite(args.runs)
    if args.postgres_url:
        bench_postgres(args.postgres_url, args.runs, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
