"""A queue longer than the screen says how many rows are below, and which is the latest
arrival among them: a new ticket is never out of sight with only the header's count to tell."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest

from .test_queue_screen import other_desk
from .uikit import build_app, settle, shown, wait_for


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_arrivals_below_the_screen_are_told(
    sqlite_database: Database,
    clock: FixedClock,
    sqlite_office: OfficeInfo,
    size: tuple[int, int],
) -> None:
    """40 waiting: the line under the table counts the rows out of sight and names the
    latest arrival; one more arrival elsewhere moves both; at the bottom the line goes."""
    queue = QueueService(sqlite_database, clock, sqlite_office)
    guichet_2 = other_desk(sqlite_database, sqlite_office)
    for _ in range(40):
        queue.register_arrival(ArrivalRequest(), guichet_2)
    app = build_app(sqlite_database, clock, sqlite_office, poll_seconds=0.1)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: "autres plus bas" in shown(app))
        first = app.screen.query_one("#queue-more").render()
        below = int(str(first).split()[0])
        table = app.screen.query_one("#queue", DataTable)
        assert below == 40 - table.scrollable_content_region.height + 1  # rows out of sight
        assert "dernière arrivée\u00a0: A-040" in str(first)
        queue.register_arrival(ArrivalRequest(), guichet_2)
        more = f"{below + 1} autres plus bas ↓  dernière arrivée : A-041"
        await wait_for(pilot, lambda: more in shown(app))  # (shown: plain spaces)
        await pilot.press("ctrl+end")  # the last row: nothing below any more
        await wait_for(pilot, lambda: not app.screen.query_one("#queue-more").display)
        assert "plus bas" not in shown(app)
