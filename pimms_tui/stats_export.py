"""Statistics exports for funders and partners: a summary and one anonymised row per demand.

The figures come from :mod:`pimms_tui.domain.stats`; this module only lays them out in the
active language (column titles, words for the stored codes, Babel numbers), which is why it
sits beside the CLI rather than in the domain layer. The CLI and the statistics screen both
call :func:`export_stats`, so a file written from either is the same.

* CSV opens as it should in the spreadsheet of the language: in French, ``;`` between cells
  and UTF-8 with a byte-order mark (what French Excel and LibreOffice expect), decimals with a
  comma; in English, ``,`` and plain UTF-8. The detail goes to the file asked for, the summary
  beside it (``…-summary.csv``): two tables never share one CSV.
* XLSX (openpyxl, written in streaming mode) holds a "Summary" sheet and a "Demands" sheet
  (continued on further sheets past a sheet's 1,048,576 rows).

Nothing identifying is ever written: no name, no note, no relay reason, no visitor id. With
``mask`` (external reports), a count of people between 1 and ``threshold - 1`` is written
"< 3" (the threshold), as are the durations and shares computed from so few people.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent

from pimms_tui.db.enums import AgeBand, Gender
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.stats import (
    NO_PARTNER,
    DemandRow,
    Durations,
    Stats,
    StatsQuery,
    StatsService,
)
from pimms_tui.i18n import _, active_language, babel_locale, label
from pimms_tui.labels import (
    AGE_BAND_LABELS,
    APPOINTMENT_STATUS_LABELS,
    GENDER_LABELS,
    LEVEL_LABELS,
    OUTCOME_LABELS,
    REFUSAL_REASON_LABELS,
    RELAY_STATUS_LABELS,
    STATUS_LABELS,
    word,
)

FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Masked:
    """A small count hidden in an external report ("< 3")."""

    threshold: int

    def __str__(self) -> str:
        return f"< {self.threshold}"


Value = int | float | str | Masked | None


@dataclass(frozen=True)
class SummaryLine:
    """One line of the summary: a section, what is counted, and the figure."""

    section: str
    item: str
    value: Value
    kind: str = "count"  # count, minutes, share


def no_partner_label() -> str:
    """How demands without a partner are named."""
    return _("no partner")


def summary_lines(stats: Stats, *, mask_below: int | None = None) -> list[SummaryLine]:
    """The summary of a figure set, in the active language; small counts masked if asked."""
    language = active_language()

    def count(value: int) -> Value:
        if mask_below is not None and 0 < value < mask_below:
            return Masked(mask_below)
        return value

    def from_people(value: float | None, people: int) -> Value:
        if mask_below is not None and 0 < people < mask_below:
            return Masked(mask_below)
        return value

    lines: list[SummaryLine] = []
    add = lines.append
    partner_report = stats.query.partner_ids is not None
    period = _("Period")
    add(SummaryLine(period, _("from"), stats.query.start.isoformat(), "text"))
    add(SummaryLine(period, _("to"), stats.query.end.isoformat(), "text"))
    add(SummaryLine(period, _("offices"), ", ".join(stats.offices), "text"))
    if not partner_report:
        visits = _("Visits")
        add(SummaryLine(visits, _("visits"), count(stats.visits)))
        add(SummaryLine(visits, _("distinct named visitors"), count(stats.named_visitors)))
        add(SummaryLine(visits, _("anonymous visits"), count(stats.anonymous_visits)))
        for status, n in sorted(stats.visits_by_status.items()):
            add(SummaryLine(visits, word(STATUS_LABELS, status), count(n)))
    demands = _("Demands")
    add(SummaryLine(demands, _("demands"), count(stats.demands)))
    for tally in stats.by_motif:
        add(SummaryLine(_("By reason"), tally.label(language), count(tally.count)))
    for tally in stats.by_thematique:
        add(SummaryLine(_("By thématique"), tally.label(language), count(tally.count)))
    for tally in stats.by_partner:
        name = tally.label(language) if tally.key != NO_PARTNER else no_partner_label()
        add(SummaryLine(_("By partner"), name, count(tally.count)))
    for tally in stats.by_register:
        add(SummaryLine(_("By register"), tally.label(language), count(tally.count)))
    for level, n in stats.by_level.items():
        add(SummaryLine(_("By level of help"), word(LEVEL_LABELS, level), count(n)))
    for outcome, n in stats.by_outcome.items():
        name = word(OUTCOME_LABELS, outcome) if outcome else _("no outcome yet")
        add(SummaryLine(_("By outcome"), name, count(n)))
    relays = _("Relays")
    add(SummaryLine(relays, _("relays"), count(stats.relays)))
    for status, n in stats.relays_by_status.items():
        add(SummaryLine(relays, word(RELAY_STATUS_LABELS, status), count(n)))
    for reason, n in stats.refusal_reasons.items():
        add(SummaryLine(_("Refusal reasons"), word(REFUSAL_REASON_LABELS, reason), count(n)))
    for partner in stats.relays_by_partner:
        for status, n in partner.by_status.items():
            item = f"{partner.name} — {word(RELAY_STATUS_LABELS, status)}"
            add(SummaryLine(_("Relays by partner"), item, count(n)))
    if partner_report:
        return lines
    appointments = _("Appointments")
    for status, n in stats.appointments_by_status.items():
        add(SummaryLine(appointments, word(APPOINTMENT_STATUS_LABELS, status), count(n)))
    add(
        SummaryLine(
            appointments,
            _("no-show rate"),
            from_people(stats.no_show_rate, stats.appointments_due),
            "share",
        )
    )
    _durations(lines, _("Waiting time (minutes)"), stats.waiting, from_people)
    add(
        SummaryLine(
            _("Waiting time (minutes)"),
            _("share above {minutes} min").format(minutes=stats.query.wait_target_minutes),
            from_people(stats.waiting.share_over_target, stats.waiting.count),
            "share",
        )
    )
    _durations(lines, _("Listening time (minutes)"), stats.listening, from_people)
    for hour, n in enumerate(stats.arrivals_by_hour):
        if n:
            add(SummaryLine(_("Arrivals by hour"), f"{hour:02d}h", count(n)))
    for day, n in zip(weekday_names(), stats.arrivals_by_weekday, strict=True):
        add(SummaryLine(_("Arrivals by weekday"), day, count(n)))
    return lines


def _durations(
    lines: list[SummaryLine],
    section: str,
    durations: Durations,
    from_people: Callable[[float | None, int], Value],
) -> None:
    people = durations.count
    lines.append(SummaryLine(section, _("visits"), from_people(people, people)))
    lines.append(SummaryLine(section, _("mean"), from_people(durations.mean, people), "minutes"))
    lines.append(
        SummaryLine(section, _("median"), from_people(durations.median, people), "minutes")
    )
    lines.append(
        SummaryLine(section, _("90th percentile"), from_people(durations.p90, people), "minutes")
    )


def weekday_names() -> list[str]:
    """Monday to Sunday in the active language (Babel)."""
    names = babel_locale().days["format"]["wide"]
    return [str(names[i]) for i in range(7)]


def detail_header() -> list[str]:
    """Column titles of the detail: one row per demand, nothing identifying."""
    return [
        _("date"),
        _("office"),
        _("reason"),
        _("thématique"),
        _("partner"),
        _("register"),
        _("level of help"),
        _("outcome"),
        _("relay status"),
        _("waited (minutes)"),
        _("age band"),
        _("gender"),
        _("visitor"),
    ]


def detail_values(row: DemandRow) -> list[Any]:
    """The cells of one demand (numbers as numbers; the writer formats them)."""
    return [
        row.day,
        row.office,
        label(row.motif_fr, row.motif_en),
        row.thematique,
        row.partner,
        label(row.register_fr, row.register_en),
        word(LEVEL_LABELS, row.level),
        word(OUTCOME_LABELS, row.outcome),
        word(RELAY_STATUS_LABELS, row.relay_status),
        row.waited_minutes,
        word(AGE_BAND_LABELS, AgeBand(row.age_band)) if row.age_band else "",
        word(GENDER_LABELS, Gender(row.gender)),
        _("named") if row.named else _("anonymous"),
    ]


# --- Writers -----------------------------------------------------------------------------------


def export_stats(
    service: StatsService,
    actor: Actor,
    query: StatsQuery,
    *,
    path: Path,
    file_format: str,
    mask_below: int | None = None,
) -> list[Path]:
    """Write the figures and the detail of ``query`` to ``path``; returns the files written."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}")
    stats = service.figures(actor, query)
    lines = summary_lines(stats, mask_below=mask_below)
    rows = service.demand_rows(actor, query)
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "xlsx":
        write_xlsx(path, lines, rows)
        return [path]
    summary = path.with_name(f"{path.stem}-summary{path.suffix or '.csv'}")
    write_csv_summary(summary, lines)
    write_csv_detail(path, rows)
    return [path, summary]


def csv_dialect() -> tuple[str, str]:
    """Separator and encoding for the active language's spreadsheets."""
    if active_language() == "fr":
        return ";", "utf-8-sig"
    return ",", "utf-8"


def csv_cell(value: Any, kind: str = "count") -> str:
    """A cell as the active language's spreadsheet reads it (decimal comma in French)."""
    locale = babel_locale()
    if value is None:
        return ""
    if isinstance(value, Masked):
        return str(value)
    if isinstance(value, bool):
        return str(value)
    if kind == "share" and isinstance(value, float | int):
        pattern = re.sub(r"0(?![0#])", "0.0", locale.percent_formats[None].pattern, count=1)
        return str(format_percent(value, pattern, locale=locale, group_separator=False))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(format_decimal(round(value, 1), "0.#", locale=locale, group_separator=False))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def write_csv_summary(path: Path, lines: Iterable[SummaryLine]) -> None:
    """The summary as a three-column CSV: section, item, figure."""
    separator, encoding = csv_dialect()
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=separator)
        writer.writerow([_("section"), _("item"), _("figure")])
        for line in lines:
            writer.writerow([line.section, line.item, csv_cell(line.value, line.kind)])


def write_csv_detail(path: Path, rows: Iterable[DemandRow]) -> None:
    """One row per demand, streamed."""
    separator, encoding = csv_dialect()
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=separator)
        writer.writerow(detail_header())
        for row in rows:
            writer.writerow([csv_cell(value) for value in detail_values(row)])


def write_xlsx(path: Path, lines: Iterable[SummaryLine], rows: Iterator[DemandRow]) -> None:
    """A workbook with the summary sheet and the detail sheet(s), written in streaming mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Summary"))
    summary.append([_("section"), _("item"), _("figure")])
    for line in lines:
        value = line.value
        if isinstance(value, Masked):
            summary.append([line.section, line.item, str(value)])
            continue
        cell = WriteOnlyCell(summary, value=value)
        if line.kind == "share":
            cell.number_format = "0.0%"
        elif line.kind == "minutes":
            cell.number_format = "0.0"
        summary.append([line.section, line.item, cell])
    title = _("Demands")
    sheet = workbook.create_sheet(title)
    sheet.append(detail_header())
    written, number = 1, 1
    for row in rows:
        if written >= XLSX_MAX_ROWS:
            number += 1
            sheet = workbook.create_sheet(f"{title} {number}")
            sheet.append(detail_header())
            written = 1
        sheet.append(detail_values(row))
        written += 1
    workbook.save(path)


def read_csv(path: Path) -> list[list[str]]:
    """Read back a CSV written here (tests and checks): same separator and encoding."""
    separator, encoding = csv_dialect()
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.reader(handle, delimiter=separator))


def default_export_path(
    folder: Path, query: StatsQuery, file_format: str, partner: str | None = None
) -> Path:
    """``stats-2026-01-01-2026-12-31.csv`` in ``folder`` (``stats-caf-…`` for a partner)."""
    kind = f"stats-{partner}" if partner else "stats"
    return folder / f"{kind}-{query.start.isoformat()}-{query.end.isoformat()}.{file_format}"
