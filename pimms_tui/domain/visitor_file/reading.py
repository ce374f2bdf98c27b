"""Reading a visitor's file: the row, the file it was merged into, and the whole file at once.

The whole file is read in a fixed number of queries whatever the number of visits (visits,
demands, relays and appointments are each read at once, then assembled in memory).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import ConsentScope, RelayStatus
from pimms_tui.db.models import (
    Appointment,
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

from ..appointments import PENDING_STATUSES, AppointmentView
from ..errors import DomainError, NotFound
from ..offices import OfficeInfo
from ..orientation import RelaySummary
from ..orientation.statements import labelled_demands
from .values import (
    FILE_ANONYMISED,
    FILE_MERGED_AWAY,
    FILE_UNKNOWN,
    ConsentState,
    Identity,
    OpenItems,
    OpenRelay,
    TimelineDemand,
    TimelineVisit,
    VisitorFile,
)

# A file shows this many visits at most (newest first); older ones are counted, not listed.
TIMELINE_LIMIT = 200
# How many merges are followed to reach the surviving file (a chain is short in practice).
MAX_MERGE_HOPS = 10

# The office's appointments matching a condition, in time order (the appointments' rule).
AppointmentViews = Callable[[Session, ColumnElement[bool]], list[AppointmentView]]


def find_visitor(
    session: Session, office_id: int, visitor_id: int, *, refresh: bool = False
) -> Visitor:
    """The office's visitor row (NotFound otherwise); ``refresh`` reads it again."""
    query = select(Visitor).where(Visitor.id == visitor_id, Visitor.office_id == office_id)
    if refresh:
        query = query.execution_options(populate_existing=True)
    visitor = session.scalars(query).one_or_none()
    if visitor is None:
        raise NotFound(FILE_UNKNOWN)
    return visitor


def resolve_file(session: Session, office_id: int, visitor_id: int) -> Visitor:
    """The file to show: the visitor, or the file they were merged into."""
    visitor = find_visitor(session, office_id, visitor_id)
    for _hop in range(MAX_MERGE_HOPS):
        if visitor.merged_into_id is None:
            break
        try:
            visitor = find_visitor(session, office_id, visitor.merged_into_id)
        except NotFound as error:
            raise DomainError(FILE_MERGED_AWAY) from error
    else:
        raise DomainError(FILE_MERGED_AWAY)
    check_open(visitor)
    return visitor


def read_file(
    session: Session,
    office: OfficeInfo,
    visitor: Visitor,
    now: datetime,
    appointment_views: AppointmentViews,
) -> VisitorFile:
    """The file in a fixed number of queries: consent, visits, demands, relays, appointments."""
    consent = _consent(session, visitor.id)
    visit_rows = session.execute(
        select(Visit, Desk.name, Staff.display_name)
        .outerjoin(Desk, Desk.id == Visit.desk_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .where(Visit.visitor_id == visitor.id, Visit.office_id == office.id)
        .order_by(Visit.arrived_at.desc(), Visit.id.desc())
        .limit(TIMELINE_LIMIT + 1)
    ).all()
    older = 0
    if len(visit_rows) > TIMELINE_LIMIT:
        visit_rows = visit_rows[:TIMELINE_LIMIT]
        older = _count_visits(session, office.id, visitor.id) - TIMELINE_LIMIT
    visit_ids = [row[0].id for row in visit_rows]
    visitor_demands = (
        select(Demand.id)
        .join(Visit, Visit.id == Demand.visit_id)
        .where(Visit.visitor_id == visitor.id, Demand.office_id == office.id)
    )
    demand_rows = (
        labelled_demands(session, office.id, Demand.visit_id.in_(visit_ids)) if visit_ids else []
    )
    # Every relay of the visitor (open ones are pinned even beyond the timeline).
    relay_rows = session.execute(
        select(Relay, Partner.name, Demand.motif_id, Visit.day)
        .join(Partner, Partner.id == Relay.partner_id)
        .join(Demand, Demand.id == Relay.demand_id)
        .join(Visit, Visit.id == Demand.visit_id)
        .where(Relay.office_id == office.id, Relay.demand_id.in_(visitor_demands))
        .order_by(Relay.follow_up_on, Relay.id)
    ).all()
    appointments = appointment_views(session, _appointments_of(visitor.id, visitor_demands))
    motif_labels = _motif_labels(session, {row[2] for row in relay_rows})

    relays: dict[int, RelaySummary] = {}
    open_relays: list[OpenRelay] = []
    today = office.local_day(now)
    for relay, partner_name, motif_id, visit_day in relay_rows:
        summary = RelaySummary.of(relay, partner_name)
        relays[relay.demand_id] = summary
        if relay.status == RelayStatus.OPEN:
            label_fr, label_en = motif_labels.get(motif_id, ("", ""))
            open_relays.append(
                OpenRelay(
                    relay=summary,
                    visit_day=visit_day,
                    motif_label_fr=label_fr,
                    motif_label_en=label_en,
                    overdue=relay.follow_up_on < today,
                )
            )
    by_id = {a.id: a for a in appointments}
    demands: dict[int, list[TimelineDemand]] = defaultdict(list)
    for demand, code, label_fr, label_en, reg_fr, reg_en, partner_name in demand_rows:
        demands[demand.visit_id].append(
            TimelineDemand(
                id=demand.id,
                position=demand.position,
                motif_code=code,
                motif_label_fr=label_fr,
                motif_label_en=label_en,
                partner_name=partner_name,
                register_code=demand.register_code,
                register_label_fr=reg_fr,
                register_label_en=reg_en,
                level=demand.level,
                outcome=demand.outcome,
                note=demand.note,
                relay=relays.get(demand.id),
                appointment=by_id.get(demand.appointment_id) if demand.appointment_id else None,
            )
        )
    timeline = tuple(
        TimelineVisit(
            id=visit.id,
            day=visit.day,
            arrived_at=visit.arrived_at,
            ticket_code=visit.ticket_code,
            status=visit.status,
            source=visit.source,
            desk_name=desk_name,
            staff_name=staff_name,
            demands=tuple(demands.get(visit.id, ())),
        )
        for visit, desk_name, staff_name in visit_rows
    )
    pending = [
        a for a in appointments if a.visitor_id == visitor.id and a.status in PENDING_STATUSES
    ]
    pinned = OpenItems(
        relays=tuple(open_relays),
        upcoming=tuple(a for a in pending if a.ends_at > now),
        to_fill_in=tuple(a for a in pending if a.ends_at <= now),
    )
    return VisitorFile(
        visitor_id=visitor.id,
        identity=identity_of(visitor),
        consent=consent,
        pinned=pinned,
        timeline=timeline,
        older_visits=older,
    )


def _consent(session: Session, visitor_id: int) -> ConsentState | None:
    row = session.execute(
        select(Consent.id, Consent.given_at, Consent.staff_id, Staff.display_name)
        .outerjoin(Staff, Staff.id == Consent.staff_id)
        .where(
            Consent.visitor_id == visitor_id,
            Consent.scope == ConsentScope.KEEP_FILE.value,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.given_at.desc(), Consent.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return ConsentState(consent_id=row[0], given_at=row[1], staff_id=row[2], staff_name=row[3])


def _count_visits(session: Session, office_id: int, visitor_id: int) -> int:
    return int(
        session.execute(
            select(func.count(Visit.id)).where(
                Visit.visitor_id == visitor_id, Visit.office_id == office_id
            )
        ).scalar_one()
    )


def _motif_labels(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Motif.id, Motif.label_fr, Motif.label_en).where(Motif.id.in_(ids))
    )
    return {motif_id: (fr, en) for motif_id, fr, en in rows}


def _appointments_of(visitor_id: int, visitor_demands: Any) -> ColumnElement[bool]:
    """The visitor's appointments, and those their demands were oriented to."""
    linked = select(Demand.appointment_id).where(
        Demand.id.in_(visitor_demands), Demand.appointment_id.is_not(None)
    )
    return or_(Appointment.visitor_id == visitor_id, Appointment.id.in_(linked))


def check_open(visitor: Visitor) -> None:
    """Refuse an anonymised file."""
    if visitor.anonymised_at is not None:
        raise DomainError(FILE_ANONYMISED)


def identity_of(visitor: Visitor) -> Identity:
    """The identity as the file shows it."""
    return Identity(
        first_name=visitor.first_name,
        last_name=visitor.last_name,
        phone=visitor.phone,
        email=visitor.email,
        birth_year=visitor.birth_year,
        commune=visitor.commune,
        language=visitor.language,
        needs=tuple(visitor.needs or ()),
        version=visitor.version,
    )
