"""Everything an office holds on one person: the data of a right-of-access export.

The files merged into the one asked for are included; the export's rendering (text, PDF,
JSON) is in :mod:`pimms_tui.documents.access_export`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

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
    Visitor,
)

from .consent import KEEP_FILE_TEXT_FR, KEEP_FILE_TEXT_HASH
from .orientation import SHARE_CONSENT_TEXT_FR, SHARE_CONSENT_TEXT_HASH
from .rights import with_merged

EXPORT_FORMAT = "pimms-visitor-export/1"


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data(session: Session, visitor: Visitor, now: datetime) -> dict[str, Any]:
    """Identity, consents, visits with demands and relays, appointments, and the journal,
    as plain JSON-ready data (the format ``pimms-visitor-export/1``)."""
    ids = with_merged(session, [visitor.id])
    merged = [i for i in ids if i != visitor.id]
    identity = {
        "first_name": visitor.first_name,
        "last_name": visitor.last_name,
        "phone": visitor.phone,
        "email": visitor.email,
        "birth_year": visitor.birth_year,
        "commune": visitor.commune,
        "language": visitor.language,
        "needs": list(visitor.needs or []),
    }
    staff_name = aliased(Staff)
    consents = [
        {
            "scope": consent.scope,
            "given_at": _iso(consent.given_at),
            "recorded_by": name,
            "text_version_hash": consent.text_version_hash,
            "text_fr": KEEP_FILE_TEXT_FR
            if consent.text_version_hash == KEEP_FILE_TEXT_HASH
            else _share_text(consent.text_version_hash),
            "withdrawn_at": _iso(consent.withdrawn_at),
        }
        for consent, name in session.execute(
            select(Consent, staff_name.display_name)
            .outerjoin(staff_name, staff_name.id == Consent.staff_id)
            .where(Consent.visitor_id.in_(ids))
            .order_by(Consent.given_at, Consent.id)
        )
    ]
    visit_rows = session.execute(
        select(Visit, Desk.name, Staff.display_name)
        .outerjoin(Desk, Desk.id == Visit.desk_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .where(Visit.visitor_id.in_(ids))
        .order_by(Visit.arrived_at, Visit.id)
    ).all()
    visit_ids = [row[0].id for row in visit_rows]
    demand_rows = (
        session.execute(
            select(Demand, Motif.label_fr, Partner.name)
            .join(Motif, Motif.id == Demand.motif_id)
            .outerjoin(Partner, Partner.id == Demand.partner_id)
            .where(Demand.visit_id.in_(visit_ids))
            .order_by(Demand.visit_id, Demand.position)
        ).all()
        if visit_ids
        else []
    )
    demand_ids = [row[0].id for row in demand_rows]
    relay_rows = (
        session.execute(
            select(Relay, Partner.name)
            .join(Partner, Partner.id == Relay.partner_id)
            .where(Relay.demand_id.in_(demand_ids))
            .order_by(Relay.sent_at, Relay.id)
        ).all()
        if demand_ids
        else []
    )
    relays_by_demand: dict[int, list[dict[str, Any]]] = {}
    relay_ids: list[int] = []
    for relay, partner in relay_rows:
        relay_ids.append(relay.id)
        relays_by_demand.setdefault(relay.demand_id, []).append(
            {
                "id": relay.id,
                "partner": partner,
                "mode": relay.mode,
                "contact": relay.contact,
                "reason": relay.reason,
                "shared_details": relay.shared_details,
                "sent_at": _iso(relay.sent_at),
                "follow_up_on": _iso(relay.follow_up_on),
                "status": relay.status,
                "refusal_reason": relay.refusal_reason,
                "closed_at": _iso(relay.closed_at),
            }
        )
    demands_by_visit: dict[int, list[dict[str, Any]]] = {}
    for demand, motif, partner in demand_rows:
        demands_by_visit.setdefault(demand.visit_id, []).append(
            {
                "id": demand.id,
                "motif": motif,
                "partner": partner,
                "register": demand.register_code,
                "level": demand.level,
                "outcome": demand.outcome,
                "note": demand.note,
                "relays": relays_by_demand.get(demand.id, []),
            }
        )
    visits = [
        {
            "id": visit.id,
            "day": _iso(visit.day),
            "ticket": visit.ticket_code,
            "source": visit.source,
            "status": visit.status,
            "priority": visit.priority,
            "needs": list(visit.needs or []),
            "interpreter_language": visit.interpreter_language,
            "arrived_at": _iso(visit.arrived_at),
            "called_at": _iso(visit.called_at),
            "finished_at": _iso(visit.finished_at),
            "desk": desk,
            "staff": staff,
            "demands": demands_by_visit.get(visit.id, []),
        }
        for visit, desk, staff in visit_rows
    ]
    linked = select(Demand.appointment_id).where(
        Demand.id.in_(demand_ids or [-1]), Demand.appointment_id.is_not(None)
    )
    appointments = [
        {
            "id": appointment.id,
            "starts_at": _iso(appointment.starts_at),
            "duration_minutes": appointment.duration_minutes,
            "with": staff or partner,
            "motif": motif,
            "place": appointment.place,
            "status": appointment.status,
        }
        for appointment, staff, partner, motif in session.execute(
            select(Appointment, Staff.display_name, Partner.name, Motif.label_fr)
            .outerjoin(Staff, Staff.id == Appointment.staff_id)
            .outerjoin(Partner, Partner.id == Appointment.partner_id)
            .outerjoin(Motif, Motif.id == Appointment.motif_id)
            .where(or_(Appointment.visitor_id.in_(ids), Appointment.id.in_(linked)))
            .order_by(Appointment.starts_at, Appointment.id)
        )
    ]
    journal = [
        {
            "at": _iso(entry.at),
            "action": entry.action,
            "staff": staff,
            "desk": desk,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
        }
        for entry, staff, desk in session.execute(
            select(AuditEntry, Staff.display_name, Desk.name)
            .outerjoin(Staff, Staff.id == AuditEntry.staff_id)
            .outerjoin(Desk, Desk.id == AuditEntry.desk_id)
            .where(
                or_(
                    and_(AuditEntry.entity == "visitor", AuditEntry.entity_id.in_(ids)),
                    and_(AuditEntry.entity == "relay", AuditEntry.entity_id.in_(relay_ids or [-1])),
                )
            )
            .order_by(AuditEntry.at, AuditEntry.id)
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
        "identity": identity,
        "consents": consents,
        "visits": visits,
        "appointments": appointments,
        "journal": journal,
    }


def _share_text(text_hash: str) -> str | None:
    return SHARE_CONSENT_TEXT_FR if text_hash == SHARE_CONSENT_TEXT_HASH else None
