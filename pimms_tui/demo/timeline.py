"""Time in the demo: public holidays, an office's local days, stamps, slots and arrival curves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from math import exp

_LAST_ARRIVAL_BEFORE_CLOSING = 20 * 60
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SLOT = 15 * 60


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    sub = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * sub) // 451
    month, day = divmod(h + sub - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _public_holidays(year: int) -> list[date]:
    """French public holidays: offices are closed."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [easter + timedelta(days=n) for n in (1, 39, 50)]
    return [date(year, m, d) for m, d in fixed] + moving


class _Stamps:
    """Formats UTC epoch seconds as SQLAlchemy stores DateTime on SQLite (naive UTC text)."""

    def __init__(self) -> None:
        self._clock = [
            f"{h:02d}:{m:02d}:{s:02d}.000000"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        ]
        self._days: dict[int, str] = {}

    def __call__(self, instant: int) -> str:
        day, second = divmod(instant, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = date.fromordinal(day + _EPOCH_ORDINAL).isoformat() + " "
        return prefix + self._clock[second]


def _hms(text: str) -> int:
    """Seconds since midnight of "HH:MM"."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(slots=True)
class _Day:
    """One calendar day of one office: local midnight as UTC epoch, and its opening intervals."""

    ordinal: int
    iso: str
    year: int
    month: int
    weekday: int
    base: int
    intervals: list[tuple[int, int]]

    def interval_of(self, local: int) -> tuple[int, int]:
        """The opening interval holding this local second (or the last one before it)."""
        found = self.intervals[0]
        for interval in self.intervals:
            if interval[0] <= local:
                found = interval
        return found


@lru_cache(maxsize=256)
def _slot_starts(intervals: tuple[tuple[int, int], ...], duration: int) -> tuple[int, ...]:
    """Quarter-hour cells where an appointment of ``duration`` minutes can start and fit."""
    return tuple(
        start // _SLOT
        for a, b in intervals
        for start in range(-(-a // _SLOT) * _SLOT, b - duration * 60 + 1, _SLOT)
    )


_PROFILES: dict[tuple[tuple[int, int], ...], tuple[list[int], list[float]]] = {}


def _arrival_profile(day: _Day) -> tuple[list[int], list[float]]:
    """Arrival minutes (local seconds) and cumulative weights: a morning peak, a smaller one
    after lunch, and no new arrival in the last minutes before closing."""
    key = tuple(day.intervals)
    profile = _PROFILES.get(key)
    if profile is None:
        minutes: list[int] = []
        weights: list[float] = []
        for start, end in day.intervals:
            for second in range(start, end - _LAST_ARRIVAL_BEFORE_CLOSING, 60):
                hour = second / 3600
                if hour < 13:
                    weight = 1 + 1.6 * exp(-(((hour - 10.25) / 0.85) ** 2) / 2)
                else:
                    weight = 0.8 + 0.5 * exp(-(((hour - 14.25) / 0.75) ** 2) / 2)
                minutes.append(second)
                weights.append(weight)
        profile = _PROFILES[key] = (minutes, list(accumulate(weights)))
    return profile
