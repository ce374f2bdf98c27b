"""Reference lists the screens offer: motifs, registers, partners (plain values)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import Role
from pimms_tui.db.models import Motif, Partner, Register, Staff


@dataclass(frozen=True)
class MotifInfo:
    """A reason for coming, with its labels in both languages."""

    id: int
    code: str
    label_fr: str
    label_en: str


@dataclass(frozen=True)
class RegisterInfo:
    """A register of intervention."""

    code: str
    label_fr: str
    label_en: str


@dataclass(frozen=True)
class PartnerInfo:
    """A partner of the office, with what a referral slip needs."""

    id: int
    code: str
    name: str
    phone: str | None
    address: str | None
    opening_hours: str | None
    what_to_bring: str | None


def list_motifs(session: Session) -> list[MotifInfo]:
    """Active motifs in the office's order (most frequent first)."""
    rows = session.scalars(select(Motif).where(Motif.active).order_by(Motif.position, Motif.id))
    return [MotifInfo(m.id, m.code, m.label_fr, m.label_en) for m in rows]


def list_registers(session: Session) -> list[RegisterInfo]:
    """The 8 registers, in their order."""
    rows = session.scalars(select(Register).order_by(Register.position))
    return [RegisterInfo(r.code, r.label_fr, r.label_en) for r in rows]


def list_partners(session: Session, office_id: int) -> list[PartnerInfo]:
    """The office's active partners, by name."""
    rows = session.scalars(
        select(Partner).where(Partner.office_id == office_id, Partner.active).order_by(Partner.name)
    )
    return [
        PartnerInfo(p.id, p.code, p.name, p.phone, p.address, p.opening_hours, p.what_to_bring)
        for p in rows
    ]


@dataclass(frozen=True)
class StaffInfo:
    """A member of staff who can receive appointments."""

    id: int
    display_name: str
    role: str


def list_bookable_staff(session: Session, office_id: int) -> list[StaffInfo]:
    """Active mediators and managers of the office, by name."""
    rows = session.scalars(
        select(Staff)
        .where(
            Staff.office_id == office_id,
            Staff.active,
            Staff.role.in_([Role.MEDIATOR.value, Role.MANAGER.value]),
        )
        .order_by(Staff.display_name)
    )
    return [StaffInfo(s.id, s.display_name, s.role) for s in rows]
