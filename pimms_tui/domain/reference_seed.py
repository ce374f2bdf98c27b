"""Seeding the reference data: the missing registers, thématiques, motifs and default partners.

Seeding is idempotent: rows are matched by code and only missing ones are added, so running it
twice changes nothing and a manager's later edits are never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_inclusion.schema.v1 import Categorie, Thematique
from sqlalchemy import select
from sqlalchemy.orm import Session

from pimms_tui.db.models import Motif, Partner, Register
from pimms_tui.db.models import Thematique as ThematiqueRow

from .reference import MOTIFS, PARTNERS, PLACEHOLDER, REGISTERS


@dataclass(frozen=True)
class SeedReport:
    """How many rows of each kind a seeding added (all zero on a second run)."""

    thematiques: int = 0
    registers: int = 0
    motifs: int = 0
    partners: int = 0

    @property
    def total(self) -> int:
        """All rows added."""
        return self.thematiques + self.registers + self.motifs + self.partners


def seed_reference_data(session: Session) -> SeedReport:
    """Add the national and default reference rows that are missing (idempotent)."""
    existing = set(session.scalars(select(ThematiqueRow.code)))
    categories = [c for c in Categorie if c.value not in existing]
    session.add_all(
        ThematiqueRow(code=c.value, category_code=None, label=c.label) for c in categories
    )
    session.flush()
    subcategories = [t for t in Thematique if t.value not in existing]
    session.add_all(
        ThematiqueRow(code=t.value, category_code=t.value.split("--")[0], label=t.label)
        for t in subcategories
    )

    known_registers = set(session.scalars(select(Register.code)))
    registers = [
        Register(code=spec.code, position=position, label_fr=spec.label_fr, label_en=spec.label_en)
        for position, spec in enumerate(REGISTERS, start=1)
        if spec.code not in known_registers
    ]
    session.add_all(registers)

    known_motifs = set(session.scalars(select(Motif.code)))
    motifs = [
        Motif(
            code=spec.code,
            label_fr=spec.label_fr,
            label_en=spec.label_en,
            thematique_code=spec.thematique.value,
            position=position,
        )
        for position, spec in enumerate(MOTIFS, start=1)
        if spec.code not in known_motifs
    ]
    session.add_all(motifs)
    session.flush()
    return SeedReport(
        thematiques=len(categories) + len(subcategories),
        registers=len(registers),
        motifs=len(motifs),
    )


def seed_default_partners(session: Session, office_id: int) -> int:
    """Give an office the default partner list (placeholders to replace); returns rows added."""
    known = set(session.scalars(select(Partner.code).where(Partner.office_id == office_id)))
    partners = [
        Partner(
            office_id=office_id,
            code=spec.code,
            name=spec.name,
            network_code=spec.network.value if spec.network else None,
            thematiques=[t.value for t in spec.thematiques],
            phone="01 23 45 67 89",
            address=f"{PLACEHOLDER} 1 rue de l’Exemple, 00000 Ville",
            opening_hours=f"{PLACEHOLDER} lun.–ven. 9 h–12 h, 14 h–17 h",
            what_to_bring=spec.what_to_bring,
            is_placeholder=True,
            source="local",
        )
        for spec in PARTNERS
        if spec.code not in known
    ]
    session.add_all(partners)
    session.flush()
    return len(partners)
