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

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import Desk, Office, Visit, VisitEvent

from .actors import Actor
from .errors import NotFound, TransitionRefused
from .messages import N_

# Why a transition was refused, by the status the visit turned out to have.
_REFUSALS: dict[str, str] = {
    VisitStatus.WAITING: N_("Ticket {ticket} is waiting in the queue: call it first."),
    VisitStatus.CALLED: N_("Ticket {ticket} was already called at {desk}."),
    VisitStatus.IN_PROGRESS: N_("Ticket {ticket} is already being seen at {desk}."),
    VisitStatus.DONE: N_("Ticket {ticket} is already closed."),
    VisitStatus.LEFT: N_("Ticket {ticket} has left without being seen."),
    VisitStatus.NO_SHOW: N_("Ticket {ticket} was marked absent."),
}

# Built once with bound parameters: desks run these several times a second.
_BUMP = (
    update(Office)
    .where(Office.id == bindparam("office_id"))
    .values(queue_revision=Office.queue_revision + 1)
    .returning(Office.priority_streak_cap)
)
_STATUS = select(Visit.status).where(
    Visit.id == bindparam("visit_id"), Visit.office_id == bindparam("office_id")
)
_EVENT = insert(VisitEvent)
# In ``Session.info``: the transaction, and the offices it already bumped (with their cap).
_BUMPED = "pimms_queue_bumped"


def bump_queue_revision(session: Session, office_id: int) -> int:
    """Tell every desk the queue changed (they poll this counter); the office's streak cap.

    The update locks the office row until commit (PostgreSQL; SQLite's write transaction is
    already exclusive): it is the first lock of every queue write, so locks are always taken
    office first, then visit. Done once per unit of work: later calls in the same session
    only give back the priority streak cap read under that lock.
    """
    connection = session.connection()  # begins the transaction if need be
    transaction = session.get_transaction()
    marked = session.info.get(_BUMPED)
    if marked is None or marked[0] is not transaction:
        marked = session.info[_BUMPED] = (transaction, {})
    bumped: dict[int, int] = marked[1]
    if office_id not in bumped:
        cap = connection.execute(_BUMP, {"office_id": office_id}).scalar_one()
        bumped[office_id] = int(cap)
    return bumped[office_id]


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
    connection = session.connection()
    allowed = [VisitStatus(s).value for s in expected]
    key = {"visit_id": visit_id, "office_id": actor.office_id}
    if len(allowed) == 1:
        current: str | None = allowed[0]  # known unless the update below is refused
    else:
        current = connection.execute(_STATUS, key).scalar_one_or_none()
        if current is None:
            raise NotFound(N_("This visit does not exist."))
    result = connection.execute(
        update(Visit)
        .where(
            Visit.id == visit_id,
            Visit.office_id == actor.office_id,
            Visit.status.in_(allowed),
        )
        .values(status=to.value, **(values or {}))
    )
    if result.rowcount != 1:
        raise refusal(session, visit_id, actor.office_id)
    connection.execute(
        _EVENT,
        {
            "office_id": actor.office_id,
            "visit_id": visit_id,
            "at": now,
            "staff_id": actor.staff_id,
            "desk_id": actor.desk_id,
            "from_status": current,
            "to_status": to.value,
        },
    )


def refusal(
    session: Session, visit_id: int, office_id: int | None = None
) -> TransitionRefused | NotFound:
    """The refusal that says what happened to the visit meanwhile (NotFound: no such visit)."""
    query = (
        select(Visit.ticket_code, Visit.status, Desk.name)
        .outerjoin(Desk, Desk.id == Visit.desk_id)
        .where(Visit.id == visit_id)
    )
    if office_id is not None:
        query = query.where(Visit.office_id == office_id)
    row = session.execute(query).one_or_none()
    if row is None:
        return NotFound(N_("This visit does not exist."))
    message = _REFUSALS.get(row.status, N_("Ticket {ticket} changed meanwhile."))
    return TransitionRefused(message, ticket=row.ticket_code, desk=row.name or "?")
