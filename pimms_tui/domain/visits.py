"""The one guarded write that moves a visit from a status to another (DESIGN §4).

Every transition is a single ``UPDATE … WHERE status IN (expected)``: when two desks act on
the same visit, exactly one update matches and the other gets a clear refusal naming the desk
that won, never a silent overwrite. Each transition is recorded as a VisitEvent and bumps the
office's queue revision, the cheap marker every desk polls.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import Desk, Office, Visit, VisitEvent

from .actors import Actor
from .errors import NotFound, TransitionRefused
from .messages import N_

# Why a transition was refused, by the status the visit turned out to have.
_REFUSALS: dict[str, str] = {
    VisitStatus.WAITING: N_("Ticket {ticket} is back in the queue."),
    VisitStatus.CALLED: N_("Ticket {ticket} was already called at {desk}."),
    VisitStatus.IN_PROGRESS: N_("Ticket {ticket} is already being seen at {desk}."),
    VisitStatus.DONE: N_("Ticket {ticket} is already closed."),
    VisitStatus.LEFT: N_("Ticket {ticket} has left without being seen."),
    VisitStatus.NO_SHOW: N_("Ticket {ticket} was marked absent."),
}


def bump_queue_revision(session: Session, office_id: int) -> None:
    """Tell every desk the queue changed (they poll this counter)."""
    session.execute(
        update(Office)
        .where(Office.id == office_id)
        .values(queue_revision=Office.queue_revision + 1)
    )


def transition_visit(
    session: Session,
    *,
    visit_id: int,
    expected: Collection[VisitStatus],
    to: VisitStatus,
    actor: Actor,
    now: datetime,
    values: dict[str, Any] | None = None,
) -> None:
    """Move a visit to ``to`` if it is still in one of ``expected``; refuse clearly otherwise."""
    # The office row first (the revision bump locks it on PostgreSQL): every writer takes
    # office then visit, in that order, so two desks never deadlock.
    bump_queue_revision(session, actor.office_id)
    current = session.execute(
        select(Visit.status).where(Visit.id == visit_id, Visit.office_id == actor.office_id)
    ).scalar_one_or_none()
    if current is None:
        raise NotFound(N_("This visit does not exist."))
    result = session.execute(
        update(Visit)
        .where(
            Visit.id == visit_id,
            Visit.office_id == actor.office_id,
            Visit.status.in_([s.value for s in expected]),
        )
        .values(status=to.value, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise refusal(session, visit_id)
    session.add(
        VisitEvent(
            office_id=actor.office_id,
            visit_id=visit_id,
            at=now,
            staff_id=actor.staff_id,
            desk_id=actor.desk_id,
            from_status=current,
            to_status=to.value,
        )
    )


def refusal(session: Session, visit_id: int) -> TransitionRefused:
    """The refusal that says what happened to the visit meanwhile."""
    row = session.execute(
        select(Visit.ticket_code, Visit.status, Desk.name)
        .outerjoin(Desk, Desk.id == Visit.desk_id)
        .where(Visit.id == visit_id)
    ).one()
    message = _REFUSALS.get(row.status, N_("Ticket {ticket} changed meanwhile."))
    return TransitionRefused(message, ticket=row.ticket_code, desk=row.name or "?")
