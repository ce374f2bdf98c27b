"""News of a relay by keystrokes, from the visitor file and from the follow-up list.

Both record through the one use case and say what was saved: the status and, for a refusal,
its reason, in the person's language.
"""

from __future__ import annotations

from datetime import date, timedelta

from pimms_tui.db.engine import Database
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.screens.followups import FollowUpsScreen
from pimms_tui.screens.visitor_file import VisitorFileScreen

from .followkit import add_relay, add_visitor, relay_row
from .uikit import build_app, screen_text, settle

SIZE = (130, 45)
TODAY = date(2026, 3, 2)


async def test_refusal_from_the_visitor_file_saves_the_chosen_news_and_reason(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """f, 2 (refused), a reason in the list, Ctrl+S: refused, not eligible, and said so."""
    database, office = sqlite_database, sqlite_office
    visitor = add_visitor(database, office, clock, "Hélène", "Dupont")
    relay = add_relay(
        database, office, clock, follow_up_on=TODAY - timedelta(days=1), visitor_id=visitor
    )
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("2")  # refused: the reason is asked for
        await settle(pilot)
        assert relay_row(database, relay).status == "open"
        await pilot.press("enter", "down", "down", "down", "enter")  # the third reason
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        stored = relay_row(database, relay)
        assert (stored.status, stored.refusal_reason) == ("refused", "not_eligible")
        assert isinstance(app.screen, VisitorFileScreen)
        said = " ".join(str(n.message) for n in app._notifications)
        assert "Relais vers CAF — Caisse d’allocations familiales : refusé (non éligible)." in said
        assert "refusé" in screen_text(pilot)  # the file's history, read again


async def test_refusal_from_the_follow_up_list_says_status_and_reason(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """r then 3 on the list: refused, not eligible, and the status line says both."""
    database, office = sqlite_database, sqlite_office
    relay = add_relay(database, office, clock, follow_up_on=TODAY)
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(FollowUpsScreen())
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpsScreen)
        stored = relay_row(database, relay)
        assert (stored.status, stored.refusal_reason) == ("refused", "not_eligible")
        assert "refusé (non éligible)" in screen_text(pilot)


async def test_confirmation_from_the_visitor_file_says_what_was_saved(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """f, 1: confirmed at once, and the screen says so."""
    database, office = sqlite_database, sqlite_office
    visitor = add_visitor(database, office, clock, "Hélène", "Dupont")
    relay = add_relay(database, office, clock, follow_up_on=TODAY, visitor_id=visitor)
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("f", "1")
        await settle(pilot)
        assert relay_row(database, relay).status == "confirmed"
        assert isinstance(app.screen, VisitorFileScreen)
        assert "confirmé" in " ".join(str(n.message) for n in app._notifications)
