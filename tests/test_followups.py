"""Follow-up: relays due, news recorded once, expiry after 30 days, appointments to fill in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pimms_tui.application.followups import FollowUpService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, RefusalReason, RelayStatus, Role
from pimms_tui.db.models import AuditEntry
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import NotFound, PermissionDenied, TransitionRefused
from pimms_tui.domain.followups import (
    ALREADY_CLOSED,
    NEWS_INVALID,
    POSTPONE_NOT_AFTER_TODAY,
    POSTPONE_TOO_FAR,
    REASON_REQUIRED,
    FollowUpCounts,
    RelayNews,
)
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.validation import FieldError

from .followkit import (
    add_appointment,
    add_relay,
    add_staff,
    add_visitor,
    appointment_row,
    paris,
    relay_row,
)

TODAY = date(2026, 3, 2)  # the fixed clock's day in Paris


@pytest.fixture
def service(database: Database, clock: FixedClock, office: OfficeInfo) -> FollowUpService:
    return FollowUpService(database, clock, office)


@pytest.fixture
def actor(office: OfficeInfo) -> Actor:
    return Actor(office_id=office.id, desk_id=None, staff_id=None, role=Role.MEDIATOR)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# --- Expiry ----------------------------------------------------------------------------------


def test_relays_expire_after_30_days_without_news(
    service: FollowUpService, database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """29 and 30 days past the follow-up date stay open; 31 expires, once, with closed_at."""
    kept_29 = add_relay(database, office, clock, follow_up_on=days_ago(29))
    kept_30 = add_relay(database, office, clock, follow_up_on=days_ago(30))
    expired_31 = add_relay(database, office, clock, follow_up_on=days_ago(31))
    expired_90 = add_relay(database, office, clock, follow_up_on=days_ago(90))
    closed = add_relay(
        database, office, clock, follow_up_on=days_ago(60), status=RelayStatus.CONFIRMED
    )

    assert service.expire_overdue() == 2
    assert service.expire_overdue() == 0  # idempotent
    for relay_id in (kept_29, kept_30):
        assert (relay_row(database, relay_id).status, relay_row(database, relay_id).closed_at) == (
            "open",
            None,
        )
    for relay_id in (expired_31, expired_90):
        relay = relay_row(database, relay_id)
        assert relay.status == "expired" and relay.closed_at == clock.now()
    assert relay_row(database, closed).status == "confirmed"

    # The next day, the 30-day one goes too.
    clock.advance(days=1)
    assert service.expire_overdue() == 1
    assert relay_row(database, kept_30).status == "expired"
    assert relay_row(database, kept_29).status == "open"


def test_listing_expires_first(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """relays_due expires the relays past 30 days by itself: the list is always right."""
    stale = add_relay(database, office, clock, follow_up_on=days_ago(31))
    fresh = add_relay(database, office, clock, follow_up_on=days_ago(3))
    assert [r.id for r in service.relays_due(actor)] == [fresh]
    assert relay_row(database, stale).status == "expired"


# --- Listing ---------------------------------------------------------------------------------


def test_relays_due_oldest_first_with_who_and_why(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """Open relays due by today, most overdue first, with visitor, partner and motif."""
    visitor = add_visitor(database, office, clock, "Hélène", "Dupont")
    today = add_relay(database, office, clock, follow_up_on=TODAY, visitor_id=visitor)
    late = add_relay(
        database, office, clock, follow_up_on=days_ago(5), partner="edf", motif="family_benefits"
    )
    add_relay(database, office, clock, follow_up_on=TODAY + timedelta(days=1))  # not yet
    add_relay(database, office, clock, follow_up_on=days_ago(2), status=RelayStatus.REFUSED)

    due = service.relays_due(actor)
    assert [r.id for r in due] == [late, today]
    first, second = due
    assert first.days_overdue == 5 and second.days_overdue == 0
    assert first.visitor_id is None and first.visitor_first_name is None  # anonymous visit
    assert (second.visitor_id, second.visitor_first_name, second.visitor_last_name) == (
        visitor,
        "Hélène",
        "Dupont",
    )
    assert "EDF" in first.partner_name.upper() and first.motif_code == "family_benefits"
    assert first.motif_label_fr and first.motif_label_en
    assert first.mode == "referral_slip" and first.demand_id > 0
    assert first.expires_on == days_ago(5) + timedelta(days=31)
    assert service.relays_due(actor, limit=1) == [first]


def test_the_day_is_the_office_day(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """At 23:30 UTC it is already tomorrow in Paris: tomorrow's follow-ups are due."""
    tomorrow = add_relay(database, office, clock, follow_up_on=TODAY + timedelta(days=1))
    clock.advance(hours=14, minutes=30)  # 23:30 UTC, 00:30 in Paris
    assert [r.id for r in service.relays_due(actor)] == [tomorrow]


# --- News ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [RelayStatus.CONFIRMED, RelayStatus.UNREACHABLE])
def test_record_confirmed_or_unreachable(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
    status: RelayStatus,
) -> None:
    """The news closes the relay, leaves the list, and the journal says who recorded it."""
    relay_id = add_relay(database, office, clock, follow_up_on=days_ago(1))
    clock.advance(minutes=5)
    summary = service.record_relay(relay_id, status, actor)
    assert summary.id == relay_id and summary.status == status.value
    relay = relay_row(database, relay_id)
    assert (relay.status, relay.refusal_reason, relay.closed_at) == (
        status.value,
        None,
        clock.now(),
    )
    assert service.relays_due(actor) == []
    with database.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "relay")).one()
    assert (entry.action, entry.entity_id, entry.detail["status"]) == (
        "relay_followed_up",
        relay_id,
        status.value,
    )


def test_refusal_needs_a_reason(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """Refused without a reason (or with an unknown one) is refused; with one, it is kept."""
    relay_id = add_relay(database, office, clock, follow_up_on=TODAY)
    for reason in (None, "", "bored"):
        with pytest.raises(FieldError) as refused:
            service.record_relay(relay_id, RelayStatus.REFUSED, actor, refusal_reason=reason)
        assert (refused.value.field, refused.value.message) == ("refusal_reason", REASON_REQUIRED)
    assert relay_row(database, relay_id).status == "open"

    service.record_relay(
        relay_id, RelayStatus.REFUSED, actor, refusal_reason=RefusalReason.NOT_ELIGIBLE
    )
    relay = relay_row(database, relay_id)
    assert (relay.status, relay.refusal_reason) == ("refused", "not_eligible")


def test_only_news_statuses_can_be_recorded(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """Open and expired are not news a mediator types."""
    relay_id = add_relay(database, office, clock, follow_up_on=TODAY)
    for status in ("open", "expired", "maybe"):
        with pytest.raises(FieldError) as refused:
            service.record_relay(relay_id, status, actor)
        assert refused.value.message == NEWS_INVALID


def test_news_is_recorded_once(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """A second desk recording news for the same relay is told what the first recorded."""
    relay_id = add_relay(database, office, clock, follow_up_on=TODAY)
    other_desk = Actor(office_id=office.id, desk_id=None, staff_id=None, role=Role.MANAGER)
    service.record_relay(relay_id, RelayStatus.CONFIRMED, actor)
    with pytest.raises(TransitionRefused) as refused:
        service.record_relay(relay_id, RelayStatus.UNREACHABLE, other_desk)
    assert refused.value.message == ALREADY_CLOSED[RelayStatus.CONFIRMED]
    with pytest.raises(TransitionRefused):
        service.postpone_relay(relay_id, TODAY + timedelta(days=7), other_desk)
    relay = relay_row(database, relay_id)
    assert relay.status == "confirmed"

    expired = add_relay(database, office, clock, follow_up_on=days_ago(40))
    service.expire_overdue()
    with pytest.raises(TransitionRefused) as too_late:
        service.record_relay(expired, RelayStatus.CONFIRMED, actor)
    assert too_late.value.message == ALREADY_CLOSED[RelayStatus.EXPIRED]

    with pytest.raises(NotFound):
        service.record_relay(999_999, RelayStatus.CONFIRMED, actor)


def test_another_office_cannot_record(
    service: FollowUpService, database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    relay_id = add_relay(database, office, clock, follow_up_on=TODAY)
    stranger = Actor(office_id=office.id + 1, desk_id=None, role=Role.MANAGER)
    with pytest.raises(PermissionDenied):
        service.record_relay(relay_id, RelayStatus.CONFIRMED, stranger)
    assert relay_row(database, relay_id).status == "open"


# --- Postponing ------------------------------------------------------------------------------


def test_postpone(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """A later date keeps the relay open and takes it off today's list; today is refused."""
    relay_id = add_relay(database, office, clock, follow_up_on=days_ago(3))
    for day in (TODAY, days_ago(1)):
        with pytest.raises(FieldError) as refused:
            service.postpone_relay(relay_id, day, actor)
        assert refused.value.message == POSTPONE_NOT_AFTER_TODAY
    with pytest.raises(FieldError) as too_far:
        service.postpone_relay(relay_id, TODAY + timedelta(days=400), actor)
    assert too_far.value.message == POSTPONE_TOO_FAR

    summary = service.postpone_relay(relay_id, TODAY + timedelta(days=7), actor)
    assert (summary.status, summary.follow_up_on) == ("open", TODAY + timedelta(days=7))
    relay = relay_row(database, relay_id)
    assert (relay.status, relay.follow_up_on, relay.closed_at) == (
        "open",
        TODAY + timedelta(days=7),
        None,
    )
    assert service.relays_due(actor) == []
    clock.advance(days=7)
    assert [r.id for r in service.relays_due(actor)] == [relay_id]


# --- Appointments and counts -----------------------------------------------------------------


def test_appointments_to_fill_in_and_counts(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """Ended appointments without outcome are listed and counted; the counts write nothing."""
    mediator = add_staff(database, office, "Karim")
    yesterday = add_appointment(
        database, office, starts_at=paris(days_ago(1), 14), staff_id=mediator
    )
    arrived = add_appointment(
        database,
        office,
        starts_at=paris(TODAY, 9),
        staff_id=mediator,
        status=AppointmentStatus.ARRIVED,
    )
    long_ago = add_appointment(
        database, office, starts_at=paris(days_ago(20), 9), staff_id=mediator, duration_minutes=45
    )
    # Still running (09:45 + 30 min at 10:00), to come, already seen, and cancelled.
    add_appointment(database, office, starts_at=paris(TODAY, 9, 45), staff_id=mediator)
    add_appointment(database, office, starts_at=paris(TODAY, 11), staff_id=mediator)
    add_appointment(
        database,
        office,
        starts_at=paris(days_ago(2), 9),
        staff_id=mediator,
        status=AppointmentStatus.SEEN,
    )
    add_appointment(
        database,
        office,
        starts_at=paris(days_ago(2), 10),
        staff_id=mediator,
        status=AppointmentStatus.CANCELLED,
    )
    add_relay(database, office, clock, follow_up_on=TODAY)
    add_relay(database, office, clock, follow_up_on=days_ago(30))
    past_expiry = add_relay(database, office, clock, follow_up_on=days_ago(31))
    add_relay(database, office, clock, follow_up_on=TODAY + timedelta(days=1))

    assert [a.id for a in service.appointments_to_fill_in(actor)] == [long_ago, yesterday, arrived]
    assert service.counts() == FollowUpCounts(relays_due=2, appointments_to_fill_in=3)
    assert relay_row(database, past_expiry).status == "open"  # counting wrote nothing

    service.record_appointment(yesterday, AppointmentStatus.SEEN, actor)
    service.record_appointment(arrived, AppointmentStatus.NO_SHOW, actor)
    assert appointment_row(database, yesterday).status == "seen"
    assert appointment_row(database, arrived).status == "no_show"
    assert [a.id for a in service.appointments_to_fill_in(actor)] == [long_ago]
    counts = service.counts()
    assert (counts.appointments_to_fill_in, counts.total) == (1, 3)

    # A quarter of an hour later the 09:45 appointment has ended too.
    clock.advance(minutes=15)
    assert service.counts().appointments_to_fill_in == 2
    assert len(service.appointments_to_fill_in(actor)) == 2


# --- One use case for the news of a relay ----------------------------------------------------


def test_record_news_is_the_one_way_for_every_news(
    service: FollowUpService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """Refused keeps its reason in what is returned; a date alone postpones; nothing else."""
    refused = add_relay(database, office, clock, follow_up_on=TODAY)
    later = add_relay(database, office, clock, follow_up_on=TODAY)

    summary = service.record_news(
        refused, RelayNews(RelayStatus.REFUSED, refusal_reason=RefusalReason.NOT_ELIGIBLE), actor
    )
    assert (summary.status, summary.refusal_reason) == ("refused", "not_eligible")
    stored = relay_row(database, refused)
    assert (stored.status, stored.refusal_reason) == ("refused", "not_eligible")

    with pytest.raises(FieldError) as missing_reason:
        service.record_news(later, RelayNews(RelayStatus.REFUSED), actor)
    assert missing_reason.value.message == REASON_REQUIRED
    with pytest.raises(FieldError):
        service.record_news(later, RelayNews(None), actor)  # neither news nor a date

    moved = service.record_news(later, RelayNews(None, follow_up_on=TODAY + timedelta(7)), actor)
    assert (moved.status, moved.follow_up_on, moved.refusal_reason) == (
        "open",
        TODAY + timedelta(7),
        None,
    )
