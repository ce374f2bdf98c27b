"""Database outages: the desk shows a banner, keeps the queue and what was typed, retries with
backoff, recovers by itself, and saves what the user confirmed exactly once.

PostgreSQL outages go through a TCP proxy the test cuts and restores (and which can lose the
server's answer to a COMMIT: the acknowledgement lost after the server committed). SQLite
outages are another process holding the file's write lock past the busy timeout.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from textual.widgets import Input

from pimms_tui.application.queue import QueueService
from pimms_tui.db import engine as engine_module
from pimms_tui.db import resilience
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import TicketCounter, Visit, VisitEvent
from pimms_tui.db.resilience import NotCommitted, run_until_saved
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.arrival import ArrivalScreen, TicketScreen

from .conftest import ENGINES, _database_url_for
from .netproxy import Proxy
from .uikit import build_app, settle, table_text

SIZE = (130, 40)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short waits: a test outage lasts a second, not minutes."""
    monkeypatch.setattr(resilience, "FIRST_DELAY_SECONDS", 0.05)
    monkeypatch.setattr(resilience, "MAX_DELAY_SECONDS", 0.2)
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(engine_module, "SQLITE_BEGIN_ATTEMPTS", 1)


class Outage:
    """One engine's way to lose the database and get it back, seen by ``database``."""

    def __init__(self, engine: str, url: str) -> None:
        self.engine = engine
        self.url = url
        self.proxy: Proxy | None = None
        self.holder: subprocess.Popen[str] | None = None
        if engine == "postgres":
            parsed = make_url(url)
            self.proxy = Proxy(parsed.host or "127.0.0.1", parsed.port or 5432)
            url = parsed.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
                hide_password=False
            )
        self.database = Database.from_url(url)
        self.direct = Database.from_url(self.url)  # the test's own look, around the outage

    def start(self) -> None:
        """The database goes away."""
        if self.proxy is not None:
            self.proxy.cut()
            return
        path = make_url(self.url).database
        self.holder = subprocess.Popen(
            [sys.executable, "-c", LOCK_HOLDER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.holder.stdout is not None
        assert self.holder.stdout.readline().strip() == "locked"

    def end(self) -> None:
        """The database is back."""
        if self.proxy is not None:
            self.proxy.restore()
        elif self.holder is not None:
            assert self.holder.stdin is not None
            self.holder.stdin.write("\n")
            self.holder.stdin.flush()
            self.holder.wait(10)
            self.holder = None

    def close(self) -> None:
        """Leave nothing behind."""
        if self.holder is not None:
            self.holder.kill()
            self.holder.wait()
        self.database.dispose()
        self.direct.dispose()
        if self.proxy is not None:
            self.proxy.close()


# Another program holds the SQLite file's write lock until told to let go.
LOCK_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
connection.execute("UPDATE office SET queue_revision = queue_revision")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


@pytest.fixture(params=ENGINES)
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outage]:
    """A migrated database on each engine, reached through something the test can break."""
    url = _database_url_for(request, request.param, tmp_path)
    control = Outage(request.param, url)
    yield control
    control.close()


def make_office(database: Database, clock: FixedClock) -> OfficeInfo:
    with database.write() as session:
        return create_office(session, name="PIMMS Test", code="TEST", now=clock.now())


def counts(database: Database) -> tuple[int, int, int]:
    """Visits, arrival events, and the sum of ticket counters: all equal when nothing is
    half-written or written twice."""
    with database.read() as session:
        visits = session.scalar(select(func.count()).select_from(Visit)) or 0
        events = session.scalar(
            select(func.count()).select_from(VisitEvent).where(VisitEvent.from_status.is_(None))
        )
        tickets = session.scalar(select(func.sum(TicketCounter.last_number))) or 0
    return visits, events or 0, tickets


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# The domain layer under an outage ------------------------------------------------------------


def test_a_save_waits_for_the_database_and_is_made_once(outage: Outage, clock: FixedClock) -> None:
    """Both engines: the arrival confirmed during the outage is written once it is over."""
    office = make_office(outage.database, clock)
    with outage.database.write() as session:
        desk = ensure_desk(session, office.id, "Accueil")
    queue = QueueService(outage.database, clock, office)
    actor = Actor(office.id, desk.id, role=Role.MANAGER)
    failures: list[BaseException] = []
    result: list[Any] = []
    outage.start()
    saver = threading.Thread(
        target=lambda: result.append(
            run_until_saved(
                lambda: queue.register_arrival(ArrivalRequest(), actor),
                on_outage=failures.append,
            )
        )
    )
    saver.start()
    wait_for(lambda: len(failures) >= 2)  # tried, failed, tried again: retrying with backoff
    assert all(isinstance(f, OperationalError) for f in failures)
    outage.end()
    recovered_at = time.monotonic()
    saver.join(15)
    assert not saver.is_alive()
    assert result and result[0].ticket_code == "A-001"
    print(
        f"{outage.engine}: saved {time.monotonic() - recovered_at:.3f} s after the database "
        f"returned, after {len(failures)} failed tries"
    )
    assert counts(outage.database) == (1, 1, 1)


@pytest.mark.postgres
def test_a_lost_commit_answer_is_not_applied_twice(outage: Outage, clock: FixedClock) -> None:
    """The server committed, the answer was lost: the write is found committed, not redone."""
    if outage.proxy is None:
        pytest.skip("a commit's answer is lost on a network: PostgreSQL only")
    office = make_office(outage.database, clock)
    with outage.database.write() as session:
        desk = ensure_desk(session, office.id, "Accueil")
    queue = QueueService(outage.database, clock, office)
    actor = Actor(office.id, desk.id, role=Role.MANAGER)
    outage.proxy.lose_answer = b"COMMIT"
    tries: list[BaseException] = []
    ticket = run_until_saved(
        lambda: queue.register_arrival(ArrivalRequest(), actor), on_outage=tries.append
    )
    assert outage.proxy.lost.is_set()
    assert ticket.ticket_code == "A-001"
    assert tries == []  # settled by asking the server, not by trying again
    assert counts(outage.database) == (1, 1, 1)
    # The next one follows on.
    assert queue.register_arrival(ArrivalRequest(), actor).ticket_code == "A-002"


@pytest.mark.postgres
def test_a_connection_lost_before_commit_is_retried_once(outage: Outage, clock: FixedClock) -> None:
    """The COMMIT never reached the server: nothing was written, the retry writes it once."""
    if outage.proxy is None:
        pytest.skip("PostgreSQL only")
    office = make_office(outage.database, clock)
    with outage.database.write() as session:
        desk = ensure_desk(session, office.id, "Accueil")
    queue = QueueService(outage.database, clock, office)
    actor = Actor(office.id, desk.id, role=Role.MANAGER)
    outage.proxy.drop_before = b"COMMIT"
    tries: list[BaseException] = []
    ticket = run_until_saved(
        lambda: queue.register_arrival(ArrivalRequest(), actor), on_outage=tries.append
    )
    assert outage.proxy.lost.is_set()
    assert len(tries) == 1 and isinstance(tries[0], NotCommitted)
    assert ticket.ticket_code == "A-001"
    assert counts(outage.database) == (1, 1, 1)


# The desk under an outage -------------------------------------------------------------------


async def test_the_desk_keeps_working_through_an_outage(outage: Outage, clock: FixedClock) -> None:
    """Banner, last queue and typed text kept; the arrival confirmed meanwhile is issued
    once when the database returns, and the banner goes by itself."""
    database = outage.database
    office = make_office(database, clock)
    queue = QueueService(database, clock, office)
    with database.write() as session:
        other = ensure_desk(session, office.id, "Guichet 2")
    queue.register_arrival(ArrivalRequest(), Actor(office.id, other.id, role=Role.MANAGER))
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][0] == "A-001"
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
        assert app.screen.motifs
        await pilot.press(*"Zorglub")
        await pilot.press("f2")  # anonymous after all; the typed name stays in the field
        outage.start()
        await pilot.press("1")  # confirm: issue the ticket
        for _ in range(200):
            await pilot.pause(0.05)
            if app.screen.has_class("-database-down"):
                break
        assert app.screen.has_class("-database-down")
        assert app.screen.query_one("#database-banner").display
        assert isinstance(app.screen, ArrivalScreen)
        assert app.screen.query_one("#who", Input).value == "Zorglub"
        await pilot.press("1")  # pressed again while waiting: not a second arrival
        await pilot.pause(0.3)
        assert counts(outage.direct)[0] == 1
        outage.end()
        for _ in range(300):
            await pilot.pause(0.05)
            if isinstance(app.screen, TicketScreen):
                break
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket.ticket_code == "A-002"
        await pilot.press("escape")
        for _ in range(200):
            await pilot.pause(0.05)
            if not app.screen.has_class("-database-down") and not app.database_down:
                break
        assert not app.database_down
        for _ in range(300):  # the queue's own poll, after its backoff, shows the new ticket
            await pilot.pause(0.05)
            if len(table_text(pilot, "#queue")) == 2:
                break
        assert [row[0] for row in table_text(pilot, "#queue")] == ["A-001", "A-002"]
        assert app.is_running
    assert counts(database) == (2, 2, 2)


async def test_the_queue_stays_on_screen_while_the_database_is_away(
    outage: Outage, clock: FixedClock
) -> None:
    """The call pressed during the outage is made once, when the database returns."""
    database = outage.database
    office = make_office(database, clock)
    queue = QueueService(database, clock, office)
    with database.write() as session:
        other = ensure_desk(session, office.id, "Accueil")
    for _ in range(2):
        queue.register_arrival(ArrivalRequest(), Actor(office.id, other.id, role=Role.MANAGER))
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        outage.start()
        await pilot.press("n")
        for _ in range(200):
            await pilot.pause(0.05)
            if app.database_down:
                break
        assert app.database_down
        assert [row[0] for row in table_text(pilot, "#queue")] == ["A-001", "A-002"]
        await pilot.press("n")  # again: refused while the first one waits
        outage.end()
        for _ in range(300):
            await pilot.pause(0.05)
            if not app.database_down and not app.waiting_saves:
                break
        assert not app.database_down
        await settle(pilot)
    with database.read() as session:
        statuses = session.execute(select(Visit.ticket_code, Visit.status).order_by(Visit.id))
        assert list(statuses) == [("A-001", "called"), ("A-002", "waiting")]
