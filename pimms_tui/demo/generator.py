"""The demo generator as a whole: how many visits each day gets, the run, the bulk writing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from .day import _Days
from .state import _COLUMNS, _ID_TABLES, Row

_WEEKDAY_LOAD = (1.25, 1.1, 1.0, 1.05, 0.9, 0.55, 0.0)
_MONTH_LOAD = (1.1, 1.0, 1.05, 1.1, 1.2, 1.05, 0.85, 0.6, 1.2, 1.1, 1.0, 0.8)
# DESIGN: a site sees 50–150 people a day. Big benchmarks go beyond that, but never past
# what one site's opening hours can physically take in (about one arrival a minute).
_MAX_VISITS_PER_OFFICE_DAY = 480
_HORIZON_DAYS = 45


class _Generator(_Days):
    """Builds every row in memory, in chronological order, then writes them in bulk.

    Everything comes from one ``random.Random(seed)`` and the given ``now``, so the same
    arguments give the same rows. Rows are built as plain tuples and written with bulk inserts
    (executemany on SQLite, COPY on PostgreSQL) with primary keys assigned here, so 100,000
    visitors and their quarter of a million visits load in seconds. Instants are handled as UTC
    epoch seconds and written the way SQLAlchemy's DateTime stores them (naive UTC text), which
    both engines read back.
    """

    def run(self) -> None:
        """Generate every row, day after day."""
        now = datetime.fromtimestamp(self.now, UTC)
        for office in self.offices:
            today = now.astimezone(office.tz).date()
            self.today[office.index] = today.toordinal()
            self._calendar(
                office,
                today - timedelta(days=self.day_count - 1),
                today + timedelta(days=_HORIZON_DAYS),
            )
        self._make_people()
        cells = self._plan_cells()
        first_day = min(self.today.values()) - self.day_count + 1
        for ordinal in range(first_day, max(self.today.values()) + 1):
            for office in self.offices:
                count = cells.get((office.index, ordinal))
                if count is None:
                    continue
                if ordinal == self.today[office.index]:
                    self._top_up_today(office)
                self._run_day(office, office.days[ordinal], count)
        self._finish_appointments()
        self._finish_people()

    def _plan_cells(self) -> dict[tuple[int, int], int]:
        """How many visits each office has each day (living today fixed, the rest apportioned)."""
        rng = self.rng
        weights: dict[tuple[int, int], float] = {}
        fixed: dict[tuple[int, int], int] = {}
        living_cells: list[tuple[int, int]] = []
        open_cells = 0
        for office in self.offices:
            today = self.today[office.index]
            for ordinal in range(today - self.day_count + 1, today + 1):
                day = office.days[ordinal]
                if not day.intervals:
                    continue
                open_cells += 1
                if ordinal == today and self._living(office, day):
                    # 20–30 by mid-morning; fewer just after opening.
                    now_local = self._local(day, self.now)
                    elapsed = sum(max(0, min(b, now_local) - a) for a, b in day.intervals)
                    fixed[(office.index, ordinal)] = min(
                        rng.randint(20, 30), max(3, elapsed // 120)
                    )
                    living_cells.append((office.index, ordinal))
                    continue
                if ordinal == today and self._local(day, self.now) < day.intervals[0][0]:
                    fixed[(office.index, ordinal)] = 0
                    continue
                month = date.fromordinal(ordinal).month
                early_month = 1.1 if date.fromordinal(ordinal).day <= 10 else 1.0
                weights[(office.index, ordinal)] = (
                    office.weight
                    * _WEEKDAY_LOAD[day.weekday]
                    * _MONTH_LOAD[month - 1]
                    * early_month
                    * rng.lognormvariate(0, 0.15)
                )
        if self.visit_target is not None:
            total = self.visit_target
        else:
            total = min(
                round(2.5 * self.visitor_count),
                _MAX_VISITS_PER_OFFICE_DAY * 9 // 10 * max(open_cells, 1),
            )
        budget_per_office = total // (2 * len(self.offices))
        for key in fixed:
            fixed[key] = min(fixed[key], budget_per_office)
        rest = max(0, total - sum(fixed.values()))
        if not weights:
            # Only today is in the window: the office open now takes what it can.
            living = [key for key in fixed if key in living_cells]
            shares = _apportion(rest, [1.0] * len(living))
            for key, share in zip(living, shares, strict=True):
                fixed[key] += share
        keys = list(weights)
        counts = _capped_apportion(rest, [weights[k] for k in keys], _MAX_VISITS_PER_OFFICE_DAY)
        cells = dict(zip(keys, counts, strict=True)) | fixed
        for office in self.offices:
            office.remaining_walk_ins = sum(
                count for (index, _), count in cells.items() if index == office.index
            )
        return cells

    def write(self, session: Session, *, sqlite: bool) -> dict[str, int]:
        """Insert every row in foreign-key order; returns the counts for the report."""
        connection = session.connection()
        order = (
            "visitor",
            "visitor_search_token",
            "consent",
            "appointment",
            "visit",
            "visit_event",
            "demand",
            "relay",
            "ticket_counter",
        )
        if sqlite:
            # SQLite re-evaluates every `IN (...)` CHECK row by row, which halves the load
            # speed. The rows are built from the enums, PostgreSQL (COPY) enforces the same
            # constraints on the same rows, and the tests check the values on both engines.
            connection.exec_driver_sql("PRAGMA ignore_check_constraints=ON")
        try:
            for table in order:
                columns = _COLUMNS[table]
                rows = self.rows[table]
                if sqlite:
                    sql = (
                        f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})"
                    )
                    for chunk in _chunks(rows, 10_000):
                        connection.exec_driver_sql(sql, chunk)
                else:
                    raw = connection.connection.driver_connection
                    assert raw is not None
                    with (
                        raw.cursor() as cursor,
                        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
                    ):
                        for row in rows:
                            copy.write_row(row)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA ignore_check_constraints=OFF")
        if not sqlite:
            for table in _ID_TABLES:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
        return {
            "offices": len(self.offices),
            "staff": self.staff_count,
            "visitors": len(self.rows["visitor"]),
            "visits": len(self.rows["visit"]),
            "demands": len(self.rows["demand"]),
            "relays": len(self.rows["relay"]),
            "appointments": len(self.rows["appointment"]),
            "events": len(self.rows["visit_event"]),
            "consents": len(self.rows["consent"]),
        }


def _chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    quotas = [total * w / whole for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _capped_apportion(total: int, weights: Sequence[float], cap: int) -> list[int]:
    """Like ``_apportion``, but no share above ``cap`` while others have room left."""
    counts = _apportion(total, weights)
    while True:
        excess = sum(c - cap for c in counts if c > cap)
        room = [i for i, c in enumerate(counts) if c < cap]
        if not excess or not room:
            return counts
        counts = [min(c, cap) for c in counts]
        extra = _apportion(excess, [weights[i] for i in room])
        for i, more in zip(room, extra, strict=True):
            counts[i] += more
