"""Three defects a newcomer met at the desk, each driven by keystrokes over the real app.

The listening screen shows a relay or an appointment as soon as it is saved; ``l`` on the
queue asks before marking someone as gone and says what it did; the idle lock lets a colleague
pick their name without spending the previous person's PIN attempts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Appointment, Demand, Partner, Relay, Visit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.confirm import ConfirmModal
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.queue import QueueScreen

from .followkit import add_visitor
from .uikit import (
    add_mediator,
    build_app,
    screen_text,
    settle,
    shown,
    table_text,
    wait_for,
)

SIZE = (120, 40)


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
    assert table_text(pilot, "#demands")[0][4] == "— à renseigner —"


async def test_relay_shows_at_once_on_the_listening_screen(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """o 4, the relay form, Ctrl+S: the demand reads « relais », the relay is listed."""
    arrive(sqlite_database, sqlite_office, clock, "Zénobie")
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await listen_with_one_demand(pilot)
        await pilot.press("o", "4")
        await settle(pilot)
        await pilot.press("enter", "down", "enter")  # the first partner
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ListeningScreen))
        with sqlite_database.read() as session:
            relay = session.scalars(select(Relay)).one()
            partner = session.get(Partner, relay.partner_id)
            assert partner is not None
            partner_name = partner.name
            demand = session.scalars(select(Demand)).one()
            assert demand.outcome == "relay"
        await wait_for(pilot, lambda: "Relais en cours" in screen_text(pilot))
        assert table_text(pilot, "#demands")[0][4] == "relais vers un partenaire"
        assert partner_name[:20] in screen_text(pilot).split("Relais en cours", 1)[1]


async def test_appointment_shows_at_once_on_the_listening_screen(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """o 5, Enter on a slot: the demand reads « rendez-vous », the appointment is listed."""
    add_mediator(sqlite_database, sqlite_office, "Karim B.")
    arrive(sqlite_database, sqlite_office, clock, "Zénobie")
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await listen_with_one_demand(pilot)
        await pilot.press("o", "5")
        await settle(pilot)
        await pilot.press("tab", "enter")  # the first free slot today
        await wait_for(pilot, lambda: isinstance(app.screen, ListeningScreen))
        with sqlite_database.read() as session:
            appointment = session.scalars(select(Appointment)).one()
            assert appointment.status == "booked"
            assert session.scalars(select(Demand)).one().appointment_id == appointment.id
        await wait_for(pilot, lambda: "Prochains rendez-vous" in screen_text(pilot))
        assert table_text(pilot, "#demands")[0][4] == "rendez-vous"
        assert "Karim B." in screen_text(pilot).split("Prochains rendez-vous", 1)[1]


def visit_status(database: Database, visit_id: int) -> str:
    with database.read() as session:
        visit = session.get(Visit, visit_id)
        assert visit is not None
        return visit.status


async def test_left_without_being_seen_asks_first_then_says_it(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """l asks; Esc keeps the person waiting; l then y marks them gone and says so."""
    visit_id = arrive(sqlite_database, sqlite_office, clock, "Zénobie")
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.entries)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "A-001" in screen_text(pilot)
        assert visit_status(sqlite_database, visit_id) == "waiting"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert visit_status(sqlite_database, visit_id) == "waiting"
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: visit_status(sqlite_database, visit_id) == "left")
        await wait_for(pilot, lambda: "A-001 : parti sans être reçu" in shown(app))
        assert isinstance(app.screen, QueueScreen)
