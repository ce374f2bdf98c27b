"""What the queue works with: the visits it shows, arrivals, tickets and call candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pimms_tui.db.enums import AgeBand, Gender, Need, Priority, VisitSource, VisitStatus

# An appointment arrival goes first from this long before its start.
APPOINTMENT_DUE_WINDOW = timedelta(minutes=10)
WALK_IN_SERIES = "A"
APPOINTMENT_SERIES = "R"

CLOSED = (VisitStatus.DONE, VisitStatus.LEFT, VisitStatus.NO_SHOW)


@dataclass(frozen=True)
class QueueEntry:
    """One visit of the day as the queue shows it.

    ``first_name``/``last_name`` are None for an anonymous visit (the UI decides masking).
    ``position`` is the 1-based place among waiting visits, as ``call_next`` would take them
    from the viewer's desk, else None. For a waiting visit with ``transfer_to_desk`` set,
    ``desk_id``/``desk_name``/``staff_name`` name the desk or mediator it was handed over to:
    only their ``call_next`` takes it (first), so other desks see it without a position.
    """

    visit_id: int
    ticket_code: str
    visitor_id: int | None
    first_name: str | None
    last_name: str | None
    status: VisitStatus
    priority: Priority
    needs: tuple[str, ...]
    interpreter_language: str | None
    motif_code: str | None
    motif_label_fr: str | None
    motif_label_en: str | None
    desk_id: int | None
    desk_name: str | None
    staff_name: str | None
    arrived_at: datetime
    called_at: datetime | None
    source: VisitSource
    appointment_due: bool
    position: int | None
    transfer_to_desk: bool


@dataclass(frozen=True)
class ArrivalRequest:
    """What the reception desk enters for an arrival; everything but the defaults is optional."""

    visitor_id: int | None = None
    motif_id: int | None = None
    priority: Priority = Priority.NONE
    needs: tuple[Need, ...] = ()
    interpreter_language: str | None = None
    age_band: AgeBand | None = None
    gender: Gender = Gender.NOT_GIVEN
    commune: str | None = None
    source: VisitSource = VisitSource.WALK_IN
    appointment_id: int | None = None


@dataclass(frozen=True)
class Ticket:
    """The ticket given at arrival, with the place it takes in the shared queue."""

    visit_id: int
    ticket_code: str
    position: int | None


@dataclass(frozen=True)
class QueueCandidate:
    """What the queue order needs to know about a waiting visit.

    ``desk_id``/``staff_id`` set on a waiting visit mean it was handed over to that desk or
    mediator; ``resumed`` means it was already seen once (transferred back to the queue).
    """

    visit_id: int
    arrived_at: datetime
    priority: str = Priority.NONE
    source: str = VisitSource.WALK_IN
    appointment_starts_at: datetime | None = None
    desk_id: int | None = None
    staff_id: int | None = None
    resumed: bool = False

    def is_due(self, now: datetime) -> bool:
        """Whether this is an appointment arrival whose appointment starts soon or started."""
        return (
            self.source == VisitSource.APPOINTMENT
            and self.appointment_starts_at is not None
            and self.appointment_starts_at <= now + APPOINTMENT_DUE_WINDOW
        )

    @property
    def is_handed_over(self) -> bool:
        """Whether it waits for one desk or mediator in particular."""
        return self.desk_id is not None or self.staff_id is not None

    def is_for(self, desk_id: int | None, staff_id: int | None) -> bool:
        """Whether it was handed over to this desk or this mediator."""
        return (self.desk_id is not None and self.desk_id == desk_id) or (
            self.staff_id is not None and self.staff_id == staff_id
        )
