"""The office's settings a manager changes from the desk: retention periods (files, closed
relays' details, documents written for people), waiting target.

Each value is checked (a whole number within bounds, FieldError named after the field) and
every change is written to the journal with the old and the new value. The use cases
(managers only, one unit of work) are in :mod:`pimms_tui.application.office_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from pimms_tui.db.models import Office

from . import audit
from .actors import Actor
from .errors import NotFound
from .messages import N_
from .validation import FieldError

OFFICE_UNKNOWN = N_("This office does not exist.")
NOT_A_NUMBER = N_("Type a whole number.")
OUT_OF_RANGE = N_("Between {low} and {high}.")

# field -> (lowest, highest) accepted.
BOUNDS: dict[str, tuple[int, int]] = {
    "retention_months": (1, 120),
    "relay_retention_months": (1, 120),
    "wait_target_minutes": (1, 240),
    "document_retention_days": (1, 365),
}


@dataclass(frozen=True)
class OfficeSettings:
    """What the settings screen shows."""

    retention_months: int
    relay_retention_months: int
    wait_target_minutes: int
    last_purge_at: datetime | None
    document_retention_days: int = 30


def check_setting(field: str, typed: str | int) -> int:
    """A typed value as a whole number within the field's bounds, else FieldError."""
    low, high = BOUNDS[field]
    text = str(typed).strip()
    if not (text.isascii() and text.isdigit()):
        raise FieldError(field, NOT_A_NUMBER)
    value = int(text)
    if not low <= value <= high:
        raise FieldError(field, OUT_OF_RANGE, {"low": str(low), "high": str(high)})
    return value


def settings_of(session: Session, office_id: int, *, lock: bool = False) -> Office:
    """The office's row (locked for update when asked); NotFound otherwise."""
    office = session.get(Office, office_id, with_for_update=lock or None)
    if office is None:
        raise NotFound(OFFICE_UNKNOWN)
    return office


def view(office: Office) -> OfficeSettings:
    """What the settings screen shows of an office."""
    return OfficeSettings(
        retention_months=office.retention_months,
        relay_retention_months=office.relay_retention_months,
        wait_target_minutes=office.wait_target_minutes,
        last_purge_at=office.last_purge_at,
        document_retention_days=office.document_retention_days,
    )


def apply_settings(
    session: Session, office_id: int, actor: Actor, values: dict[str, int], now: datetime
) -> OfficeSettings:
    """Set the checked values on the office; journal the ones that changed (old and new)."""
    office = settings_of(session, office_id, lock=True)
    changed = {
        field: [getattr(office, field), value]
        for field, value in values.items()
        if getattr(office, field) != value
    }
    for field, (_old, new) in changed.items():
        setattr(office, field, new)
    if changed:
        audit.record(
            session,
            actor,
            audit.Action.SETTINGS_CHANGED,
            at=now,
            entity="office",
            entity_id=office_id,
            office_id=office_id,
            changes=changed,
        )
    session.flush()
    return view(office)
