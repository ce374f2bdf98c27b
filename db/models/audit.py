"""The audit journal, append-only: the ORM refuses to change or delete an entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    event,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from .base import Base


class AuditEntry(Base):
    """An append-only record of who did what to which file (data protection, DESIGN §6)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str | None] = mapped_column(String(48))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


# --- The journal is append-only ---------------------------------------------------------------


class AuditIsAppendOnly(Exception):
    """Raised when code tries to change or delete a journal entry (the database refuses too)."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """No flush may update or delete an AuditEntry: entries are only ever added."""
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, AuditEntry):
            raise AuditIsAppendOnly("audit_entry is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    """No ORM UPDATE or DELETE statement may name the journal."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise AuditIsAppendOnly("audit_entry is append-only")
