"""Rectification: a free text already stored on a person corrected or erased by a mediator.

The right of rectification does not end when the visit does: a demand's note, a relay's
reason and the details shared with a partner can be corrected or erased whatever the visit's
state or the demand's outcome. The new text passes the same checks as when it was first
written (length, the "never stored" guard); an empty text erases it (the column becomes
NULL). Each change is journalled as a file edit naming the field, never the old or new text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimms_tui.db.models import Demand, Relay, Visit

from .. import audit
from ..actors import Actor
from ..errors import DomainError, NotFound
from ..messages import N_
from .rules import (
    DEMAND_UNKNOWN,
    MAX_NOTE_LENGTH,
    MAX_REASON_LENGTH,
    MAX_SHARED_DETAILS_LENGTH,
    NOTE_TOO_LONG,
    SHARED_WITHOUT_CONSENT,
    TEXT_TOO_LONG,
    clean_text,
)

RELAY_UNKNOWN = N_("This relay does not exist.")

# What can be rectified: (entity, field) -> (maximum length, message when too long).
FIELDS: dict[tuple[str, str], tuple[int, str]] = {
    ("demand", "note"): (MAX_NOTE_LENGTH, NOTE_TOO_LONG),
    ("relay", "reason"): (MAX_REASON_LENGTH, TEXT_TOO_LONG),
    ("relay", "shared_details"): (MAX_SHARED_DETAILS_LENGTH, TEXT_TOO_LONG),
}


@dataclass(frozen=True)
class StoredText:
    """One free text kept on a person: where it is, and the text itself."""

    entity: str  # "demand" or "relay"
    entity_id: int
    field: str  # "note", "reason" or "shared_details"
    visit_day: str  # ISO date of the visit
    ticket_code: str
    position: int  # the demand's position in its visit
    text: str


def stored_texts(session: Session, office_id: int, visitor_id: int) -> list[StoredText]:
    """Every note, relay reason and shared details kept on a visitor, newest visit first."""
    rows = session.execute(
        select(Demand, Visit.day, Visit.ticket_code)
        .join(Visit, Visit.id == Demand.visit_id)
        .where(Demand.office_id == office_id, Visit.visitor_id == visitor_id)
        .order_by(Visit.day.desc(), Visit.id.desc(), Demand.position)
    ).all()
    relays: dict[int, list[Relay]] = {}
    demand_ids = [row[0].id for row in rows]
    if demand_ids:
        for relay in session.scalars(
            select(Relay).where(Relay.demand_id.in_(demand_ids)).order_by(Relay.id)
        ):
            relays.setdefault(relay.demand_id, []).append(relay)
    texts: list[StoredText] = []
    for demand, day, ticket in rows:
        place = (day.isoformat(), ticket, demand.position)
        if demand.note:
            texts.append(StoredText("demand", demand.id, "note", *place, demand.note))
        for relay in relays.get(demand.id, []):
            for field in ("reason", "shared_details"):
                value = getattr(relay, field)
                if value:
                    texts.append(StoredText("relay", relay.id, field, *place, value))
    return texts


def rectify(
    session: Session,
    actor: Actor,
    office_id: int,
    target: tuple[str, int, str],
    text: str | None,
    now: datetime,
) -> str | None:
    """Replace one stored free text (entity, id, field) by text, or erase it when empty.

    Returns what is stored now. Refused: an unknown target, a text too long or holding what
    must never be stored, shared details on a relay made without the visitor's consent.
    """
    entity, entity_id, field = target
    if (entity, field) not in FIELDS:
        raise NotFound(DEMAND_UNKNOWN if entity == "demand" else RELAY_UNKNOWN)
    maximum, too_long = FIELDS[entity, field]
    cleaned = clean_text(field, text, maximum, message=too_long)
    row: Demand | Relay | None
    if entity == "demand":
        row = session.scalars(
            select(Demand)
            .where(Demand.id == entity_id, Demand.office_id == office_id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound(DEMAND_UNKNOWN)
    else:
        row = session.scalars(
            select(Relay)
            .where(Relay.id == entity_id, Relay.office_id == office_id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound(RELAY_UNKNOWN)
        if field == "shared_details" and cleaned is not None and row.share_consent_id is None:
            raise DomainError(SHARED_WITHOUT_CONSENT)
    setattr(row, field, cleaned)
    audit.record(
        session,
        actor,
        audit.Action.FILE_EDITED,
        at=now,
        entity=entity,
        entity_id=entity_id,
        office_id=office_id,
        fields=[field],  # which field, never its old or new text (minimal data)
        erased=cleaned is None,
    )
    session.flush()
    return cleaned
