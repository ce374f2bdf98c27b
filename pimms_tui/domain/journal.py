"""Reading the audit journal: the filtered list of entries, who and where it names, its chain.

Entries come newest first, with the names of the staff member and the desk joined in; the
entries themselves hold ids, never a visitor's name, so nothing here needs erasing when a
file is. Only managers read it: the use cases that check so are in
:mod:`pimms_tui.application.journal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from pimms_tui.db.journal_chain import GENESIS, entry_hash
from pimms_tui.db.models import AuditChain, AuditEntry, Desk, Staff
from pimms_tui.db.models.audit import CHAIN_HEAD_ID

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
    # The staff member an entry about an account names (a PIN set, a role changed…).
    subject_name: str | None = None


def journal_entries(
    session: Session, office_id: int, where: JournalFilter, limit: int = JOURNAL_LIMIT
) -> list[JournalEntry]:
    """The office's journal, newest first, narrowed by ``where``."""
    subject = aliased(Staff)
    query = (
        select(AuditEntry, Staff.display_name, Desk.name, subject.display_name)
        .outerjoin(Staff, Staff.id == AuditEntry.staff_id)
        .outerjoin(Desk, Desk.id == AuditEntry.desk_id)
        .outerjoin(subject, and_(AuditEntry.entity == "staff", subject.id == AuditEntry.entity_id))
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
            subject_name=subject_name,
        )
        for entry, staff, desk, subject_name in session.execute(query)
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


# --- The chain's check -------------------------------------------------------------------------


class ChainBreakKind:
    """How the chain is broken (stored in :class:`ChainBreak`)."""

    CHANGED = "changed"  # the entry's fields no longer give its seal
    LINK = "link"  # its link to the previous entry is broken: removed, inserted or rewritten
    TAIL = "tail"  # entries after the last one were removed (the head names a later one)
    NO_HEAD = "no_head"  # the chain's head row is gone


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the journal no longer matches its seals."""

    kind: str
    entry_id: int | None
    at: datetime | None
    head_id: int | None = None


@dataclass(frozen=True)
class ChainCheck:
    """The journal's chain, checked entry by entry from the first."""

    entries: int
    last_hash: str
    broken: ChainBreak | None


CHAIN_BATCH = 5000


def verify_chain(session: Session) -> ChainCheck:
    """Recompute every seal in id order; stop at the first broken link and name it."""
    columns = (
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.office_id,
        AuditEntry.staff_id,
        AuditEntry.desk_id,
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.detail,
        AuditEntry.previous_hash,
        AuditEntry.entry_hash,
    )
    query = select(*columns).order_by(AuditEntry.id).execution_options(yield_per=CHAIN_BATCH)
    previous, last_id, count = GENESIS, None, 0
    last_at: datetime | None = None
    for row in session.execute(query):
        if row.previous_hash != previous:
            return ChainCheck(count, previous, ChainBreak(ChainBreakKind.LINK, row.id, row.at))
        sealed = entry_hash(
            id=row.id,
            at=row.at,
            office_id=row.office_id,
            staff_id=row.staff_id,
            desk_id=row.desk_id,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            detail=row.detail,
            previous_hash=row.previous_hash,
        )
        if sealed != row.entry_hash:
            return ChainCheck(count, previous, ChainBreak(ChainBreakKind.CHANGED, row.id, row.at))
        previous, last_id, last_at, count = row.entry_hash, row.id, row.at, count + 1
    head = session.execute(
        select(AuditChain.last_id, AuditChain.last_hash).where(AuditChain.id == CHAIN_HEAD_ID)
    ).first()
    if head is None:
        return ChainCheck(count, previous, ChainBreak(ChainBreakKind.NO_HEAD, last_id, last_at))
    if head.last_hash != previous or head.last_id != last_id:
        return ChainCheck(
            count, previous, ChainBreak(ChainBreakKind.TAIL, last_id, last_at, head.last_id)
        )
    return ChainCheck(count, previous, None)
