"""The lists a form offers are read when it opens: a colleague added a minute ago is there.

The catalogue used to be read once per process: a mediator added on the staff screen was
missing from the transfer and booking lists until a restart, and the transfer list offered
the manager as a mediator.
"""

from __future__ import annotations

from textual.widgets import OptionList

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.transfer import TransferScreen

from .uikit import TEST_STAFF_NAMES, build_app, settle, wait_for

SIZE = (120, 40)


def prompts(options: OptionList) -> list[str]:
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_transfer(pilot) -> list[str]:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))
    options = app.screen.query_one("#desks", OptionList)
    await wait_for(pilot, lambda: options.option_count > 0)
    shown = prompts(options)
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    return shown


async def test_transfer_lists_mediators_added_meanwhile_and_never_the_manager(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    app = build_app(sqlite_database, clock, sqlite_office, role=Role.MANAGER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        manager = app.session.actor
        app.use_cases.queue.register_arrival(ArrivalRequest(), manager)
        staff = app.use_cases.staff_accounts
        staff.create("Inès Médiatrice", Role.MEDIATOR, "4821", manager)
        await settle(pilot)
        first = await open_transfer(pilot)
        assert any("Inès Médiatrice" in line for line in first)
        assert not any(TEST_STAFF_NAMES[Role.MANAGER] in line for line in first)
        # A colleague joins while the desk runs: the next transfer offers them.
        staff.create("Karim Médiateur", Role.MEDIATOR, "4821", manager)
        second = await open_transfer(pilot)
        assert any("Karim Médiateur" in line for line in second)


async def test_the_booking_list_offers_a_mediator_added_meanwhile(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """The slot finder's "with whom" list (whom_options) reads the catalogue each time."""
    app = build_app(sqlite_database, clock, sqlite_office, role=Role.MANAGER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        manager = app.session.actor
        staff = app.use_cases.staff_accounts
        before = [person.display_name for person in app.use_cases.catalogue().staff]
        assert "Karim Médiateur" not in before
        staff.create("Karim Médiateur", Role.MEDIATOR, "4821", manager)
        after = [person.display_name for person in app.use_cases.catalogue().staff]
        assert "Karim Médiateur" in after
