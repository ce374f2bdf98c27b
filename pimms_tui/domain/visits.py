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

from sqlalchemy import ColumnElement, bindparam, case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import Desk, Office, Visit, VisitEvent
from pimms_tui.db.types import UTCDateTime

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
    sqlite = connection.dialect.name == "sqlite"
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
        .values(
            status=to.value,
            **timing_values(allowed, to, now, values or {}, sqlite),
            **(values or {}),
        )
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


def _seconds_between(start: Any, end: Any, sqlite: bool) -> ColumnElement[Any]:
    """``end - start`` in seconds (the statistics' own arithmetic, on either engine)."""
    if sqlite:
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.date_part("epoch", end - start)


def waited_on_call(called: Any, sqlite: bool) -> ColumnElement[Any]:
    """The waited seconds after a call at ``called``: kept if the visit was called before."""
    return func.coalesce(Visit.waited_seconds, _seconds_between(Visit.arrived_at, called, sqlite))


def timing_values(
    expected: Collection[str],
    to: VisitStatus,
    now: datetime,
    values: dict[str, Any],
    sqlite: bool,
) -> dict[str, Any]:
    """The visit's statistics seconds a status change writes, as SQL of the old row's values.

    A call (``→ called``) sets the waited seconds from the arrival if they are still unset:
    the wait runs to the *first* call, later calls (after a put back, a recall or a
    transfer) count nothing. Leaving ``in_progress`` adds the listening that ends, from
    ``started_at`` (set by each start) to now. The statistics read these columns only.
    """
    timings: dict[str, Any] = {}
    if to == VisitStatus.CALLED:
        timings["waited_seconds"] = waited_on_call(_instant(values.get("called_at", now)), sqlite)
    if VisitStatus.IN_PROGRESS.value in expected and to != VisitStatus.IN_PROGRESS:
        ended = _instant(values.get("finished_at", now))
        listened = func.coalesce(Visit.listened_seconds, 0.0) + _seconds_between(
            Visit.started_at, ended, sqlite
        )
        timings["listened_seconds"] = case(
            (Visit.status == VisitStatus.IN_PROGRESS.value, listened),
            else_=Visit.listened_seconds,
        )
    return timings


def _instant(value: datetime) -> Any:
    """A bound UTC instant, stored as the visit's instants are (naive UTC)."""
    return literal(value, UTCDateTime())


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
