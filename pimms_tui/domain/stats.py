"""Activity statistics for funders and partners: figures computed by SQL aggregates.

Every figure comes from a handful of ``GROUP BY`` statements over the period's visits (the
``visit(office_id, day, status)`` index selects them), never from a loop over ORM objects:
the rows that reach Python are already counts, at most one per distinct key (motif ×
partner × register × level × outcome, or one per second of waiting time).

Times follow the visit events (DESIGN §4), which every status change writes:

* **Waiting time** runs from the arrival (``visit.arrived_at``, the instant of the
  ``→ waiting`` event) to the *first* call of the visit (the earliest ``→ called`` event). A
  visit put back in the queue (``called → waiting``) and called again, or recalled
  (``called → called``), still counts one wait, up to the first call: that is when the office
  answered the person, and later calls would count the same minutes twice. A transfer
  (``in_progress → waiting``) is a hand-over inside the office, not a new wait: it adds
  nothing to the waiting time. Visits never called (left before being called) have no
  waiting time; they count in the visits by status.
* **Listening time** is the time spent ``in_progress``: the sum, over the visit's events, of
  each event leaving ``in_progress`` minus each event entering it. A transferred visit thus
  counts both listenings and not the wait between them. Only closed visits (``done``) count,
  so every interval has its end.

Both are kept on the visit row (``waited_seconds``, ``listened_seconds``), written by the
status change itself in the same statement (:func:`visits.transition_visit`, the queue's
``call_next``), and filled for older rows by migration 0005 from their events: the
statistics read the visit rows of the period only, never the events. A test compares the
result with a visit-by-visit computation from the raw events of demo data.

Demands, relays and the detail belong to the period of their visit (its local day, copied
into ``demand.day`` and ``relay.day`` and indexed with the office: no join to the visits);
appointments to the period in which they start. Open relays 30 days past their follow-up
date count as expired when the query gives the office's ``today`` (the follow-up list's rule).

Percentiles are read from a histogram of whole seconds built by the database (one row per
distinct second, a few thousand at most whatever the period), the same way on SQLite (which
has no ``percentile_cont``) and PostgreSQL: the cost is bounded and both engines give the
same figures. The median and the 90th percentile use linear interpolation between ranks
(``percentile_cont``'s definition).

Nothing that identifies a person is read: no name, no note, no visitor id leaves the
database — only counts (the number of distinct named visitors is counted by the database).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import (
    AppointmentStatus,
    HelpLevel,
    Outcome,
    RelayStatus,
    VisitStatus,
)
from pimms_tui.db.models import (
    Appointment,
    Demand,
    Motif,
    Office,
    Partner,
    Register,
    Relay,
    Thematique,
    Visit,
    VisitEvent,
)

from .access import Permission, require
from .actors import Actor
from .errors import DomainError, NotFound
from .messages import N_

DEFAULT_WAIT_TARGET_MINUTES = 20
DEFAULT_MASK_THRESHOLD = 3

NO_PARTNER = ""  # the key of demands that concern no partner


class Period:
    """Names of the periods the statistics screen offers."""

    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = (TODAY, WEEK, MONTH, YEAR)


def period_bounds(period: str, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of the period containing ``today``."""
    if period == Period.TODAY:
        return today, today
    if period == Period.WEEK:
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=6)
    if period == Period.MONTH:
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    if period == Period.YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    raise ValueError(f"unknown period {period!r}")


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
    # Set by the service when the offices are all those of the database: no office filter
    # then (scanning a table beats reading all of it through the office index).
    every_office: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(N_("The period ends before it starts."))
        if not self.office_ids:
            raise InvalidPeriod(N_("Choose at least one office."))
        if self.wait_target_minutes < 0:
            raise InvalidPeriod(N_("The waiting target cannot be negative."))


class InvalidPeriod(DomainError):
    """The period or the offices asked for make no sense."""


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
    """The mean waiting time of one day."""

    day: date
    visits: int
    mean_minutes: float


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
    def named_visits(self) -> int:
        """Visits of people with a named file."""
        return self.visits - self.anonymous_visits

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


# --- SQL building blocks -----------------------------------------------------------------------


def _seconds_between(start: Any, end: Any, sqlite: bool) -> ColumnElement[Any]:
    """``end - start`` in seconds, on either engine (UTC instants stored naive)."""
    if sqlite:
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    # date_part gives a double; EXTRACT gives a numeric since PostgreSQL 14 (3 times slower
    # over a million visits).
    return func.date_part("epoch", end - start)


def _hour_bucket(instant: Any, sqlite: bool) -> ColumnElement[Any]:
    """The UTC hour an instant falls in, as text on SQLite and a timestamp on PostgreSQL."""
    if sqlite:
        # Instants are stored as "YYYY-MM-DD HH:MM:SS.ffffff": the first 13 characters are
        # the hour, read without strftime's parsing of every row.
        return func.substr(instant, 1, 13)
    return func.date_trunc("hour", instant)


def _of_offices(column: Any, query: StatsQuery) -> ColumnElement[bool]:
    """``column`` is one of the query's offices (no condition when they are all offices)."""
    if query.every_office:
        return true()
    condition: ColumnElement[bool] = column.in_(query.office_ids)
    return condition


def _in_period(query: StatsQuery) -> list[ColumnElement[bool]]:
    """The conditions selecting the period's visits (the visit index's leading columns)."""
    return [
        _of_offices(Visit.office_id, query),
        Visit.day >= query.start,
        Visit.day <= query.end,
    ]


def _rounded(seconds: Any) -> ColumnElement[int]:
    """Whole seconds, never negative (a clock set back must not give a negative wait)."""
    return cast(func.round(case((seconds < 0, 0.0), else_=seconds)), Integer)


def _percentile(histogram: Sequence[tuple[int, int]], fraction: float) -> float | None:
    """``percentile_cont`` over a histogram of (value, count) sorted by value."""
    total = sum(count for _, count in histogram)
    if total == 0:
        return None
    rank = fraction * (total - 1)
    low_rank = int(rank)
    weight = rank - low_rank

    def value_at(index: int) -> float:
        seen = 0
        for value, count in histogram:
            seen += count
            if index < seen:
                return float(value)
        return float(histogram[-1][0])

    low = value_at(low_rank)
    if weight == 0:
        return low
    return low + weight * (value_at(low_rank + 1) - low)


def _durations(histogram: Sequence[tuple[int, int]], target_seconds: int | None) -> Durations:
    """Mean, median and 90th percentile in minutes from a histogram of whole seconds."""
    ordered = sorted(histogram)
    count = sum(n for _, n in ordered)
    if count == 0:
        return Durations(count=0, mean=None, median=None, p90=None)
    mean = sum(value * n for value, n in ordered) / count / 60
    median = _percentile(ordered, 0.5)
    p90 = _percentile(ordered, 0.9)
    over = 0
    if target_seconds is not None:
        over = sum(n for value, n in ordered if value > target_seconds)
    return Durations(
        count=count,
        mean=mean,
        median=None if median is None else median / 60,
        p90=None if p90 is None else p90 / 60,
        over_target=over,
    )


# --- The service -----------------------------------------------------------------------------


class StatsService:
    """Statistics of one or several offices for managers (Permission.STATISTICS)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def offices(self, actor: Actor) -> list[tuple[int, str, str]]:
        """Every office of the database as (id, code, name): the screen's choice."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            rows = session.execute(select(Office.id, Office.code, Office.name).order_by(Office.id))
            return [(row.id, row.code, row.name) for row in rows]

    def wait_target(self, office_id: int) -> int:
        """The office's waiting-time target in minutes (its settings)."""
        with self.database.read() as session:
            target = session.execute(
                select(Office.wait_target_minutes).where(Office.id == office_id)
            ).scalar_one_or_none()
        return DEFAULT_WAIT_TARGET_MINUTES if target is None else int(target)

    def partners(self, actor: Actor, office_ids: Sequence[int]) -> list[tuple[str, str]]:
        """The partners of these offices as (code, name), one per code, by name."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            rows = session.execute(
                select(Partner.code, func.min(Partner.name))
                .where(Partner.office_id.in_(office_ids), Partner.active)
                .group_by(Partner.code)
            ).all()
        return sorted(((code, name) for code, name in rows), key=lambda p: p[1].casefold())

    def partner_ids(self, actor: Actor, office_ids: Sequence[int], code: str) -> tuple[int, ...]:
        """The partners with ``code`` in these offices (a partner report across offices)."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            ids = session.scalars(
                select(Partner.id).where(Partner.office_id.in_(office_ids), Partner.code == code)
            ).all()
        if not ids:
            raise NotFound(N_("There is no partner with code {code}."), code=code)
        return tuple(ids)

    def figures(self, actor: Actor, query: StatsQuery) -> Stats:
        """The whole figure set of the period: about ten aggregate statements in one read."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            if not self.database.is_sqlite:
                # A year of a network groups millions of rows: hash them in memory rather
                # than sort on disk (4 MB by default), and skip JIT compilation (its start-up
                # costs more than it saves on these short plans). For this transaction only.
                session.execute(text("SET LOCAL work_mem = '64MB'"))
                session.execute(text("SET LOCAL jit = off"))
            return _Figures(session, query).build()

    def demand_rows(self, actor: Actor, query: StatsQuery) -> Iterator[DemandRow]:
        """The period's demands, one anonymised row each, streamed (exports' detail)."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            yield from _demand_rows(session, query)


class _Figures:
    """The statements of one figure set, sharing a session and the period's filters."""

    def __init__(self, session: Session, query: StatsQuery) -> None:
        self.session = session
        # Core execution: the rows are plain tuples of counts, the ORM's row machinery
        # would only add its cost (a third of the Python time on SQLite).
        self.connection = session.connection()
        self.query = query
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def build(self) -> Stats:
        query = self.query
        offices = dict(
            self.connection.execute(
                select(Office.id, Office.code).where(Office.id.in_(query.office_ids))
            ).all()
        )
        if len(offices) != len(set(query.office_ids)):
            raise NotFound(N_("This office does not exist."))
        every = self.connection.execute(select(func.count()).select_from(Office)).scalar_one()
        if len(offices) == every and not query.every_office:
            query = self.query = replace(query, every_office=True)
        visits_by_status, anonymous, hours, weekdays, by_day = self._per_hour()
        demands = self._demands()
        relays = self._relays()
        waiting, listening = self._timings()
        return Stats(
            query=query,
            offices=tuple(offices[i] for i in query.office_ids),
            visits=sum(visits_by_status.values()),
            named_visitors=self._named_visitors(),
            anonymous_visits=anonymous,
            visits_by_status=visits_by_status,
            demands=demands.total,
            by_motif=demands.by_motif,
            by_thematique=demands.by_thematique,
            by_partner=demands.by_partner,
            by_register=demands.by_register,
            by_level=demands.by_level,
            by_outcome=demands.by_outcome,
            relays=sum(relays.by_status.values()),
            relays_by_status=relays.by_status,
            refusal_reasons=relays.refusals,
            relays_by_partner=relays.by_partner,
            appointments_by_status=self._appointments(),
            waiting=waiting,
            listening=listening,
            waiting_by_day=by_day,
            arrivals_by_hour=hours,
            arrivals_by_weekday=weekdays,
        )

    # Visits

    def _named_visitors(self) -> int:
        return int(
            self.connection.execute(
                select(func.count(distinct(Visit.visitor_id))).where(*_in_period(self.query))
            ).scalar_one()
        )

    def _per_hour(
        self,
    ) -> tuple[dict[str, int], int, list[int], list[int], list[DayWait]]:
        """Visits by status, arrivals per local hour and weekday, waits per day: one pass.

        The period's visits are grouped by their office's timezone, the UTC hour of their
        arrival and their day (one day per hour and timezone: a few thousand groups for a
        year of a network), each group with its counts by status, anonymous visits, called
        visits and their waited seconds; the hours are then placed in local time.
        """
        bucket = _hour_bucket(Visit.arrived_at, self.sqlite)
        waited = Visit.waited_seconds
        statuses = [status.value for status in VisitStatus]
        rows = self.connection.execute(
            select(
                Office.timezone,
                bucket,
                Visit.day,
                func.count(),
                func.count(case((Visit.visitor_id.is_(None), 1))),
                func.count(waited),
                cast(func.sum(waited), Float),
                *(func.count(case((Visit.status == status, 1))) for status in statuses),
            )
            .join(Office, Office.id == Visit.office_id)
            .where(*_in_period(self.query))
            .group_by(Office.timezone, bucket, Visit.day)
        ).all()
        hours = [0] * 24
        weekdays = [0] * 7
        by_status: Counter[str] = Counter()
        anonymous = 0
        called: Counter[date] = Counter()
        waited_total: dict[date, float] = {}
        zones: dict[str, ZoneInfo] = {}
        for timezone, hour, day, count, unnamed, waits, total, *counts in rows:
            instant = (
                datetime.fromisoformat(f"{hour}:00") if isinstance(hour, str) else hour
            ).replace(tzinfo=UTC)
            zone = zones.setdefault(timezone, ZoneInfo(timezone))
            local = instant.astimezone(zone)
            hours[local.hour] += count
            weekdays[local.weekday()] += count
            anonymous += unnamed
            for status, n in zip(statuses, counts, strict=True):
                by_status[status] += n
            if waits:
                day = _as_date(day)
                called[day] += waits
                waited_total[day] = waited_total.get(day, 0.0) + float(total)
        by_day = [
            DayWait(day=day, visits=n, mean_minutes=max(0.0, waited_total[day]) / n / 60)
            for day, n in sorted(called.items())
        ]
        visits_by_status = {status: n for status, n in by_status.items() if n}
        return visits_by_status, anonymous, hours, weekdays, by_day

    # Times

    def _timings(self) -> tuple[Durations, Durations]:
        """Both histograms of whole seconds in one statement, from the visit rows."""
        period = _in_period(self.query)
        waited = Visit.waited_seconds
        wait_seconds = _rounded(waited)
        listen_seconds = _rounded(Visit.listened_seconds)
        wait_histogram = (
            select(literal("w").label("kind"), wait_seconds.label("value"), func.count())
            .where(*period, waited.is_not(None))
            .group_by(wait_seconds)
        )
        listen_histogram = (
            select(literal("l"), listen_seconds, func.count())
            .where(*period, Visit.status == VisitStatus.DONE.value)
            .group_by(listen_seconds)
        )
        rows = self.connection.execute(wait_histogram.union_all(listen_histogram)).all()
        waits = [(int(value), n) for kind, value, n in rows if kind == "w"]
        listens = [(int(value), n) for kind, value, n in rows if kind == "l"]
        target = self.query.wait_target_minutes * 60
        return _durations(waits, target), _durations(listens, None)

    # Demands and relays

    def _demand_filter(self) -> list[ColumnElement[bool]]:
        # The demand carries its visit's office and day: the ``demand(office_id, day)``
        # index selects the period's demands without joining them to their visits.
        conditions = [
            _of_offices(Demand.office_id, self.query),
            Demand.day >= self.query.start,
            Demand.day <= self.query.end,
        ]
        if self.query.partner_ids is not None:
            conditions.append(Demand.partner_id.in_(self.query.partner_ids))
        return conditions

    def _demands(self) -> _DemandFigures:
        # Grouped by the partner's code, not its id: each office has its own row for the
        # same partner, and 60 offices' ids make 60 times more groups (twice as slow).
        rows = self.connection.execute(
            select(
                Demand.motif_id,
                Partner.code,
                Demand.register_code,
                Demand.level,
                Demand.outcome,
                func.count(),
            )
            .outerjoin(Partner, Partner.id == Demand.partner_id)
            .where(*self._demand_filter())
            .group_by(
                Demand.motif_id,
                Partner.code,
                Demand.register_code,
                Demand.level,
                Demand.outcome,
            )
        ).all()
        motifs: Counter[int] = Counter()
        partners: Counter[str | None] = Counter()
        registers: Counter[str] = Counter()
        levels: Counter[str] = Counter()
        outcomes: Counter[str] = Counter()
        for motif_id, partner_id, register_code, level, outcome, count in rows:
            motifs[motif_id] += count
            partners[partner_id] += count
            registers[register_code] += count
            levels[level] += count
            outcomes[outcome or ""] += count
        labels = self._labels(set(motifs), {p for p in partners if p is not None})
        by_thematique: dict[str, Tally] = {}
        for motif_id, count in motifs.items():
            code, label = labels.motif_thematique[motif_id]
            known = by_thematique.get(code)
            total = count + (known.count if known else 0)
            by_thematique[code] = Tally(code, label, label, total)
        partner_counts = []
        for partner_code, count in partners.items():
            name = labels.partners.get(partner_code, "") if partner_code else ""
            partner_counts.append(Tally(partner_code or NO_PARTNER, name, name, count))
        return _DemandFigures(
            total=sum(motifs.values()),
            by_motif=_ranked(
                Tally(str(m), *labels.motifs[m], count) for m, count in motifs.items()
            ),
            by_thematique=_ranked(by_thematique.values()),
            by_partner=_ranked(partner_counts),
            by_register=_ranked(
                Tally(code, *labels.registers.get(code, (code, code)), count)
                for code, count in registers.items()
            ),
            by_level={level.value: levels.get(level.value, 0) for level in HelpLevel},
            by_outcome={
                **{outcome.value: outcomes.get(outcome.value, 0) for outcome in Outcome},
                **({"": outcomes[""]} if outcomes.get("") else {}),
            },
        )

    def _labels(self, motif_ids: set[int], partner_codes: set[str]) -> _Labels:
        session = self.connection
        category = Thematique.__table__.alias("category")
        motif_rows = session.execute(
            select(
                Motif.id,
                Motif.label_fr,
                Motif.label_en,
                func.coalesce(category.c.code, Thematique.code),
                func.coalesce(category.c.label, Thematique.label),
            )
            .join(Thematique, Thematique.code == Motif.thematique_code)
            .outerjoin(category, category.c.code == Thematique.category_code)
            .where(Motif.id.in_(motif_ids))
        ).all()
        partners = {
            code: name
            for code, name in session.execute(
                select(Partner.code, func.min(Partner.name))
                .where(
                    Partner.code.in_(partner_codes), Partner.office_id.in_(self.query.office_ids)
                )
                .group_by(Partner.code)
            )
        }
        registers = {
            row.code: (row.label_fr, row.label_en)
            for row in session.execute(select(Register.code, Register.label_fr, Register.label_en))
        }
        return _Labels(
            motifs={row[0]: (row[1], row[2]) for row in motif_rows},
            motif_thematique={row[0]: (row[3], row[4]) for row in motif_rows},
            partners=partners,
            registers=registers,
        )

    def _relays(self) -> _RelayFigures:
        # The relay carries its visit's office and day (the ``relay(office_id, day)`` index).
        conditions = [
            _of_offices(Relay.office_id, self.query),
            Relay.day >= self.query.start,
            Relay.day <= self.query.end,
        ]
        if self.query.partner_ids is not None:
            conditions.append(Relay.partner_id.in_(self.query.partner_ids))
        status: Any = Relay.status
        if self.query.today is not None:
            from .followups import EXPIRY_DAYS

            cutoff = self.query.today - timedelta(days=EXPIRY_DAYS)
            status = case(
                (
                    and_(
                        Relay.status == RelayStatus.OPEN.value,
                        Relay.follow_up_on < cutoff,
                    ),
                    literal(RelayStatus.EXPIRED.value),
                ),
                else_=Relay.status,
            )
        rows = self.connection.execute(
            select(Partner.code, Partner.name, status, Relay.refusal_reason, func.count())
            .join(Partner, Partner.id == Relay.partner_id)
            .where(*conditions)
            .group_by(Partner.code, Partner.name, status, Relay.refusal_reason)
        ).all()
        by_status: Counter[str] = Counter()
        refusals: Counter[str] = Counter()
        partners: dict[str, tuple[str, Counter[str]]] = {}
        for code, name, relay_status, reason, count in rows:
            by_status[relay_status] += count
            if relay_status == RelayStatus.REFUSED.value and reason:
                refusals[reason] += count
            partners.setdefault(code, (name, Counter()))[1][relay_status] += count
        by_partner = sorted(
            (PartnerRelays(code, name, dict(counts)) for code, (name, counts) in partners.items()),
            key=lambda p: (-p.total, p.name),
        )
        return _RelayFigures(
            by_status={status.value: by_status.get(status.value, 0) for status in RelayStatus},
            refusals=dict(refusals.most_common()),
            by_partner=by_partner,
        )

    # Appointments

    def _appointments(self) -> dict[str, int]:
        """Appointments starting within the period (local days of each office's timezone)."""
        zones = self.connection.execute(
            select(Office.timezone, Office.id).where(Office.id.in_(self.query.office_ids))
        ).all()
        by_zone: dict[str, list[int]] = {}
        for timezone, office_id in zones:
            by_zone.setdefault(timezone, []).append(office_id)
        windows = []
        for timezone, ids in by_zone.items():
            zone = ZoneInfo(timezone)
            begin = datetime.combine(self.query.start, time(0), zone).astimezone(UTC)
            end = datetime.combine(self.query.end + timedelta(days=1), time(0), zone)
            windows.append(
                and_(
                    Appointment.office_id.in_(ids),
                    Appointment.starts_at >= begin,
                    Appointment.starts_at < end.astimezone(UTC),
                )
            )
        rows = self.connection.execute(
            select(Appointment.status, func.count())
            .where(or_(*windows))
            .group_by(Appointment.status)
        ).all()
        counts = dict(rows)
        return {status.value: int(counts.get(status.value, 0)) for status in AppointmentStatus}


@dataclass(frozen=True)
class _Labels:
    motifs: dict[int, tuple[str, str]]
    motif_thematique: dict[int, tuple[str, str]]
    partners: dict[str, str]  # code: name
    registers: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class _DemandFigures:
    total: int
    by_motif: list[Tally]
    by_thematique: list[Tally]
    by_partner: list[Tally]
    by_register: list[Tally]
    by_level: dict[str, int]
    by_outcome: dict[str, int]


@dataclass(frozen=True)
class _RelayFigures:
    by_status: dict[str, int]
    refusals: dict[str, int]
    by_partner: list[PartnerRelays]


def _ranked(tallies: Any) -> list[Tally]:
    """Largest first, then by label (stable order for screens and tests)."""
    return sorted(tallies, key=lambda t: (-t.count, t.label_fr, t.key))


def _as_date(value: Any) -> date:
    """A day read back from either engine."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _demand_rows(session: Session, query: StatsQuery) -> Iterator[DemandRow]:
    """Stream the period's demands with their visit's waiting time; no identifying column."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    first_call = (
        select(func.min(VisitEvent.at))
        .where(
            VisitEvent.visit_id == Visit.id,
            VisitEvent.to_status == VisitStatus.CALLED.value,
        )
        .correlate(Visit)
        .scalar_subquery()
    )
    category = Thematique.__table__.alias("category")
    conditions = [*_in_period(query), Demand.office_id.in_(query.office_ids)]
    if query.partner_ids is not None:
        conditions.append(Demand.partner_id.in_(query.partner_ids))
    relay_status = (
        select(func.max(Relay.status))
        .where(Relay.demand_id == Demand.id)
        .correlate(Demand)
        .scalar_subquery()
    )
    statement = (
        select(
            Visit.day,
            Office.code,
            Motif.label_fr,
            Motif.label_en,
            func.coalesce(category.c.label, Thematique.label),
            Partner.name,
            Register.label_fr,
            Register.label_en,
            Demand.level,
            Demand.outcome,
            _seconds_between(Visit.arrived_at, first_call, sqlite),
            Visit.age_band,
            Visit.gender,
            Visit.visitor_id.is_not(None),
            relay_status,
        )
        .join(Visit, Visit.id == Demand.visit_id)
        .join(Office, Office.id == Visit.office_id)
        .join(Motif, Motif.id == Demand.motif_id)
        .join(Thematique, Thematique.code == Motif.thematique_code)
        .outerjoin(category, category.c.code == Thematique.category_code)
        .outerjoin(Partner, Partner.id == Demand.partner_id)
        .join(Register, Register.code == Demand.register_code)
        .where(*conditions)
        .order_by(Visit.day, Office.code, Visit.arrived_at, Demand.visit_id, Demand.position)
        .execution_options(yield_per=2000)
    )
    for row in session.execute(statement):
        waited = row[10]
        yield DemandRow(
            day=_as_date(row[0]),
            office=row[1],
            motif_fr=row[2],
            motif_en=row[3],
            thematique=row[4],
            partner=row[5] or "",
            register_fr=row[6],
            register_en=row[7],
            level=row[8],
            outcome=row[9],
            waited_minutes=None if waited is None else round(max(0.0, float(waited)) / 60, 1),
            age_band=row[11],
            gender=row[12],
            named=bool(row[13]),
            relay_status=row[14],
        )
