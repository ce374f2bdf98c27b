"""One person, one open visit a day: a second arrival is refused, its reason joins the first.

A named visitor who already waits, or is being called or seen, today holds one ticket: an
arrival for them is refused with their ticket, and the desk may add the new reason to that
visit instead (as its first reason when it had none, else as a demand the mediator takes up
during listening, where its register and level are set like any other).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import Demand, Motif, Visit, Visitor

from ..errors import Conflict, NotFound
from ..messages import N_
from ..reference import DEFAULT_REGISTER

OPEN_STATUSES = (VisitStatus.WAITING.value, VisitStatus.CALLED.value, VisitStatus.IN_PROGRESS.value)

ALREADY_WAITING = N_("{name} is already waiting: ticket {ticket}.")
ALREADY_SEEN = N_("{name} is already being seen: ticket {ticket}.")
NO_OPEN_VISIT = N_("Ticket {ticket} is no longer in today's queue: register the arrival again.")
MOTIF_UNKNOWN = N_("This reason for coming does not exist.")


class AlreadyInQueue(Conflict):
    """The visitor already has an open visit today: which one, to add the reason to it."""

    def __init__(self, message: str, *, visit_id: int, name: str, ticket: str) -> None:
        super().__init__(message, name=name, ticket=ticket)
        self.visit_id = visit_id
        self.name = name
        self.ticket = ticket


def check_not_in_queue(session: Session, office_id: int, visitor_id: int, day: date) -> None:
    """Refuse a second open visit today for the same visitor (AlreadyInQueue names it)."""
    row = session.execute(
        select(Visit.id, Visit.ticket_code, Visit.status, Visitor.first_name, Visitor.last_name)
        .join(Visitor, Visitor.id == Visit.visitor_id)
        .where(
            Visit.office_id == office_id,
            Visit.day == day,
            Visit.visitor_id == visitor_id,
            Visit.status.in_(OPEN_STATUSES),
        )
        .order_by(Visit.id)
        .limit(1)
    ).first()
    if row is None:
        return
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    message = ALREADY_WAITING if row.status == VisitStatus.WAITING else ALREADY_SEEN
    raise AlreadyInQueue(message, visit_id=row.id, name=name, ticket=row.ticket_code)


def add_reason(
    session: Session, office_id: int, visit_id: int, motif_id: int, *, day: date, now: datetime
) -> str:
    """Add a reason for coming to one of today's open visits; its ticket code.

    The visit's first reason when it had none; nothing when it already has this reason;
    else a new demand after the others (the default register, no outcome yet).
    """
    visit = session.execute(
        select(Visit).where(Visit.id == visit_id, Visit.office_id == office_id)
    ).scalar_one_or_none()
    if visit is None:
        raise NotFound(N_("This visit does not exist."))
    if visit.day != day or visit.status not in OPEN_STATUSES:
        raise Conflict(NO_OPEN_VISIT, ticket=visit.ticket_code)
    motif = session.get(Motif, motif_id)
    if motif is None or not motif.active:
        raise NotFound(MOTIF_UNKNOWN)
    if visit.first_motif_id is None:
        visit.first_motif_id = motif_id
        return visit.ticket_code
    known = session.scalars(select(Demand.motif_id).where(Demand.visit_id == visit_id)).all()
    if motif_id == visit.first_motif_id or motif_id in known:
        return visit.ticket_code
    last = session.scalar(select(func.max(Demand.position)).where(Demand.visit_id == visit_id))
    session.add(
        Demand(
            office_id=office_id,
            visit_id=visit_id,
            position=(last or 0) + 1,
            motif_id=motif_id,
            register_code=DEFAULT_REGISTER,
            created_at=now,
            day=visit.day,
        )
    )
    session.flush()
    return visit.ticket_code
