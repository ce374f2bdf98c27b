"""Migration 0005 fills the statistics columns of old rows: the figures stay the same.

The statistics read the visit's day from its demands and relays, and the waited and
listened seconds from the visit row. Rows written before 0005 get them from the migration,
computed from the visit rows and their events; rows written since get them from the queue
and orientation services. Both must give the same figures: the activity is written at the
head, the database migrated down to 0004 (the columns dropped) and up again (filled by the
migration), and the figure set compared before and after, on both engines.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from pimms_tui.application.stats import StatsService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Demand, Office, Relay, Visit
from pimms_tui.demo import seed_demo
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.stats import Stats, StatsQuery
from tests.conftest import migrate_as_owner
from tests.statskit import DAY, EARLIER_DAY, build_activity


def _assert_same(after: Any, before: Any, where: str = "figures") -> None:
    """Equal figures; floats to a millionth (of a minute): SQLite's ``julianday`` arithmetic,
    which the migration uses as the statistics did, is exact to some 10 µs per visit, where
    the demo seeder writes exact seconds (the statistics show minutes to one decimal)."""
    if isinstance(before, float) and isinstance(after, float):
        assert math.isclose(after, before, rel_tol=1e-9, abs_tol=1e-6), where
    elif isinstance(before, dict) and isinstance(after, dict):
        assert after.keys() == before.keys(), where
        for key in before:
            _assert_same(after[key], before[key], f"{where}.{key}")
    elif isinstance(before, list | tuple) and isinstance(after, list | tuple):
        assert len(after) == len(before), where
        for index, (new, old) in enumerate(zip(after, before, strict=True)):
            _assert_same(new, old, f"{where}[{index}]")
    else:
        assert after == before, where


def _figures(database: Database, query: StatsQuery) -> dict[str, Any]:
    stats: Stats = StatsService(database).figures(
        Actor(office_id=query.office_ids[0], desk_id=None, role=Role.MANAGER), query
    )
    return asdict(stats)


def _down_and_up(database: Database) -> None:
    migrate_as_owner(database, "0004", down=True)
    with database.engine.connect() as connection:
        columns = connection.exec_driver_sql("SELECT * FROM demand").keys()
    assert "day" not in columns
    migrate_as_owner(database)
    database.dispose()  # no connection keeps statements prepared on the old columns


def test_backfill_of_demo_data_gives_the_same_figures(database: Database) -> None:
    """Demo days (put back, transfers, visits still waiting or being seen, relays)."""
    now = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    seed_demo(database, visitors=300, days=10, seed=5, offices=2, now=now)
    with database.read() as session:
        offices = tuple(session.scalars(select(Office.id).order_by(Office.id)))
        first, last = session.execute(select(func.min(Visit.day), func.max(Visit.day))).one()
    queries = [
        StatsQuery(start=first, end=last, office_ids=offices),
        StatsQuery(start=first, end=last, office_ids=offices[:1], today=last),
        StatsQuery(start=last, end=last, office_ids=offices[1:]),
    ]
    before = [_figures(database, q) for q in queries]
    assert before[0]["relays"] > 0 and before[0]["listening"]["count"] > 100
    _down_and_up(database)
    _assert_same([_figures(database, q) for q in queries], before)


def test_backfill_of_the_fixed_activity_gives_the_same_figures(
    database: Database, office: OfficeInfo
) -> None:
    """The hand-computed activity (put back, recall, transfer, no-show, left)."""
    build_activity(database, office)
    # The rows statskit writes directly carry their visit's day as the services write it.
    query = StatsQuery(start=EARLIER_DAY, end=DAY, office_ids=(office.id,))
    before = _figures(database, query)
    assert before["waiting"]["count"] == 5 and before["listening"]["count"] == 4
    _down_and_up(database)
    _assert_same(_figures(database, query), before)
    with database.read() as session:
        visits = {row.id: row.day for row in session.execute(select(Visit.id, Visit.day))}
        for visit_id, day in session.execute(select(Demand.visit_id, Demand.day)):
            assert day == visits[visit_id]
        assert set(session.scalars(select(Relay.day))) == {DAY}
