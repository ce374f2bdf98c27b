"""Statements of listening and orientation, inside the caller's unit of work.

Writes that depend on the visit's state lock the visit row first (``SELECT … FOR UPDATE`` on
PostgreSQL, the single writer on SQLite), so a demand cannot slip in while the visit closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, exists, select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import ConsentScope, HelpLevel, Outcome, RelayStatus, VisitStatus
from pimms_tui.db.models import (
    Appointment,
    Consent,
    Demand,
    Motif,
    Partner,
    Register,
    Relay,
    Visit,
    Visitor,
)

from ..appointments.statements import appointment_views, upcoming_appointments
from ..errors import Conflict, NotFound
from ..validation import FieldError
from .rules import (
    ACTIVE_APPOINTMENT,
    ALREADY_RELAYED,
    APPOINTMENT_ACTIVE,
    DEMAND_UNKNOWN,
    LEVEL_INVALID,
    MAX_NOTE_LENGTH,
    MOTIF_UNKNOWN,
    NOTE_TOO_LONG,
    PARTNER_UNKNOWN,
    PRIOR_DEMANDS_LIMIT,
    REGISTER_UNKNOWN,
    UPCOMING_LIMIT,
    VISIT_NOT_IN_PROGRESS,
    VISIT_UNKNOWN,
    clean_text,
)
from .views import (
    DemandInput,
    DemandView,
    PriorDemand,
    PriorOrientation,
    RelaySummary,
    VisitHeader,
)


def lock_visit_in_progress(session: Session, office_id: int, visit_id: int) -> Visit:
    """The visit row, locked, while it is being seen; refused otherwise."""
    visit = session.scalars(
        select(Visit).where(Visit.id == visit_id, Visit.office_id == office_id).with_for_update()
    ).one_or_none()
    if visit is None:
        raise NotFound(VISIT_UNKNOWN)
    if visit.status != VisitStatus.IN_PROGRESS:
        raise Conflict(VISIT_NOT_IN_PROGRESS, ticket=visit.ticket_code)
    return visit


def lock_demand(session: Session, office_id: int, demand_id: int) -> tuple[Demand, Visit]:
    """A demand of a visit being seen, read after its visit is locked (so it is current)."""
    visit_id = session.execute(
        select(Demand.visit_id).where(Demand.id == demand_id, Demand.office_id == office_id)
    ).scalar_one_or_none()
    if visit_id is None:
        raise NotFound(DEMAND_UNKNOWN)
    visit = lock_visit_in_progress(session, office_id, visit_id)
    demand = session.scalars(
        select(Demand).where(Demand.id == demand_id).execution_options(populate_existing=True)
    ).one_or_none()
    if demand is None:  # removed by another desk meanwhile
        raise NotFound(DEMAND_UNKNOWN)
    return demand, visit


def active_partner(
    session: Session, office_id: int, partner_id: int, *, current: int | None
) -> Partner:
    """An active partner of the office (an inactive one is kept if already chosen)."""
    partner = session.scalars(
        select(Partner).where(Partner.id == partner_id, Partner.office_id == office_id)
    ).one_or_none()
    if partner is None or (not partner.active and partner_id != current):
        raise FieldError("partner_id", PARTNER_UNKNOWN)
    return partner


def demand_values(
    session: Session, office_id: int, data: DemandInput, *, current: Demand | None
) -> dict[str, Any]:
    """Checked column values of a demand."""
    note = clean_text("note", data.note, MAX_NOTE_LENGTH, message=NOTE_TOO_LONG)
    if data.level not in set(HelpLevel):
        raise FieldError("level", LEVEL_INVALID)
    motif = session.get(Motif, data.motif_id)
    if motif is None or (not motif.active and (current is None or current.motif_id != motif.id)):
        raise FieldError("motif_id", MOTIF_UNKNOWN)
    if session.get(Register, data.register_code) is None:
        raise FieldError("register_code", REGISTER_UNKNOWN)
    if data.partner_id is not None:
        active_partner(
            session, office_id, data.partner_id, current=current.partner_id if current else None
        )
    return {
        "motif_id": motif.id,
        "partner_id": data.partner_id,
        "register_code": data.register_code,
        "level": str(data.level),
        "note": note,
    }


def check_reorientable(session: Session, demand: Demand) -> None:
    """Refuse to re-orient a relayed demand, or one whose appointment still stands."""
    if demand.outcome == Outcome.RELAY:
        raise Conflict(ALREADY_RELAYED, position=demand.position)
    if demand.outcome == Outcome.APPOINTMENT and demand.appointment_id is not None:
        status = session.execute(
            select(Appointment.status).where(Appointment.id == demand.appointment_id)
        ).scalar_one_or_none()
        if status in ACTIVE_APPOINTMENT:
            raise Conflict(APPOINTMENT_ACTIVE, position=demand.position)


def visit_header(session: Session, office_id: int, visit_id: int) -> VisitHeader:
    """Who is being listened to (no name when anonymous or anonymised), and the consent."""
    keep_file = (
        exists()
        .where(
            Consent.visitor_id == Visit.visitor_id,
            Consent.scope == ConsentScope.KEEP_FILE.value,
            Consent.withdrawn_at.is_(None),
        )
        .correlate(Visit)
    )
    row = session.execute(
        select(
            Visit,
            Visitor.first_name,
            Visitor.last_name,
            Visitor.anonymised_at,
            keep_file.label("keep_file"),
        )
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .where(Visit.id == visit_id, Visit.office_id == office_id)
    ).one_or_none()
    if row is None:
        raise NotFound(VISIT_UNKNOWN)
    visit, first_name, last_name, anonymised_at, keep_file_consent = row
    named = visit.visitor_id is not None and anonymised_at is None
    return VisitHeader(
        visit_id=visit.id,
        ticket_code=visit.ticket_code,
        status=visit.status,
        visitor_id=visit.visitor_id if named else None,
        first_name=first_name if named else None,
        last_name=last_name if named else None,
        needs=tuple(visit.needs or ()),
        interpreter_language=visit.interpreter_language,
        priority=visit.priority,
        keep_file_consent=bool(keep_file_consent) and named,
    )


def demand_view(session: Session, office_id: int, demand_id: int) -> DemandView:
    """One demand of the office with its labels, relay and appointment."""
    views = demand_views(session, office_id, Demand.id == demand_id)
    if not views:
        raise NotFound(DEMAND_UNKNOWN)
    return views[0]


def labelled_demands(
    session: Session, office_id: int, condition: ColumnElement[bool]
) -> Sequence[Row[Demand, str, str, str, str, str, str]]:
    """Demands with their motif, register and partner labels, in visit and position order.

    Each row: the demand, the motif code, the motif and register labels (fr, en), the partner.
    """
    return session.execute(
        select(
            Demand,
            Motif.code,
            Motif.label_fr,
            Motif.label_en,
            Register.label_fr,
            Register.label_en,
            Partner.name,
        )
        .join(Motif, Motif.id == Demand.motif_id)
        .join(Register, Register.code == Demand.register_code)
        .outerjoin(Partner, Partner.id == Demand.partner_id)
        .where(Demand.office_id == office_id, condition)
        .order_by(Demand.visit_id, Demand.position)
    ).all()


def demand_views(
    session: Session, office_id: int, condition: ColumnElement[bool]
) -> list[DemandView]:
    """Demands with labels, relay and appointment: three queries whatever their number."""
    rows = labelled_demands(session, office_id, condition)
    ids = [row[0].id for row in rows]
    relays = {r.demand_id: r for r in relay_summaries(session, office_id, Relay.demand_id.in_(ids))}
    appointment_ids = [row[0].appointment_id for row in rows if row[0].appointment_id]
    appointments = {
        a.id: a
        for a in (
            appointment_views(session, office_id, Appointment.id.in_(appointment_ids))
            if appointment_ids
            else []
        )
    }
    views: list[DemandView] = []
    for demand, code, label_fr, label_en, reg_fr, reg_en, partner_name in rows:
        views.append(
            DemandView(
                id=demand.id,
                visit_id=demand.visit_id,
                position=demand.position,
                motif_id=demand.motif_id,
                motif_code=code,
                motif_label_fr=label_fr,
                motif_label_en=label_en,
                partner_id=demand.partner_id,
                partner_name=partner_name,
                register_code=demand.register_code,
                register_label_fr=reg_fr,
                register_label_en=reg_en,
                level=demand.level,
                outcome=demand.outcome,
                note=demand.note,
                relay=relays.get(demand.id),
                appointment=appointments.get(demand.appointment_id)
                if demand.appointment_id
                else None,
            )
        )
    return views


def relay_summaries(
    session: Session, office_id: int, condition: ColumnElement[bool]
) -> list[RelaySummary]:
    """Relays matching a condition, with their partner's name, by follow-up date."""
    rows = session.execute(
        select(Relay, Partner.name)
        .join(Partner, Partner.id == Relay.partner_id)
        .where(Relay.office_id == office_id, condition)
        .order_by(Relay.follow_up_on, Relay.id)
    ).all()
    return [RelaySummary.of(relay, partner_name) for relay, partner_name in rows]


def prior_orientation(
    session: Session, office_id: int, visitor_id: int, except_visit: int | None, now: datetime
) -> PriorOrientation:
    """Three queries: earlier oriented demands, open relays, upcoming appointments."""
    earlier = (
        select(
            Demand.id,
            Demand.visit_id,
            Visit.day,
            Motif.code,
            Motif.label_fr,
            Motif.label_en,
            Demand.partner_id,
            Partner.name,
            Demand.outcome,
        )
        .join(Visit, Visit.id == Demand.visit_id)
        .join(Motif, Motif.id == Demand.motif_id)
        .outerjoin(Partner, Partner.id == Demand.partner_id)
        .where(
            Visit.visitor_id == visitor_id,
            Visit.office_id == office_id,
            Demand.outcome.is_not(None),
        )
        .order_by(Visit.arrived_at.desc(), Visit.id.desc(), Demand.position)
        .limit(PRIOR_DEMANDS_LIMIT)
    )
    if except_visit is not None:
        earlier = earlier.where(Visit.id != except_visit)
    demands = tuple(
        PriorDemand(
            demand_id=row[0],
            visit_id=row[1],
            day=row[2],
            motif_code=row[3],
            motif_label_fr=row[4],
            motif_label_en=row[5],
            partner_id=row[6],
            partner_name=row[7],
            outcome=row[8] or "",
        )
        for row in session.execute(earlier)
    )
    # Open relays include this visit's own, as upcoming appointments include its own: a relay
    # just passed is followed up like any other.
    visitor_demands = (
        select(Demand.id)
        .join(Visit, Visit.id == Demand.visit_id)
        .where(Visit.visitor_id == visitor_id)
    )
    open_relays = relay_summaries(
        session,
        office_id,
        Relay.demand_id.in_(visitor_demands) & (Relay.status == RelayStatus.OPEN.value),
    )
    upcoming = upcoming_appointments(session, office_id, visitor_id, now, limit=UPCOMING_LIMIT)
    return PriorOrientation(
        demands=demands, open_relays=tuple(open_relays), upcoming_appointments=tuple(upcoming)
    )


def named_visitor(session: Session, visit: Visit) -> int | None:
    """The visit's visitor id, or None when anonymous (or the file was anonymised)."""
    if visit.visitor_id is None:
        return None
    anonymised = session.execute(
        select(Visitor.anonymised_at).where(Visitor.id == visit.visitor_id)
    ).scalar_one_or_none()
    return None if anonymised is not None else visit.visitor_id
