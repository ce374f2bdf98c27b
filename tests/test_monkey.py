"""The monkey, short: random keys and pastes on every screen of the real desk (seeded).

``python bench/monkey.py --keys 20000`` is the long run; here a few hundred keys per seed,
plus the two crashes the monkey found, pinned down as plain tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from textual.widgets import Select

from pimms_tui.db.engine import Database
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.screens.arrival import ArrivalScreen, TicketScreen
from pimms_tui.screens.queue import QueueScreen

from .uikit import build_app, settle

BENCH = Path(__file__).resolve().parent.parent / "bench" / "monkey.py"


def load_monkey() -> ModuleType:
    """bench/monkey.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("pimms_monkey", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pimms_monkey"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [3])
async def test_random_keys_and_pastes_break_nothing(seed: int, tmp_path: Path) -> None:
    """No crash, no traceback on screen, nothing logged as unexpected, a consistent database."""
    monkey = load_monkey()
    database = Database.from_url(f"sqlite:///{tmp_path / 'monkey.sqlite3'}")
    report = await monkey.run_monkey(database, seed=seed, steps=400)
    database.dispose()
    assert report.problems == []
    assert report.steps >= 400 and report.pastes > 0
    assert len(report.screens) >= 4  # it went places


async def test_keys_typed_fast_on_the_ticket_leave_it_once(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Two keys in one burst on the ticket: back to the queue, not past it (that ended the app)."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter", "1")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        monkey = load_monkey()
        for key in ("x", "escape", "y"):
            event = monkey.key_event(key)
            event.set_sender(app)
            app._driver.send_message(event)  # type: ignore[union-attr]
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, QueueScreen)


async def test_page_keys_on_a_list_not_laid_out_do_nothing(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A closed Select's list has no size: page up/down there must not crash the desk."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
        overlay = app.screen.query_one("#priority", Select).query_one("SelectOverlay")
        overlay.action_page_up()  # type: ignore[attr-defined]
        overlay.action_page_down()  # type: ignore[attr-defined]
        await settle(pilot)
        assert app.is_running


async def test_enter_then_escape_on_a_dialog_closes_it_once(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Enter (choose) and Esc in one burst on the transfer dialog: it closes, the queue stays
    (the second close used to pop the queue, the last screen, and the app crashed)."""
    from pimms_tui.screens.transfer import TransferScreen

    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(TransferScreen("A-001"))
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TransferScreen)
        dialog.dismiss(None)
        dialog.dismiss(None)  # asked again before it was gone: ignored
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, QueueScreen)
