"""Follow-up (DESIGN §2 step 5): relays to check with the partner, appointments "à renseigner".

The mediator "makes sure the step was real and continued". A relay stays open until its
follow-up gives news — confirmed, refused (with a reason) or unreachable — or until it
expires: an open relay whose follow-up date is more than :data:`EXPIRY_DAYS` days past
without news becomes ``expired``. Expiry needs no scheduler: :meth:`FollowUpService.relays_due`
runs :meth:`FollowUpService.expire_overdue` first, so the list is always right, and
:meth:`FollowUpService.counts` leaves the relays past expiry out without writing anything.

Every change of a relay is one conditional write guarded by ``status = 'open'``: when two
desks record news for the same relay, the second gets a :class:`TransitionRefused` saying what
the first recorded, never a silent overwrite. Past appointments without an outcome are those
of :meth:`AppointmentService.to_fill_in`; their outcome is recorded by
:meth:`AppointmentService.set_outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import RefusalReason, RelayStatus
from pimms_tui.db.models import Appointment, Demand, Motif, Partner, Relay, Visit, Visitor

from . import audit
from .access import Permission, require
from .actors import Actor
from .appointments import (
    MAX_DURATION_MINUTES,
    PENDING_STATUSES,
    AppointmentService,
    AppointmentView,
)
from .clock import Clock
from .errors import NotFound, TransitionRefused
from .messages import N_
from .offices import OfficeInfo
from .orientation import RelaySummary
from .validation import FieldError

# An open relay whose follow-up date is more than this many days past expires (no news).
EXPIRY_DAYS = 30
# How far a follow-up can be pushed back: beyond, a typo would hide the relay for years.
MAX_POSTPONE_DAYS = 366
DEFAULT_POSTPONE_DAYS = 7
# What news of a relay can say (expiry is the software's, never typed).
NEWS_STATUSES = frozenset({RelayStatus.CONFIRMED, RelayStatus.REFUSED, RelayStatus.UNREACHABLE})

RELAY_UNKNOWN = N_("This relay does not exist.")
NEWS_INVALID = N_("Choose confirmed, refused or unreachable.")
REASON_REQUIRED = N_("Choose why the partner did not take the person in charge.")
POSTPONE_NOT_AFTER_TODAY = N_("The new follow-up date must be after today.")
POSTPONE_TOO_FAR = N_("The new follow-up date is too far: {max} days from today at most.")
# Why news could not be recorded, by what the relay turned out to be.
ALREADY_CLOSED: dict[str, str] = {
    RelayStatus.CONFIRMED: N_("This relay was already recorded as confirmed."),
    RelayStatus.REFUSED: N_("This relay was already recorded as refused."),
    RelayStatus.UNREACHABLE: N_("This relay was already recorded as unreachable."),
    RelayStatus.EXPIRED: N_("This relay expired after 30 days without news."),
}


@dataclass(frozen=True)
class RelayFollowUp:
    """An open relay whose follow-up date has come: who, to whom, how, and how late."""

    id: int
    demand_id: int
    partner_id: int
    partner_name: str
    partner_phone: str | None
    contact: str | None
    mode: str
    sent_at: datetime
    follow_up_on: date
    days_overdue: int
    visitor_id: int | None  # None: anonymous visit (or a file anonymised since)
    visitor_first_name: str | None
    visitor_last_name: str | None
    motif_code: str
    motif_label_fr: str
    motif_label_en: str

    @property
    def expires_on(self) -> date:
        """The day it expires if nothing is recorded until then."""
        return self.follow_up_on + timedelta(days=EXPIRY_DAYS + 1)


@dataclass(frozen=True)
class FollowUpCounts:
    """What waits for follow-up: shown on the queue screen, so computed cheaply."""

    relays_due: int
    appointments_to_fill_in: int

    @property
    def total(self) -> int:
        """Everything that waits."""
        return self.relays_due + self.appointments_to_fill_in


class FollowUpService:
    """Relays to follow up and appointments to fill in, for one office."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self.database = database
        self.clock = clock
        self.office = office
        self.appointments = AppointmentService(database, clock, office)

    # Relays -------------------------------------------------------------------------------

    def today(self) -> date:
        """The office's calendar day now."""
        return self.office.local_day(self.clock.now())

    def expiry_cutoff(self) -> date:
        """Open relays with a follow-up date before this day have expired."""
        return self.today() - timedelta(days=EXPIRY_DAYS)

    def expire_overdue(self) -> int:
        """Close as ``expired`` the open relays more than 30 days past their follow-up date.

        One guarded UPDATE (only rows still open change), so running it again, or from two
        desks at once, expires nothing twice. A cheap read first spares a write transaction
        when nothing is to expire, the usual case. Returns how many relays expired.
        """
        overdue = and_(
            Relay.office_id == self.office.id,
            Relay.status == RelayStatus.OPEN.value,
            Relay.follow_up_on < self.expiry_cutoff(),
        )
        with self.database.read() as session:
            if not session.execute(select(exists().where(overdue))).scalar():
                return 0
        with self.database.write() as session:
            result = session.execute(
                update(Relay)
                .where(overdue)
                .values(status=RelayStatus.EXPIRED.value, closed_at=self.clock.now())
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result)

    def relays_due(self, actor: Actor, *, limit: int = 200) -> list[RelayFollowUp]:
        """Open relays whose follow-up date has come (office-local), the most overdue first.

        Expires the relays past 30 days first (:meth:`expire_overdue`), so none is listed.
        """
        self._check_reader(actor)
        self.expire_overdue()
        today = self.today()
        rows = self._due_rows(today, limit)
        return [
            RelayFollowUp(
                id=relay.id,
                demand_id=relay.demand_id,
                partner_id=relay.partner_id,
                partner_name=partner_name,
                partner_phone=partner_phone,
                contact=relay.contact,
                mode=relay.mode,
                sent_at=relay.sent_at,
                follow_up_on=relay.follow_up_on,
                days_overdue=(today - relay.follow_up_on).days,
                visitor_id=visitor_id if anonymised_at is None else None,
                visitor_first_name=first_name if anonymised_at is None else None,
                visitor_last_name=last_name if anonymised_at is None else None,
                motif_code=motif_code,
                motif_label_fr=label_fr,
                motif_label_en=label_en,
            )
            for (
                relay,
                partner_name,
                partner_phone,
                visitor_id,
                first_name,
                last_name,
                anonymised_at,
                motif_code,
                label_fr,
                label_en,
            ) in rows
        ]

    def record_relay(
        self,
        relay_id: int,
        status: str,
        actor: Actor,
        *,
        refusal_reason: str | None = None,
    ) -> RelaySummary:
        """Record the news of a relay: confirmed, refused (a reason is required) or unreachable.

        The reason is kept for a refusal only. Refused with TransitionRefused when the relay
        is no longer open (another desk recorded news first, or it expired).
        """
        require(actor, Permission.FOLLOW_UP)
        self.appointments.check_actor(actor)
        if status not in NEWS_STATUSES:
            raise FieldError("status", NEWS_INVALID)
        reason: str | None = None
        if status == RelayStatus.REFUSED:
            if refusal_reason not in set(RefusalReason):
                raise FieldError("refusal_reason", REASON_REQUIRED)
            reason = str(refusal_reason)
        now = self.clock.now()
        with self.database.write() as session:
            self._change_open_relay(
                session,
                relay_id,
                {"status": str(status), "refusal_reason": reason, "closed_at": now},
            )
            audit.record(
                session,
                actor,
                audit.Action.RELAY_FOLLOWED_UP,
                at=now,
                entity="relay",
                entity_id=relay_id,
                status=str(status),
                refusal_reason=reason,
            )
            return self._summary(session, relay_id)

    def postpone_relay(self, relay_id: int, new_date: date, actor: Actor) -> RelaySummary:
        """Follow the relay up later: a new date after today; the relay stays open."""
        require(actor, Permission.FOLLOW_UP)
        self.appointments.check_actor(actor)
        today = self.today()
        if new_date <= today:
            raise FieldError("follow_up_on", POSTPONE_NOT_AFTER_TODAY)
        if new_date > today + timedelta(days=MAX_POSTPONE_DAYS):
            raise FieldError("follow_up_on", POSTPONE_TOO_FAR, {"max": str(MAX_POSTPONE_DAYS)})
        with self.database.write() as session:
            self._change_open_relay(session, relay_id, {"follow_up_on": new_date})
            audit.record(
                session,
                actor,
                audit.Action.RELAY_POSTPONED,
                at=self.clock.now(),
                entity="relay",
                entity_id=relay_id,
                follow_up_on=new_date.isoformat(),
            )
            return self._summary(session, relay_id)

    # Appointments -------------------------------------------------------------------------

    def appointments_to_fill_in(
        self, actor: Actor, *, staff_id: int | None = None, limit: int = 200
    ) -> list[AppointmentView]:
        """Past appointments without an outcome ("à renseigner"), oldest first."""
        self._check_reader(actor)
        return self.appointments.to_fill_in(staff_id, limit=limit)

    def _check_reader(self, actor: Actor) -> None:
        """The lists are the mediators' (and managers'), of this office only."""
        require(actor, Permission.FOLLOW_UP)
        self.appointments.check_actor(actor)

    def record_appointment(self, appointment_id: int, status: str, actor: Actor) -> AppointmentView:
        """Record what became of a past appointment: seen, no-show, excused or cancelled."""
        require(actor, Permission.FOLLOW_UP)
        return self.appointments.set_outcome(appointment_id, status, actor)

    # Counts -------------------------------------------------------------------------------

    def counts(self) -> FollowUpCounts:
        """How many relays are due and appointments to fill in; reads only, on indexes.

        Called whenever the queue reloads, so it writes nothing: relays past expiry are left
        out of the count instead of being expired here. An appointment is to fill in once
        it has ended; those that started more than the longest possible appointment ago
        have ended whatever their length and are counted by the database; the few that
        started within that time are checked one by one.
        """
        now = self.clock.now()
        today = self.office.local_day(now)
        surely_ended = now - timedelta(minutes=MAX_DURATION_MINUTES)
        pending = and_(
            Appointment.office_id == self.office.id,
            Appointment.status.in_(PENDING_STATUSES),
        )
        with self.database.read() as session:
            relays = session.execute(
                select(func.count())
                .select_from(Relay)
                .where(
                    Relay.office_id == self.office.id,
                    Relay.status == RelayStatus.OPEN.value,
                    Relay.follow_up_on <= today,
                    Relay.follow_up_on >= self.expiry_cutoff(),
                )
            ).scalar_one()
            long_past = session.execute(
                select(func.count())
                .select_from(Appointment)
                .where(pending, Appointment.starts_at <= surely_ended)
            ).scalar_one()
            recent = session.execute(
                select(Appointment.starts_at, Appointment.duration_minutes).where(
                    pending, Appointment.starts_at > surely_ended, Appointment.starts_at < now
                )
            ).all()
        ended = sum(1 for start, minutes in recent if start + timedelta(minutes=minutes) <= now)
        return FollowUpCounts(relays_due=int(relays), appointments_to_fill_in=long_past + ended)

    # Internals ----------------------------------------------------------------------------

    def _due_rows(self, today: date, limit: int) -> list[Any]:
        """Open relays due by ``today``, with partner, visitor and motif, in one query."""
        conditions: list[ColumnElement[bool]] = [
            Relay.office_id == self.office.id,
            Relay.status == RelayStatus.OPEN.value,
            Relay.follow_up_on <= today,
        ]
        with self.database.read() as session:
            return list(
                session.execute(
                    select(
                        Relay,
                        Partner.name,
                        Partner.phone,
                        Visitor.id,
                        Visitor.first_name,
                        Visitor.last_name,
                        Visitor.anonymised_at,
                        Motif.code,
                        Motif.label_fr,
                        Motif.label_en,
                    )
                    .join(Partner, Partner.id == Relay.partner_id)
                    .join(Demand, Demand.id == Relay.demand_id)
                    .join(Motif, Motif.id == Demand.motif_id)
                    .join(Visit, Visit.id == Demand.visit_id)
                    .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
                    .where(*conditions)
                    .order_by(Relay.follow_up_on, Relay.sent_at, Relay.id)
                    .limit(limit)
                ).all()
            )

    def _change_open_relay(self, session: Session, relay_id: int, values: dict[str, Any]) -> None:
        """Update a relay only while it is open; say what it became otherwise."""
        result = session.execute(
            update(Relay)
            .where(
                Relay.id == relay_id,
                Relay.office_id == self.office.id,
                Relay.status == RelayStatus.OPEN.value,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) == 1:
            return
        status = session.execute(
            select(Relay.status).where(Relay.id == relay_id, Relay.office_id == self.office.id)
        ).scalar_one_or_none()
        if status is None:
            raise NotFound(RELAY_UNKNOWN)
        raise TransitionRefused(ALREADY_CLOSED.get(status, ALREADY_CLOSED[RelayStatus.EXPIRED]))

    def _summary(self, session: Session, relay_id: int) -> RelaySummary:
        """A relay of the office as a plain value."""
        relay, partner_name = session.execute(
            select(Relay, Partner.name)
            .join(Partner, Partner.id == Relay.partner_id)
            .where(Relay.id == relay_id, Relay.office_id == self.office.id)
        ).one()
        return RelaySummary.of(relay, partner_name)


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count
