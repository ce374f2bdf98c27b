"""The append-only journal of who did what to which file (DESIGN §6).

Entries are only ever added: this module has no way to change or delete one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pimms_tui.db.models import AuditEntry

from .actors import Actor


class Action:
    """The actions the journal records (stored as these strings)."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCKED_OUT = "locked_out"
    FILE_OPENED = "file_opened"
    FILE_EDITED = "file_edited"
    EXPORT = "export"
    ERASURE = "erasure"
    MERGE = "merge"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    PURGE = "purge"
    SETTINGS_CHANGED = "settings_changed"
    RELAY_FOLLOWED_UP = "relay_followed_up"
    RELAY_POSTPONED = "relay_postponed"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    at: datetime,
    entity: str | None = None,
    entity_id: int | None = None,
    office_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one entry to the journal, in the caller's transaction (it commits with the change)."""
    session.add(
        AuditEntry(
            at=at,
            office_id=office_id if office_id is not None else (actor.office_id if actor else None),
            staff_id=actor.staff_id if actor else None,
            desk_id=actor.desk_id if actor else None,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
        )
    )
