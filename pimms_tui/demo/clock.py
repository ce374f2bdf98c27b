"""The demo's clock: a working morning that goes on from one launch to the next.

``pimms --demo`` lives at 10:30 of the latest working day on its first launch. A later launch
on the same demo day goes on from the latest moment the database holds (an arrival, a call, a
journal entry of an earlier run), never earlier: what was registered before is never "in the
future", waiting times never start from zero again, and the journal stays in time order.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from pimms_tui.db.engine import Database
from pimms_tui.db.models import (
    Appointment,
    AuditEntry,
    Consent,
    Demand,
    DocumentFile,
    Relay,
    Visit,
    VisitEvent,
    Visitor,
)

# Every instant at which something happened (a booking's start is in the future by design).
_RECORDED = (
    Visit.arrived_at,
    Visit.called_at,
    Visit.started_at,
    Visit.finished_at,
    VisitEvent.at,
    Demand.created_at,
    Relay.sent_at,
    Relay.closed_at,
    Appointment.created_at,
    Visitor.created_at,
    Visitor.last_activity_at,
    Consent.given_at,
    Consent.withdrawn_at,
    AuditEntry.at,
    DocumentFile.created_at,
)
# A later launch starts this much after the latest record: a second passes between two runs.
_STEP = timedelta(seconds=1)


def latest_recorded(database: Database) -> datetime | None:
    """The latest instant at which the database records that something happened."""
    latest: datetime | None = None
    with database.read() as session:
        for column in _RECORDED:
            value = session.scalar(select(func.max(column)))
            if value is None:
                continue
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            latest = value if latest is None or value > latest else latest
    return latest


class DemoClock:
    """Real time, shifted to start at the demo's instant; moved on by :meth:`resume`."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> datetime:
        """The start plus the real time elapsed since."""
        return self._start + timedelta(seconds=time.monotonic() - self._origin)

    def resume(self, database: Database) -> datetime:
        """Go on after the latest moment ``database`` holds, if it is later than now; the
        instant the clock then reads."""
        latest = latest_recorded(database)
        now = self.now()
        if latest is not None and latest + _STEP > now:
            self._start, self._origin = latest + _STEP, time.monotonic()
        return self.now()
