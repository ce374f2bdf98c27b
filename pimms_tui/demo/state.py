"""The generator's working state: people, offices, appointments, visits; the rows' columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pimms_tui.db.enums import AppointmentStatus, VisitStatus

from .timeline import _Day


class _V:
    """Visit statuses as plain strings: drivers get str, never an Enum subclass."""

    WAITING = VisitStatus.WAITING.value
    CALLED = VisitStatus.CALLED.value
    IN_PROGRESS = VisitStatus.IN_PROGRESS.value
    DONE = VisitStatus.DONE.value
    LEFT = VisitStatus.LEFT.value
    NO_SHOW = VisitStatus.NO_SHOW.value


@dataclass(slots=True)
class _Person:
    """A visitor being generated: identity first, times filled in as visits happen."""

    id: int
    office: int
    first: str
    last: str | None
    female: bool
    birth_year: int | None
    phone: str | None
    email: str | None
    language: str
    needs: list[str]
    commune: str | None
    regular: bool
    created: int = -1
    last_activity: int = -1
    last_day: int = -1
    last_motif: int = -1
    registered_by: int | None = None


@dataclass(slots=True)
class _OfficePlan:
    """An office being filled: its desks, staff, partners and visitor pools."""

    index: int
    id: int
    tz: ZoneInfo
    weight: float
    hours: dict[int, list[tuple[int, int]]]
    reception_desk: int
    mediation_desks: list[int]
    desk_names: dict[int, str]
    receptionists: list[int]
    mediators: list[int]
    partners: dict[str, int]
    commune_choices: tuple[list[str], list[float]]
    days: dict[int, _Day] = field(default_factory=dict)
    open_days: list[int] = field(default_factory=list)
    newcomers: list[int] = field(default_factory=list)
    next_newcomer: int = 0
    seen: list[int] = field(default_factory=list)
    regulars: list[int] = field(default_factory=list)
    remaining_walk_ins: int = 0

    def mediator_desk(self, staff_id: int, day: _Day) -> int:
        """Mediators change desks from day to day."""
        position = self.mediators.index(staff_id)
        return self.mediation_desks[(position + day.ordinal) % len(self.mediation_desks)]


@dataclass(slots=True)
class _Appointment:
    """An appointment being generated; its status is settled when its day comes."""

    id: int
    office: int
    visitor: int | None
    staff: int | None
    partner: int | None
    motif: int | None
    day: int
    starts: int
    duration: int
    place: str | None
    created: int
    status: str = AppointmentStatus.BOOKED


@dataclass(slots=True)
class _Plan:
    """A visit of a day before its rows are written: arrival and what becomes of it."""

    arrival: int
    status: str
    appointment: _Appointment | None = None
    staff: int | None = None
    order: int = 0
    # Everything about the visit happens before this instant (today: before now).
    deadline: int | None = None


_COLUMNS: dict[str, tuple[str, ...]] = {
    "visitor": (
        "id", "office_id", "first_name", "last_name", "phone", "email", "birth_year",
        "language", "needs", "commune", "search_key", "phone_digits", "version", "created_at",
        "last_activity_at", "anonymised_at", "merged_into_id",
    ),
    "visitor_search_token": ("visitor_id", "token", "office_id"),
    "consent": (
        "id", "office_id", "visitor_id", "scope", "given_at", "staff_id", "text_version_hash",
        "withdrawn_at",
    ),
    "appointment": (
        "id", "office_id", "visitor_id", "staff_id", "partner_id", "motif_id", "starts_at",
        "duration_minutes", "place", "status", "created_at",
    ),
    "visit": (
        "id", "office_id", "day", "ticket_number", "ticket_code", "visitor_id",
        "appointment_id", "age_band", "gender", "commune", "source", "priority", "needs",
        "interpreter_language", "first_motif_id", "status", "desk_id", "staff_id",
        "arrived_at", "called_at", "started_at", "finished_at", "waited_seconds",
        "listened_seconds",
    ),
    "visit_event": (
        "id", "office_id", "visit_id", "at", "staff_id", "desk_id", "from_status", "to_status",
    ),
    "demand": (
        "id", "office_id", "visit_id", "position", "motif_id", "partner_id", "register_code",
        "level", "outcome", "appointment_id", "note", "created_at", "day",
    ),
    "relay": (
        "id", "office_id", "demand_id", "partner_id", "mode", "contact", "reason",
        "shared_details", "share_consent_id", "sent_at", "follow_up_on", "status",
        "refusal_reason", "closed_at", "day",
    ),
    "ticket_counter": ("office_id", "day", "series", "last_number"),
}  # fmt: skip


_ID_TABLES = ("visitor", "consent", "appointment", "visit", "visit_event", "demand", "relay")

Row = tuple[Any, ...]
