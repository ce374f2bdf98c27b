"""The queue's order of calls and its priority streak, as plain rules over candidates.

This is the reference the database's statements (:mod:`.statements`) follow; see the
package's docstring for the order and the starvation rule.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum

from pimms_tui.db.enums import Priority, VisitSource

from .model import QueueCandidate


class CallKind(StrEnum):
    """How a call counts for the priority streak."""

    PRIORITY = "priority"
    REGULAR = "regular"
    NEUTRAL = "neutral"  # appointment arrivals and hand-overs: outside the cap


def call_kind(source: str, priority: str, resumed: bool) -> CallKind:
    """How calling a visit with these traits counts for the priority streak."""
    if source == VisitSource.APPOINTMENT or resumed:
        return CallKind.NEUTRAL
    return CallKind.REGULAR if priority == Priority.NONE else CallKind.PRIORITY


def _after_call(streak: int, kind: CallKind) -> int:
    if kind is CallKind.PRIORITY:
        return streak + 1
    return 0 if kind is CallKind.REGULAR else streak


def waiting_order(
    candidates: Iterable[QueueCandidate],
    *,
    now: datetime,
    streak: int,
    cap: int,
    desk_id: int | None = None,
    staff_id: int | None = None,
) -> list[int]:
    """Visit ids in the order successive ``call_next`` from this desk would take them.

    ``streak`` is the number of consecutive priority calls just made (see the module
    docstring); due appointments and hand-overs to this desk are not subject to the cap.
    Visits handed over to another desk or mediator are left out. This is the reference the
    database's own ordering (:mod:`.statements`) follows.
    """
    by_arrival = sorted(candidates, key=lambda c: (c.arrived_at, c.visit_id))
    handed_over: list[QueueCandidate] = []
    due: list[QueueCandidate] = []
    priority: list[QueueCandidate] = []
    regular: list[QueueCandidate] = []
    for candidate in by_arrival:
        if candidate.is_handed_over:
            if candidate.is_for(desk_id, staff_id):
                handed_over.append(candidate)
        elif candidate.is_due(now):
            due.append(candidate)
        elif candidate.priority != Priority.NONE:
            priority.append(candidate)
        else:
            regular.append(candidate)
    due.sort(key=lambda c: (c.appointment_starts_at, c.arrived_at, c.visit_id))

    def calls(group: list[QueueCandidate]) -> list[tuple[int, CallKind]]:
        return [(c.visit_id, call_kind(c.source, c.priority, c.resumed)) for c in group]

    return list(
        interleave(
            calls([*handed_over, *due]), calls(priority), calls(regular), streak=streak, cap=cap
        )
    )


def interleave(
    first: Iterable[tuple[int, CallKind]],
    priority: Iterable[tuple[int, CallKind]],
    regular: Iterable[tuple[int, CallKind]],
    *,
    streak: int,
    cap: int,
) -> Iterator[int]:
    """Visit ids as successive calls take them from the queue's groups, each already sorted.

    ``first`` (hand-overs, due appointments) go before the others; then a priority visit
    while the streak is under the cap or no regular visit waits, else a regular one.
    """
    heads = deque(first)
    priorities = deque(priority)
    regulars = deque(regular)
    while heads or priorities or regulars:
        if heads:
            visit_id, kind = heads.popleft()
        elif priorities and (not regulars or streak < cap):
            visit_id, kind = priorities.popleft()
        else:
            visit_id, kind = regulars.popleft()
        streak = _after_call(streak, kind)
        yield visit_id
