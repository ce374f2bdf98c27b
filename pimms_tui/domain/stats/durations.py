"""Distributions of durations read from a histogram of whole seconds built by the database.

The same way on SQLite (which has no ``percentile_cont``) and PostgreSQL: the cost is bounded
(one row per distinct second) and both engines give the same figures. The median and the 90th
percentile use linear interpolation between ranks (``percentile_cont``'s definition).
"""

from __future__ import annotations

from collections.abc import Sequence

from .figures import Durations


def percentile(histogram: Sequence[tuple[int, int]], fraction: float) -> float | None:
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


def durations_of(histogram: Sequence[tuple[int, int]], target_seconds: int | None) -> Durations:
    """Mean, median and 90th percentile in minutes from a histogram of whole seconds."""
    ordered = sorted(histogram)
    count = sum(n for _, n in ordered)
    if count == 0:
        return Durations(count=0, mean=None, median=None, p90=None)
    mean = sum(value * n for value, n in ordered) / count / 60
    median = percentile(ordered, 0.5)
    p90 = percentile(ordered, 0.9)
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
