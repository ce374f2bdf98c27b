"""A message on the listening screen lasts as long as its cause; s reopens one's own visit.

A refused close ("a demand has no orientation") goes with the demand it was about. Back from
listening, the queue's cursor stays on this desk's visit although its row moved down with its
new status (it used to keep the row's index, so ``s`` then spoke of another desk's visitor
instead of reopening one's own).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Static

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Demand, Visit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.queue import QueueScreen

from .bookingkit import arrive, listen_with_one_demand
from .uikit import build_app, screen_text, settle, table_text, wait_for

SIZE = (120, 40)


def listening_message(pilot: Pilot[Any]) -> str:
    """The message under the demands."""
    return str(pilot.app.screen.query_one("#listening-error", Static).render())


def demand_count(database: Database) -> int:
    with database.read() as session:
        return len(list(session.scalars(select(Demand.id))))


async def test_a_refused_close_goes_with_the_demand_it_was_about(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """c with a demand to orient: refused, said; Delete on that demand: the message goes."""
    arrive(sqlite_database, sqlite_office, clock, "Zénobie")
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await listen_with_one_demand(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: listening_message(pilot))
        refusal = listening_message(pilot)
        assert refusal in screen_text(pilot)
        await pilot.press("delete")
        await wait_for(pilot, lambda: demand_count(sqlite_database) == 0)
        await wait_for(pilot, lambda: not table_text(pilot, "#demands"))
        await settle(pilot)
        assert listening_message(pilot) == ""
        assert refusal not in screen_text(pilot)


def seen_elsewhere(database: Database, office: OfficeInfo, clock: FixedClock, first: str) -> None:
    """A visitor being seen at another desk (above this desk's visit in the queue)."""
    visit_id = arrive(database, office, clock, first)
    with database.write() as session:
        desk = ensure_desk(session, office.id, "Guichet 2")
    actor = Actor(office_id=office.id, desk_id=desk.id, role=Role.MANAGER)
    queue = QueueService(database, clock, office)
    queue.call(visit_id, actor)
    queue.start(visit_id, actor)


async def test_s_on_ones_own_visit_in_progress_reopens_listening(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """n, s, Esc back to the queue: the cursor is on this desk's visit (its row moved down
    with its status), and s reopens its listening screen, not another visitor's."""
    seen_elsewhere(sqlite_database, sqlite_office, clock, "Valère")
    visit_id = arrive(sqlite_database, sqlite_office, clock, "Zénobie")
    for name in ("Yolande", "Xavière", "Wanda"):
        arrive(sqlite_database, sqlite_office, clock, name)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await listen_with_one_demand(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await settle(pilot)
        with sqlite_database.read() as session:
            visit = session.get(Visit, visit_id)
            assert visit is not None and visit.status == "in_progress"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ListeningScreen))
        screen = app.screen
        assert isinstance(screen, ListeningScreen) and screen.visit_id == visit_id
