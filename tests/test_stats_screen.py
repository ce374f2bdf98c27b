"""The statistics screen driven by keystrokes: open from the queue, change period, export."""

from __future__ import annotations

from openpyxl import load_workbook
from textual.widgets import Input, OptionList, Static

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.documents.stats_csv import read_csv
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.settings import data_dir
from tests.statskit import build_activity
from tests.uikit import build_app, settle

SIZE = (150, 60)


def section(pilot, key: str) -> str:  # type: ignore[no-untyped-def]
    widget = pilot.app.screen.query_one(f"#stats-{key}", Static)
    rendered = widget.render()
    return str(getattr(rendered, "plain", rendered))


async def test_open_change_period_and_export(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    build_activity(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office, language="fr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert type(app.screen).__name__ == "StatsScreen"
        # This month (March 2026): Monday's five visits, not the week before.
        overview = section(pilot, "overview")
        assert "visites" in overview and " 5" in overview
        assert section(pilot, "scope") == "du 1 mars 2026 au 31 mars 2026 — PIMMS Test"
        waiting = section(pilot, "waiting")
        assert "17,8 min" in waiting and "17,5 min" in waiting and "50\u00a0%" in waiting
        motifs = section(pilot, "motif")
        assert "█" in motifs and "60\u00a0%" in motifs  # energy: 3 of 5 demands
        assert "10h" in section(pilot, "hours")
        assert "Marie" not in "\n".join(section(pilot, k) for k in ("overview", "motif"))

        await pilot.press("d")
        await settle(pilot)
        form_from = app.screen.query_one("#period-from", Input)
        form_from.value = ""
        await pilot.press(*"23/02/2026")
        await pilot.press("enter")
        await settle(pilot)
        assert "visites" in section(pilot, "overview")
        assert "\n" in section(pilot, "days")  # two days with waits
        assert " 6" in section(pilot, "overview").splitlines()[0]

        await pilot.press("t")  # today: Monday 2 March
        await settle(pilot)
        assert section(pilot, "overview").splitlines()[0].endswith("5")

        await pilot.press("c")
        await settle(pilot)
        status = str(app.screen.query_one("#status-line", Static).render())
        assert "Écrit" in status
        exported = data_dir() / "documents" / "stats-2026-03-02-2026-03-02.csv"
        rows = read_csv(exported)
        assert len(rows) == 6
        assert not any("Marie" in cell or "Zorglub" in cell for row in rows for cell in row)

        # The partner report: the demands and relays of the CAF only, as XLSX.
        await pilot.press("p")
        await settle(pilot)
        options = app.screen.query_one("#partner-list", OptionList)
        codes = [str(options.get_option_at_index(i).id) for i in range(options.option_count)]
        options.highlighted = codes.index("caf")
        await pilot.press("enter")
        await settle(pilot)
        report = data_dir() / "documents" / "stats-caf-2026-03-02-2026-03-02.xlsx"
        workbook = load_workbook(report, read_only=True)
        rows = list(workbook["Demandes"].iter_rows(values_only=True))
        workbook.close()
        assert len(rows) == 3 and {r[4] for r in rows[1:]} == {
            "CAF — Caisse d’allocations familiales"
        }

        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "QueueScreen"


async def test_scope_line_in_english(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    build_activity(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m", "t")
        await settle(pilot)
        waiting = section(pilot, "waiting")
        assert "17.8 min" in waiting and "50%" in waiting
        assert "2 Mar 2026" in section(pilot, "scope")


async def test_key_hidden_from_reception(
    sqlite_database: Database,
    clock: FixedClock,
    sqlite_office: OfficeInfo,
) -> None:
    """Reception does not see the key, and pressing it opens nothing."""
    app = build_app(sqlite_database, clock, sqlite_office, role=Role.RECEPTION)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not any(b.id == "statistics" for b in _active_bindings(app))
        await pilot.press("m")
        await settle(pilot)
        assert type(app.screen).__name__ == "QueueScreen"


def _active_bindings(app):  # type: ignore[no-untyped-def]
    return [active.binding for active in app.active_bindings.values() if active.enabled]
