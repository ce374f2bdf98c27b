"""Small-count masking for external reports: the one threshold and the one rule.

A count of people between 1 and ``threshold - 1`` is never shown in an external report: it
is replaced by :class:`Masked` ("< 3"), and so are the durations and shares computed from so
few people. Zero is shown: it identifies nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")

# Counts of fewer people than this are masked in external reports (screen and command line).
DEFAULT_MASK_THRESHOLD = 3


@dataclass(frozen=True)
class Masked:
    """A small count hidden in an external report ("< 3")."""

    threshold: int

    def __str__(self) -> str:
        return f"< {self.threshold}"


def is_masked(people: int, threshold: int | None) -> bool:
    """Whether a figure about ``people`` people is hidden (``threshold`` None: nothing is)."""
    return threshold is not None and 0 < people < threshold


def masked_count(count: int, threshold: int | None) -> int | Masked:
    """A count of people, or :class:`Masked` when it is too small to show."""
    return Masked(threshold) if threshold is not None and is_masked(count, threshold) else count


def masked_figure(value: _T, people: int, threshold: int | None) -> _T | Masked:
    """A figure computed from ``people`` people (a mean, a share), or :class:`Masked`."""
    return Masked(threshold) if threshold is not None and is_masked(people, threshold) else value
