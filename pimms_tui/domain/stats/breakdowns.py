"""What the period's demands, relays and appointments were about: counts by key, labelled.

Demands and relays belong to the period of their visit (its local day, copied into
``demand.day`` and ``relay.day`` and indexed with the office: no join to the visits);
appointments to the period in which they start. Open relays 30 days past their follow-up
date count as expired when the query gives the office's ``today`` (the follow-up list's rule).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, or_, select

from pimms_tui.db.enums import AppointmentStatus, HelpLevel, Outcome, RelayStatus
from pimms_tui.db.models import (
    Appointment,
    Demand,
    Motif,
    Office,
    Partner,
    Register,
    Relay,
    Thematique,
)

from ..followups import EXPIRY_DAYS
from .figures import NO_PARTNER, PartnerRelays, StatsQuery, Tally
from .sql import of_offices


class Breakdowns:
    """The statements counting the period's demands, relays and appointments by key."""

    def __init__(self, connection: Connection, query: StatsQuery) -> None:
        self.connection = connection
        self.query = query

    def _demand_filter(self) -> list[ColumnElement[bool]]:
        # The demand carries its visit's office and day: the ``demand(office_id, day)``
        # index selects the period's demands without joining them to their visits.
        conditions = [
            of_offices(Demand.office_id, self.query),
            Demand.day >= self.query.start,
            Demand.day <= self.query.end,
        ]
        if self.query.partner_ids is not None:
            conditions.append(Demand.partner_id.in_(self.query.partner_ids))
        return conditions

    def demands(self) -> DemandFigures:
        # Grouped by the partner's code, not its id: each office has its own row for the
        # same partner, and 60 offices' ids make 60 times more groups (twice as slow).
        rows = self.connection.execute(
            select(
                Demand.motif_id,
                Partner.code,
                Demand.register_code,
                Demand.level,
                Demand.outcome,
                func.count(),
            )
            .outerjoin(Partner, Partner.id == Demand.partner_id)
            .where(*self._demand_filter())
            .group_by(
                Demand.motif_id,
                Partner.code,
                Demand.register_code,
                Demand.level,
                Demand.outcome,
            )
        ).all()
        motifs: Counter[int] = Counter()
        partners: Counter[str | None] = Counter()
        registers: Counter[str] = Counter()
        levels: Counter[str] = Counter()
        outcomes: Counter[str] = Counter()
        for motif_id, partner_id, register_code, level, outcome, count in rows:
            motifs[motif_id] += count
            partners[partner_id] += count
            registers[register_code] += count
            levels[level] += count
            outcomes[outcome or ""] += count
        labels = self._labels(set(motifs), {p for p in partners if p is not None})
        by_thematique: dict[str, Tally] = {}
        for motif_id, count in motifs.items():
            code, label = labels.motif_thematique[motif_id]
            known = by_thematique.get(code)
            total = count + (known.count if known else 0)
            by_thematique[code] = Tally(code, label, label, total)
        partner_counts = []
        for partner_code, count in partners.items():
            name = labels.partners.get(partner_code, "") if partner_code else ""
            partner_counts.append(Tally(partner_code or NO_PARTNER, name, name, count))
        return DemandFigures(
            total=sum(motifs.values()),
            by_motif=_ranked(
                Tally(str(m), *labels.motifs[m], count) for m, count in motifs.items()
            ),
            by_thematique=_ranked(by_thematique.values()),
            by_partner=_ranked(partner_counts),
            by_register=_ranked(
                Tally(code, *labels.registers.get(code, (code, code)), count)
                for code, count in registers.items()
            ),
            by_level={level.value: levels.get(level.value, 0) for level in HelpLevel},
            by_outcome={
                **{outcome.value: outcomes.get(outcome.value, 0) for outcome in Outcome},
                **({"": outcomes[""]} if outcomes.get("") else {}),
            },
        )

    def _labels(self, motif_ids: set[int], partner_codes: set[str]) -> _Labels:
        session = self.connection
        category = Thematique.__table__.alias("category")
        motif_rows = session.execute(
            select(
                Motif.id,
                Motif.label_fr,
                Motif.label_en,
                func.coalesce(category.c.code, Thematique.code),
                func.coalesce(category.c.label, Thematique.label),
            )
            .join(Thematique, Thematique.code == Motif.thematique_code)
            .outerjoin(category, category.c.code == Thematique.category_code)
            .where(Motif.id.in_(motif_ids))
        ).all()
        partners = {
            code: name
            for code, name in session.execute(
                select(Partner.code, func.min(Partner.name))
                .where(
                    Partner.code.in_(partner_codes), Partner.office_id.in_(self.query.office_ids)
                )
                .group_by(Partner.code)
            )
        }
        registers = {
            row.code: (row.label_fr, row.label_en)
            for row in session.execute(select(Register.code, Register.label_fr, Register.label_en))
        }
        return _Labels(
            motifs={row[0]: (row[1], row[2]) for row in motif_rows},
            motif_thematique={row[0]: (row[3], row[4]) for row in motif_rows},
            partners=partners,
            registers=registers,
        )

    def relays(self) -> RelayFigures:
        # The relay carries its visit's office and day (the ``relay(office_id, day)`` index).
        conditions = [
            of_offices(Relay.office_id, self.query),
            Relay.day >= self.query.start,
            Relay.day <= self.query.end,
        ]
        if self.query.partner_ids is not None:
            conditions.append(Relay.partner_id.in_(self.query.partner_ids))
        status: Any = Relay.status
        if self.query.today is not None:
            cutoff = self.query.today - timedelta(days=EXPIRY_DAYS)
            status = case(
                (
                    and_(
                        Relay.status == RelayStatus.OPEN.value,
                        Relay.follow_up_on < cutoff,
                    ),
                    literal(RelayStatus.EXPIRED.value),
                ),
                else_=Relay.status,
            )
        rows = self.connection.execute(
            select(Partner.code, Partner.name, status, Relay.refusal_reason, func.count())
            .join(Partner, Partner.id == Relay.partner_id)
            .where(*conditions)
            .group_by(Partner.code, Partner.name, status, Relay.refusal_reason)
        ).all()
        by_status: Counter[str] = Counter()
        refusals: Counter[str] = Counter()
        partners: dict[str, tuple[str, Counter[str]]] = {}
        for code, name, relay_status, reason, count in rows:
            by_status[relay_status] += count
            if relay_status == RelayStatus.REFUSED.value and reason:
                refusals[reason] += count
            partners.setdefault(code, (name, Counter()))[1][relay_status] += count
        by_partner = sorted(
            (PartnerRelays(code, name, dict(counts)) for code, (name, counts) in partners.items()),
            key=lambda p: (-p.total, p.name),
        )
        return RelayFigures(
            by_status={status.value: by_status.get(status.value, 0) for status in RelayStatus},
            refusals=dict(refusals.most_common()),
            by_partner=by_partner,
        )

    # Appointments

    def appointments(self) -> dict[str, int]:
        """Appointments starting within the period (local days of each office's timezone)."""
        zones = self.connection.execute(
            select(Office.timezone, Office.id).where(Office.id.in_(self.query.office_ids))
        ).all()
        by_zone: dict[str, list[int]] = {}
        for timezone, office_id in zones:
            by_zone.setdefault(timezone, []).append(office_id)
        windows = []
        for timezone, ids in by_zone.items():
            zone = ZoneInfo(timezone)
            begin = datetime.combine(self.query.start, time(0), zone).astimezone(UTC)
            end = datetime.combine(self.query.end + timedelta(days=1), time(0), zone)
            windows.append(
                and_(
                    Appointment.office_id.in_(ids),
                    Appointment.starts_at >= begin,
                    Appointment.starts_at < end.astimezone(UTC),
                )
            )
        rows = self.connection.execute(
            select(Appointment.status, func.count())
            .where(or_(*windows))
            .group_by(Appointment.status)
        ).all()
        counts = dict(rows)
        return {status.value: int(counts.get(status.value, 0)) for status in AppointmentStatus}


@dataclass(frozen=True)
class _Labels:
    motifs: dict[int, tuple[str, str]]
    motif_thematique: dict[int, tuple[str, str]]
    partners: dict[str, str]  # code: name
    registers: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class DemandFigures:
    """Demands counted by motif, thématique, partner, register, level and outcome."""

    total: int
    by_motif: list[Tally]
    by_thematique: list[Tally]
    by_partner: list[Tally]
    by_register: list[Tally]
    by_level: dict[str, int]
    by_outcome: dict[str, int]


@dataclass(frozen=True)
class RelayFigures:
    """Relays counted by status, refusal reason and partner."""

    by_status: dict[str, int]
    refusals: dict[str, int]
    by_partner: list[PartnerRelays]


def _ranked(tallies: Any) -> list[Tally]:
    """Largest first, then by label (stable order for screens and tests)."""
    return sorted(tallies, key=lambda t: (-t.count, t.label_fr, t.key))
