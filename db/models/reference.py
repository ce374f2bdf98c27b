"""Reference data: partners, thématiques, registers and motifs."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, office_fk


class Partner(Base):
    """An organisation the office orients people to (CAF, EDF, La Poste, a social landlord…)."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    network_code: Mapped[str | None] = mapped_column(String(64))
    thematiques: Mapped[list[str]] = mapped_column(default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))
    opening_hours: Mapped[str | None] = mapped_column(Text)
    what_to_bring: Mapped[str | None] = mapped_column(Text)
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(32), default="local")

    __table_args__ = (UniqueConstraint("office_id", "code"),)


class Thematique(Base):
    """A data·inclusion category or sub-category (national taxonomy), loaded from its package."""

    __tablename__ = "thematique"

    code: Mapped[str] = mapped_column(String(160), primary_key=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("thematique.code"))
    label: Mapped[str] = mapped_column(String(200))


class Register(Base):
    """One of the 8 registers of intervention of the social mediator (AFNOR XP X60-600)."""

    __tablename__ = "register"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))


class Motif(Base):
    """A reason for coming, counted under a data·inclusion thématique."""

    __tablename__ = "motif"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    thematique_code: Mapped[str] = mapped_column(ForeignKey("thematique.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
