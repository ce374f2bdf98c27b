"""Reading the audit journal: the manager's filtered list, and who opened one file.

Only managers read it (``Permission.AUDIT``). Entries come newest first, with the names of
the staff member and the desk joined in; the entries themselves hold ids, never a visitor's
name, so nothing here needs erasing when a file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from pimms_tui.db.engine import Database
from pimms_tui.db.models import AuditEntry, Desk, Staff

from .access import Permission, require
from .actors import Actor

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


def read_journal(
    database: Database,
    office_id: int,
    actor: Actor,
    where: JournalFilter = JournalFilter(),
    limit: int = JOURNAL_LIMIT,
) -> list[JournalEntry]:
    """The office's journal, newest first, narrowed by ``where``; managers only."""
    require(actor, Permission.AUDIT)
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
    with database.read() as session:
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


def file_accesses(
    database: Database, office_id: int, visitor_id: int, actor: Actor
) -> list[JournalEntry]:
    """Every journal entry about one visitor's file (openings, edits, exports…), newest first."""
    return read_journal(database, office_id, actor, JournalFilter(visitor_id=visitor_id))


@dataclass(frozen=True)
class JournalPeople:
    """Who and where the journal can be narrowed to: the office's staff and desks."""

    staff: tuple[tuple[int, str], ...]
    desks: tuple[tuple[int, str], ...]


def journal_people(database: Database, office_id: int, actor: Actor) -> JournalPeople:
    """Every staff member and desk of the office, by name (managers)."""
    require(actor, Permission.AUDIT)
    with database.read() as session:
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
