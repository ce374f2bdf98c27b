"""The follow-up use cases: relays to check with the partner, appointments "à renseigner".

The rules and statements are in ``pimms_tui.domain.followups``; past appointments without an
outcome are those of :meth:`AppointmentService.to_fill_in`, their outcome is recorded by
:meth:`AppointmentService.set_outcome`. News of a relay, from whichever screen, goes through
:meth:`FollowUpService.record_news`.
"""

from __future__ import annotations

from datetime import date

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.db.engine import Database
from pimms_tui.domain import audit
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments import AppointmentView
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.followups import (
    POSTPONE_NOT_AFTER_TODAY,
    FollowUpCounts,
    RelayFollowUp,
    RelayNews,
    any_overdue,
    change_open_relay,
    check_postpone,
    checked_news,
    count_waiting,
    due_relays,
    expire_relays,
    expiry_cutoff,
    relay_summary,
)
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation import RelaySummary
from pimms_tui.domain.validation import FieldError


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
        return self.office.today(self.clock)

    def expiry_cutoff(self) -> date:
        """Open relays with a follow-up date before this day have expired."""
        return expiry_cutoff(self.today())

    def expire_overdue(self) -> int:
        """Close as ``expired`` the open relays more than 30 days past their follow-up date.

        One guarded UPDATE (only rows still open change), so running it again, or from two
        desks at once, expires nothing twice. A cheap read first spares a write transaction
        when nothing is to expire, the usual case. Returns how many relays expired.
        """
        today = self.today()
        with self.database.read() as session:
            if not any_overdue(session, self.office.id, today):
                return 0
        with self.database.write() as session:
            return expire_relays(session, self.office.id, today, self.clock.now())

    def relays_due(self, actor: Actor, *, limit: int = 200) -> list[RelayFollowUp]:
        """Open relays whose follow-up date has come (office-local), the most overdue first.

        Expires the relays past 30 days first (:meth:`expire_overdue`), so none is listed.
        """
        self._check_reader(actor)
        self.expire_overdue()
        with self.database.read() as session:
            return due_relays(session, self.office.id, self.today(), limit)

    def record_news(self, relay_id: int, news: RelayNews, actor: Actor) -> RelaySummary:
        """The follow-up of a relay, from any screen: news, or a later follow-up date."""
        if news.status is not None:
            return self.record_relay(
                relay_id, news.status, actor, refusal_reason=news.refusal_reason
            )
        if news.follow_up_on is None:
            raise FieldError("follow_up_on", POSTPONE_NOT_AFTER_TODAY)
        return self.postpone_relay(relay_id, news.follow_up_on, actor)

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
        values = checked_news(status, refusal_reason)
        now = self.clock.now()
        with self.database.write() as session:
            change_open_relay(session, self.office.id, relay_id, {**values, "closed_at": now})
            audit.record(
                session,
                actor,
                audit.Action.RELAY_FOLLOWED_UP,
                at=now,
                entity="relay",
                entity_id=relay_id,
                status=values["status"],
                refusal_reason=values["refusal_reason"],
            )
            return relay_summary(session, self.office.id, relay_id)

    def postpone_relay(self, relay_id: int, new_date: date, actor: Actor) -> RelaySummary:
        """Follow the relay up later: a new date after today; the relay stays open."""
        require(actor, Permission.FOLLOW_UP)
        self.appointments.check_actor(actor)
        check_postpone(new_date, self.today())
        with self.database.write() as session:
            change_open_relay(session, self.office.id, relay_id, {"follow_up_on": new_date})
            audit.record(
                session,
                actor,
                audit.Action.RELAY_POSTPONED,
                at=self.clock.now(),
                entity="relay",
                entity_id=relay_id,
                follow_up_on=new_date.isoformat(),
            )
            return relay_summary(session, self.office.id, relay_id)

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

        Called whenever the queue reloads, so it writes nothing (see ``count_waiting``).
        """
        now = self.clock.now()
        with self.database.read() as session:
            return count_waiting(session, self.office.id, self.office.local_day(now), now)
