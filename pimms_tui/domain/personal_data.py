"""Everything an office holds on one person: the data of a right-of-access export.

The files merged into the one asked for are included; the export's rendering (text, PDF,
JSON) is in :mod:`pimms_tui.documents.access_export`.

Every row about the person is exported with every column (:func:`columns`): the file with its
search tokens, consents, visits with their event trail (who called, started, transferred,
finished, and when), demands, relays, appointments and the journal entries about them. Left
out are only the database's own bookkeeping (:data:`INTERNAL_COLUMNS`); a reference to another
row is given by what it names (a desk's or a colleague's name, a motif's label), under the
column's name without ``_id``/``_code``. A column added later is exported without a change here.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pimms_tui.db.models import (
    Appointment,
    AuditEntry,
    Consent,
    Demand,
    Desk,
    Motif,
    Partner,
    Relay,
    Staff,
    Visit,
    VisitEvent,
    Visitor,
    VisitorSearchToken,
)
from pimms_tui.db.models.base import Base

from .consent import KEEP_FILE_TEXT_FR, KEEP_FILE_TEXT_HASH
from .orientation import SHARE_CONSENT_TEXT_FR, SHARE_CONSENT_TEXT_HASH
from .rights import with_merged

EXPORT_FORMAT = "pimms-visitor-export/1"


# The database's bookkeeping, not data about the person: row ids (the export keeps those it
# cross-references: visits, demands, relays, appointments, consents), the office (the export
# is the office's own), the edit counter, and the links the nesting already shows.
INTERNAL_COLUMNS = frozenset(
    {"id", "office_id", "version", "visitor_id", "visit_id", "demand_id", "merged_into_id"}
)


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def plain(value: Any) -> Any:
    """A column's value as JSON holds it: dates as ISO text, enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def columns(row: Base, **references: Any) -> dict[str, Any]:
    """Every column of ``row`` but the bookkeeping and the references, which the caller
    gives by what they name (``staff="Camille"``)."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in INTERNAL_COLUMNS or column.foreign_keys:
            continue
        out[column.key] = plain(getattr(row, column.key))
    out.update(references)
    return out


def personal_data(session: Session, visitor: Visitor, now: datetime) -> dict[str, Any]:
    """Identity, consents, visits with their events, demands and relays, appointments, and
    the journal, as plain JSON-ready data (the format ``pimms-visitor-export/1``)."""
    ids = with_merged(session, [visitor.id])
    merged = [i for i in ids if i != visitor.id]
    names = _Names(session)
    consent_rows = list(
        session.scalars(
            select(Consent)
            .where(Consent.visitor_id.in_(ids))
            .order_by(Consent.given_at, Consent.id)
        )
    )
    consents = [
        columns(
            consent,
            id=consent.id,
            staff=names.staff(consent.staff_id),
            recorded_by=names.staff(consent.staff_id),
            text_fr=KEEP_FILE_TEXT_FR
            if consent.text_version_hash == KEEP_FILE_TEXT_HASH
            else _share_text(consent.text_version_hash),
        )
        for consent in consent_rows
    ]
    visit_rows = list(
        session.scalars(
            select(Visit).where(Visit.visitor_id.in_(ids)).order_by(Visit.arrived_at, Visit.id)
        )
    )
    visit_ids = [visit.id for visit in visit_rows]
    events_by_visit: dict[int, list[dict[str, Any]]] = {}
    for event in session.scalars(
        select(VisitEvent)
        .where(VisitEvent.visit_id.in_(visit_ids or [-1]))
        .order_by(VisitEvent.at, VisitEvent.id)
    ):
        events_by_visit.setdefault(event.visit_id, []).append(
            columns(event, staff=names.staff(event.staff_id), desk=names.desk(event.desk_id))
        )
    demand_rows = list(
        session.scalars(
            select(Demand)
            .where(Demand.visit_id.in_(visit_ids or [-1]))
            .order_by(Demand.visit_id, Demand.position)
        )
    )
    demand_ids = [demand.id for demand in demand_rows]
    relay_rows = list(
        session.scalars(
            select(Relay)
            .where(Relay.demand_id.in_(demand_ids or [-1]))
            .order_by(Relay.sent_at, Relay.id)
        )
    )
    relays_by_demand: dict[int, list[dict[str, Any]]] = {}
    relay_ids = [relay.id for relay in relay_rows]
    for relay in relay_rows:
        relays_by_demand.setdefault(relay.demand_id, []).append(
            columns(
                relay,
                id=relay.id,
                partner=names.partner(relay.partner_id),
                share_consent=relay.share_consent_id,
            )
        )
    demands_by_visit: dict[int, list[dict[str, Any]]] = {}
    for demand in demand_rows:
        demands_by_visit.setdefault(demand.visit_id, []).append(
            columns(
                demand,
                id=demand.id,
                motif=names.motif(demand.motif_id),
                partner=names.partner(demand.partner_id),
                register=demand.register_code,
                appointment=demand.appointment_id,
                relays=relays_by_demand.get(demand.id, []),
            )
        )
    visits = [
        columns(
            visit,
            id=visit.id,
            ticket=visit.ticket_code,
            first_motif=names.motif(visit.first_motif_id),
            appointment=visit.appointment_id,
            desk=names.desk(visit.desk_id),
            staff=names.staff(visit.staff_id),
            events=events_by_visit.get(visit.id, []),
            demands=demands_by_visit.get(visit.id, []),
        )
        for visit in visit_rows
    ]
    linked = select(Demand.appointment_id).where(
        Demand.id.in_(demand_ids or [-1]), Demand.appointment_id.is_not(None)
    )
    booked = select(Visit.appointment_id).where(
        Visit.id.in_(visit_ids or [-1]), Visit.appointment_id.is_not(None)
    )
    appointment_rows = list(
        session.scalars(
            select(Appointment)
            .where(
                or_(
                    Appointment.visitor_id.in_(ids),
                    Appointment.id.in_(linked),
                    Appointment.id.in_(booked),
                )
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )
    appointments = [
        columns(
            appointment,
            id=appointment.id,
            staff=names.staff(appointment.staff_id),
            partner=names.partner(appointment.partner_id),
            motif=names.motif(appointment.motif_id),
        )
        for appointment in appointment_rows
    ]
    for appointment in appointments:
        appointment["with"] = appointment["staff"] or appointment["partner"]
    about = {
        "visitor": ids,
        "relay": relay_ids,
        "visit": visit_ids,
        "demand": demand_ids,
        "appointment": [appointment.id for appointment in appointment_rows],
        "consent": [consent.id for consent in consent_rows],
    }
    journal = [
        columns(entry, staff=names.staff(entry.staff_id), desk=names.desk(entry.desk_id))
        for entry in session.scalars(
            select(AuditEntry)
            .where(
                or_(
                    *(
                        and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_(entity_ids))
                        for entity, entity_ids in about.items()
                        if entity_ids
                    )
                )
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    ]
    merged_files = [
        columns(row, id=row.id)
        for row in session.scalars(select(Visitor).where(Visitor.id.in_(merged or [-1])))
    ]
    tokens = [
        columns(token)
        for token in session.scalars(
            select(VisitorSearchToken)
            .where(VisitorSearchToken.visitor_id.in_(ids))
            .order_by(VisitorSearchToken.token)
        )
    ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(now),
        "visitor_id": visitor.id,
        "merged_files": merged,
        "created_at": _iso(visitor.created_at),
        "last_activity_at": _iso(visitor.last_activity_at),
        "anonymised_at": _iso(visitor.anonymised_at),
        "identity": columns(visitor),
        "merged_identities": merged_files,
        "search_tokens": tokens,
        "consents": consents,
        "visits": visits,
        "appointments": appointments,
        "journal": journal,
    }


class _Names:
    """What a reference names (a colleague, a desk, a partner, a motif), read once each."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._cache: dict[tuple[str, int], str | None] = {}

    def _name(self, kind: str, column: Any, key: Any, row_id: int | None) -> str | None:
        if row_id is None:
            return None
        if (kind, row_id) not in self._cache:
            self._cache[kind, row_id] = self._session.scalar(select(column).where(key == row_id))
        return self._cache[kind, row_id]

    def staff(self, staff_id: int | None) -> str | None:
        """A colleague's display name."""
        return self._name("staff", Staff.display_name, Staff.id, staff_id)

    def desk(self, desk_id: int | None) -> str | None:
        """A desk's name."""
        return self._name("desk", Desk.name, Desk.id, desk_id)

    def partner(self, partner_id: int | None) -> str | None:
        """A partner's name."""
        return self._name("partner", Partner.name, Partner.id, partner_id)

    def motif(self, motif_id: int | None) -> str | None:
        """A motif's French label."""
        return self._name("motif", Motif.label_fr, Motif.id, motif_id)


def _share_text(text_hash: str) -> str | None:
    return SHARE_CONSENT_TEXT_FR if text_hash == SHARE_CONSENT_TEXT_HASH else None
