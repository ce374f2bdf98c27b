"""Places in the queue as a desk sees them, with the day's streak floor kept once known."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus

from ..actors import Actor
from ..offices import OfficeInfo
from .entries import entry_of, entry_row, place_in_queue, read_floor, streak_and_cap
from .model import APPOINTMENT_DUE_WINDOW, QueueCandidate, QueueEntry
from .ordering import waiting_order


class QueuePlaces:
    """Where each waiting visit of one office stands, read in the caller's transaction.

    Keeps the day's floor of the streak once read under the office lock: one per queue.
    """

    def __init__(self, office: OfficeInfo) -> None:
        self._office = office
        self._floors: tuple[date, int] | None = None  # the day, and its floor

    def positions(
        self,
        session: Session,
        waiting: Sequence[QueueCandidate],
        now: datetime,
        viewer: Actor | None,
    ) -> dict[int, int]:
        """Place of each waiting visit as seen from the viewer's desk (1-based)."""
        if not waiting:
            return {}
        day = self._office.local_day(now)
        floor = self.floor(session, day, locked=False)
        streak, cap = streak_and_cap(session, self._office.id, day, floor)
        order = waiting_order(
            waiting,
            now=now,
            streak=streak,
            cap=cap,
            desk_id=viewer.desk_id if viewer else None,
            staff_id=viewer.staff_id if viewer else None,
        )
        return {visit_id: place for place, visit_id in enumerate(order, start=1)}

    def position(
        self,
        session: Session,
        visit_id: int,
        now: datetime,
        viewer: Actor | None,
        *,
        locked: bool = True,
    ) -> int | None:
        """The place of one waiting visit as seen from the viewer's desk, in one query
        (``locked``: in a write, after the office row)."""
        day = self._office.local_day(now)
        params = {
            "office": self._office.id,
            "on_day": day,
            "floor": self.floor(session, day, locked=locked),
            "due_before": now + APPOINTMENT_DUE_WINDOW,
            "actor_desk": viewer.desk_id if viewer else None,
            "actor_staff": viewer.staff_id if viewer else None,
        }
        return place_in_queue(session, visit_id, params)

    def floor(self, session: Session, day: date, *, locked: bool) -> int:
        """The day's floor of the streak (:func:`read_floor`), kept for the day once read
        under the office lock (``locked``); read outside it, it only serves that read."""
        known = self._floors
        if known is not None and known[0] == day:
            return known[1]
        floor = read_floor(session, self._office.id, day)
        if locked:
            self._floors = (day, floor)
        return floor

    def load(
        self, session: Session, visit_id: int, now: datetime, viewer: Actor | None
    ) -> QueueEntry:
        """One visit as the queue shows it, read in a write, after the office row."""
        row = entry_row(session, self._office.id, visit_id)
        position = None
        if row.status == VisitStatus.WAITING:
            position = self.position(session, visit_id, now, viewer)
        return entry_of(row, now, position)
