"""The office's shared queue (DESIGN §2): its order, its tickets and its statements.

The queue is the database: every desk reads the same rows and polls ``Office.queue_revision``
to know when to refresh. Every status change goes through :func:`visits.transition_visit`,
so two desks can never both take the same visitor. The use cases that open the units of work
live in the application layer (``pimms_tui.application.queue``); here are the rules, the
dataclasses and the statements they run in the caller's transaction.

Queue order, as :func:`waiting_order` computes it and ``call_next`` follows it:

1. visits transferred to the calling desk or mediator (a hand-over goes first there, and only
   there: other desks' ``call_next`` skip it, though any desk may still ``call`` it by hand);
2. appointments that are due (arrived for an appointment starting within 10 minutes or
   earlier), earliest appointment first; they are not subject to the priority cap;
3. priority visitors (elderly, disability, pregnancy, urgency…), by arrival;
4. everyone else by arrival, first in first out (ties broken by visit id).

Starvation rule: after ``Office.priority_streak_cap`` consecutive calls of priority visitors,
the next call takes the longest-waiting regular visitor if one waits. "Consecutive" is read
from the day's history of calls (VisitEvent rows waiting → called), so no extra state is
kept: counting back from the latest call, priority visits add one, a regular visit ends the
streak, and calls that are outside the rule (appointment arrivals, visits handed over after
being seen) neither count nor end it; recalls (called → called) are not calls. A cap of 0
therefore means a priority visitor is only called when no regular visitor waits. The cap is
read from the office row at each call, so a change in the settings applies to every desk at
once.
"""

from .arrivals import check_in_appointment, record_arrival
from .calls import check_recall, check_transfer_target, claim_next
from .entries import (
    candidate_of,
    day_order,
    entry_of,
    entry_row,
    place_in_queue,
    read_floor,
    streak_and_cap,
    today_rows,
)
from .model import (
    APPOINTMENT_DUE_WINDOW,
    APPOINTMENT_SERIES,
    WALK_IN_SERIES,
    ArrivalRequest,
    QueueCandidate,
    QueueEntry,
    Ticket,
)
from .ordering import CallKind, call_kind, waiting_order
from .places import QueuePlaces
from .same_person import AlreadyInQueue, add_reason, check_not_in_queue
from .tickets import draw_ticket_number, ticket_code

__all__ = [
    "APPOINTMENT_DUE_WINDOW",
    "APPOINTMENT_SERIES",
    "WALK_IN_SERIES",
    "AlreadyInQueue",
    "ArrivalRequest",
    "CallKind",
    "QueueCandidate",
    "QueueEntry",
    "QueuePlaces",
    "Ticket",
    "add_reason",
    "call_kind",
    "candidate_of",
    "check_in_appointment",
    "check_not_in_queue",
    "check_recall",
    "check_transfer_target",
    "claim_next",
    "day_order",
    "draw_ticket_number",
    "entry_of",
    "entry_row",
    "place_in_queue",
    "read_floor",
    "record_arrival",
    "streak_and_cap",
    "ticket_code",
    "today_rows",
    "waiting_order",
]
