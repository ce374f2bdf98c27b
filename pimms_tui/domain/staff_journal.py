"""Changes to staff accounts in the journal, and what a person is told at their next sign-in.

Creating an account, setting someone's PIN, changing a role, deactivating and reactivating
each leave an entry: who did it (the entry's staff), to whom (``entity_id``), never a PIN or
a hash. A person whose PIN someone else set since their last sign-in is told so when they
sign in (:func:`pin_changed_by_other`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pimms_tui.db.models import AuditEntry, Staff

from . import audit
from .actors import Actor


class StaffAction:
    """The journal's actions on staff accounts (stored as these strings)."""

    CREATED = "staff_created"
    PIN_SET = "staff_pin_set"
    ROLE_CHANGED = "staff_role_changed"
    DEACTIVATED = "staff_deactivated"
    REACTIVATED = "staff_reactivated"


@dataclass(frozen=True)
class PinChange:
    """Someone else set this person's PIN: who, and when."""

    by: str
    at: datetime


def record_change(
    session: Session, actor: Actor | None, action: str, staff_id: int, at: datetime, **detail: Any
) -> None:
    """Journal a change to the account ``staff_id`` made by ``actor`` (None: first run)."""
    audit.record(session, actor, action, at=at, entity="staff", entity_id=staff_id, **detail)


def pin_changed_by_other(session: Session, staff_id: int) -> PinChange | None:
    """The latest setting of this person's PIN by someone else since their last sign-in."""
    last_sign_in = session.scalar(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.action == audit.Action.SIGN_IN,
            AuditEntry.entity == "staff",
            AuditEntry.entity_id == staff_id,
        )
    )
    query = (
        select(AuditEntry.at, AuditEntry.staff_id)
        .where(
            AuditEntry.action == StaffAction.PIN_SET,
            AuditEntry.entity == "staff",
            AuditEntry.entity_id == staff_id,
            or_(AuditEntry.staff_id.is_(None), AuditEntry.staff_id != staff_id),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if last_sign_in is not None:
        query = query.where(AuditEntry.id > last_sign_in)
    found = session.execute(query).first()
    if found is None:
        return None
    at, by_id = found
    name = session.scalar(select(Staff.display_name).where(Staff.id == by_id)) if by_id else None
    return PinChange(by=name or "?", at=at if at.tzinfo else at.replace(tzinfo=UTC))
