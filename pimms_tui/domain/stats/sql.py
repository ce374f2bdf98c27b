"""The SQL building blocks the statistics share: period and office filters, durations.

Written once for both engines: SQLite stores instants as text, PostgreSQL as timestamps.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, func, true

from pimms_tui.db.models import Visit

from .figures import StatsQuery


def seconds_between(start: Any, end: Any, sqlite: bool) -> ColumnElement[Any]:
    """``end - start`` in seconds, on either engine (UTC instants stored naive)."""
    if sqlite:
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    # date_part gives a double; EXTRACT gives a numeric since PostgreSQL 14 (3 times slower
    # over a million visits).
    return func.date_part("epoch", end - start)


def hour_bucket(instant: Any, sqlite: bool) -> ColumnElement[Any]:
    """The UTC hour an instant falls in, as text on SQLite and a timestamp on PostgreSQL."""
    if sqlite:
        # Instants are stored as "YYYY-MM-DD HH:MM:SS.ffffff": the first 13 characters are
        # the hour, read without strftime's parsing of every row.
        return func.substr(instant, 1, 13)
    return func.date_trunc("hour", instant)


def of_offices(column: Any, query: StatsQuery) -> ColumnElement[bool]:
    """``column`` is one of the query's offices (no condition when they are all offices)."""
    if query.every_office:
        return true()
    condition: ColumnElement[bool] = column.in_(query.office_ids)
    return condition


def in_period(query: StatsQuery) -> list[ColumnElement[bool]]:
    """The conditions selecting the period's visits (the visit index's leading columns)."""
    return [
        of_offices(Visit.office_id, query),
        Visit.day >= query.start,
        Visit.day <= query.end,
    ]


def rounded(seconds: Any) -> ColumnElement[int]:
    """Whole seconds, never negative (a clock set back must not give a negative wait)."""
    return cast(func.round(case((seconds < 0, 0.0), else_=seconds)), Integer)


def as_date(value: Any) -> date:
    """A day read back from either engine."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
