"""The export's detail: one anonymised row per demand of the period, streamed.

Nothing that identifies a person is read: no name, no note, no visitor id leaves the
database, only whether the visit was of a named visitor.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import (
    Demand,
    Motif,
    Office,
    Partner,
    Register,
    Relay,
    Thematique,
    Visit,
    VisitEvent,
)

from .figures import DemandRow, StatsQuery
from .sql import as_date, in_period, seconds_between


def demand_rows(session: Session, query: StatsQuery) -> Iterator[DemandRow]:
    """Stream the period's demands with their visit's waiting time; no identifying column."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    first_call = (
        select(func.min(VisitEvent.at))
        .where(
            VisitEvent.visit_id == Visit.id,
            VisitEvent.to_status == VisitStatus.CALLED.value,
        )
        .correlate(Visit)
        .scalar_subquery()
    )
    category = Thematique.__table__.alias("category")
    conditions = [*in_period(query), Demand.office_id.in_(query.office_ids)]
    if query.partner_ids is not None:
        conditions.append(Demand.partner_id.in_(query.partner_ids))
    relay_status = (
        select(func.max(Relay.status))
        .where(Relay.demand_id == Demand.id)
        .correlate(Demand)
        .scalar_subquery()
    )
    statement = (
        select(
            Visit.day,
            Office.code,
            Motif.label_fr,
            Motif.label_en,
            func.coalesce(category.c.label, Thematique.label),
            Partner.name,
            Register.label_fr,
            Register.label_en,
            Demand.level,
            Demand.outcome,
            seconds_between(Visit.arrived_at, first_call, sqlite),
            Visit.age_band,
            Visit.gender,
            Visit.visitor_id.is_not(None),
            relay_status,
        )
        .join(Visit, Visit.id == Demand.visit_id)
        .join(Office, Office.id == Visit.office_id)
        .join(Motif, Motif.id == Demand.motif_id)
        .join(Thematique, Thematique.code == Motif.thematique_code)
        .outerjoin(category, category.c.code == Thematique.category_code)
        .outerjoin(Partner, Partner.id == Demand.partner_id)
        .join(Register, Register.code == Demand.register_code)
        .where(*conditions)
        .order_by(Visit.day, Office.code, Visit.arrived_at, Demand.visit_id, Demand.position)
        .execution_options(yield_per=2000)
    )
    for row in session.execute(statement):
        waited = row[10]
        yield DemandRow(
            day=as_date(row[0]),
            office=row[1],
            motif_fr=row[2],
            motif_en=row[3],
            thematique=row[4],
            partner=row[5] or "",
            register_fr=row[6],
            register_en=row[7],
            level=row[8],
            outcome=row[9],
            waited_minutes=None if waited is None else round(max(0.0, float(waited)) / 60, 1),
            age_band=row[11],
            gender=row[12],
            named=bool(row[13]),
            relay_status=row[14],
        )
