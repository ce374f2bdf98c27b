"""Seeding the demo: ``seed_demo`` at any scale, and the small living office of ``pimms --demo``."""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.models import Office, Visit
from pimms_tui.domain.setup import prepare_database

from .generator import _Generator
from .offices import demo_office_code
from .timeline import _public_holidays


@dataclass(frozen=True)
class DemoReport:
    """How many rows of each kind the demo seeding wrote, and how long it took."""

    offices: int
    staff: int
    visitors: int
    visits: int
    demands: int
    relays: int
    appointments: int
    events: int
    consents: int
    seconds: float

    @property
    def rows(self) -> int:
        """All rows written (ticket counters aside)."""
        return (
            self.offices
            + self.staff
            + self.visitors
            + self.visits
            + self.demands
            + self.relays
            + self.appointments
            + self.events
            + self.consents
        )

    @property
    def rows_per_second(self) -> float:
        """Write speed of the seeding."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


DEMO_VISITORS = 1500
DEMO_DAYS = 60
DEMO_SEED = 42
DEMO_OFFICES = 2


def seed_demo(
    database: Database,
    *,
    visitors: int,
    days: int,
    seed: int,
    now: datetime,
    offices: int = 2,
    visits: int | None = None,
) -> DemoReport:
    """Create demo offices, staff, visitors and ``days`` days of activity up to ``now``.

    Raises ValueError when the arguments make no sense or demo offices exist already.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if visitors < 0 or days < 1 or offices < 1 or (visits is not None and visits < 0):
        raise ValueError("visitors and visits must not be negative; days and offices at least 1")
    started = time.perf_counter()
    prepare_database(database)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived tuples: the cyclic collector only slows us down
    try:
        with database.write(long=True) as session:  # minutes of bulk work: no desk limits
            _refuse_existing_demo(session, offices)
            generator = _Generator(
                session,
                rng=Random(seed),
                now=now.astimezone(UTC),
                visitors=visitors,
                days=days,
                offices=offices,
                visits=visits,
            )
            generator.run()
            counts = generator.write(session, sqlite=database.is_sqlite)
    finally:
        if gc_was_enabled:
            gc.enable()
    database.refresh_statistics(full=True)  # a bulk load leaves the planner without stats
    return DemoReport(**counts, seconds=time.perf_counter() - started)


DEMO_MORNING = (10, 30)


def demo_morning(now: datetime, timezone: str = "Europe/Paris") -> datetime:
    """The instant the demo lives at: 10:30 on the latest working day (today if it is one).

    Whatever the hour ``pimms --demo`` is started (at night, on a Sunday), a newcomer sees an
    office in full swing: people waiting, others at the desks, appointments later that day.
    """
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    while day.weekday() >= 5 or day in _public_holidays(day.year):
        day -= timedelta(days=1)
    hour, minute = DEMO_MORNING
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def demo_is_current(database: Database, morning: datetime) -> bool:
    """Whether the demo database already lives on ``morning``'s day (else it is reseeded)."""
    day = morning.astimezone(ZoneInfo("Europe/Paris")).date()
    with database.read() as session:
        return bool(
            session.scalar(
                select(func.count())
                .select_from(Visit)
                .join(Office, Office.id == Visit.office_id)
                .where(Office.code == demo_office_code(1), Visit.day == day)
            )
        )


def ensure_demo_data(database: Database, now: datetime) -> bool:
    """For ``pimms --demo``: seed a small living demo into a database without offices."""
    prepare_database(database)
    with database.read() as session:
        if session.scalar(select(func.count()).select_from(Office)):
            return False
    seed_demo(
        database,
        visitors=DEMO_VISITORS,
        days=DEMO_DAYS,
        seed=DEMO_SEED,
        now=now,
        offices=DEMO_OFFICES,
    )
    return True


def _refuse_existing_demo(session: Session, offices: int) -> None:
    codes = [demo_office_code(i) for i in range(offices)]
    existing = session.scalars(select(Office.code).where(Office.code.in_(codes))).all()
    if existing:
        raise ValueError(
            f"demo offices already exist ({', '.join(sorted(existing))}): "
            "seed the demo into an empty database"
        )
