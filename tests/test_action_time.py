"""Each action keeps the time the person acted, however long its save waited for the database.

An arrival confirmed during an outage used to be stamped when its retry finally went
through (63 s late after a 60 s outage): its wait lost the outage, and first-come-first-
served followed the retries. Now the key's time is taken when the key is pressed and carried
through every retry. The outage here is a real one with the application's real settings
(another program holding the SQLite lock; a cut network to PostgreSQL); only its length, the
test's own, is short: the clock is moved instead of waiting a minute.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Visit, VisitEvent
from pimms_tui.db.resilience import run_until_saved
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import create_office, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.arrival import TicketScreen

from .conftest import ENGINES, _database_url_for
from .test_outage import Outage
from .uikit import build_app, settle

SIZE = (130, 40)


@pytest.fixture(params=ENGINES)
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outage]:
    url = _database_url_for(request, request.param, tmp_path)
    control = Outage(request.param, url)
    yield control
    control.close()


def arrived(database: Database, code: str) -> tuple[Any, Any]:
    """A visit's arrival time and the time of its arrival event."""
    with database.read() as session:
        visit = session.scalars(select(Visit).where(Visit.ticket_code == code)).one()
        event = session.scalars(
            select(VisitEvent).where(
                VisitEvent.visit_id == visit.id, VisitEvent.from_status.is_(None)
            )
        ).one()
        return visit.arrived_at, event.at


def same_instant(a: Any, b: Any) -> bool:
    """Equal instants (SQLite gives naive UTC back, PostgreSQL aware)."""
    if a.tzinfo is None:
        a = a.replace(tzinfo=b.tzinfo)
    return bool(a == b)


def test_an_arrival_saved_after_an_outage_keeps_the_time_of_its_key(
    outage: Outage, clock: FixedClock
) -> None:
    """Desk 1 confirms an arrival during an outage; desk 2 confirms another one 30 s later,
    which goes through first. Desk 1's visitor keeps the time of the key, and is called
    first: first come, first served follows the keys, not the retries."""
    database = outage.database
    with database.write() as session:
        office = create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
        one = ensure_desk(session, office.id, "Guichet 1")
        two = ensure_desk(session, office.id, "Guichet 2")
    desk_1 = Actor(office.id, one.id, role=Role.MANAGER)
    desk_2 = Actor(office.id, two.id, role=Role.MANAGER)
    far = QueueService(database, clock, office)  # desk 1, behind the outage
    near = QueueService(outage.direct, clock, office)  # desk 2
    pressed_at = clock.now()
    failures: list[BaseException] = []
    retry_now = threading.Event()
    result: list[Any] = []
    outage.start()

    def desk_1_saves() -> None:
        result.append(
            run_until_saved(
                lambda: far.register_arrival(ArrivalRequest(), desk_1, at=pressed_at),
                on_outage=failures.append,
                sleep=lambda _seconds: retry_now.wait(30),  # the test says when to retry
            )
        )

    saver = threading.Thread(target=desk_1_saves, daemon=True)
    saver.start()
    for _ in range(300):
        if failures:
            break
        threading.Event().wait(0.05)
    assert failures, "the first try did not meet the outage"
    clock.advance(seconds=60)  # the outage lasts a minute, by the clock
    outage.end()
    second = near.register_arrival(ArrivalRequest(), desk_2, at=clock.now() - timedelta(seconds=30))
    retry_now.set()
    saver.join(20)
    assert result, "desk 1's arrival was not saved"
    first = result[0]
    assert (second.ticket_code, first.ticket_code) == ("A-001", "A-002")
    visit_time, event_time = arrived(outage.direct, first.ticket_code)
    assert same_instant(visit_time, pressed_at) and same_instant(event_time, pressed_at)
    called = near.call_next(desk_2)
    assert called is not None and called.ticket_code == first.ticket_code


async def test_the_arrival_key_gives_the_time_through_an_outage(
    sqlite_database: Database, clock: FixedClock
) -> None:
    """At the desk: the arrival confirmed while another program holds the SQLite lock is
    stamped with the time of the key, not of the save a minute later."""
    outage = Outage("sqlite", sqlite_database.engine.url.render_as_string(False))
    try:
        with outage.database.write() as session:
            office = create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
        app = build_app(outage.database, clock, office)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            await pilot.press("f2")  # anonymous
            outage.start()
            pressed_at = clock.now()
            await pilot.press("1")  # the first reason: issue the ticket
            for _ in range(100):
                await pilot.pause(0.05)
                if app.waiting_saves:
                    break
            assert app.waiting_saves, "the save did not meet the outage"
            clock.advance(seconds=60)
            outage.end()
            for _ in range(200):
                await pilot.pause(0.05)
                if isinstance(app.screen, TicketScreen):
                    break
            assert isinstance(app.screen, TicketScreen)
            code = app.screen.ticket.ticket_code
        visit_time, event_time = arrived(outage.direct, code)
        assert same_instant(visit_time, pressed_at) and same_instant(event_time, pressed_at)
    finally:
        outage.close()
