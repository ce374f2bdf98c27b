"""What the mediator types for a demand or a relay, and what the listening screen shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pimms_tui.db.models import Relay

from ..appointments import AppointmentView

# --- Inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandInput:
    """What the mediator types for a demand."""

    motif_id: int
    partner_id: int | None
    register_code: str
    level: str
    note: str | None = None


@dataclass(frozen=True)
class RelayInput:
    """What the mediator fills in to pass the relay to a partner."""

    partner_id: int
    mode: str
    contact: str | None = None
    reason: str | None = None
    shared_details: str | None = None
    share_consent: bool = False
    follow_up_on: date | None = None  # None: today + 14 days


# --- Views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelaySummary:
    """A relay as listed beside a demand or in the visitor's open follow-ups."""

    id: int
    demand_id: int
    partner_id: int
    partner_name: str
    mode: str
    status: str
    sent_at: datetime
    follow_up_on: date
    details_shared: bool
    refusal_reason: str | None = None  # why the partner refused, once recorded

    @classmethod
    def of(cls, relay: Relay, partner_name: str) -> RelaySummary:
        """The summary of a relay row (never its shared details: only whether there are)."""
        return cls(
            id=relay.id,
            demand_id=relay.demand_id,
            partner_id=relay.partner_id,
            partner_name=partner_name,
            mode=relay.mode,
            status=relay.status,
            sent_at=relay.sent_at,
            follow_up_on=relay.follow_up_on,
            details_shared=relay.shared_details is not None,
            refusal_reason=relay.refusal_reason,
        )


@dataclass(frozen=True)
class RelayView:
    """A relay just made, with what was recorded."""

    id: int
    demand_id: int
    visit_id: int
    partner_id: int
    partner_name: str
    mode: str
    contact: str | None
    reason: str | None
    shared_details: str | None
    share_consent_id: int | None
    sent_at: datetime
    follow_up_on: date
    status: str


@dataclass(frozen=True)
class DemandView:
    """A demand of the visit being listened to."""

    id: int
    visit_id: int
    position: int
    motif_id: int
    motif_code: str
    motif_label_fr: str
    motif_label_en: str
    partner_id: int | None
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
class VisitHeader:
    """Who is being listened to: name (None when anonymous), needs and consent state."""

    visit_id: int
    ticket_code: str
    status: str
    visitor_id: int | None
    first_name: str | None
    last_name: str | None
    needs: tuple[str, ...]
    interpreter_language: str | None
    priority: str
    keep_file_consent: bool

    @property
    def anonymous(self) -> bool:
        """Whether the visit has no named visitor (or the file was anonymised)."""
        return self.visitor_id is None


@dataclass(frozen=True)
class PriorDemand:
    """A demand of an earlier visit and the orientation it got (no note: minimal data)."""

    demand_id: int
    visit_id: int
    day: date
    motif_code: str
    motif_label_fr: str
    motif_label_en: str
    partner_id: int | None
    partner_name: str | None
    outcome: str


@dataclass(frozen=True)
class PriorOrientation:
    """The visitor's history beside the listening screen (empty for an anonymous visit)."""

    demands: tuple[PriorDemand, ...] = ()
    open_relays: tuple[RelaySummary, ...] = ()
    upcoming_appointments: tuple[AppointmentView, ...] = ()


@dataclass(frozen=True)
class ListeningView:
    """Everything the listening screen shows."""

    header: VisitHeader
    prior: PriorOrientation
    demands: tuple[DemandView, ...]

    @property
    def missing_outcomes(self) -> tuple[int, ...]:
        """Positions of the demands that still need an orientation."""
        return tuple(d.position for d in self.demands if d.outcome is None)
