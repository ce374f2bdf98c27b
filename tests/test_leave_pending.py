"""A save waiting for the database is never dropped by leaving its screen: it goes on, and
the desk says what became of it (an arrival: its ticket) once the database took it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Visit
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.arrival import ArrivalScreen
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.settings import SettingsForm

from .followkit import add_visitor
from .test_queue_screen import other_desk
from .test_waiting_feedback import two_waiting
from .uikit import build_app, settle, wait_for
from .waitkit import OfficeLock, notices, seconds_until

SIZE = (120, 40)


def visits(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Visit)) or 0


async def test_escape_while_an_arrival_waits_keeps_it_and_tells_its_ticket(
    database: Database, clock: FixedClock
) -> None:
    """Both engines: an anonymous arrival waits on another desk's lock; Esc goes back to the
    queue saying the arrival goes on; once the lock is released the ticket is issued (once)
    and the desk says its number."""
    office = two_waiting(database, clock)
    seen: list[Any] = []
    app = build_app(database, clock, office, poll_seconds=0.25)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
        await pilot.press("enter")  # nothing typed: anonymous
        lock = OfficeLock(database, office)
        try:
            await pilot.press("1")
            await seconds_until(pilot, lambda: app.database_down, 2.0)
            await pilot.press("escape")
            await seconds_until(pilot, lambda: isinstance(app.screen, QueueScreen), 1.0)
            assert any("L’arrivée continue" in said for said in notices(seen))
            assert app.database_down  # the save still waits, and the queue says so
            assert visits(database) == 2
        finally:
            lock.release()
        await seconds_until(
            pilot, lambda: any("Ticket A-003 délivré" in said for said in notices(seen)), 30.0
        )
        await seconds_until(pilot, lambda: not app.database_down, 5.0)
        await seconds_until(pilot, lambda: len(app.screen.entries) == 3, 5.0)
        assert isinstance(app.screen, QueueScreen)  # the ticket did not take over the screen
    assert visits(database) == 3


async def test_escape_while_a_form_saves_keeps_the_save(
    database: Database, clock: FixedClock
) -> None:
    """Both engines: the office settings are saved under a lock; Esc closes the dialog, the
    save goes on and is told when done."""
    office = two_waiting(database, clock)
    seen: list[Any] = []
    app = build_app(database, clock, office, poll_seconds=0.25)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await seconds_until(pilot, lambda: isinstance(app.screen, SettingsForm), 5.0)
        lock = OfficeLock(database, office)
        try:
            await pilot.press("ctrl+s")
            await seconds_until(pilot, lambda: app.database_down, 2.0)
            await pilot.press("escape")
            await seconds_until(pilot, lambda: isinstance(app.screen, QueueScreen), 1.0)
            assert any("L’enregistrement continue" in said for said in notices(seen))
        finally:
            lock.release()
        await seconds_until(
            pilot, lambda: any("L’enregistrement qui attendait" in s for s in notices(seen)), 30.0
        )
        await seconds_until(pilot, lambda: not app.database_down, 5.0)


async def test_a_refusal_after_leaving_is_told(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Both engines: Zoé already waits with A-001; her second arrival waits on a lock, the
    desk leaves it; when the database answers with the refusal, the desk says it (no second
    ticket, no silence)."""
    zoe = add_visitor(database, office, clock, "Zoé", "Lefèvre")
    queue = QueueService(database, clock, office)
    queue.register_arrival(ArrivalRequest(visitor_id=zoe), other_desk(database, office))
    seen: list[Any] = []
    app = build_app(database, clock, office, poll_seconds=0.25)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"zoe lef")
        await wait_for(pilot, lambda: bool(getattr(app.screen, "matches", None)))
        await pilot.press("enter")
        lock = OfficeLock(database, office)
        try:
            await pilot.press("2")
            await seconds_until(pilot, lambda: app.database_down, 2.0)
            await pilot.press("escape")
            await seconds_until(pilot, lambda: isinstance(app.screen, QueueScreen), 1.0)
        finally:
            lock.release()
        refusal = "Non enregistré\u00a0: Zoé Lefèvre attend déjà : ticket A-001."
        await seconds_until(pilot, lambda: refusal in notices(seen), 30.0)
        await seconds_until(pilot, lambda: not app.database_down, 5.0)
    assert visits(database) == 1
