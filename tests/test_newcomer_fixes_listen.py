"""Three defects a newcomer met at the desk, each driven by keystrokes over the real app.

The listening screen shows a relay or an appointment as soon as it is saved; ``l`` on the
queue asks before marking someone as gone and says what it did; the idle lock lets a colleague
pick their name without spending the previous person's PIN attempts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Appointment, AuditEntry, Demand, Partner, Relay, Staff, Visit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.confirm import ConfirmModal
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.signin import SignInScreen

from .followkit import add_visitor
from .uikit import (
    TEST_PIN,
    TEST_STAFF_NAMES,
    add_mediator,
    build_app,
    screen_text,
    settle,
    shown,
    signed_in_account,
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
        await pilot.press("tab", "enter")  # the first free slot today: what will be booked
        await settle(pilot)
        await pilot.press("enter")  # confirmed
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


def failures(database: Database, staff_id: int) -> tuple[int, int]:
    """The account's counted failures and the journal's failed sign-ins."""
    with database.read() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        journal = session.scalars(
            select(AuditEntry).where(AuditEntry.action == Action.SIGN_IN_FAILED)
        ).all()
        return staff.failed_attempts, len(journal)


async def lock_idle(pilot: Pilot[Any], clock: FixedClock) -> None:
    """Nobody types for the idle time: the desk locks on the PIN of whoever was signed in."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    clock.advance(minutes=3, seconds=5)
    await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
    await wait_for(pilot, lambda: app.screen.accounts)
    assert app.screen.query_one("#signin-pin", Input).has_focus


async def test_a_colleague_picks_their_name_on_the_idle_lock(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """« ros » Enter then the PIN signs Rose in; the manager's attempts stay untouched."""
    manager = signed_in_account(sqlite_database, sqlite_office, Role.MANAGER).id
    signed_in_account(sqlite_database, sqlite_office, Role.RECEPTION)
    app = build_app(sqlite_database, clock, sqlite_office, idle_lock_minutes=3)
    async with app.run_test(size=SIZE) as pilot:
        await lock_idle(pilot, clock)
        await pilot.press(*"ros")
        await settle(pilot)
        assert app.screen.query_one("#signin-filter", Input).value == "ros"
        assert app.screen.query_one("#signin-pin", Input).value == ""
        await pilot.press("enter")
        await settle(pilot)
        assert TEST_STAFF_NAMES[Role.RECEPTION] in screen_text(pilot)
        await pilot.press(*TEST_PIN, "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SignInScreen))
        assert app.session.actor.role == Role.RECEPTION
    assert failures(sqlite_database, manager) == (0, 0)


async def test_what_is_not_a_pin_is_not_an_attempt(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Three digits, then Enter: said to be no PIN, and not counted against anyone."""
    manager = signed_in_account(sqlite_database, sqlite_office, Role.MANAGER).id
    app = build_app(sqlite_database, clock, sqlite_office, idle_lock_minutes=3)
    async with app.run_test(size=SIZE) as pilot:
        await lock_idle(pilot, clock)
        await pilot.press(*"222", "enter")
        await wait_for(pilot, lambda: "pas un code" in screen_text(pilot))
        assert isinstance(app.screen, SignInScreen)
        assert failures(sqlite_database, manager) == (0, 0)
        await pilot.press(*TEST_PIN, "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SignInScreen))
    assert failures(sqlite_database, manager) == (0, 0)
