"""Typing in the search box never waits for the database, and only the latest query shows."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, OptionList

from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.engine import Database
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.visitors import VisitorMatch
from pimms_tui.screens.search import SearchScreen

from .uikit import build_app, settle

SIZE = (120, 40)


def match(visitor_id: int, last_name: str) -> VisitorMatch:
    return VisitorMatch(visitor_id, "Anne", last_name, 1980, None, None)


async def test_a_slow_query_neither_blocks_typing_nor_overwrites_a_newer_one(
    sqlite_database: Database,
    clock: FixedClock,
    sqlite_office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The query for "d" hangs until released; meanwhile "du" is typed and answered. The
    field took every key while "d" was running, and its late answer is not shown."""
    release = threading.Event()
    started = threading.Event()

    def search(self: VisitorService, text: str) -> list[VisitorMatch]:
        if text == "d":
            started.set()
            assert release.wait(10)
            return [match(1, "Dorian")]
        return [match(2, "Dupont")]

    monkeypatch.setattr(VisitorService, "search", search)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(SearchScreen())
        await settle(pilot)
        await pilot.press("d")
        assert started.wait(5)
        await pilot.press("u")
        await pilot.pause()
        field = app.screen.query_one("#search-text", Input)
        assert field.value == "du"  # the key went in while the first query still ran
        results = app.screen.query_one("#search-results", OptionList)
        for _ in range(50):
            await pilot.pause(0.02)
            if results.option_count:
                break
        assert "Dupont" in str(results.get_option_at_index(0).prompt)
        release.set()
        await settle(pilot)
        assert results.option_count == 1
        assert "Dupont" in str(results.get_option_at_index(0).prompt)
        assert isinstance(app.screen, SearchScreen) and app.screen.matches[0].id == 2
