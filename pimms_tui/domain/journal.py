"""Reading the audit journal: the filtered list of entries, and who and where it names.

Entries come newest first, with the names of the staff member and the desk joined in; the
entries themselves hold ids, never a visitor's name, so nothing here needs erasing when a
file is. Only managers read it: the use cases that check so are in
:mod:`pimms_tui.application.journal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimms_tui.db.models import AuditEntry, Desk, Staff

JOURNAL_LIMIT = 500
# What counts as an access to a visitor's file (the "who opened this file" list).
FILE_ACCESS_ENTITY = "visitor"


@dataclass(frozen=True)
class JournalFilter:
    """What the manager narrows the journal to; None means any."""

    action: str | None = None
    staff_id: int | None = None
    desk_id: int | None = None
    visitor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class JournalEntry:
    """One line of the journal, as shown."""

    id: int
    at: datetime
    action: str
    staff_id: int | None
    staff_name: str | None
    desk_id: int | None
    desk_name: str | None
    entity: str | None
    entity_id: int | None
    detail: dict[str, Any]


def journal_entries(
    session: Session, office_id: int, where: JournalFilter, limit: int = JOURNAL_LIMIT
) -> list[JournalEntry]:
    """The office's journal, newest first, narrowed by ``where``."""
    query = (
        select(AuditEntry, Staff.display_name, Desk.name)
        .outerjoin(Staff, Staff.id == AuditEntry.staff_id)
        .outerjoin(Desk, Desk.id == AuditEntry.desk_id)
        .where(AuditEntry.office_id == office_id)
    )
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.staff_id is not None:
        query = query.where(AuditEntry.staff_id == where.staff_id)
    if where.desk_id is not None:
        query = query.where(AuditEntry.desk_id == where.desk_id)
    if where.visitor_id is not None:
        query = query.where(
            AuditEntry.entity == FILE_ACCESS_ENTITY, AuditEntry.entity_id == where.visitor_id
        )
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.at < where.until)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return [
        JournalEntry(
            id=entry.id,
            at=entry.at,
            action=entry.action,
            staff_id=entry.staff_id,
            staff_name=staff,
            desk_id=entry.desk_id,
            desk_name=desk,
            entity=entry.entity,
            entity_id=entry.entity_id,
            detail=dict(entry.detail or {}),
        )
        for entry, staff, desk in session.execute(query)
    ]


@dataclass(frozen=True)
class JournalPeople:
    """Who and where the journal can be narrowed to: the office's staff and desks."""

    staff: tuple[tuple[int, str], ...]
    desks: tuple[tuple[int, str], ...]


def office_people(session: Session, office_id: int) -> JournalPeople:
    """Every staff member and desk of the office, by name."""
    staff = session.execute(
        select(Staff.id, Staff.display_name)
        .where(Staff.office_id == office_id)
        .order_by(Staff.display_name)
    ).all()
    desks = session.execute(
        select(Desk.id, Desk.name).where(Desk.office_id == office_id).order_by(Desk.name)
    ).all()
    return JournalPeople(
        staff=tuple((row[0], row[1]) for row in staff),
        desks=tuple((row[0], row[1]) for row in desks),
    )
