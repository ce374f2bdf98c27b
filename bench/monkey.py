"""A seeded "monkey": thousands of random keys and pastes on every screen of the real desk.

    python bench/monkey.py --keys 20000 --seed 1      # the long run
    python bench/monkey.py --keys 20000 --seed 1 --postgres-url postgresql://…

Keys are drawn from each screen's own bindings, navigation, function and control keys, letters
and digits; pastes are very long text, Unicode of every kind (accents, RTL, emoji, zero-width,
combining marks), control characters and escape sequences, Rich markup, numbers that look
like NIRs or card numbers. After every step: the app still runs, no traceback is on screen,
nothing was logged as an unexpected error. At the end the database is checked (every visit's
history whole, one ticket per visit, every closed visit oriented). ``tests/test_monkey.py``
runs a short version of the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import string
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.widgets import Static

from pimms_tui.app import PimmsApp, make_app
from pimms_tui.application import Container, DeskSession
from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Demand, Staff, TicketCounter, Visit, VisitEvent
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.setup import prepare_database
from pimms_tui.domain.staff import StaffAccount, hash_pin
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.settings import Settings

# Never drawn: quitting ends the run, and the command palette can save screenshots or quit.
# ctrl+l locks the desk: random keys would then stay on the sign-in screen for good.
FORBIDDEN = {"ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "ctrl+l"}
NAVIGATION = [
    "up",
    "down",
    "left",
    "right",
    "tab",
    "shift+tab",
    "enter",
    "escape",
    "space",
    "backspace",
    "delete",
    "home",
    "end",
    "pageup",
    "pagedown",
    "insert",
]
FUNCTION = [f"f{n}" for n in range(1, 13)]
CONTROL = [f"ctrl+{c}" for c in string.ascii_lowercase if f"ctrl+{c}" not in FORBIDDEN]
PRINTABLE = list(string.ascii_letters + string.digits + "éèàçù-'., /+@")
PASTES = [
    "Zoé N'Guyen-Dupont",
    "أحمد بن علي",
    "עברית\u200f טקסט",
    "👩‍👩‍👧‍👦🇫🇷" * 20,
    "e\u0301\u0301\u0301 zalgo o\u0336\u0337\u0338",
    "\u200b\u200d\ufeff invisible",
    "[bold red]markup[/] [link=http://x]lien[/link] [@click=app.quit]quit[/]",
    "\x1b[31mred\x1b[0m \x07 bell \x00 nul \r\n new line\ttab",
    "1 85 05 78 006 084 91",  # looks like a NIR
    "4970 1012 3456 7890",  # looks like a card number
    "FR76 3000 6000 0112 3456 7890 189",
    "mot de passe : Secret123!",
    "0612345678",
    "+33 6 12 34 56 78",
    "31/12/2026",
    "+14",
    "-1",
    "99999999999999999999",
    "'; DROP TABLE visit; --",
    "%s %(x)s {0} {name}",
]


@dataclass
class MonkeyReport:
    """What one run did and found."""

    steps: int = 0
    pastes: int = 0
    screens: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[str] = field(default_factory=list)


class ErrorLog(logging.Handler):
    """Collects what the app logged as an unexpected error."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the message and its traceback."""
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append(text)


def prepare(database: Database, clock: FixedClock) -> OfficeInfo:
    """An office with a mediator, named visitors and people waiting: every screen has data."""
    prepare_database(database)
    with database.write() as session:
        office = create_office(session, name="PIMMS Singe", code="MONKEY", now=clock.now())
        session.add(Staff(office_id=office.id, display_name="Karim B.", role=Role.MEDIATOR))
        # The manager at the keyboard: every screen is open to them.
        session.add(
            Staff(
                office_id=office.id,
                display_name="Claire R.",
                role=Role.MANAGER,
                pin_hash=hash_pin("4821"),
            )
        )
        desk = ensure_desk(session, office.id, "Accueil")
    actor = Actor(office.id, desk.id, desk_name="Accueil", role=Role.MANAGER)
    visitors = [
        create_visitor(
            database,
            NewVisitor(first, last, phone="0612345678", keep_file_consent=True),
            actor,
            clock.now(),
        )
        for first, last in (("Hélène", "Dupont"), ("Moussa", "N'Diaye"), ("Zoé", "Martin"))
    ]
    queue = QueueService(database, clock, office)
    for visitor in [*visitors, None, None]:
        queue.register_arrival(ArrivalRequest(visitor_id=visitor.id if visitor else None), actor)
    return office


def build(database: Database, clock: FixedClock, office: OfficeInfo) -> PimmsApp:
    """The real desk, as Guichet 1."""
    with database.write() as session:
        desk = ensure_desk(session, office.id, "Guichet 1")
        manager = session.scalars(
            select(Staff).where(Staff.office_id == office.id, Staff.role == Role.MANAGER)
        ).one()
        account = StaffAccount(
            id=manager.id,
            office_id=office.id,
            display_name=manager.display_name,
            role=Role.MANAGER,
            active=True,
            has_pin=True,
            locked_until=None,
        )
    container = Container(
        settings=Settings(
            queue_poll_seconds=0.2, desk="Guichet 1", language="fr", idle_lock_minutes=0
        ),
        database=database,
        clock=clock,
    )
    # Signed in: random keys cannot be expected to type a PIN.
    return make_app(container, DeskSession(office=office, desk=desk, staff=account))


def screen_keys(app: PimmsApp) -> list[str]:
    """The keys the current screen and the app bind (each one's first spelling)."""
    keys = []
    for node in (app.screen, app):
        for key in node._bindings.key_to_bindings:
            if key not in FORBIDDEN:
                keys.append(key)
    return keys


def on_screen(app: PimmsApp) -> str:
    """The visible text of the current screen."""
    parts = []
    for widget in app.screen.query(Static):
        rendered = widget.render()
        parts.append(str(getattr(rendered, "plain", rendered)))
    return "\n".join(parts)


def key_event(key: str) -> events.Key:
    """The event a terminal sends for ``key`` (as the Pilot builds it)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(
            _get_unicode_name_from_key(REPLACED_KEYS.get(key, key))
        )
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def draw_key(app: PimmsApp, rng: random.Random) -> str:
    """One key: often one the screen binds, else navigation, function, control or a letter."""
    roll = rng.random()
    if roll < 0.4:
        pool = screen_keys(app) or NAVIGATION
    elif roll < 0.65:
        pool = NAVIGATION
    elif roll < 0.73:
        pool = FUNCTION
    elif roll < 0.8:
        pool = CONTROL
    else:
        pool = PRINTABLE
    return rng.choice(pool)


async def drive(pilot: Pilot[Any], rng: random.Random, steps: int, report: MonkeyReport) -> None:
    """Random keys and pastes in bursts, as fast as a terminal delivers them; between bursts
    the app settles and the checks that must hold on screen are made."""
    app = pilot.app
    assert isinstance(app, PimmsApp)
    driver = app._driver
    assert driver is not None
    step = 0
    while step < steps:
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.06:
                text = rng.choice(PASTES)
                if rng.random() < 0.15:
                    text = text * rng.randint(50, 400)  # very long input
                event: events.Event = events.Paste(text)
                report.pastes += 1
            elif rng.random() < 0.03:
                event = key_event("escape")  # a user gets out of a dead end now and then
            else:
                event = key_event(draw_key(app, rng))
            event.set_sender(app)
            driver.send_message(event)
            step += 1
            report.steps += 1
        await pilot.pause()
        report.screens[type(app.screen).__name__] += 1
        if not app.is_running:
            report.problems.append(f"step {step}: the app stopped")
            return
        if "Traceback" in on_screen(app):
            report.problems.append(f"step {step}: a traceback is on screen")
            return
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def check_database(database: Database) -> list[str]:
    """What must hold in the database whatever was typed."""
    problems = []
    with database.read() as session:
        visits = dict(session.execute(select(Visit.id, Visit.status)).all())
        tickets = session.scalar(select(func.sum(TicketCounter.last_number))) or 0
        events_ = session.execute(
            select(VisitEvent.visit_id, VisitEvent.from_status, VisitEvent.to_status).order_by(
                VisitEvent.id
            )
        ).all()
        unoriented = session.execute(
            select(Demand.id)
            .join(Visit, Visit.id == Demand.visit_id)
            .where(Visit.status == "done", Demand.outcome.is_(None))
        ).all()
    if tickets != len(visits):
        problems.append(f"{tickets} tickets drawn for {len(visits)} visits")
    chains: dict[int, list[tuple[str | None, str]]] = defaultdict(list)
    for event in events_:
        chains[event.visit_id].append((event.from_status, event.to_status))
    for visit_id, status in visits.items():
        previous = None
        for before, after in chains[visit_id]:
            if before != previous:
                problems.append(f"visit {visit_id}: broken history {chains[visit_id]}")
                break
            previous = after
        if previous != status:
            problems.append(f"visit {visit_id}: history ends {previous}, status {status}")
    problems.extend(f"closed visit with demand {d.id} not oriented" for d in unoriented)
    return problems


async def run_monkey(
    database: Database, seed: int, steps: int, size: tuple[int, int] = (120, 40)
) -> MonkeyReport:
    """One seeded run on ``database`` (migrated here), with every check."""
    clock = FixedClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))  # a Monday, 10:30 in Paris
    office = prepare(database, clock)
    report = MonkeyReport()
    errors = ErrorLog()
    logger = logging.getLogger("pimms")
    logger.addHandler(errors)
    try:
        app = build(database, clock, office)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await drive(pilot, random.Random(seed), steps, report)
    except Exception as error:  # the app crashed: the run_test context re-raises
        report.problems.append(f"the app crashed: {type(error).__name__}: {error}")
    finally:
        logger.removeHandler(errors)
    report.problems.extend(f"logged as unexpected: {text}" for text in errors.records)
    report.problems.extend(check_database(database))
    return report


def main() -> int:
    """The long run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-url", help="a PostgreSQL server (else a SQLite file)")
    args = parser.parse_args()
    from day_load import bench_database  # bench/ is on the path when run as a script

    with (
        tempfile.TemporaryDirectory(prefix="pimms-monkey-") as folder,
        bench_database(args.postgres_url) as url,
    ):
        os.environ["PIMMS_DATA_DIR"] = folder  # printed slips go there, not to the user's
        database = Database.from_url(url)
        report = asyncio.run(run_monkey(database, args.seed, args.keys))
        database.dispose()
    print(f"{report.steps} steps ({report.pastes} pastes), seed {args.seed}")
    for name, count in sorted(report.screens.items(), key=lambda item: -item[1]):
        print(f"  {name:<28}{count:>7}")
    print("problems:", len(report.problems))
    for problem in report.problems[:30]:
        print(" -", problem)
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
