"""The figure set of a period: visits, times and arrivals by SQL aggregates, then the rest.

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

Demands, relays and appointments are counted in :mod:`.breakdowns`; percentiles are read
from a histogram of whole seconds built by the database (one row per distinct second, a few
thousand at most whatever the period) in :mod:`.durations`.

Nothing that identifies a person is read: no name, no note, no visitor id leaves the
database — only counts (the number of distinct named visitors is counted by the database).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Float, case, cast, distinct, func, literal, select, text
from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import Office, Visit

from ..errors import NotFound
from ..messages import N_
from .breakdowns import Breakdowns
from .durations import durations_of
from .figures import DayWait, Durations, Stats, StatsQuery
from .sql import as_date, hour_bucket, in_period, rounded


def read_figures(session: Session, query: StatsQuery) -> Stats:
    """The whole figure set of the period: about ten aggregate statements in one read."""
    if session.get_bind().dialect.name != "sqlite":
        # A year of a network groups millions of rows: hash them in memory rather than sort
        # on disk (4 MB by default), and skip JIT compilation (its start-up costs more than it
        # saves on these short plans). For this transaction only.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))
    return _Figures(session, query).build()


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
        """Every figure of the query."""
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
        breakdowns = Breakdowns(self.connection, query)
        demands = breakdowns.demands()
        relays = breakdowns.relays()
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
            appointments_by_status=breakdowns.appointments(),
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
                select(func.count(distinct(Visit.visitor_id))).where(*in_period(self.query))
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
        bucket = hour_bucket(Visit.arrived_at, self.sqlite)
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
            .where(*in_period(self.query))
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
                day = as_date(day)
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
        period = in_period(self.query)
        waited = Visit.waited_seconds
        wait_seconds = rounded(waited)
        listen_seconds = rounded(Visit.listened_seconds)
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
        return durations_of(waits, target), durations_of(listens, None)

    # Demands and relays
