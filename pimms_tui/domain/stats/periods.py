"""The periods the statistics offer (today, week, month, year) and their bounds."""

from __future__ import annotations

from datetime import date, timedelta


class Period:
    """Names of the periods the statistics screen offers."""

    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = (TODAY, WEEK, MONTH, YEAR)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def period_bounds(period: str, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of the period containing ``today``."""
    if period == Period.TODAY:
        return today, today
    if period == Period.WEEK:
        start = week_start(today)
        return start, start + timedelta(days=6)
    if period == Period.MONTH:
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    if period == Period.YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    raise ValueError(f"unknown period {period!r}")
