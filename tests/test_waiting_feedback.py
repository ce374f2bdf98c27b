"""The desk tells the person it waits, whatever makes it wait: within a second a line says the
desk waits for the database, within two seconds the banner says why (another desk saving, or
no answer at all), and both go when the call returns. Run with the application's real
settings (its busy timeout, its retries): no waits shortened for the test.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Visit
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.arrival import ArrivalScreen
from pimms_tui.screens.ticket import TicketScreen
from pimms_tui.screens.waiting import (
    BANNER_AFTER_SECONDS,
    FEEDBACK_AFTER_SECONDS,
    Wait,
    Waits,
    lock_wait,
)

from .conftest import POSTGRES_SKIP_REASON, POSTGRES_URL, _database_url_for
from .test_queue_screen import other_desk
from .uikit import build_app, settle
from .waitkit import FreezingProxy, OfficeLock, notices, postgres_through, seconds_until

SIZE = (120, 40)
BACK = "La base de données est de nouveau accessible."


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated PostgreSQL database of its own (skipped without a test server)."""
    if POSTGRES_URL is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    return _database_url_for(request, "postgres", tmp_path)


def two_waiting(database: Database, clock: FixedClock) -> OfficeInfo:
    """An office where another desk registered A-001 and A-002."""
    with database.write() as session:
        office = create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
    queue = QueueService(database, clock, office)
    for _ in range(2):
        queue.register_arrival(ArrivalRequest(), other_desk(database, office))
    return office


def statuses(database: Database) -> list[tuple[str, str]]:
    with database.read() as session:
        return list(session.execute(select(Visit.ticket_code, Visit.status).order_by(Visit.id)))


def banner(app: Any) -> str:
    """The words of the banner on the current screen ("" when it is hidden)."""
    widget = app.screen.query_one("#database-banner")
    return str(widget.render()) if widget.display else ""


async def test_call_next_under_another_desks_lock_is_told_at_once(
    database: Database, clock: FixedClock
) -> None:
    """Both engines: another program holds the office's write lock. "Call next": within a
    second the desk says it waits, within two the banner says another desk is saving;
    "back" is never said while the lock is held; once it is released the call is made
    (once) and the banner goes."""
    office = two_waiting(database, clock)
    seen: list[Any] = []
    app = build_app(database, clock, office, poll_seconds=0.25)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        lock = OfficeLock(database, office)
        try:
            await pilot.press("n")
            told = await seconds_until(
                pilot, lambda: app.screen.has_class("-database-waiting") or app.database_down, 1.0
            )
            assert "base de données" in banner(app).lower() or app.database_down
            flagged = told + await seconds_until(pilot, lambda: app.database_down, 2.0 - told)
            assert "Un autre guichet enregistre" in banner(app)
            print(f"{database.engine.name}: told after {told:.2f} s, banner after {flagged:.2f} s")
            await pilot.pause(2.0)  # still held: still waiting, never "back"
            assert app.database_down
            assert statuses(database)[0][1] == "waiting"
            assert BACK not in notices(seen)
        finally:
            lock.release()
        await seconds_until(pilot, lambda: not app.database_down, 30.0)
        await settle(pilot)
        assert not app.screen.has_class("-database-waiting")
        assert banner(app) == ""
        assert any("A-001" in said for said in notices(seen))  # "Ticket A-001 is called…"
    assert statuses(database) == [("A-001", "called"), ("A-002", "waiting")]


async def test_an_arrival_under_another_desks_lock_is_told_at_once(
    database: Database, clock: FixedClock
) -> None:
    """Both engines: the arrival's save waits on the lock: the banner within two seconds
    over the form (what was typed stays), the ticket once the lock is released."""
    office = two_waiting(database, clock)
    app = build_app(database, clock, office, poll_seconds=0.25)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
        await pilot.press("enter")  # nothing typed: anonymous
        lock = OfficeLock(database, office)
        try:
            started = time.monotonic()
            await pilot.press("1")
            await seconds_until(
                pilot,
                lambda: app.screen.has_class("-database-waiting") or app.database_down,
                1.0 - (time.monotonic() - started),
            )
            await seconds_until(pilot, lambda: app.database_down, 2.0)
            assert isinstance(app.screen, ArrivalScreen)
            assert "Un autre guichet enregistre" in banner(app)
        finally:
            lock.release()
        await seconds_until(pilot, lambda: isinstance(app.screen, TicketScreen), 30.0)
        assert app.screen.ticket.ticket_code == "A-003"
        await seconds_until(pilot, lambda: not app.database_down, 5.0)
    assert len(statuses(database)) == 3


@pytest.mark.postgres
async def test_a_silent_network_shows_the_banner_within_two_seconds(
    postgres_url: str, clock: FixedClock
) -> None:
    """PostgreSQL: the network goes silent (packets held, nothing refused) just as the key
    is pressed. Within two seconds the banner says the database does not answer; when the
    network is back the call is made once, the banner goes and the desk says it is back."""
    url = postgres_url
    direct = Database.from_url(url)
    office = two_waiting(direct, clock)
    proxy = FreezingProxy("127.0.0.1", 5432)
    database = Database.from_url(postgres_through(proxy, url))
    seen: list[Any] = []
    app = build_app(database, clock, office, poll_seconds=0.25)
    try:
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await settle(pilot)
            proxy.frozen = True
            await pilot.press("n")
            told = await seconds_until(
                pilot, lambda: app.screen.has_class("-database-waiting") or app.database_down, 1.0
            )
            flagged = told + await seconds_until(pilot, lambda: app.database_down, 2.0 - told)
            assert "ne répond pas" in banner(app)
            print(f"silent network: told after {told:.2f} s, banner after {flagged:.2f} s")
            await pilot.pause(1.0)
            assert app.database_down and BACK not in notices(seen)
            proxy.frozen = False
            await seconds_until(pilot, lambda: not app.database_down, 30.0)
            await seconds_until(pilot, lambda: BACK in notices(seen), 5.0)
            # Not settle(): a queue read that met the silence failed (told by the banner), and
            # settle would raise it again; what counts is the call, made once.
            await seconds_until(pilot, lambda: statuses(direct)[0][1] == "called", 5.0)
        assert statuses(direct) == [("A-001", "called"), ("A-002", "waiting")]
    finally:
        proxy.frozen = False
        database.dispose()
        direct.dispose()
        proxy.close()


def test_the_rule_from_silence_to_banner() -> None:
    """The rule alone, on a clock the test moves: a line at half a second, the banner at one
    and a half; a write the database leaves waiting while it answers is a lock (BUSY); a
    read that only takes long never raises the banner; a failed call keeps the banner until
    a call answers."""
    now = [0.0]
    waits = Waits(clock=lambda: now[0])
    waits.start("write", write=True)
    assert waits.level() == Wait.NONE
    now[0] = FEEDBACK_AFTER_SECONDS
    assert waits.level() == Wait.WAITING and waits.wants_probe()
    now[0] = BANNER_AFTER_SECONDS
    assert waits.level() == Wait.DOWN  # nothing answered since the key: no database
    waits.reachable()  # a quick question apart was answered: the write waits on a lock
    assert waits.level() == Wait.BUSY and not waits.wants_probe()
    waits.start("read", write=False)
    now[0] += BANNER_AFTER_SECONDS
    waits.reachable()
    waits.end("write", answered=True)
    assert waits.level() == Wait.WAITING  # a long read the database answers around
    waits.end("read", answered=False)  # it failed for want of the database
    assert waits.level() == Wait.DOWN
    waits.reachable()  # answering a quick question is not "back"
    assert waits.level() == Wait.DOWN
    waits.start("poll", write=False)
    waits.end("poll", answered=True)
    assert waits.level() == Wait.NONE


def test_a_lock_is_told_from_a_refused_write() -> None:
    """SQLite's "database is locked" and PostgreSQL's lock_not_available are a lock held
    elsewhere; a refused connection is not."""

    class LockNotAvailable(Exception):
        sqlstate = "55P03"

    assert lock_wait(OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")))
    assert lock_wait(OperationalError("UPDATE", {}, LockNotAvailable("lock timeout")))
    assert not lock_wait(OperationalError("SELECT", {}, Exception("connection refused")))


async def test_a_read_replaced_before_it_ran_leaves_no_waiting_line(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A screen asks for a read, then at once for a newer one in the same group: the first is
    cancelled before its thread ever runs. The desk must not wait for it forever (the visitor
    file said "Waiting for the database…" until closed, and its keys were refused)."""
    from pimms_tui.screens.base import run_in_background

    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        answers: list[int] = []
        for number in range(5):  # each replaces the one before, most before they run
            run_in_background(
                app.screen, lambda n=number: n, answers.append, group="replaced-reads"
            )
        await pilot.pause(1.0)  # past the second after which the desk says it waits
        assert answers == [4]
        assert app.waits.calls == {}
        assert not app.screen.has_class("-database-waiting")
