"""Statistics for managers: the period's figures, bars drawn in the terminal, exports.

The figures are read in a thread worker (``StatsService.figures``: a handful of SQL
aggregates) and drawn as text: each section is a list of lines "label  ████▌  1 234  12 %",
so the numbers are always beside the bars and a screen reader or a copy-paste gets them too.
No chart library: block characters (eighths of a cell) are enough for horizontal bars and
keep the screen free of a dependency that follows Textual's releases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.domain.stats import (
    NO_PARTNER,
    Durations,
    Period,
    Stats,
    StatsQuery,
    StatsService,
    Tally,
    period_bounds,
)
from pimms_tui.i18n import N_, _, active_language, format_date, format_number, format_share
from pimms_tui.labels import (
    APPOINTMENT_STATUS_LABELS,
    LEVEL_LABELS,
    OUTCOME_LABELS,
    REFUSAL_REASON_LABELS,
    RELAY_STATUS_LABELS,
    STATUS_LABELS,
    word,
)

from .base import DeskModal
from .forms import FormModal, parse_day
from .worklist import WorklistScreen

BAR_WIDTH = 16
LABEL_WIDTH = 22
_EIGHTHS = " ▏▎▍▌▋▊▉"
EXPORT_GROUP = "stats-export"


def bar(value: float, maximum: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` out of ``maximum``, ``width`` cells at most, to 1/8 cell."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` cells."""
    if cell_len(text) > width:
        while cell_len(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - cell_len(text))


@dataclass(frozen=True)
class BarLine:
    """One labelled figure of a chart."""

    label: str
    value: float
    shown: str  # the number beside the bar, formatted


def chart(lines: Sequence[BarLine], *, total: float | None = None) -> Text:
    """Bars with their numbers beside them (and the share of ``total`` when given)."""
    text = Text()
    maximum = max((line.value for line in lines), default=0)
    for index, line in enumerate(lines):
        if index:
            text.append("\n")
        text.append(fit(line.label, LABEL_WIDTH) + " ")
        text.append(fit(bar(line.value, maximum), BAR_WIDTH), style="bold")
        text.append(f" {line.shown:>7}")
        if total:
            text.append(f" {format_share(line.value / total):>5}", style="dim")
    if not lines:
        text.append(_("nothing in this period"), style="dim italic")
    return text


def counts_chart(pairs: Sequence[tuple[str, int]], total: int | None = None) -> Text:
    """A chart of counts (zero lines dropped)."""
    return chart(
        [BarLine(label, n, format_number(n)) for label, n in pairs if n], total=total or None
    )


def minutes(value: float | None) -> str:
    """Minutes with one decimal in the active language ("12,5 min"), a dash when none."""
    if value is None:
        return "—"
    return _("{minutes} min").format(minutes=format_number(round(value, 1)))


def durations_text(durations: Durations, *, target: int | None = None) -> Text:
    """Mean, median, 90th percentile (and share above target) of a distribution."""
    text = Text()
    pairs = [
        (_("visits counted"), format_number(durations.count)),
        (_("mean"), minutes(durations.mean)),
        (_("median"), minutes(durations.median)),
        (_("90th percentile"), minutes(durations.p90)),
    ]
    if target is not None:
        share = durations.share_over_target
        pairs.append(
            (
                _("above {minutes} min").format(minutes=target),
                "—" if share is None else format_share(share),
            )
        )
    for index, (name, value) in enumerate(pairs):
        if index:
            text.append("\n")
        text.append(fit(name, LABEL_WIDTH) + " ")
        text.append(value, style="bold")
    return text


def tally_pairs(tallies: Sequence[Tally], *, none_label: str = "") -> list[tuple[str, int]]:
    """Labels (active language) and counts of tallies."""
    language = active_language()
    return [
        ((t.label(language) if t.key != NO_PARTNER else none_label) or t.key, t.count)
        for t in tallies
    ]


def waiting_per_day(stats: Stats) -> list[BarLine]:
    """Mean waiting time per day; per week when the period is longer than a month."""
    days = stats.waiting_by_day
    if (stats.query.end - stats.query.start).days <= 31:
        return [
            BarLine(format_date(d.day, "short"), d.mean_minutes, minutes(d.mean_minutes))
            for d in days
        ]
    weeks: dict[date, tuple[int, float]] = {}
    for d in days:
        monday = d.day - timedelta(days=d.day.weekday())
        count, total = weeks.get(monday, (0, 0.0))
        weeks[monday] = (count + d.visits, total + d.mean_minutes * d.visits)
    return [
        BarLine(
            _("week of {day}").format(day=format_date(monday, "short")),
            total / count,
            minutes(total / count),
        )
        for monday, (count, total) in sorted(weeks.items())
    ]


def overview_text(stats: Stats) -> Text:
    """The headline figures."""
    text = Text()
    rate = stats.no_show_rate
    pairs = [
        (_("visits"), format_number(stats.visits)),
        (_("distinct named visitors"), format_number(stats.named_visitors)),
        (_("anonymous visits"), format_number(stats.anonymous_visits)),
        (_("demands"), format_number(stats.demands)),
        (_("relays"), format_number(stats.relays)),
        (_("appointments with an outcome"), format_number(stats.appointments_due)),
        (_("no-show rate"), "—" if rate is None else format_share(rate)),
    ]
    for index, (name, value) in enumerate(pairs):
        if index:
            text.append("\n")
        text.append(fit(name, LABEL_WIDTH) + " ")
        text.append(value, style="bold")
    return text


class StatsLoaded(Message):
    """Fresh figures, read in a worker."""

    def __init__(self, stats: Stats) -> None:
        super().__init__()
        self.stats = stats


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
        """The statistics service over this terminal's database."""
        return self.use_cases.stats

    def compose(self) -> ComposeResult:
        """Scope line, the sections in a grid, the status line."""
        yield Header()
        yield from self.compose_banner()
        yield Static("", id="stats-scope", markup=False)
        with VerticalScroll(id="stats-body"), Grid(id="stats-grid"):
            for key, title in (
                ("overview", _("Overview")),
                ("waiting", _("Waiting time")),
                ("listening", _("Listening time")),
                ("motif", _("Demands by reason")),
                ("thematique", _("Demands by thématique")),
                ("partner", _("Demands by partner")),
                ("register", _("Demands by register")),
                ("level", _("Level of help")),
                ("outcome", _("Outcome")),
                ("relays", _("Relays by status")),
                ("refusals", _("Refusal reasons")),
                ("relay-partners", _("Relays by partner")),
                ("appointments", _("Appointments")),
                ("visits", _("Visits by status")),
                ("hours", _("Arrivals per hour")),
                ("weekdays", _("Arrivals per day of the week")),
                ("days", _("Mean waiting time per day")),
            ):
                with Vertical(classes="stats-section", id=f"section-{key}"):
                    yield Static(title, classes="stats-title", markup=False)
                    yield Static("", id=f"stats-{key}", classes="stats-chart", markup=False)
        yield from self.compose_status()
        yield Footer()

    def on_mount(self) -> None:
        """Title, then the first figures."""
        self.sub_title = _("Statistics")
        today = self.office.local_day(self.use_cases.now())
        self.start, self.end = period_bounds(Period.MONTH, today)
        self.load()

    # Loading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the figures again in a worker."""
        self.query_one("#stats-scope", Static).update(self.scope_text() + " — " + _("reading…"))
        self.read_figures(self.all_offices, self.start, self.end)

    @work(thread=True, exclusive=True, group="stats-load", exit_on_error=False)
    def read_figures(self, all_offices: bool, start: date, end: date) -> None:
        """The figure set, off the UI thread."""
        service = self.service
        actor = self.actor
        if all_offices:
            office_ids = tuple(i for i, _code, _name in service.offices(actor))
        else:
            office_ids = (self.office.id,)
        target = service.wait_target(self.office.id)
        query = StatsQuery(
            start=start,
            end=end,
            office_ids=office_ids,
            wait_target_minutes=target,
            today=self.office.local_day(self.use_cases.now()),
        )
        self.post_message(StatsLoaded(service.figures(actor, query)))

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

    @on(StatsLoaded)
    def show(self, message: StatsLoaded) -> None:
        """Draw every section."""
        stats = self.stats = message.stats
        scope = self.scope_text()
        if stats.query.office_ids and len(stats.offices) > 1:
            scope += f" ({len(stats.offices)})"
        self.query_one("#stats-scope", Static).update(scope)

        def put(key: str, content: Text) -> None:
            self.query_one(f"#stats-{key}", Static).update(content)

        put("overview", overview_text(stats))
        put("waiting", durations_text(stats.waiting, target=stats.query.wait_target_minutes))
        put("listening", durations_text(stats.listening))
        put("motif", counts_chart(tally_pairs(stats.by_motif), stats.demands))
        put("thematique", counts_chart(tally_pairs(stats.by_thematique), stats.demands))
        put(
            "partner",
            counts_chart(tally_pairs(stats.by_partner, none_label=_("no partner")), stats.demands),
        )
        put("register", counts_chart(tally_pairs(stats.by_register), stats.demands))
        put(
            "level",
            counts_chart(
                [(word(LEVEL_LABELS, k), n) for k, n in stats.by_level.items()], stats.demands
            ),
        )
        put(
            "outcome",
            counts_chart(
                [
                    (word(OUTCOME_LABELS, k) if k else _("no outcome yet"), n)
                    for k, n in stats.by_outcome.items()
                ],
                stats.demands,
            ),
        )
        put(
            "relays",
            counts_chart(
                [(word(RELAY_STATUS_LABELS, k), n) for k, n in stats.relays_by_status.items()],
                stats.relays,
            ),
        )
        put(
            "refusals",
            counts_chart(
                [(word(REFUSAL_REASON_LABELS, k), n) for k, n in stats.refusal_reasons.items()]
            ),
        )
        put(
            "relay-partners",
            counts_chart([(p.name, p.total) for p in stats.relays_by_partner], stats.relays),
        )
        put(
            "appointments",
            counts_chart(
                [
                    (word(APPOINTMENT_STATUS_LABELS, k), n)
                    for k, n in stats.appointments_by_status.items()
                ]
            ),
        )
        put(
            "visits",
            counts_chart(
                [(word(STATUS_LABELS, k), n) for k, n in sorted(stats.visits_by_status.items())],
                stats.visits,
            ),
        )
        hours = stats.arrivals_by_hour
        busy = [h for h, n in enumerate(hours) if n]
        span = range(min(busy), max(busy) + 1) if busy else range(0)
        put(
            "hours",
            chart([BarLine(f"{h:02d}h", hours[h], format_number(hours[h])) for h in span]),
        )
        from pimms_tui.stats_export import weekday_names

        put(
            "weekdays",
            counts_chart(list(zip(weekday_names(), stats.arrivals_by_weekday, strict=True))),
        )
        put("days", chart(waiting_per_day(stats)))

    # Keys ---------------------------------------------------------------------------------

    def action_period(self, period: str) -> None:
        """Today, this week, this month or this year (of the office's calendar)."""
        today = self.office.local_day(self.use_cases.now())
        self.start, self.end = period_bounds(period, today)
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
        """Mask counts of fewer than 3 people in the exports (external reports)."""
        self.mask = not self.mask
        self.query_one("#stats-scope", Static).update(self.scope_text())
        self.say(
            _("Exports will mask counts of fewer than 3 people.")
            if self.mask
            else _("Exports will show every count.")
        )

    def action_export(self, file_format: str) -> None:
        """Write the shown period's figures and detail to the documents folder."""
        if self.stats is None:
            return
        self.say(_("Writing the export…"))
        self.write_export(self.stats.query, file_format, self.mask)

    def action_partner_report(self) -> None:
        """Pick a partner, then write its report (XLSX) for the shown period."""
        if self.stats is None:
            return
        self.list_partners(self.stats.query)

    @work(thread=True, exclusive=True, group="stats-partners", exit_on_error=False)
    def list_partners(self, query: StatsQuery) -> None:
        """The partners to choose from, off the UI thread."""
        partners = self.service.partners(self.actor, query.office_ids)
        self.app.call_from_thread(self._pick_partner, query, partners)

    def _pick_partner(self, query: StatsQuery, partners: list[tuple[str, str]]) -> None:
        def chosen(code: str | None) -> None:
            if code is not None:
                self.say(_("Writing the export…"))
                self.write_export(query, "xlsx", self.mask, code)

        self.app.push_screen(PartnerPick(partners), chosen)

    @work(thread=True, exclusive=True, group=EXPORT_GROUP, exit_on_error=False)
    def write_export(
        self, query: StatsQuery, file_format: str, mask: bool, partner: str | None = None
    ) -> None:
        """The export, off the UI thread; the files written are said in the status line."""
        from dataclasses import replace

        from pimms_tui.stats_export import default_export_path, export_stats

        folder = self.container.documents_dir
        if partner is not None:
            ids = self.service.partner_ids(self.actor, query.office_ids, partner)
            query = replace(query, partner_ids=ids)
        paths = export_stats(
            self.service,
            self.actor,
            query,
            path=default_export_path(folder, query, file_format, partner),
            file_format=file_format,
            mask_below=3 if mask else None,
        )
        self.post_message(ExportWritten(paths))

    def on_export_written(self, message: ExportWritten) -> None:
        """Say where the files are."""
        self.say(_("Written: {path}").format(path=", ".join(str(p) for p in message.paths)))

    def action_back(self) -> None:
        """Back to the queue."""
        self.app.pop_screen()


class ExportWritten(Message):
    """The export's files were written."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self.paths = paths


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
            yield Input(self.start.strftime("%d/%m/%Y"), id="period-from", max_length=12)
            yield Label(_("To (dd/mm/yyyy)"))
            yield Input(self.end.strftime("%d/%m/%Y"), id="period-to", max_length=12)
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
