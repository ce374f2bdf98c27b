"""Follow-up (DESIGN §2 step 5): the rules and statements of relays to check with the partner.

The mediator "makes sure the step was real and continued". A relay stays open until its
follow-up gives news — confirmed, refused (with a reason) or unreachable — or until it
expires: an open relay whose follow-up date is more than :data:`EXPIRY_DAYS` days past
without news becomes ``expired``. Expiry needs no scheduler: the list of relays due expires
the overdue ones first, and the counts leave them out without writing anything.

Every change of a relay is one conditional write guarded by ``status = 'open'``
(:func:`change_open_relay`): when two desks record news for the same relay, the second gets a
:class:`TransitionRefused` saying what the first recorded, never a silent overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.enums import RefusalReason, RelayStatus
from pimms_tui.db.models import Appointment, Demand, Motif, Partner, Relay, Visit, Visitor

from .appointments import MAX_DURATION_MINUTES, PENDING_STATUSES
from .errors import NotFound, TransitionRefused
from .messages import N_
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


@dataclass(frozen=True)
class RelayNews:
    """What became of a relay, as the mediator records it: one of the news, or a new date.

    ``status`` None means "postpone the follow-up to ``follow_up_on``"; a refusal needs its
    ``refusal_reason``.
    """

    status: str | None
    refusal_reason: str | None = None
    follow_up_on: date | None = None


def checked_news(status: str, refusal_reason: str | None) -> dict[str, Any]:
    """The columns news of a relay sets (the reason kept for a refusal only); refused when
    the status is not news or a refusal has no valid reason."""
    if status not in NEWS_STATUSES:
        raise FieldError("status", NEWS_INVALID)
    reason: str | None = None
    if status == RelayStatus.REFUSED:
        if refusal_reason not in set(RefusalReason):
            raise FieldError("refusal_reason", REASON_REQUIRED)
        reason = str(refusal_reason)
    return {"status": str(status), "refusal_reason": reason}


def check_postpone(new_date: date, today: date) -> None:
    """A new follow-up date must be after today, and not absurdly far."""
    if new_date <= today:
        raise FieldError("follow_up_on", POSTPONE_NOT_AFTER_TODAY)
    if new_date > today + timedelta(days=MAX_POSTPONE_DAYS):
        raise FieldError("follow_up_on", POSTPONE_TOO_FAR, {"max": str(MAX_POSTPONE_DAYS)})


def expiry_cutoff(today: date) -> date:
    """Open relays with a follow-up date before this day have expired."""
    return today - timedelta(days=EXPIRY_DAYS)


def overdue_relays(office_id: int, today: date) -> ColumnElement[bool]:
    """The office's open relays past expiry."""
    return and_(
        Relay.office_id == office_id,
        Relay.status == RelayStatus.OPEN.value,
        Relay.follow_up_on < expiry_cutoff(today),
    )


def any_overdue(session: Session, office_id: int, today: date) -> bool:
    """Whether some relay is to expire (a cheap read that spares a write transaction)."""
    return bool(session.execute(select(exists().where(overdue_relays(office_id, today)))).scalar())


def expire_relays(session: Session, office_id: int, today: date, now: datetime) -> int:
    """One guarded UPDATE (only rows still open change): how many relays expired."""
    result = session.execute(
        update(Relay)
        .where(overdue_relays(office_id, today))
        .values(status=RelayStatus.EXPIRED.value, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def due_relays(session: Session, office_id: int, today: date, limit: int) -> list[RelayFollowUp]:
    """Open relays due by ``today``, with partner, visitor and motif, in one query."""
    rows = session.execute(
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
        .where(
            Relay.office_id == office_id,
            Relay.status == RelayStatus.OPEN.value,
            Relay.follow_up_on <= today,
        )
        .order_by(Relay.follow_up_on, Relay.sent_at, Relay.id)
        .limit(limit)
    ).all()
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


def count_waiting(session: Session, office_id: int, today: date, now: datetime) -> FollowUpCounts:
    """How many relays are due and appointments to fill in; reads only, on indexes.

    Relays past expiry are left out of the count instead of being expired here. An
    appointment is to fill in once it has ended; those that started more than the longest
    possible appointment ago have ended whatever their length and are counted by the
    database; the few that started within that time are checked one by one.
    """
    surely_ended = now - timedelta(minutes=MAX_DURATION_MINUTES)
    pending = and_(Appointment.office_id == office_id, Appointment.status.in_(PENDING_STATUSES))
    relays = session.execute(
        select(func.count())
        .select_from(Relay)
        .where(
            Relay.office_id == office_id,
            Relay.status == RelayStatus.OPEN.value,
            Relay.follow_up_on <= today,
            Relay.follow_up_on >= expiry_cutoff(today),
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


def change_open_relay(
    session: Session, office_id: int, relay_id: int, values: dict[str, Any]
) -> None:
    """Update a relay only while it is open; say what it became otherwise."""
    result = session.execute(
        update(Relay)
        .where(
            Relay.id == relay_id,
            Relay.office_id == office_id,
            Relay.status == RelayStatus.OPEN.value,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 1:
        return
    status = session.execute(
        select(Relay.status).where(Relay.id == relay_id, Relay.office_id == office_id)
    ).scalar_one_or_none()
    if status is None:
        raise NotFound(RELAY_UNKNOWN)
    raise TransitionRefused(ALREADY_CLOSED.get(status, ALREADY_CLOSED[RelayStatus.EXPIRED]))


def relay_summary(session: Session, office_id: int, relay_id: int) -> RelaySummary:
    """A relay of the office as a plain value."""
    relay, partner_name = session.execute(
        select(Relay, Partner.name)
        .join(Partner, Partner.id == Relay.partner_id)
        .where(Relay.id == relay_id, Relay.office_id == office_id)
    ).one()
    return RelaySummary.of(relay, partner_name)


def rowcount(result: Any) -> int:
    """How many rows an UPDATE changed."""
    count: int = result.rowcount
    return count
