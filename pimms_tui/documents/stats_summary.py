"""The statistics export laid out in words: the summary's lines and the detail's columns.

Column titles, words for the stored codes and labels come in the active language; numbers
stay numbers (each file format writes them its own way). With ``mask_below`` (external
reports), the domain's masking rule hides small counts and what is computed from them.
Nothing identifying is ever laid out: no name, no note, no relay reason, no visitor id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pimms_tui.db.enums import AgeBand, Gender
from pimms_tui.domain.stats import (
    NO_PARTNER,
    DemandRow,
    Durations,
    Masked,
    Stats,
    masked_count,
    masked_figure,
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

Value = int | float | str | Masked | None


@dataclass(frozen=True)
class SummaryLine:
    """One line of the summary: a section, what is counted, and the figure."""

    section: str
    item: str
    value: Value
    kind: str = "count"  # count, minutes, share, text


def no_partner_label() -> str:
    """How demands without a partner are named."""
    return _("no partner")


def weekday_names() -> list[str]:
    """Monday to Sunday in the active language (Babel)."""
    names = babel_locale().days["format"]["wide"]
    return [str(names[i]) for i in range(7)]


def summary_lines(stats: Stats, *, mask_below: int | None = None) -> list[SummaryLine]:
    """The summary of a figure set, in the active language; small counts masked if asked."""
    language = active_language()

    def count(value: int) -> Value:
        return masked_count(value, mask_below)

    def from_people(value: float | None, people: int) -> Value:
        return masked_figure(value, people, mask_below)

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
