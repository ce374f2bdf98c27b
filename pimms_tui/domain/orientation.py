"""Listening (écoute) and orientation: the demands of a visit and what each one leads to.

Every demand gets an outcome before its visit can be closed: resolved on site, to finish
alone, must come back, a relay to a partner, or an appointment (DESIGN §2, steps 3 to 5).
Notes and every free text pass the "never stored" guard (``sensitive.check_free_text``).
Sharing details with a partner needs the visitor's recorded consent, with the version of the
consent text they were read; an anonymous visit can be relayed, but shares nothing.

Writes that depend on the visit's state lock the visit row first (``SELECT … FOR UPDATE`` on
PostgreSQL, the single writer on SQLite), so a demand cannot slip in while the visit closes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import (
    AppointmentStatus,
    ConsentScope,
    HelpLevel,
    Outcome,
    RelayMode,
    RelayStatus,
    VisitStatus,
)
from pimms_tui.db.models import (
    Appointment,
    Consent,
    Demand,
    Motif,
    Partner,
    Register,
    Relay,
    Visit,
    Visitor,
)
from pimms_tui.db.normalise import storable

from . import audit, sensitive
from .access import Permission, require
from .actors import Actor
from .appointments import AppointmentService, AppointmentView, Slot
from .clock import Clock
from .errors import Conflict, DomainError, NotFound
from .messages import N_
from .offices import OfficeInfo
from .validation import FieldError, normalise_phone, validate_email
from .visits import bump_queue_revision, transition_visit

MAX_NOTE_LENGTH = 500
MAX_REASON_LENGTH = 500
MAX_SHARED_DETAILS_LENGTH = 1000
MAX_CONTACT_LENGTH = 200
DEFAULT_FOLLOW_UP_DAYS = 14
PRIOR_DEMANDS_LIMIT = 10
UPCOMING_LIMIT = 10

# What the visitor is read before agreeing that the office shares details with a partner.
# Its SHA-256 is stored with each consent: a new wording is a new version.
SHARE_CONSENT_TEXT_FR = (
    "J’accepte que le PIMMS transmette au partenaire désigné les seules informations "
    "nécessaires au traitement de ma demande. Ces informations ne sont utilisées que pour "
    "cette démarche. Je peux retirer mon accord à tout moment auprès du PIMMS."
)
SHARE_CONSENT_TEXT_EN = (
    "I agree that the PIMMS passes on to the named partner only the information needed to "
    "handle my request. This information is used for this procedure only. I can withdraw my "
    "agreement at any time by asking the PIMMS."
)
SHARE_CONSENT_TEXT_HASH = hashlib.sha256(
    f"{SHARE_CONSENT_TEXT_FR}\n\n{SHARE_CONSENT_TEXT_EN}".encode()
).hexdigest()

# Outcomes set directly; relay and appointment have their own operations.
SIMPLE_OUTCOMES = frozenset({Outcome.RESOLVED, Outcome.FINISH_ALONE, Outcome.COME_BACK})
_ACTIVE_APPOINTMENT = (AppointmentStatus.BOOKED.value, AppointmentStatus.ARRIVED.value)
_PHONE_LIKE = re.compile(r"\+?[0-9()\s.\-/]+")

VISIT_UNKNOWN = N_("This visit does not exist.")
DEMAND_UNKNOWN = N_("This demand does not exist.")
VISIT_NOT_IN_PROGRESS = N_("Ticket {ticket} is not being seen: its demands cannot change.")
NOTE_TOO_LONG = N_("The note is too long ({max} characters at most).")
TEXT_TOO_LONG = N_("This text is too long ({max} characters at most).")
MOTIF_UNKNOWN = N_("Choose a reason from the list.")
PARTNER_UNKNOWN = N_("This partner does not exist or is no longer active.")
REGISTER_UNKNOWN = N_("Choose one of the 8 registers of intervention.")
LEVEL_INVALID = N_("Choose a level of help: inform, accompany or do on behalf.")
OUTCOME_INVALID = N_("Choose resolved on site, to finish alone or must come back.")
MODE_INVALID = N_("Choose how the relay is made.")
FOLLOW_UP_PAST = N_("The follow-up date cannot be in the past.")
REMOVE_HAS_OUTCOME = N_(
    "Demand {position} already has an orientation: it can no longer be removed."
)
ALREADY_RELAYED = N_("Demand {position} is already relayed to a partner; follow the relay up.")
APPOINTMENT_ACTIVE = N_(
    "Demand {position} has a booked appointment: cancel it before choosing another orientation."
)
SHARED_WITHOUT_CONSENT = N_(
    "Details can only be shared with the partner once the visitor has consented to it."
)
ANONYMOUS_SHARING = N_(
    "This visit is anonymous: nothing can be shared with the partner, and no consent recorded."
)
CLOSE_NO_DEMAND = N_("This visit has no demand yet: record at least one before closing.")
CLOSE_ONE_MISSING = N_("Demand {positions} has no orientation yet.")
CLOSE_MANY_MISSING = N_("Demands {positions} have no orientation yet.")


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


# --- Service ---------------------------------------------------------------------------------


class OrientationService:
    """The rules of listening and orientation, for one office."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self.database = database
        self.clock = clock
        self.office = office
        self.appointments = AppointmentService(database, clock, office)

    # Reading ------------------------------------------------------------------------------

    def listening(self, visit_id: int, actor: Actor) -> ListeningView:
        """The header, the visitor's prior orientations and this visit's demands (read by
        those who orient: prior orientations are the file's history)."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        with self.database.read() as session:
            header = self._header(session, visit_id)
            demands = self._demand_views(session, Demand.visit_id == visit_id)
            prior = (
                self._prior(session, header.visitor_id, visit_id)
                if header.visitor_id is not None
                else PriorOrientation()
            )
        return ListeningView(header=header, prior=prior, demands=tuple(demands))

    # Demands ------------------------------------------------------------------------------

    def add_demand(self, visit_id: int, data: DemandInput, actor: Actor) -> DemandView:
        """Record a new demand on a visit being seen; it comes after the existing ones."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        with self.database.write() as session:
            visit = self._lock_visit_in_progress(session, visit_id)
            values = self._demand_values(session, data, current=None)
            last = session.execute(
                select(func.max(Demand.position)).where(Demand.visit_id == visit_id)
            ).scalar_one_or_none()
            demand = Demand(
                office_id=self.office.id,
                visit_id=visit_id,
                position=(last or 0) + 1,
                created_at=self.clock.now(),
                day=visit.day,  # the statistics count it on its visit's day
                **values,
            )
            session.add(demand)
            session.flush()
            return self._demand_view(session, demand.id)

    def update_demand(self, demand_id: int, data: DemandInput, actor: Actor) -> DemandView:
        """Change a demand's reason, partner, register, level or note."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        with self.database.write() as session:
            demand, _visit = self._lock_demand(session, demand_id)
            values = self._demand_values(session, data, current=demand)
            for name, value in values.items():
                setattr(demand, name, value)
            session.flush()
            return self._demand_view(session, demand_id)

    def remove_demand(self, demand_id: int, actor: Actor) -> None:
        """Remove a demand typed by mistake, while it has no orientation; renumber the others."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        with self.database.write() as session:
            demand, _visit = self._lock_demand(session, demand_id)
            if demand.outcome is not None:
                raise Conflict(REMOVE_HAS_OUTCOME, position=demand.position)
            visit_id, position = demand.visit_id, demand.position
            session.delete(demand)
            session.flush()
            session.execute(
                update(Demand)
                .where(Demand.visit_id == visit_id, Demand.position > position)
                .values(position=Demand.position - 1)
                .execution_options(synchronize_session=False)
            )

    # Outcomes -----------------------------------------------------------------------------

    def set_outcome(self, demand_id: int, outcome: str, actor: Actor) -> DemandView:
        """Orient a demand: resolved on site, to finish alone, or must come back."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        if outcome not in SIMPLE_OUTCOMES:
            raise FieldError("outcome", OUTCOME_INVALID)
        with self.database.write() as session:
            demand, _visit = self._lock_demand(session, demand_id)
            self._check_reorientable(session, demand)
            demand.outcome = str(outcome)
            demand.appointment_id = None
            session.flush()
            return self._demand_view(session, demand_id)

    def relay(self, demand_id: int, data: RelayInput, actor: Actor) -> RelayView:
        """Pass the relay to a partner; shared details only with the visitor's consent."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        now = self.clock.now()
        today = self.office.local_day(now)
        if data.mode not in set(RelayMode):
            raise FieldError("mode", MODE_INVALID)
        follow_up_on = data.follow_up_on or today + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
        if follow_up_on < today:
            raise FieldError("follow_up_on", FOLLOW_UP_PAST)
        contact = _clean_contact(data.contact)
        reason = _clean_text("reason", data.reason, MAX_REASON_LENGTH)
        shared = _clean_text("shared_details", data.shared_details, MAX_SHARED_DETAILS_LENGTH)
        if shared is not None and not data.share_consent:
            raise DomainError(SHARED_WITHOUT_CONSENT)
        with self.database.write() as session:
            demand, visit = self._lock_demand(session, demand_id)
            self._check_reorientable(session, demand)
            visitor_id = _named_visitor(session, visit)
            if data.share_consent and visitor_id is None:
                raise DomainError(ANONYMOUS_SHARING)
            partner = self._partner(session, data.partner_id, current=None)
            consent_id: int | None = None
            if data.share_consent and visitor_id is not None:
                consent = Consent(
                    office_id=self.office.id,
                    visitor_id=visitor_id,
                    scope=ConsentScope.SHARE_WITH_PARTNER.value,
                    given_at=now,
                    staff_id=actor.staff_id,
                    text_version_hash=SHARE_CONSENT_TEXT_HASH,
                )
                session.add(consent)
                session.flush()
                consent_id = consent.id
                audit.record(
                    session,
                    actor,
                    audit.Action.CONSENT_GIVEN,
                    at=now,
                    entity="visitor",
                    entity_id=visitor_id,
                    office_id=self.office.id,
                    scope=ConsentScope.SHARE_WITH_PARTNER.value,
                    text_version_hash=SHARE_CONSENT_TEXT_HASH,
                    partner_id=partner.id,
                )
            relay = Relay(
                office_id=self.office.id,
                demand_id=demand.id,
                partner_id=partner.id,
                mode=str(data.mode),
                contact=contact,
                reason=reason,
                shared_details=shared,
                share_consent_id=consent_id,
                sent_at=now,
                follow_up_on=follow_up_on,
                status=RelayStatus.OPEN.value,
                day=visit.day,  # the statistics count it on its visit's day
            )
            session.add(relay)
            demand.outcome = Outcome.RELAY.value
            demand.appointment_id = None
            session.flush()
            return RelayView(
                id=relay.id,
                demand_id=demand.id,
                visit_id=demand.visit_id,
                partner_id=partner.id,
                partner_name=partner.name,
                mode=relay.mode,
                contact=relay.contact,
                reason=relay.reason,
                shared_details=relay.shared_details,
                share_consent_id=relay.share_consent_id,
                sent_at=relay.sent_at,
                follow_up_on=relay.follow_up_on,
                status=relay.status,
            )

    def book_appointment_for_demand(
        self, demand_id: int, slot: Slot, actor: Actor, place: str | None = None
    ) -> DemandView:
        """Book an appointment for a demand and orient the demand to it."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        with self.database.write() as session:
            demand, visit = self._lock_demand(session, demand_id)
            self._check_reorientable(session, demand)
            appointment_id = self.appointments.book_in_session(
                session, _named_visitor(session, visit), slot, demand.motif_id, place
            )
            demand.outcome = Outcome.APPOINTMENT.value
            demand.appointment_id = appointment_id
            session.flush()
            return self._demand_view(session, demand_id)

    def close_visit(self, visit_id: int, actor: Actor) -> None:
        """Close a visit being seen once every demand has an orientation."""
        require(actor, Permission.ORIENT)
        self.appointments.check_actor(actor)
        now = self.clock.now()
        with self.database.write() as session:
            # Office row first, as every queue write does (no deadlock with a calling desk).
            bump_queue_revision(session, actor.office_id)
            self._lock_visit_in_progress(session, visit_id)
            rows = session.execute(
                select(Demand.position, Demand.outcome)
                .where(Demand.visit_id == visit_id)
                .order_by(Demand.position)
            ).all()
            if not rows:
                raise DomainError(CLOSE_NO_DEMAND)
            missing = [row.position for row in rows if row.outcome is None]
            if missing:
                message = CLOSE_ONE_MISSING if len(missing) == 1 else CLOSE_MANY_MISSING
                raise DomainError(
                    message,
                    positions=", ".join(str(p) for p in missing),
                    count=len(missing),
                )
            transition_visit(
                session,
                visit_id=visit_id,
                expected=(VisitStatus.IN_PROGRESS,),
                to=VisitStatus.DONE,
                actor=actor,
                now=now,
                values={"finished_at": now},
            )

    # Internals ----------------------------------------------------------------------------

    def _lock_visit_in_progress(self, session: Session, visit_id: int) -> Visit:
        visit = session.scalars(
            select(Visit)
            .where(Visit.id == visit_id, Visit.office_id == self.office.id)
            .with_for_update()
        ).one_or_none()
        if visit is None:
            raise NotFound(VISIT_UNKNOWN)
        if visit.status != VisitStatus.IN_PROGRESS:
            raise Conflict(VISIT_NOT_IN_PROGRESS, ticket=visit.ticket_code)
        return visit

    def _lock_demand(self, session: Session, demand_id: int) -> tuple[Demand, Visit]:
        """A demand of a visit being seen, read after its visit is locked (so it is current)."""
        visit_id = session.execute(
            select(Demand.visit_id).where(
                Demand.id == demand_id, Demand.office_id == self.office.id
            )
        ).scalar_one_or_none()
        if visit_id is None:
            raise NotFound(DEMAND_UNKNOWN)
        visit = self._lock_visit_in_progress(session, visit_id)
        demand = session.scalars(
            select(Demand).where(Demand.id == demand_id).execution_options(populate_existing=True)
        ).one_or_none()
        if demand is None:  # removed by another desk meanwhile
            raise NotFound(DEMAND_UNKNOWN)
        return demand, visit

    def _partner(self, session: Session, partner_id: int, *, current: int | None) -> Partner:
        """An active partner of the office (an inactive one is kept if already chosen)."""
        partner = session.scalars(
            select(Partner).where(Partner.id == partner_id, Partner.office_id == self.office.id)
        ).one_or_none()
        if partner is None or (not partner.active and partner_id != current):
            raise FieldError("partner_id", PARTNER_UNKNOWN)
        return partner

    def _demand_values(
        self, session: Session, data: DemandInput, *, current: Demand | None
    ) -> dict[str, Any]:
        """Checked column values of a demand."""
        note = _clean_text("note", data.note, MAX_NOTE_LENGTH, message=NOTE_TOO_LONG)
        if data.level not in set(HelpLevel):
            raise FieldError("level", LEVEL_INVALID)
        motif = session.get(Motif, data.motif_id)
        if motif is None or (
            not motif.active and (current is None or current.motif_id != motif.id)
        ):
            raise FieldError("motif_id", MOTIF_UNKNOWN)
        if session.get(Register, data.register_code) is None:
            raise FieldError("register_code", REGISTER_UNKNOWN)
        if data.partner_id is not None:
            self._partner(session, data.partner_id, current=current.partner_id if current else None)
        return {
            "motif_id": motif.id,
            "partner_id": data.partner_id,
            "register_code": data.register_code,
            "level": str(data.level),
            "note": note,
        }

    def _check_reorientable(self, session: Session, demand: Demand) -> None:
        """Refuse to re-orient a relayed demand, or one whose appointment still stands."""
        if demand.outcome == Outcome.RELAY:
            raise Conflict(ALREADY_RELAYED, position=demand.position)
        if demand.outcome == Outcome.APPOINTMENT and demand.appointment_id is not None:
            status = session.execute(
                select(Appointment.status).where(Appointment.id == demand.appointment_id)
            ).scalar_one_or_none()
            if status in _ACTIVE_APPOINTMENT:
                raise Conflict(APPOINTMENT_ACTIVE, position=demand.position)

    def _header(self, session: Session, visit_id: int) -> VisitHeader:
        keep_file = (
            exists()
            .where(
                Consent.visitor_id == Visit.visitor_id,
                Consent.scope == ConsentScope.KEEP_FILE.value,
                Consent.withdrawn_at.is_(None),
            )
            .correlate(Visit)
        )
        row = session.execute(
            select(
                Visit,
                Visitor.first_name,
                Visitor.last_name,
                Visitor.anonymised_at,
                keep_file.label("keep_file"),
            )
            .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
            .where(Visit.id == visit_id, Visit.office_id == self.office.id)
        ).one_or_none()
        if row is None:
            raise NotFound(VISIT_UNKNOWN)
        visit, first_name, last_name, anonymised_at, keep_file_consent = row
        named = visit.visitor_id is not None and anonymised_at is None
        return VisitHeader(
            visit_id=visit.id,
            ticket_code=visit.ticket_code,
            status=visit.status,
            visitor_id=visit.visitor_id if named else None,
            first_name=first_name if named else None,
            last_name=last_name if named else None,
            needs=tuple(visit.needs or ()),
            interpreter_language=visit.interpreter_language,
            priority=visit.priority,
            keep_file_consent=bool(keep_file_consent) and named,
        )

    def _demand_view(self, session: Session, demand_id: int) -> DemandView:
        views = self._demand_views(session, Demand.id == demand_id)
        if not views:
            raise NotFound(DEMAND_UNKNOWN)
        return views[0]

    def _demand_views(self, session: Session, condition: ColumnElement[bool]) -> list[DemandView]:
        """Demands with labels, relay and appointment: three queries whatever their number."""
        rows = session.execute(
            select(
                Demand,
                Motif.code,
                Motif.label_fr,
                Motif.label_en,
                Register.label_fr,
                Register.label_en,
                Partner.name,
            )
            .join(Motif, Motif.id == Demand.motif_id)
            .join(Register, Register.code == Demand.register_code)
            .outerjoin(Partner, Partner.id == Demand.partner_id)
            .where(Demand.office_id == self.office.id, condition)
            .order_by(Demand.visit_id, Demand.position)
        ).all()
        ids = [row[0].id for row in rows]
        relays = {r.demand_id: r for r in self._relay_summaries(session, Relay.demand_id.in_(ids))}
        appointment_ids = [row[0].appointment_id for row in rows if row[0].appointment_id]
        appointments = {
            a.id: a
            for a in (
                self.appointments.views(session, Appointment.id.in_(appointment_ids))
                if appointment_ids
                else []
            )
        }
        views: list[DemandView] = []
        for demand, code, label_fr, label_en, reg_fr, reg_en, partner_name in rows:
            views.append(
                DemandView(
                    id=demand.id,
                    visit_id=demand.visit_id,
                    position=demand.position,
                    motif_id=demand.motif_id,
                    motif_code=code,
                    motif_label_fr=label_fr,
                    motif_label_en=label_en,
                    partner_id=demand.partner_id,
                    partner_name=partner_name,
                    register_code=demand.register_code,
                    register_label_fr=reg_fr,
                    register_label_en=reg_en,
                    level=demand.level,
                    outcome=demand.outcome,
                    note=demand.note,
                    relay=relays.get(demand.id),
                    appointment=appointments.get(demand.appointment_id)
                    if demand.appointment_id
                    else None,
                )
            )
        return views

    def _relay_summaries(
        self, session: Session, condition: ColumnElement[bool]
    ) -> list[RelaySummary]:
        rows = session.execute(
            select(Relay, Partner.name)
            .join(Partner, Partner.id == Relay.partner_id)
            .where(Relay.office_id == self.office.id, condition)
            .order_by(Relay.follow_up_on, Relay.id)
        ).all()
        return [RelaySummary.of(relay, partner_name) for relay, partner_name in rows]

    def _prior(
        self, session: Session, visitor_id: int, except_visit: int | None
    ) -> PriorOrientation:
        """Three queries: earlier oriented demands, open relays, upcoming appointments."""
        earlier = (
            select(
                Demand.id,
                Demand.visit_id,
                Visit.day,
                Motif.code,
                Motif.label_fr,
                Motif.label_en,
                Demand.partner_id,
                Partner.name,
                Demand.outcome,
            )
            .join(Visit, Visit.id == Demand.visit_id)
            .join(Motif, Motif.id == Demand.motif_id)
            .outerjoin(Partner, Partner.id == Demand.partner_id)
            .where(
                Visit.visitor_id == visitor_id,
                Visit.office_id == self.office.id,
                Demand.outcome.is_not(None),
            )
            .order_by(Visit.arrived_at.desc(), Visit.id.desc(), Demand.position)
            .limit(PRIOR_DEMANDS_LIMIT)
        )
        if except_visit is not None:
            earlier = earlier.where(Visit.id != except_visit)
        demands = tuple(
            PriorDemand(
                demand_id=row[0],
                visit_id=row[1],
                day=row[2],
                motif_code=row[3],
                motif_label_fr=row[4],
                motif_label_en=row[5],
                partner_id=row[6],
                partner_name=row[7],
                outcome=row[8] or "",
            )
            for row in session.execute(earlier)
        )
        visitor_demands = (
            select(Demand.id)
            .join(Visit, Visit.id == Demand.visit_id)
            .where(Visit.visitor_id == visitor_id)
        )
        if except_visit is not None:
            visitor_demands = visitor_demands.where(Visit.id != except_visit)
        open_relays = self._relay_summaries(
            session,
            Relay.demand_id.in_(visitor_demands) & (Relay.status == RelayStatus.OPEN.value),
        )
        upcoming = self.appointments.upcoming_in_session(session, visitor_id, limit=UPCOMING_LIMIT)
        return PriorOrientation(
            demands=demands, open_relays=tuple(open_relays), upcoming_appointments=tuple(upcoming)
        )


# --- Helpers ---------------------------------------------------------------------------------


def _named_visitor(session: Session, visit: Visit) -> int | None:
    """The visit's visitor id, or None when anonymous (or the file was anonymised)."""
    if visit.visitor_id is None:
        return None
    anonymised = session.execute(
        select(Visitor.anonymised_at).where(Visitor.id == visit.visitor_id)
    ).scalar_one_or_none()
    return None if anonymised is not None else visit.visitor_id


def _clean_text(
    field: str, text: str | None, max_length: int, *, message: str = TEXT_TOO_LONG
) -> str | None:
    """Stripped free text, None when empty; too long → FieldError; sensitive → refused."""
    if text is None:
        return None
    cleaned = storable(text).strip()
    if not cleaned:
        return None
    if len(cleaned) > max_length:
        raise FieldError(field, message, {"max": str(max_length)})
    sensitive.check_free_text(cleaned)
    return cleaned


def _clean_contact(contact: str | None) -> str | None:
    """A partner contact: an e-mail address or a phone number is checked and normalised."""
    cleaned = _clean_text("contact", contact, MAX_CONTACT_LENGTH)
    if cleaned is None:
        return None
    try:
        if "@" in cleaned and not any(ch.isspace() for ch in cleaned):
            return validate_email(cleaned)
        if _PHONE_LIKE.fullmatch(cleaned) and sum(ch.isdigit() for ch in cleaned) >= 6:
            return normalise_phone(cleaned)
    except FieldError as error:
        raise FieldError("contact", error.message, error.params) from error
    return cleaned
