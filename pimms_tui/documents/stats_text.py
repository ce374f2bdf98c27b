"""The statistics drawn as text: bars with their numbers beside them, section by section.

Each section is a list of lines "label  ████▌  1 234  12 %", so the numbers are always beside
the bars and a screen reader or a copy-paste gets them too. Block characters (eighths of a
cell) are enough for horizontal bars: no chart library. The result is plain data, text in
segments with a style name ("bold", "dim"), that a terminal screen draws as it likes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pimms_tui.domain.stats import NO_PARTNER, Durations, Stats, Tally
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

from .stats_summary import no_partner_label, weekday_names


@dataclass
class StyledText:
    """Text in segments, each with a style name ("" for none): what a section shows."""

    segments: list[tuple[str, str]] = field(default_factory=list)

    def append(self, text: str, style: str = "") -> None:
        """Add ``text`` at the end, in ``style``."""
        self.segments.append((text, style))

    @property
    def plain(self) -> str:
        """The text without its styles."""
        return "".join(text for text, _style in self.segments)


def cell_width(text: str) -> int:
    """How many terminal cells ``text`` takes (wide characters two, combining marks none)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


BAR_WIDTH = 16
LABEL_WIDTH = 22
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, maximum: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` out of ``maximum``, ``width`` cells at most, to 1/8 cell."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` cells."""
    if cell_width(text) > width:
        while cell_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - cell_width(text))


@dataclass(frozen=True)
class BarLine:
    """One labelled figure of a chart."""

    label: str
    value: float
    shown: str  # the number beside the bar, formatted


def chart(lines: Sequence[BarLine], *, total: float | None = None) -> StyledText:
    """Bars with their numbers beside them (and the share of ``total`` when given)."""
    text = StyledText()
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


def counts_chart(pairs: Sequence[tuple[str, int]], total: int | None = None) -> StyledText:
    """A chart of counts (zero lines dropped)."""
    return chart(
        [BarLine(label, n, format_number(n)) for label, n in pairs if n], total=total or None
    )


def minutes(value: float | None) -> str:
    """Minutes with one decimal in the active language ("12,5 min"), a dash when none."""
    if value is None:
        return "—"
    return _("{minutes} min").format(minutes=format_number(round(value, 1)))


def pairs_text(pairs: Sequence[tuple[str, str]]) -> StyledText:
    """Named figures, one a line, the figure in bold beside its name."""
    text = StyledText()
    for index, (name, value) in enumerate(pairs):
        if index:
            text.append("\n")
        text.append(fit(name, LABEL_WIDTH) + " ")
        text.append(value, style="bold")
    return text


def durations_text(durations: Durations, *, target: int | None = None) -> StyledText:
    """Mean, median, 90th percentile (and share above target) of a distribution."""
    pairs = [
        (_("visits counted"), format_number(durations.count)),
        (_("mean"), minutes(durations.mean)),
        (_("median"), minutes(durations.median)),
        (_("90th percentile"), minutes(durations.p90)),
    ]
    if target is not None:
        share = durations.share_over_target
        above = _("above {minutes} min").format(minutes=target)
        pairs.append((above, "—" if share is None else format_share(share)))
    return pairs_text(pairs)


def tally_pairs(tallies: Sequence[Tally], *, none_label: str = "") -> list[tuple[str, int]]:
    """Labels (active language) and counts of tallies."""
    language = active_language()
    return [
        ((t.label(language) if t.key != NO_PARTNER else none_label) or t.key, t.count)
        for t in tallies
    ]


def waiting_per_day(stats: Stats) -> list[BarLine]:
    """Mean waiting time per day; per week (the domain's weekly means) past a month."""
    if (stats.query.end - stats.query.start).days <= 31:
        return [
            BarLine(format_date(d.day, "short"), d.mean_minutes, minutes(d.mean_minutes))
            for d in stats.waiting_by_day
        ]
    return [
        BarLine(
            _("week of {day}").format(day=format_date(w.day, "short")),
            w.mean_minutes,
            minutes(w.mean_minutes),
        )
        for w in stats.waiting_by_week
    ]


def overview_text(stats: Stats) -> StyledText:
    """The headline figures."""
    rate = stats.no_show_rate
    return pairs_text(
        [
            (_("visits"), format_number(stats.visits)),
            (_("distinct named visitors"), format_number(stats.named_visitors)),
            (_("anonymous visits"), format_number(stats.anonymous_visits)),
            (_("demands"), format_number(stats.demands)),
            (_("relays"), format_number(stats.relays)),
            (_("appointments with an outcome"), format_number(stats.appointments_due)),
            (_("no-show rate"), "—" if rate is None else format_share(rate)),
        ]
    )


def sections(stats: Stats) -> dict[str, StyledText]:
    """Every section's content, by the key of its widget."""
    hours = stats.arrivals_by_hour
    busy = [h for h, n in enumerate(hours) if n]
    span = range(min(busy), max(busy) + 1) if busy else range(0)

    def words(labels: Mapping[Any, str], counts: dict[str, int]) -> list[tuple[str, int]]:
        return [(word(labels, k), n) for k, n in counts.items()]

    outcomes = [
        (word(OUTCOME_LABELS, k) if k else _("no outcome yet"), n)
        for k, n in stats.by_outcome.items()
    ]
    demands, relays = stats.demands, stats.relays
    by_partner = tally_pairs(stats.by_partner, none_label=no_partner_label())
    return {
        "overview": overview_text(stats),
        "waiting": durations_text(stats.waiting, target=stats.query.wait_target_minutes),
        "listening": durations_text(stats.listening),
        "motif": counts_chart(tally_pairs(stats.by_motif), demands),
        "thematique": counts_chart(tally_pairs(stats.by_thematique), demands),
        "partner": counts_chart(by_partner, demands),
        "register": counts_chart(tally_pairs(stats.by_register), demands),
        "level": counts_chart(words(LEVEL_LABELS, stats.by_level), demands),
        "outcome": counts_chart(outcomes, demands),
        "relays": counts_chart(words(RELAY_STATUS_LABELS, stats.relays_by_status), relays),
        "refusals": counts_chart(words(REFUSAL_REASON_LABELS, stats.refusal_reasons)),
        "relay-partners": counts_chart(
            [(p.name, p.total) for p in stats.relays_by_partner], relays
        ),
        "appointments": counts_chart(
            words(APPOINTMENT_STATUS_LABELS, stats.appointments_by_status)
        ),
        "visits": counts_chart(
            words(STATUS_LABELS, dict(sorted(stats.visits_by_status.items()))), stats.visits
        ),
        "hours": chart([BarLine(f"{h:02d}h", hours[h], format_number(hours[h])) for h in span]),
        "weekdays": counts_chart(
            list(zip(weekday_names(), stats.arrivals_by_weekday, strict=True))
        ),
        "days": chart(waiting_per_day(stats)),
    }


SECTIONS = (
    ("overview", N_("Overview")),
    ("waiting", N_("Waiting time")),
    ("listening", N_("Listening time")),
    ("motif", N_("Demands by reason")),
    ("thematique", N_("Demands by thématique")),
    ("partner", N_("Demands by partner")),
    ("register", N_("Demands by register")),
    ("level", N_("Level of help")),
    ("outcome", N_("Outcome")),
    ("relays", N_("Relays by status")),
    ("refusals", N_("Refusal reasons")),
    ("relay-partners", N_("Relays by partner")),
    ("appointments", N_("Appointments")),
    ("visits", N_("Visits by status")),
    ("hours", N_("Arrivals per hour")),
    ("weekdays", N_("Arrivals per day of the week")),
    ("days", N_("Mean waiting time per day")),
)
