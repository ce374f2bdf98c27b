"""Statistics for managers: the period's figures drawn as text bars, and their exports.

Every figure comes from the statistics use case, run off the UI thread through
``in_background``; the sections are drawn by :mod:`pimms_tui.documents.stats_text`.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.application.stats import StatsService, default_export_path
from pimms_tui.documents.stats_text import SECTIONS, sections
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.stats import (
    DEFAULT_MASK_THRESHOLD,
    Period,
    Stats,
    StatsQuery,
    period_bounds,
)
from pimms_tui.i18n import N_, _, format_date

from .base import DeskModal
from .fields import SafeInput
from .forms import FormModal, parse_day
from .worklist import WorklistScreen

EXPORT_GROUP = "stats-export"


class StatsScreen(WorklistScreen):
    """The manager's statistics: period and offices chosen by keys, charts, exports."""

    CSS_PATH = ["worklist.tcss", "stats.tcss"]
    BINDINGS = [
        Binding("t", "period('today')", N_("Today"), id="stats_today"),
        Binding("w", "period('week')", N_("Week"), id="stats_week"),
        Binding("m", "period('month')", N_("Month"), id="stats_month"),
        Binding("y", "period('year')", N_("Year"), id="stats_year"),
        Binding("d", "dates", N_("Dates…"), id="stats_dates"),
        Binding("o", "offices", N_("This office / all"), id="stats_offices"),
        Binding("k", "mask", N_("Mask small counts"), id="stats_mask"),
        Binding("c", "export('csv')", N_("Export CSV"), id="stats_csv"),
        Binding("x", "export('xlsx')", N_("Export XLSX"), id="stats_xlsx"),
        Binding("p", "partner_report", N_("Partner report…"), id="stats_partner"),
        Binding("escape", "back", N_("Back"), id="stats_back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.start = self.end = date.min  # set at mount, from the office's calendar
        self.all_offices = False
        self.mask = False
        self.stats: Stats | None = None

    @property
    def service(self) -> StatsService:
        """The statistics use cases of this terminal's office."""
        return self.use_cases.stats

    def compose(self) -> ComposeResult:
        """Scope line, the sections in a grid, the status line."""
        yield Header()
        yield from self.compose_banner()
        yield Static("", id="stats-scope", markup=False)
        with VerticalScroll(id="stats-body"), Grid(id="stats-grid"):
            for key, title in SECTIONS:
                with Vertical(classes="stats-section", id=f"section-{key}"):
                    yield Static(_(title), classes="stats-title", markup=False)
                    yield Static("", id=f"stats-{key}", classes="stats-chart", markup=False)
        yield from self.compose_status()
        yield Footer()

    def on_mount(self) -> None:
        """Title, then the first figures."""
        self.sub_title = _("Statistics")
        self.start, self.end = period_bounds(Period.MONTH, self.use_cases.today())
        self.load()

    # Loading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the figures again off the UI thread (a newer reading replaces an older one)."""
        self.query_one("#stats-scope", Static).update(self.scope_text() + " — " + _("reading…"))
        service, actor = self.service, self.actor
        start, end, all_offices = self.start, self.end, self.all_offices

        def read() -> Stats:
            query = service.query(actor, start, end, all_offices=all_offices)
            return service.figures(actor, query)

        self.in_background(read, self.show, group="stats-load")

    def scope_text(self) -> str:
        """Period and offices, in words."""
        if self.start == self.end:
            period = format_date(self.start)
        else:
            period = _("{start} to {end}").format(
                start=format_date(self.start), end=format_date(self.end)
            )
        offices = _("all offices") if self.all_offices else self.office.name
        masked = " — " + _("small counts masked") if self.mask else ""
        return f"{period} — {offices}{masked}"

    def show(self, stats: Stats) -> None:
        """Draw every section."""
        self.stats = stats
        scope = self.scope_text()
        if stats.query.office_ids and len(stats.offices) > 1:
            scope += f" ({len(stats.offices)})"
        self.query_one("#stats-scope", Static).update(scope)
        for key, content in sections(stats).items():
            self.query_one(f"#stats-{key}", Static).update(Text.assemble(*content.segments))

    # Keys ---------------------------------------------------------------------------------

    def action_period(self, period: str) -> None:
        """Today, this week, this month or this year (of the office's calendar)."""
        self.start, self.end = period_bounds(period, self.use_cases.today())
        self.load()

    def action_dates(self) -> None:
        """Chosen dates, in a small form."""

        def chosen(result: tuple[date, date] | None) -> None:
            if result is not None:
                self.start, self.end = result
                self.load()

        self.app.push_screen(PeriodForm(self.start, self.end), chosen)

    def action_offices(self) -> None:
        """This office, or every office of a shared database."""
        self.all_offices = not self.all_offices
        self.load()

    def action_mask(self) -> None:
        """Mask counts of too few people in the exports (external reports)."""
        self.mask = not self.mask
        self.query_one("#stats-scope", Static).update(self.scope_text())
        self.say(
            _("Exports will mask counts of fewer than {threshold} people.").format(
                threshold=DEFAULT_MASK_THRESHOLD
            )
            if self.mask
            else _("Exports will show every count.")
        )

    def action_export(self, file_format: str) -> None:
        """Write the shown period's figures and detail to the documents folder."""
        if self.stats is not None:
            self.export(self.actor, self.stats.query, file_format)

    def action_partner_report(self) -> None:
        """Pick a partner, then write its report (XLSX) for the shown period."""
        if self.stats is None:
            return
        service, actor, query = self.service, self.actor, self.stats.query

        def pick(partners: list[tuple[str, str]]) -> None:
            def chosen(code: str | None) -> None:
                if code is not None:
                    self.export(actor, query, "xlsx", code)

            self.app.push_screen(PartnerPick(partners), chosen)

        partners = partial(service.partners, actor, query.office_ids)
        self.in_background(partners, pick, group="stats-partners")

    def export(
        self, actor: Actor, query: StatsQuery, file_format: str, partner: str | None = None
    ) -> None:
        """Write an export off the UI thread; the files written are said in the status line."""
        self.say(_("Writing the export…"))
        service, container = self.service, self.container
        mask_below = DEFAULT_MASK_THRESHOLD if self.mask else None

        def write() -> list[Path]:
            shown = query if partner is None else service.partner_query(actor, query, partner)
            path = default_export_path(container.documents_dir, shown, file_format, partner)
            return service.export(
                actor, shown, path=path, file_format=file_format, mask_below=mask_below
            )

        def written(paths: list[Path]) -> None:
            self.say(_("Written: {path}").format(path=", ".join(str(p) for p in paths)))

        self.in_background(write, written, group=EXPORT_GROUP)

    def action_back(self) -> None:
        """Back to the queue."""
        self.app.pop_screen()


class PartnerPick(DeskModal):
    """The partner whose report to write: Enter on the list, Esc to cancel."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="partner_cancel")]

    def __init__(self, partners: list[tuple[str, str]]) -> None:
        super().__init__()
        self.partners = partners

    def compose(self) -> ComposeResult:
        """The partners, by name."""
        with Vertical(classes="dialog"):
            yield Static(_("Partner report"), classes="title")
            yield OptionList(
                *[Option(Text(name), id=code) for code, name in self.partners],
                id="partner-list",
            )
            yield Static(_("Enter: write the report · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one("#partner-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#partner-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """Enter picks the highlighted partner."""
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        """Close without writing."""
        self.dismiss(None)


class PeriodForm(FormModal):
    """Chosen dates: from and to (dd/mm/yyyy, yyyy-mm-dd, dd/mm)."""

    def __init__(self, start: date, end: date) -> None:
        super().__init__()
        self.start = start
        self.end = end

    def compose(self) -> ComposeResult:
        """Two dates."""
        with Vertical(classes="dialog"):
            yield Static(_("Period"), classes="title")
            yield Label(_("From (dd/mm/yyyy)"))
            yield SafeInput(self.start.strftime("%d/%m/%Y"), id="period-from", max_length=12)
            yield Label(_("To (dd/mm/yyyy)"))
            yield SafeInput(self.end.strftime("%d/%m/%Y"), id="period-to", max_length=12)
            yield from self.compose_error()
            yield Static(_("Enter: show · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Focus the first date, selected."""
        self.query_one("#period-from", Input).focus()

    def has_content(self) -> bool:
        """Nothing to lose: the dates were pre-filled."""
        return False

    @on(Input.Submitted)
    def action_save(self) -> None:
        """Check both dates and close with them."""
        today = self.start
        start = parse_day(self.query_one("#period-from", Input).value, today)
        end = parse_day(self.query_one("#period-to", Input).value, today)
        if start is None or end is None:
            self.say(_("Type the dates as 15/03/2026."))
            return
        if end < start:
            self.say(_("The period ends before it starts."))
            return
        self.dismiss((start, end))
