"""Sign-in, lock-out, switch of user, idle lock, first run and the staff screen, by keystrokes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input

from pimms_tui.app import make_app
from pimms_tui.application import Container, DeskSession
from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, Office, Staff
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import PermissionDenied
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.arrival import ArrivalScreen
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.search import SearchScreen
from pimms_tui.screens.setup import OfficeSetupScreen
from pimms_tui.screens.signin import SignInScreen
from pimms_tui.screens.staff import StaffScreen
from pimms_tui.settings import Settings

from .followkit import add_visitor
from .uikit import (
    TEST_PIN,
    TEST_STAFF_NAMES,
    build_app,
    screen_text,
    settle,
    shown,
    signed_in_account,
    wait_for,
)

SIZE = (120, 40)


def accounts(database: Database, office: OfficeInfo) -> dict[Role, int]:
    """One account per role, all with the test PIN."""
    return {role: signed_in_account(database, office, role).id for role in Role}


async def sign_in(pilot: Pilot[Any], name: str, pin: str = TEST_PIN) -> None:
    """Type part of the name, Enter, the PIN, Enter."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.screen.accounts)
    filter_input = app.screen.query_one("#signin-filter", Input)
    filter_input.value = ""
    filter_input.focus()
    await pilot.press(*name.split()[0][:4], "enter")
    await settle(pilot)
    await pilot.press(*pin, "enter")
    await settle(pilot)


def journal(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_sign_in_by_name_and_pin(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    ids = accounts(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office, role=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.screen.accounts)
        text = screen_text(pilot)
        assert "Connexion" in text
        assert app.session.staff is None
        await sign_in(pilot, TEST_STAFF_NAMES[Role.MEDIATOR])
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.session.staff is not None and app.session.staff.id == ids[Role.MEDIATOR]
        assert app.session.actor.role == Role.MEDIATOR
    assert journal(sqlite_database) == [Action.SIGN_IN]


async def test_wrong_pin_says_so_in_french_and_keeps_the_name(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    accounts(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office, role=None)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, TEST_STAFF_NAMES[Role.RECEPTION], "0000")
        await wait_for(pilot, lambda: "incorrect" in screen_text(pilot))
        text = screen_text(pilot)
        assert "Code PIN incorrect" in text and "verrouillage du compte : 4" in text
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#signin-pin", Input).value == ""
        await pilot.press(*TEST_PIN, "enter")  # the name stays chosen: the PIN alone
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    assert journal(sqlite_database) == [Action.SIGN_IN_FAILED, Action.SIGN_IN]


async def test_five_wrong_pins_lock_the_account_until_the_time_has_passed(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    accounts(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office, role=None)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, TEST_STAFF_NAMES[Role.MEDIATOR], "0000")
        for _ in range(4):
            await pilot.press(*"9999", "enter")
            await settle(pilot)
        await wait_for(pilot, lambda: "verrouillé" in screen_text(pilot))
        assert "5 minutes" in screen_text(pilot)
        await pilot.press(*TEST_PIN, "enter")  # the right PIN, too early
        await wait_for(pilot, lambda: "réessayez dans" in screen_text(pilot))
        assert isinstance(app.screen, SignInScreen)
        clock.advance(minutes=5, seconds=1)
        await pilot.press(*TEST_PIN, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    assert journal(sqlite_database) == [Action.SIGN_IN_FAILED] * 5 + [
        Action.LOCKED_OUT,
        Action.SIGN_IN,
    ]


async def test_switching_user_keeps_each_persons_work(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Ctrl+L: someone else gets a fresh queue; the first person finds their form again."""
    accounts(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ArrivalScreen))
        arrival = app.screen
        await pilot.press(*"Lina Mart")
        await settle(pilot)
        typed = arrival.query_one("#who", Input).value
        assert typed == "Lina Mart"
        await pilot.press("ctrl+l")
        await sign_in(pilot, TEST_STAFF_NAMES[Role.RECEPTION])
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.session.actor.role == Role.RECEPTION
        assert arrival not in app.screen_stack
        await pilot.press("ctrl+l")
        await sign_in(pilot, TEST_STAFF_NAMES[Role.MANAGER])
        await wait_for(pilot, lambda: app.screen is arrival)
        assert arrival.query_one("#who", Input).value == "Lina Mart"
        assert app.session.actor.role == Role.MANAGER


async def test_idle_desk_locks_hides_the_visitors_and_keeps_the_form(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    accounts(sqlite_database, sqlite_office)
    visitor = add_visitor(sqlite_database, sqlite_office, clock, "Zénobie", "Quintal")
    QueueService(sqlite_database, clock, sqlite_office).register_arrival(
        ArrivalRequest(visitor_id=visitor), app_actor(sqlite_database, sqlite_office)
    )
    app = build_app(sqlite_database, clock, sqlite_office, idle_lock_minutes=3)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Quintal" in shown(app))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ArrivalScreen))
        arrival = app.screen
        await pilot.press(*"Zénobie Quin")
        await settle(pilot)
        clock.advance(minutes=2)
        await pilot.pause(1.3)
        assert app.screen is arrival  # not yet
        clock.advance(minutes=1, seconds=5)
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await settle(pilot)
        screen = shown(app)
        assert "Zénobie" not in screen and "Quintal" not in screen
        assert "Poste verrouillé" in screen
        # The signed-in person is chosen already: the PIN alone unlocks.
        assert app.screen.query_one("#signin-pin", Input).has_focus
        await pilot.press(*TEST_PIN, "enter")
        await wait_for(pilot, lambda: app.screen is arrival)
        assert arrival.query_one("#who", Input).value == "Zénobie Quin"


def app_actor(database: Database, office: OfficeInfo) -> Any:
    from pimms_tui.domain.actors import Actor

    return Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)


async def test_first_run_creates_the_office_and_its_manager(
    sqlite_database: Database, clock: FixedClock
) -> None:
    container = Container(settings=Settings(desk="Accueil"), database=sqlite_database, clock=clock)
    app = make_app(container, DeskSession())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OfficeSetupScreen)
        await pilot.press(*"PIMMS Dijon Centre", "enter", *"Nadia R.", "enter")
        await pilot.press(*"12", "enter", "enter")
        await settle(pilot)
        assert "doit compter au moins 12 caractères" in screen_text(pilot)  # a manager's PIN
        await pilot.press(*"nadia-482193", "enter", *"nadia-482193", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.session.staff is not None
        assert app.session.actor.role == Role.MANAGER
    with sqlite_database.read() as session:
        office = session.scalars(select(Office)).one()
        manager = session.scalars(select(Staff)).one()
    assert office.name == "PIMMS Dijon Centre"
    assert (manager.display_name, manager.role) == ("Nadia R.", Role.MANAGER)
    assert manager.pin_hash is not None and manager.pin_hash.startswith("$argon2id$")


async def test_an_office_without_a_manager_asks_for_one(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    app = build_app(sqlite_database, clock, sqlite_office, role=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OfficeSetupScreen))
        await pilot.press(*"Nadia R.", "enter", *"nadia-482193", "enter", *"nadia-482193", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.session.actor.role == Role.MANAGER


@pytest.mark.parametrize("demo", [True, False])
async def test_demo_accounts_and_pins_are_listed_only_in_the_demo(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, demo: bool
) -> None:
    accounts(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office, role=None, demo=demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.screen.accounts)
        screen = shown(app)
        assert TEST_STAFF_NAMES[Role.MEDIATOR] in screen
        assert ("3333" in screen and "Comptes de démonstration" in screen) is demo
        assert ("1111" in screen) is demo


async def test_manager_adds_a_reception_account_who_cannot_open_files(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    visitor = add_visitor(sqlite_database, sqlite_office, clock, "Lina")
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffScreen))
        await wait_for(pilot, lambda: bool(app.screen.accounts))
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Sam Accueil", "tab")
        await pilot.press("down", "space")  # mediator first and chosen; then reception
        await pilot.press("tab", *"1357", "enter", *"1357", "enter")
        await wait_for(pilot, lambda: "Sam Accueil" in screen_text(pilot) or _staff_table(app))
        with sqlite_database.read() as session:
            sam = session.scalars(select(Staff).where(Staff.display_name == "Sam Accueil")).one()
        assert sam.role == Role.RECEPTION
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("ctrl+l")
        await sign_in(pilot, "Sam Accueil", "1357")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.session.actor.role == Role.RECEPTION
        footer_keys = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert "staff" not in footer_keys and "followups" not in footer_keys
        assert "search" not in footer_keys
        await pilot.press("ctrl+f")  # the search opens files: not for reception
        await settle(pilot)
        assert not isinstance(app.screen, SearchScreen)
        await pilot.press("e")  # nor the staff screen
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        with pytest.raises(PermissionDenied):
            app.use_cases.visitor_file.open(visitor, app.session.actor)


def _staff_table(app: Any) -> bool:
    return isinstance(app.screen, StaffScreen) and any(
        a.display_name == "Sam Accueil" for a in app.screen.accounts
    )
