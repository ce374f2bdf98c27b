"""What a visitor's file holds, as plain values: identity, consent, open items, the timeline.

Identity edits use optimistic locking: the form remembers the ``version`` it showed; when
another desk saved first, :class:`StaleFile` carries the identity as it now stands, so the
screen can show both versions and let the user save again over the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..appointments import AppointmentView
from ..errors import Conflict
from ..messages import N_
from ..orientation import RelaySummary
from ..validation import format_phone

FILE_UNKNOWN = N_("This visitor file does not exist.")
FILE_ANONYMISED = N_(
    "This visitor file was anonymised: the identity is erased, only anonymous counts remain."
)
FILE_MERGED_AWAY = N_("This file was merged into another one that no longer exists.")
OTHER_OFFICE = N_("This desk belongs to another office.")
STALE_FILE = N_("Another desk changed this file meanwhile.")
NAME_REQUIRED = N_("Type at least the first name.")
NAME_TOO_LONG = N_("This name is too long ({max} characters at most).")
LANGUAGE_TOO_LONG = N_("The language is too long ({max} characters at most).")
NEED_UNKNOWN = N_("This need is not one the desk knows.")
ALREADY_IN_QUEUE = N_("This visitor is already in the queue with ticket {ticket}.")


# --- Values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the visitor is and how to reach them; ``version`` is the optimistic-lock counter."""

    first_name: str | None
    last_name: str | None
    phone: str | None  # E.164, as stored
    email: str | None
    birth_year: int | None
    commune: str | None
    language: str | None
    needs: tuple[str, ...]
    version: int

    @property
    def phone_display(self) -> str | None:
        """The phone number as people write it ("06 12 34 56 78")."""
        return format_phone(self.phone) if self.phone else None

    @property
    def full_name(self) -> str:
        """First and last name, as one line."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True)
class ConsentState:
    """The active consent to keep the file: when, by whom it was recorded."""

    consent_id: int
    given_at: datetime
    staff_id: int | None
    staff_name: str | None


@dataclass(frozen=True)
class OpenRelay:
    """A relay still waiting for its follow-up, with the demand it came from."""

    relay: RelaySummary
    visit_day: date
    motif_label_fr: str
    motif_label_en: str
    overdue: bool


@dataclass(frozen=True)
class OpenItems:
    """What needs attention, pinned on top of the file."""

    relays: tuple[OpenRelay, ...] = ()
    upcoming: tuple[AppointmentView, ...] = ()
    to_fill_in: tuple[AppointmentView, ...] = ()  # past, still without outcome ("à renseigner")

    @property
    def empty(self) -> bool:
        """Whether nothing is open."""
        return not (self.relays or self.upcoming or self.to_fill_in)


@dataclass(frozen=True)
class TimelineDemand:
    """A demand of a past visit, with what it led to."""

    id: int
    position: int
    motif_code: str
    motif_label_fr: str
    motif_label_en: str
    partner_name: str | None
    register_code: str
    register_label_fr: str
    register_label_en: str
    level: str
    outcome: str | None
    note: str | None
    relay: RelaySummary | None
    appointment: AppointmentView | None


@dataclass(frozen=True)
class TimelineVisit:
    """One passage at the office, with its demands."""

    id: int
    day: date
    arrived_at: datetime
    ticket_code: str
    status: str
    source: str
    desk_name: str | None
    staff_name: str | None
    demands: tuple[TimelineDemand, ...]


@dataclass(frozen=True)
class VisitorFile:
    """Everything the file screen shows about one visitor.

    ``merged_from`` is the id that was asked for when it had been merged into this file.
    ``older_visits`` counts visits left out of the timeline (beyond ``TIMELINE_LIMIT``).
    """

    visitor_id: int
    identity: Identity
    consent: ConsentState | None
    pinned: OpenItems
    timeline: tuple[TimelineVisit, ...]
    merged_from: int | None = None
    older_visits: int = 0

    @property
    def version(self) -> int:
        """The version an edit of this file must name."""
        return self.identity.version


@dataclass(frozen=True)
class IdentityChanges:
    """Identity fields as typed in the edit form; None leaves a field as it is, "" clears it.

    The first name cannot be cleared. ``needs`` are Need values.
    """

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    birth_year: str | None = None
    commune: str | None = None
    language: str | None = None
    needs: tuple[str, ...] | None = None


class StaleFile(Conflict):
    """The file changed since it was shown; ``current`` is the identity as it now stands."""

    def __init__(self, current: Identity) -> None:
        super().__init__(STALE_FILE)
        self.current = current
