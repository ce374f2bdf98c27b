"""What the statistics count and what they return: the query and the figure dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pimms_tui.db.enums import AppointmentStatus

from ..errors import DomainError
from ..messages import N_
from .periods import week_start

DEFAULT_WAIT_TARGET_MINUTES = 20

NO_PARTNER = ""  # the key of demands that concern no partner


class InvalidPeriod(DomainError):
    """The period or the offices asked for make no sense."""


@dataclass(frozen=True)
class StatsQuery:
    """What to count: a period (inclusive days, office-local), offices, optionally partners."""

    start: date
    end: date
    office_ids: tuple[int, ...]
    wait_target_minutes: int = DEFAULT_WAIT_TARGET_MINUTES
    # A partner report: only the demands and relays that concern these partners.
    partner_ids: tuple[int, ...] | None = None
    # The office's today: open relays more than 30 days past their follow-up date count as
    # expired, as the follow-up list would close them (that list writes it when opened).
    today: date | None = None
    # Set by the query when the offices are all those of the database: no office filter
    # then (scanning a table beats reading all of it through the office index).
    every_office: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(N_("The period ends before it starts."))
        if not self.office_ids:
            raise InvalidPeriod(N_("Choose at least one office."))
        if self.wait_target_minutes < 0:
            raise InvalidPeriod(N_("The waiting target cannot be negative."))


@dataclass(frozen=True)
class Tally:
    """One bar of a figure: a key (a code, or an id as text), its labels and its count."""

    key: str
    label_fr: str
    label_en: str
    count: int

    def label(self, language: str) -> str:
        """The label in ``language`` ("fr" or "en")."""
        return self.label_fr if language == "fr" else self.label_en


@dataclass(frozen=True)
class Durations:
    """A distribution of durations in minutes (waiting or listening)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    over_target: int = 0  # how many above the target (waiting only)

    @property
    def share_over_target(self) -> float | None:
        """Share of the visits that waited more than the target."""
        return self.over_target / self.count if self.count else None


@dataclass(frozen=True)
class DayWait:
    """The mean waiting time of one day (or of one week, ``day`` being its Monday)."""

    day: date
    visits: int
    mean_minutes: float


def weekly_waits(days: list[DayWait]) -> list[DayWait]:
    """The mean waiting time of each week (keyed by its Monday), weighted by the day's visits."""
    weeks: dict[date, tuple[int, float]] = {}
    for day in days:
        monday = week_start(day.day)
        count, total = weeks.get(monday, (0, 0.0))
        weeks[monday] = (count + day.visits, total + day.mean_minutes * day.visits)
    return [
        DayWait(day=monday, visits=count, mean_minutes=total / count)
        for monday, (count, total) in sorted(weeks.items())
    ]


@dataclass(frozen=True)
class PartnerRelays:
    """The relays sent to one partner, by status."""

    key: str
    name: str
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        """All relays sent to the partner."""
        return sum(self.by_status.values())


@dataclass(frozen=True)
class Stats:
    """The whole figure set of the statistics screen and of the exports' summary."""

    query: StatsQuery
    offices: tuple[str, ...]  # codes, in the order of the query
    visits: int
    named_visitors: int  # distinct named visitors
    anonymous_visits: int
    visits_by_status: dict[str, int]
    demands: int
    by_motif: list[Tally]
    by_thematique: list[Tally]
    by_partner: list[Tally]
    by_register: list[Tally]
    by_level: dict[str, int]
    by_outcome: dict[str, int]
    relays: int
    relays_by_status: dict[str, int]
    refusal_reasons: dict[str, int]
    relays_by_partner: list[PartnerRelays]
    appointments_by_status: dict[str, int]
    waiting: Durations
    listening: Durations
    waiting_by_day: list[DayWait]
    arrivals_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    arrivals_by_weekday: list[int] = field(default_factory=lambda: [0] * 7)

    @property
    def waiting_by_week(self) -> list[DayWait]:
        """The mean waiting time per week (its Monday), from the days' waits."""
        return weekly_waits(self.waiting_by_day)

    @property
    def appointments_due(self) -> int:
        """Appointments whose outcome is known: seen, no-show or excused."""
        counts = self.appointments_by_status
        return sum(
            counts.get(status, 0)
            for status in (
                AppointmentStatus.SEEN,
                AppointmentStatus.NO_SHOW,
                AppointmentStatus.EXCUSED,
            )
        )

    @property
    def no_show_rate(self) -> float | None:
        """Share of no-shows among the appointments with an outcome (seen, no-show, excused)."""
        due = self.appointments_due
        if not due:
            return None
        return self.appointments_by_status.get(AppointmentStatus.NO_SHOW, 0) / due


@dataclass(frozen=True)
class DemandRow:
    """One demand of the export's detail: anonymised (no name, no note, no visitor id)."""

    day: date
    office: str
    motif_fr: str
    motif_en: str
    thematique: str
    partner: str
    register_fr: str
    register_en: str
    level: str
    outcome: str | None
    waited_minutes: float | None
    age_band: str | None
    gender: str
    named: bool
    relay_status: str | None
