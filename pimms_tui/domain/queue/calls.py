"""Calling and handing over: the head of the queue claimed in one statement, and the checks
a recall or a transfer makes first (in the caller's transaction, after the office row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import Desk, Staff, Visit

from ..actors import Actor
from ..errors import NotFound
from ..messages import N_
from ..visits import refusal
from .entries import entry_of
from .model import QueueEntry
from .statements import CALL_POSTGRES, CALL_SQLITE, CALLED_VALUE, EVENT, ONE_ENTRY, WAITING_VALUE


def claim_next(
    session: Session, params: dict[str, Any], actor: Actor, now: datetime
) -> QueueEntry | None:
    """Pick and claim the head of the queue for the actor's desk; None when nobody waits.

    ``params``: the office, the day, its floor, now, the due limit, the streak cap read under
    the office lock (``cap``) and the desk and mediator calling (``actor_desk``,
    ``actor_staff``). The head is picked and claimed by one statement, so every caller gets
    a different visitor or None.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        row = connection.execute(CALL_POSTGRES, params).one_or_none()
        return None if row is None else entry_of(row, now, None)
    visit_id = connection.execute(CALL_SQLITE, params).scalar_one_or_none()
    if visit_id is None:
        return None
    connection.execute(
        EVENT,
        {
            "office_id": params["office"],
            "visit_id": visit_id,
            "at": now,
            "staff_id": actor.staff_id,
            "desk_id": actor.desk_id,
            "from_status": WAITING_VALUE,
            "to_status": CALLED_VALUE,
        },
    )
    return entry_of(
        connection.execute(ONE_ENTRY, {**params, "visit_id": visit_id}).one(), now, None
    )


def check_recall(session: Session, visit_id: int, actor: Actor) -> None:
    """Refuse a recall from another desk than the one that called (locks the visit).

    Another desk re-announcing would send the visitor to the wrong counter; it gets the
    refusal naming the desk that called.
    """
    current = session.execute(
        select(Visit.status, Visit.desk_id)
        .where(Visit.id == visit_id, Visit.office_id == actor.office_id)
        .with_for_update()
    ).one_or_none()
    if current is None:
        raise NotFound(N_("This visit does not exist."))
    if current.status == VisitStatus.CALLED and current.desk_id != actor.desk_id:
        raise refusal(session, visit_id)


def check_transfer_target(
    session: Session, office_id: int, to_desk_id: int | None, to_staff_id: int | None
) -> None:
    """Refuse a hand-over to a desk or a staff member the office does not have."""
    if (
        to_desk_id is not None
        and session.execute(
            select(Desk.id).where(Desk.id == to_desk_id, Desk.office_id == office_id)
        ).scalar_one_or_none()
        is None
    ):
        raise NotFound(N_("This desk does not exist."))
    if (
        to_staff_id is not None
        and session.execute(
            select(Staff.id).where(Staff.id == to_staff_id, Staff.office_id == office_id)
        ).scalar_one_or_none()
        is None
    ):
        raise NotFound(N_("This staff member does not exist."))
