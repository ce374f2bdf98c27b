"""The office and who works in it: desks and staff accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import (
    DeskKind,
    Role,
)
from .base import Base, office_fk, one_of


class Office(Base):
    """A PIMMS site; holds its opening hours and data-protection periods."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # {"0": [["09:00", "12:30"], ["13:30", "17:00"]], ...} with Monday = "0".
    opening_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    retention_months: Mapped[int] = mapped_column(Integer, default=24)
    relay_retention_months: Mapped[int] = mapped_column(Integer, default=6)
    # Slips, cards and exports written for a person are deleted after this many days.
    document_retention_days: Mapped[int] = mapped_column(Integer, default=30)
    priority_streak_cap: Mapped[int] = mapped_column(Integer, default=2)
    wait_target_minutes: Mapped[int] = mapped_column(Integer, default=20)
    last_purge_at: Mapped[datetime | None]
    # Bumped by every write that changes the queue: desks poll this one cheap row.
    queue_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("retention_months > 0", name="retention_positive"),
        CheckConstraint("priority_streak_cap >= 0", name="streak_cap_not_negative"),
    )


class Desk(Base):
    """A reception counter or a mediation office."""

    __tablename__ = "desk"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default=DeskKind.RECEPTION)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Public-screen mode (names hidden on the queue) is remembered per desk.
    public_screen: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("office_id", "name"),
        one_of("kind", DeskKind),
    )


class Staff(Base):
    """Someone who works at the office and signs in at a desk."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("office_id", "display_name"),
        one_of("role", Role),
    )
