"""A visitor called to, or seen at, another desk is that desk's: Enter and `s` on them say so,
in the person's language, and never take them over nor start someone else instead."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import DataTable

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Desk, Visit
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.queue import QueueScreen

from .test_queue_screen import other_desk
from .uikit import build_app, settle, table_text
from .waitkit import notices

SIZE = (120, 40)


def where(database: Database) -> list[tuple[str, str, str | None]]:
    """Each visit's ticket, status and desk."""
    with database.read() as session:
        rows = session.execute(
            select(Visit.ticket_code, Visit.status, Desk.name)
            .outerjoin(Desk, Desk.id == Visit.desk_id)
            .order_by(Visit.id)
        )
        return [(ticket, status, desk) for ticket, status, desk in rows]


async def cursor_on(pilot: Any, ticket: str) -> None:
    """Move the queue's cursor to the row of ``ticket``."""
    rows = [row[0] for row in table_text(pilot, "#queue")]
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    steps = rows.index(ticket) - screen.query_one("#queue", DataTable).cursor_row
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    entry = screen.selected_entry()
    assert entry is not None and entry.ticket_code == ticket


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "Le ticket A-001 a déjà été appelé au Guichet 2."), ("en", "called at Guichet 2")],
)
async def test_enter_on_a_visitor_called_to_another_desk_says_so(
    database: Database, clock: FixedClock, office: OfficeInfo, language: str, said: str
) -> None:
    """Both engines: Enter on a visitor called to Guichet 2 does not start listening here;
    the desk says where the visitor was called, in its language."""
    queue = QueueService(database, clock, office)
    guichet_2 = other_desk(database, office)
    queue.register_arrival(ArrivalRequest(), guichet_2)
    queue.call_next(guichet_2)
    seen: list[Any] = []
    app = build_app(database, clock, office, language=language)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await cursor_on(pilot, "A-001")
        await pilot.press("enter")
        await settle(pilot)
        assert any(said in notice for notice in notices(seen)), notices(seen)
        assert isinstance(app.screen, QueueScreen)
    assert where(database) == [("A-001", "called", "Guichet 2")]


async def test_s_on_another_desks_visitor_starts_nobody_else(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Both engines: A-001 is being seen at Guichet 2, A-002 was called here. `s` on A-001
    says it is seen at Guichet 2 and leaves A-002 called; `s` on A-002 starts it here."""
    queue = QueueService(database, clock, office)
    guichet_2 = other_desk(database, office)
    for _ in range(2):
        queue.register_arrival(ArrivalRequest(), guichet_2)
    first = queue.call_next(guichet_2)
    assert first is not None
    queue.start(first.visit_id, guichet_2)
    seen: list[Any] = []
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("n")  # A-002 is called to this desk (Guichet 1)
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert where(database)[1] == ("A-002", "called", "Guichet 1")
        await cursor_on(pilot, "A-001")
        await pilot.press("s")
        await settle(pilot)
        expected = "Le ticket A-001 est déjà en entretien au Guichet 2."
        assert expected in notices(seen), notices(seen)
        assert isinstance(app.screen, QueueScreen)
        assert where(database) == [
            ("A-001", "in_progress", "Guichet 2"),
            ("A-002", "called", "Guichet 1"),
        ]
        await cursor_on(pilot, "A-002")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ListeningScreen)
    assert where(database)[1] == ("A-002", "in_progress", "Guichet 1")


async def test_s_on_a_waiting_visitor_says_call_first(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Both engines: `s` on a waiting visitor while another is called here says to call
    them first, and starts nobody."""
    queue = QueueService(database, clock, office)
    guichet_2 = other_desk(database, office)
    for _ in range(2):
        queue.register_arrival(ArrivalRequest(), guichet_2)
    seen: list[Any] = []
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("n")  # A-001 called here
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        await cursor_on(pilot, "A-002")
        await pilot.press("s")
        await settle(pilot)
        await pilot.pause(0.2)
        assert any("A-002" in notice for notice in notices(seen)), notices(seen)
        assert isinstance(app.screen, QueueScreen)
    assert [status for _t, status, _d in where(database)] == ["called", "waiting"]
