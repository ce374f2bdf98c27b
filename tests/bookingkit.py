"""What the booking and stale-feedback tests share: a visitor waiting, and listening to them."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.queue import QueueScreen

from .followkit import add_visitor
from .uikit import settle, table_text, wait_for


def arrive(database: Database, office: OfficeInfo, clock: FixedClock, first: str) -> int:
    """A named visitor waiting in the queue; the visit's id."""
    visitor = add_visitor(database, office, clock, first, "Quintal")
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    entry = QueueService(database, clock, office).register_arrival(
        ArrivalRequest(visitor_id=visitor), actor
    )
    return entry.visit_id


async def listen_with_one_demand(pilot: Pilot[Any]) -> None:
    """n, s, then d with the first reason: the listening screen with one demand to orient."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.entries)
    await pilot.press("n")
    await settle(pilot)
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, ListeningScreen))
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    await pilot.press("enter", "down", "enter")  # the first reason
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: table_text(pilot, "#demands"))
