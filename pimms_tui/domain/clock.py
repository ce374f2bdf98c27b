"""Time as the domain sees it: injected, so tests and snapshots can fix it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Gives the current instant, aware and in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant, from the system."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to (tests, snapshots, simulations)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        """The instant the clock was set to."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move the clock forward (``advance(minutes=5)``)."""
        self.current += timedelta(**delta)


class ShiftedClock:
    """Real time, shifted to start at a chosen instant (the demo lives on a working morning)."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> datetime:
        """The chosen start plus the real time elapsed since."""
        return self._start + timedelta(seconds=time.monotonic() - self._origin)
