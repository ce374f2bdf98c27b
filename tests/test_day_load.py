"""A small office day under load, on both engines: every invariant of bench/day_load.py holds.

Six desks share one database for 80 arrivals compressed into a few seconds (the full day,
12 desks and 400 arrivals, is ``python bench/day_load.py``; timings are reported there, never
asserted here). What is asserted is correctness: each arrival ends exactly once as done, left
or no-show, no ticket code twice, no double booking, unbroken event chains, and no error but
"already taken" answers.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ENGINES, _database_url_for

BENCH = Path(__file__).resolve().parent.parent / "bench" / "day_load.py"


def load_bench() -> ModuleType:
    """bench/day_load.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("day_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["day_load"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("engine", ENGINES)
def test_a_small_day_keeps_every_invariant(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Six desks, 80 arrivals with a morning peak: everything accounted for, nothing twice."""
    day_load = load_bench()
    url = _database_url_for(request, engine, tmp_path)
    plan = day_load.DayPlan(
        desks=6,
        reception_desks=1,
        arrivals=80,
        day_seconds=6.0,
        known_visitors=10,
        seed=11,
        deadline_seconds=60.0,
    )
    report = day_load.run_day(url, plan)
    assert report.problems == []
    stats = report.stats
    assert len(stats.registered) == 80
    assert len(set(stats.registered.values())) == 80
    # The day did what a day does: visits closed, relays and appointments made.
    for operation in ("call_next", "start", "add_demand", "close_visit", "relay", "book"):
        assert stats.latencies[operation], operation
    assert report.offices[0].closed == 80


def test_the_checks_find_a_broken_day(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The invariant checks are not blind: a visit left waiting, a lost arrival show.

    (A ticket given twice cannot even be written: a unique constraint refuses it.)"""
    from sqlalchemy import update

    from pimms_tui.db.engine import Database
    from pimms_tui.db.models import Visit

    day_load = load_bench()
    url = _database_url_for(request, "sqlite", tmp_path)
    plan = day_load.DayPlan(
        desks=3,
        reception_desks=1,
        arrivals=6,
        day_seconds=1.0,
        known_visitors=2,
        seed=3,
        deadline_seconds=30.0,
    )
    report = day_load.run_day(url, plan)
    assert report.problems == []
    database = Database.from_url(url)
    first = min(report.stats.registered)
    with database.write() as session:
        session.execute(update(Visit).where(Visit.id == first).values(status="waiting"))
    report.stats.registered[10**6] = "A-999"
    problems = day_load.check_day(database, report.offices, report.stats)
    database.dispose()
    assert any("ended the day waiting" in p for p in problems)
    assert any("differ from those registered" in p for p in problems)
    assert any("last event" in p for p in problems)
