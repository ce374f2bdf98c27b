"""Measure the visitor search as it is typed, at growing sizes, on SQLite and PostgreSQL.

Every size gets a fresh database, seeded with ``seed_demo`` (the full demo: visits, events,
demands, relays, appointments) or, with ``--bulk``, with a dedicated bulk path that writes
visitors (same name pools as the demo), their search tokens and their visits only — the
tables the search reads — which is what makes millions of rows possible in minutes (on
PostgreSQL it also builds the plain indexes after the load rather than during it, and skips
the per-row foreign key triggers: the rows are consistent by construction).

The queries are what a desk types, keystroke by keystroke, for visitors drawn at random from
the largest office: "Dupont-Moreau Hélène" letter by letter (and first name first for half of
them), the phone as "06 12 34 56 78" letter by letter (and "+33 6 …" for some), the last name
with one typo followed by the start of the first name, and the last name with the birth year.
Every keystroke is one ``VisitorService.search`` call, timed around the call (milliseconds,
session opened and closed inside). A short warm-up runs first, as a desk that has been open a
minute would be. Also measured: opening a visitor file with 100 visits
(``VisitorFileService.open``), when that module is present.

Run from the repository root:

    python bench/search_bench.py                                   # SQLite, seed_demo
    python bench/search_bench.py --sizes 10000,100000,1000000 --visits 100000,1000000,2500000
    python bench/search_bench.py --engine postgres \\
        --postgres-url postgresql://postgres@127.0.0.1:5432/test --bulk \\
        --sizes 2000000 --visits 5000000
    python bench/search_bench.py --db sqlite:////tmp/x.sqlite3      # an already seeded database
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

from common import percentile, postgres_url, sqlite_url
from sqlalchemy import func, insert, select, text

from pimms_tui import demo
from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, Outcome, VisitStatus
from pimms_tui.db.models import Demand, Motif, Register, Visit, Visitor, VisitorSearchToken
from pimms_tui.db.normalise import phone_digits, search_key
from pimms_tui.db.search_index import all_tokens
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import create_office, office_info
from pimms_tui.domain.setup import prepare_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- Seeding -----------------------------------------------------------------------------------


def seed_with_demo(database: Database, visitors: int, visits: int, offices: int) -> None:
    """The full demo data (every table), ``visits`` visits over a year."""
    demo.seed_demo(
        database, visitors=visitors, days=365, seed=1, now=NOW, offices=offices, visits=visits
    )


_VISITOR_COLUMNS = (
    "id", "office_id", "first_name", "last_name", "phone", "birth_year", "language", "needs",
    "commune", "search_key", "phone_digits", "version", "created_at", "last_activity_at",
)  # fmt: skip
_VISIT_COLUMNS = (
    "id", "office_id", "day", "ticket_number", "ticket_code", "visitor_id", "gender",
    "source", "priority", "needs", "status", "arrived_at", "finished_at",
)  # fmt: skip
_TOKEN_COLUMNS = ("visitor_id", "token", "office_id")
_CHUNK = 50_000


def _stamp(instant: datetime) -> str:
    """An instant as SQLAlchemy stores a UTC DateTime (naive text), on both engines."""
    return instant.strftime("%Y-%m-%d %H:%M:%S.000000")


def seed_in_bulk(database: Database, visitors: int, visits: int, offices: int) -> None:
    """Visitors (the demo's name pools), their search tokens and their visits, nothing else.

    Visits are spread over the year before NOW, 1 to many per visitor (a long tail of
    regulars); a visitor's last activity is their last visit.
    """
    prepare_database(database)
    rng = random.Random(1)
    with database.write(long=True) as session:  # bulk load: no desk limits
        office_ids = [
            create_office(session, name=f"PIMMS Bench {n + 1}", code=f"BENCH-{n + 1}", now=NOW).id
            for n in range(offices)
        ]
    office_cum = list(accumulate(1.0 / (1 + 0.25 * n) for n in range(offices)))
    rebuild = _drop_secondary_indexes(database)
    prefixes = demo._mobile_prefixes()
    visit_id = 0
    tickets: dict[tuple[int, date], int] = defaultdict(int)
    visits_left = visits
    first_day = NOW.date() - timedelta(days=365)
    for start in range(0, visitors, _CHUNK):
        visitor_rows: list[tuple[Any, ...]] = []
        token_rows: list[tuple[Any, ...]] = []
        visit_rows: list[tuple[Any, ...]] = []
        for visitor_id in range(start + 1, min(visitors, start + _CHUNK) + 1):
            office_id = rng.choices(office_ids, cum_weights=office_cum)[0]
            origin = rng.choices(demo._ORIGINS, cum_weights=demo._ORIGIN_CUM)[0]
            first = rng.choice(origin.female if rng.random() < 0.56 else origin.male)
            last: str | None = rng.choice(origin.last)
            roll = rng.random()
            if origin is demo._ORIGINS[0] and roll < 0.07:
                last = f"{last}-{rng.choice(demo._FRENCH_LAST)}"
            elif roll > 0.97:
                last = None
            birth_year = NOW.year - rng.randint(18, 95) if rng.random() < 0.88 else None
            phone = (
                f"+33{rng.choice(prefixes)}{rng.randrange(100000):05d}"
                if rng.random() < 0.8
                else None
            )
            digits = phone_digits(phone) if phone else None
            # Spread what is left evenly, with a tail: most come once or twice.
            remaining_people = visitors - visitor_id + 1
            mean = visits_left / remaining_people
            count = min(visits_left, max(0, round(rng.expovariate(1 / mean)))) if mean else 0
            if remaining_people == 1:
                count = visits_left
            visits_left -= count
            days = sorted(first_day + timedelta(days=rng.randrange(365)) for _ in range(count))
            created = datetime.combine(days[0] if days else first_day, datetime.min.time(), UTC)
            created += timedelta(hours=8)
            last_activity = created
            for day in days:
                tickets[(office_id, day)] += 1
                number = tickets[(office_id, day)]
                arrived = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                    hours=8, seconds=rng.randrange(8 * 3600)
                )
                last_activity = max(last_activity, arrived)
                visit_id += 1
                visit_rows.append(
                    (
                        visit_id, office_id, day.isoformat(), number, f"A-{number:03d}",
                        visitor_id, "not_given", "walk_in", "none", "[]", VisitStatus.DONE.value,
                        _stamp(arrived), _stamp(arrived + timedelta(minutes=25)),
                    )
                )  # fmt: skip
            visitor_rows.append(
                (
                    visitor_id, office_id, first, last, phone, birth_year, "fr", "[]",
                    None, search_key(first, last), digits, 1, _stamp(created),
                    _stamp(last_activity),
                )
            )  # fmt: skip
            for token in all_tokens(first, last, digits, birth_year):
                token_rows.append((visitor_id, token, office_id))
        _write(database, "visitor", _VISITOR_COLUMNS, visitor_rows)
        _write(database, "visitor_search_token", _TOKEN_COLUMNS, token_rows)
        _write(database, "visit", _VISIT_COLUMNS, visit_rows)
        print(f"  … {start + len(visitor_rows):,} visitors, {visit_id:,} visits", flush=True)
    if not database.is_sqlite:
        with database.engine.connect() as connection:
            print(f"  … rebuilding {len(rebuild)} indexes", flush=True)
            for definition in rebuild:
                connection.exec_driver_sql(definition)
            for table in ("visitor", "visit"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            connection.commit()


_BULK_TABLES = ("visitor", "visitor_search_token", "visit")


def _drop_secondary_indexes(database: Database) -> list[str]:
    """PostgreSQL: drop the plain indexes of the loaded tables; their definitions, to rebuild.

    Building an index once after the load is many times faster than keeping it up to date
    row by row. Primary keys and unique constraints stay.
    """
    if database.is_sqlite:
        return []
    with database.engine.begin() as connection:
        rows = connection.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.tablename = ANY(:tables) AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            ),
            {"tables": list(_BULK_TABLES)},
        ).all()
        for name, _definition in rows:
            connection.exec_driver_sql(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def _write(database: Database, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    with database.engine.begin() as connection:
        if not database.is_sqlite:
            # The rows are consistent by construction: skip the per-row foreign key checks.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        if database.is_sqlite:
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            connection.exec_driver_sql(sql, rows)
        else:
            raw = connection.connection.driver_connection
            assert raw is not None
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)


def settle_statistics(database: Database) -> None:
    """PostgreSQL: what autovacuum would have done by the time anyone searches."""
    if database.is_sqlite:
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


# --- Typing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A visitor the bench types."""

    first: str
    last: str | None
    phone: str | None
    birth_year: int | None


def keystrokes(value: str) -> Iterator[str]:
    """What the search field holds after each keystroke (stripped, as the screens do)."""
    for end in range(1, len(value) + 1):
        typed = value[:end].strip()
        if typed:
            yield typed


def with_typo(word: str, rng: random.Random) -> str:
    """The word with one letter replaced or two swapped, past its first two letters."""
    if len(word) < 5:
        return word
    at = rng.randrange(2, len(word) - 1)
    if rng.random() < 0.5:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    letter = rng.choice([c for c in "aeiourstnl" if c != word[at].lower()])
    return word[:at] + letter + word[at + 1 :]


def queries(people: list[Person], rng: random.Random) -> dict[str, list[str]]:
    """The keystrokes of each kind of search ("typo_final": each typo search, complete)."""
    kinds: dict[str, list[str]] = defaultdict(list)
    for n, person in enumerate(people):
        last = person.last or ""
        name = f"{last} {person.first}" if n % 2 == 0 else f"{person.first} {last}"
        kinds["name"] += keystrokes(name.strip())
        if person.phone:
            national = "0" + person.phone[3:]
            spaced = " ".join(national[i : i + 2] for i in range(0, 10, 2))
            if n % 3 == 2:
                spaced = "+33 " + spaced[1:]
            kinds["phone"] += keystrokes(spaced)
        if len(last) >= 5:
            typed = f"{with_typo(last, rng)} {person.first[:3]}"
            kinds["typo"] += keystrokes(typed)
            kinds["typo_final"].append(typed)
        if person.birth_year and last:
            kinds["year"].append(f"{last} {person.birth_year}")
    return kinds


def time_searches(service: VisitorService, typed: list[str]) -> list[float]:
    """Milliseconds of each search."""
    samples = []
    for value in typed:
        started = time.perf_counter()
        service.search(value)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def largest_office(database: Database) -> int:
    """The office with the most visitors."""
    with database.read() as session:
        return int(
            session.execute(
                select(Visitor.office_id)
                .group_by(Visitor.office_id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
        )


def sample_people(database: Database, office_id: int, count: int, seed: int) -> list[Person]:
    """Visitors of the office drawn at random (by id, without scanning)."""
    rng = random.Random(seed)
    with database.read() as session:
        low, high = session.execute(
            select(func.min(Visitor.id), func.max(Visitor.id)).where(Visitor.office_id == office_id)
        ).one()
        people: list[Person] = []
        while len(people) < count:
            row = session.execute(
                select(Visitor.first_name, Visitor.last_name, Visitor.phone, Visitor.birth_year)
                .where(Visitor.office_id == office_id, Visitor.id >= rng.randint(low, high))
                .order_by(Visitor.id)
                .limit(1)
            ).first()
            if row is not None and row.first_name:
                people.append(Person(row.first_name, row.last_name, row.phone, row.birth_year))
    return people


# --- Opening a file ----------------------------------------------------------------------------


def time_file_opening(database: Database, office_id: int, repeats: int) -> list[float] | None:
    """Milliseconds to open a file with 100 visits (each with a demand), if the module exists."""
    try:
        from pimms_tui.application.visitor_file import VisitorFileService
    except ImportError:
        return None
    from pimms_tui.db.enums import Role
    from pimms_tui.db.models import Office

    with database.write() as session:
        office = session.get(Office, office_id)
        assert office is not None
        info = office_info(office)
        earlier = session.scalars(
            select(Visit.visitor_id).where(
                Visit.office_id == office_id, Visit.ticket_code == "Z-900"
            )
        ).first()
        visitor_id = (
            earlier
            or session.scalars(
                select(Visitor.id).where(Visitor.office_id == office_id).limit(1)
            ).one()
        )
        motif_id = session.scalars(select(Motif.id).limit(1)).one()
        register = session.scalars(select(Register.code).limit(1)).one()
        for n in range(0 if earlier else 100):
            day = NOW.date() - timedelta(days=3 * n + 400)  # before any seeded visit
            arrived = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
            new_id = session.execute(
                insert(Visit)
                .values(
                    office_id=office_id,
                    day=day,
                    ticket_number=900 + n,
                    ticket_code=f"Z-{900 + n}",
                    visitor_id=visitor_id,
                    status=VisitStatus.DONE,
                    arrived_at=arrived,
                    finished_at=arrived + timedelta(minutes=20),
                )
                .returning(Visit.id)
            ).scalar_one()
            session.execute(
                insert(Demand).values(
                    office_id=office_id,
                    visit_id=new_id,
                    motif_id=motif_id,
                    register_code=register,
                    level=HelpLevel.INFORM,
                    outcome=Outcome.RESOLVED,
                    created_at=arrived,
                    day=day,
                )
            )
    service = VisitorFileService(database, FixedClock(NOW), info)
    actor = Actor(office_id=office_id, desk_id=None, role=Role.MEDIATOR)
    service.open(visitor_id, actor)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        service.open(visitor_id, actor)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


# --- The run -----------------------------------------------------------------------------------


def row_counts(database: Database) -> dict[str, int]:
    """How many visitors, visits and search tokens the database holds."""
    with database.read() as session:
        return {
            "visitors": session.scalar(select(func.count()).select_from(Visitor)) or 0,
            "visits": session.scalar(select(func.count()).select_from(Visit)) or 0,
            "tokens": session.scalar(select(func.count()).select_from(VisitorSearchToken)) or 0,
        }


def measure(database: Database, args: argparse.Namespace) -> dict[str, Any]:
    """Every measure on one seeded database."""
    office_id = largest_office(database)
    with database.read() as session:
        office_visitors = session.scalar(
            select(func.count()).select_from(Visitor).where(Visitor.office_id == office_id)
        )
    people = sample_people(database, office_id, args.people, args.seed)
    kinds = queries(people, random.Random(args.seed))
    service = VisitorService(database, office_id)
    time_searches(service, kinds["name"][:40])  # warm-up
    result: dict[str, Any] = {"office_visitors": office_visitors, **row_counts(database)}
    everything: list[float] = []
    typo_finals = kinds.pop("typo_final")
    for kind, typed in kinds.items():
        samples = time_searches(service, typed)
        everything += samples
        result[kind] = _summary(samples)
    result["all"] = _summary(everything)
    # Is the person typed with a typo among the results? (someone of the same name counts)
    typo_people = [p for p in people if len(p.last or "") >= 5]
    found = sum(
        any((m.first_name, m.last_name) == (p.first, p.last) for m in service.search(typed))
        for p, typed in zip(typo_people, typo_finals, strict=True)
    )
    result["typo_found"] = f"{found}/{len(typo_finals)}"
    opening = time_file_opening(database, office_id, args.file_repeats)
    if opening is not None:
        result["file_open"] = _summary(opening)
    return result


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50": round(percentile(samples, 0.5), 2),
        "p95": round(percentile(samples, 0.95), 2),
        "max": round(max(samples), 2),
    }


def fresh_database(args: argparse.Namespace) -> AbstractContextManager[str]:
    """A scratch database of the chosen engine."""
    if args.engine == "postgres":
        return postgres_url(args.postgres_url)
    return sqlite_url()


@contextmanager
def given_database(url: str) -> Iterator[str]:
    """An existing database, left as it is."""
    yield url


def main(argv: list[str] | None = None) -> None:
    """Seed each size, measure, print one line per size (and the JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="visitors, per run")
    parser.add_argument("--visits", default="100000,1000000,2500000", help="visits, per run")
    parser.add_argument("--offices", type=int, default=2)
    parser.add_argument("--bulk", action="store_true", help="visitors, tokens and visits only")
    parser.add_argument("--people", type=int, default=120, help="visitors typed per size")
    parser.add_argument("--file-repeats", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default=None, help="measure this seeded database instead")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    runs: list[tuple[int | None, int | None]]
    if args.db:
        runs = [(None, None)]
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
        visits = [int(s) for s in args.visits.split(",")]
        runs = list(zip(sizes, visits, strict=True))
    results = []
    for visitors, visits in runs:
        context = given_database(args.db) if args.db else fresh_database(args)
        with context as url:
            database = Database.from_url(url)
            seconds = 0.0
            if visitors is not None and visits is not None:
                print(f"seeding {visitors:,} visitors, {visits:,} visits …", flush=True)
                started = time.perf_counter()
                seed = seed_in_bulk if args.bulk else seed_with_demo
                seed(database, visitors, visits, args.offices)
                settle_statistics(database)
                seconds = time.perf_counter() - started
            result = {"engine": database.engine.dialect.name, "seed_seconds": round(seconds)}
            result |= measure(database, args)
            database.dispose()
        results.append(result)
        _print(result)
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['engine']}: {result['visitors']:,} visitors "
        f"({result['office_visitors']:,} in the office searched), {result['visits']:,} visits, "
        f"{result['tokens']:,} tokens; seeded in {result['seed_seconds']} s"
    )
    print(
        f"  a last name with one typo, then 3 letters of the first name: the person is "
        f"among the results {result['typo_found']}"
    )
    for kind in ("all", "name", "phone", "typo", "year", "file_open"):
        if kind in result:
            s = result[kind]
            print(
                f"  {kind:<10} n={s['n']:<5} p50 {s['p50']:>6.2f} ms   "
                f"p95 {s['p95']:>6.2f} ms   max {s['max']:>7.2f} ms"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
