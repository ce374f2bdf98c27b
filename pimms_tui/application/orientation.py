"""The use cases of listening and orientation: demands, outcomes, relays, closing a visit.

Each checks the actor's permission, opens the unit of work, takes "now" and "today" from the
clock in the office's timezone and calls the rules and statements of
``pimms_tui.domain.orientation``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope, Outcome, RelayMode, RelayStatus, VisitStatus
from pimms_tui.db.models import Consent, Demand, Relay
from pimms_tui.domain import audit
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments import Slot
from pimms_tui.domain.appointments.statements import insert_booking
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.errors import Conflict, DomainError
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation.rectification import StoredText, rectify, stored_texts
from pimms_tui.domain.orientation.rules import (
    ANONYMOUS_SHARING,
    CLOSE_MANY_MISSING,
    CLOSE_NO_DEMAND,
    CLOSE_ONE_MISSING,
    DEFAULT_FOLLOW_UP_DAYS,
    FOLLOW_UP_PAST,
    MAX_REASON_LENGTH,
    MAX_SHARED_DETAILS_LENGTH,
    MODE_INVALID,
    OUTCOME_INVALID,
    REMOVE_HAS_OUTCOME,
    SHARE_CONSENT_TEXT_HASH,
    SHARED_WITHOUT_CONSENT,
    SIMPLE_OUTCOMES,
    clean_contact,
    clean_text,
)
from pimms_tui.domain.orientation.statements import (
    active_partner,
    check_reorientable,
    demand_values,
    demand_view,
    demand_views,
    lock_demand,
    lock_visit_in_progress,
    named_visitor,
    prior_orientation,
    visit_header,
)
from pimms_tui.domain.orientation.views import (
    DemandInput,
    DemandView,
    ListeningView,
    PriorOrientation,
    RelayInput,
    RelayView,
)
from pimms_tui.domain.validation import FieldError
from pimms_tui.domain.visits import bump_queue_revision, transition_visit


class OrientationService:
    """Listening and orientation, for one office."""

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
        self.check_actor(actor)
        with self.database.read() as session:
            header = visit_header(session, self.office.id, visit_id)
            demands = demand_views(session, self.office.id, Demand.visit_id == visit_id)
            prior = (
                prior_orientation(
                    session, self.office.id, header.visitor_id, visit_id, self.clock.now()
                )
                if header.visitor_id is not None
                else PriorOrientation()
            )
        return ListeningView(header=header, prior=prior, demands=tuple(demands))

    # Demands ------------------------------------------------------------------------------

    def add_demand(self, visit_id: int, data: DemandInput, actor: Actor) -> DemandView:
        """Record a new demand on a visit being seen; it comes after the existing ones."""
        require(actor, Permission.ORIENT)
        self.check_actor(actor)
        with self.database.write() as session:
            visit = lock_visit_in_progress(session, self.office.id, visit_id)
            values = demand_values(session, self.office.id, data, current=None)
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
            return demand_view(session, self.office.id, demand.id)

    def update_demand(self, demand_id: int, data: DemandInput, actor: Actor) -> DemandView:
        """Change a demand's reason, partner, register, level or note."""
        require(actor, Permission.ORIENT)
        self.check_actor(actor)
        with self.database.write() as session:
            demand, _visit = lock_demand(session, self.office.id, demand_id)
            values = demand_values(session, self.office.id, data, current=demand)
            for name, value in values.items():
                setattr(demand, name, value)
            session.flush()
            return demand_view(session, self.office.id, demand_id)

    def remove_demand(self, demand_id: int, actor: Actor) -> None:
        """Remove a demand typed by mistake, while it has no orientation; renumber the others."""
        require(actor, Permission.ORIENT)
        self.check_actor(actor)
        with self.database.write() as session:
            demand, _visit = lock_demand(session, self.office.id, demand_id)
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
        self.check_actor(actor)
        if outcome not in SIMPLE_OUTCOMES:
            raise FieldError("outcome", OUTCOME_INVALID)
        with self.database.write() as session:
            demand, _visit = lock_demand(session, self.office.id, demand_id)
            check_reorientable(session, demand)
            demand.outcome = str(outcome)
            demand.appointment_id = None
            session.flush()
            return demand_view(session, self.office.id, demand_id)

    def relay(self, demand_id: int, data: RelayInput, actor: Actor) -> RelayView:
        """Pass the relay to a partner; shared details only with the visitor's consent."""
        require(actor, Permission.ORIENT)
        self.check_actor(actor)
        now = self.clock.now()
        today = self.office.local_day(now)
        if data.mode not in set(RelayMode):
            raise FieldError("mode", MODE_INVALID)
        follow_up_on = data.follow_up_on or today + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
        if follow_up_on < today:
            raise FieldError("follow_up_on", FOLLOW_UP_PAST)
        contact = clean_contact(data.contact)
        reason = clean_text("reason", data.reason, MAX_REASON_LENGTH)
        shared = clean_text("shared_details", data.shared_details, MAX_SHARED_DETAILS_LENGTH)
        if shared is not None and not data.share_consent:
            raise DomainError(SHARED_WITHOUT_CONSENT)
        with self.database.write() as session:
            demand, visit = lock_demand(session, self.office.id, demand_id)
            check_reorientable(session, demand)
            visitor_id = named_visitor(session, visit)
            if data.share_consent and visitor_id is None:
                raise DomainError(ANONYMOUS_SHARING)
            partner = active_partner(session, self.office.id, data.partner_id, current=None)
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
        self.check_actor(actor)
        with self.database.write() as session:
            demand, visit = lock_demand(session, self.office.id, demand_id)
            check_reorientable(session, demand)
            appointment_id = insert_booking(
                session,
                self.office.id,
                self.clock.now(),
                named_visitor(session, visit),
                slot,
                demand.motif_id,
                place,
            )
            demand.outcome = Outcome.APPOINTMENT.value
            demand.appointment_id = appointment_id
            session.flush()
            return demand_view(session, self.office.id, demand_id)

    # Rectification ------------------------------------------------------------------------

    def stored_texts(self, visitor_id: int, actor: Actor) -> list[StoredText]:
        """The notes, relay reasons and shared details kept on a visitor (to rectify them)."""
        require(actor, Permission.ORIENT)
        self.check_actor(actor)
        with self.database.read() as session:
            return stored_texts(session, self.office.id, visitor_id)

    def rectify(self, target: tuple[str, int, str], text: str | None, actor: Actor) -> str | None:
        """Correct a stored note, relay reason or shared details, or erase it (empty text),
        whatever the visit's state; journalled without the text. Returns the stored text."""
        require(actor, Permission.ORIENT)
        self.check_actor(actor)
        with self.database.write() as session:
            return rectify(session, actor, self.office.id, target, text, self.clock.now())

    def close_visit(self, visit_id: int, actor: Actor) -> None:
        """Close a visit being seen once every demand has an orientation."""
        require(actor, Permission.ORIENT)
        self.check_actor(actor)
        now = self.clock.now()
        with self.database.write() as session:
            # Office row first, as every queue write does (no deadlock with a calling desk).
            bump_queue_revision(session, actor.office_id)
            lock_visit_in_progress(session, self.office.id, visit_id)
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

    def check_actor(self, actor: Actor) -> None:
        """Refuse an actor from another office."""
        self.appointments.check_actor(actor)
