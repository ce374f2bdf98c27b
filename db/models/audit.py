"""The audit journal: append-only, and each entry sealed with the previous entry's hash.

The ORM refuses to change or delete an entry (and the database refuses it too, migrations
0004 and 0008). Every new entry is sealed when its transaction commits, whatever code added
it: the chain's head row is locked (PostgreSQL), the entry gets the next id and the hash of
its fields and of the previous entry's hash (``db.journal_chain``), and the head moves on.
Sealing last, at commit, keeps the head's lock the last lock a transaction takes: a desk
holding it never waits for another, so the chain orders writers without deadlocks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ..journal_chain import entry_hash
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
    # The seal: the previous entry's hash (one entry only may follow each: no fork), and this
    # entry's hash over its fields and that one.
    previous_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class AuditChain(Base):
    """The head of the journal's chain: its one row is the last sealed entry (and the lock)."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


CHAIN_HEAD_ID = 1


# --- The journal is append-only ---------------------------------------------------------------


class AuditIsAppendOnly(Exception):
    """Raised when code tries to change or delete a journal entry (the database refuses too)."""


class JournalChainMissing(Exception):
    """The chain's head row is gone: the journal cannot be sealed (run pimms doctor)."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """No flush may update or delete an AuditEntry; new ones wait for the commit's seal."""
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, AuditEntry):
            raise AuditIsAppendOnly("audit_entry is append-only")
    unsealed = [row for row in session.new if isinstance(row, AuditEntry) and not row.entry_hash]
    if unsealed:
        transaction = session.get_transaction()
        pending = _pending(session, transaction)
        for row in unsealed:
            session.expunge(row)
            pending.append(row)


def _pending(session: Session, transaction: Any) -> list[AuditEntry]:
    """The entries added in this transaction and not sealed yet (none from an earlier one)."""
    marked = session.info.get(_PENDING)
    if marked is None or marked[0] is not transaction:
        marked = session.info[_PENDING] = (transaction, [])
    entries: list[AuditEntry] = marked[1]
    return entries


_PENDING = "pimms_unsealed_journal"


@event.listens_for(Session, "before_commit")
def _seal_new_entries(session: Session) -> None:
    """Seal the transaction's new entries in order, under the chain head's lock, then insert."""
    session.flush()  # the entries added since the last flush join the pending ones
    marked = session.info.pop(_PENDING, None)
    if marked is None or marked[0] is not session.get_transaction() or not marked[1]:
        return
    entries: list[AuditEntry] = marked[1]  # in the order they were added
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        _lock_referenced_rows(session, entries)
    head_query = select(AuditChain.last_id, AuditChain.last_hash).where(
        AuditChain.id == CHAIN_HEAD_ID
    )
    head = connection.execute(head_query.with_for_update() if postgres else head_query).first()
    if head is None:
        raise JournalChainMissing("the journal's chain head row is missing")
    # The next ids, in chain order, taken under the head's lock (the id sequence is not used:
    # its numbers are handed out outside the lock, so they would not follow the chain).
    previous, first_id = head.last_hash, (head.last_id or 0) + 1
    for new_id, entry in enumerate(entries, start=first_id):
        entry.id = new_id
        entry.previous_hash = previous
        entry.entry_hash = previous = entry_hash(
            id=new_id,
            at=entry.at,
            office_id=entry.office_id,
            staff_id=entry.staff_id,
            desk_id=entry.desk_id,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            detail=entry.detail,
            previous_hash=entry.previous_hash,
        )
        session.add(entry)
    connection.execute(
        update(AuditChain)
        .where(AuditChain.id == CHAIN_HEAD_ID)
        .values(last_id=entries[-1].id, last_hash=previous)
    )
    session.flush()


def _lock_referenced_rows(session: Session, entries: list[AuditEntry]) -> None:
    """Take, before the head's lock, the key-share locks the entries' foreign keys will need.

    A desk holding an office row FOR UPDATE (the settings) then waiting for the head must not
    find the head's holder waiting for that office row: the holder already has it. One
    statement for the three tables.
    """
    session.execute(
        _KEY_SHARE,
        {
            "offices": sorted({e.office_id for e in entries if e.office_id is not None}),
            "staff": sorted({e.staff_id for e in entries if e.staff_id is not None}),
            "desks": sorted({e.desk_id for e in entries if e.desk_id is not None}),
        },
    )


_KEY_SHARE = text(
    "WITH o AS (SELECT id FROM office WHERE id = ANY(:offices) FOR KEY SHARE), "
    "s AS (SELECT id FROM staff WHERE id = ANY(:staff) FOR KEY SHARE), "
    "d AS (SELECT id FROM desk WHERE id = ANY(:desks) FOR KEY SHARE) "
    "SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM s), (SELECT count(*) FROM d)"
)


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    """No ORM UPDATE or DELETE statement may name the journal."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise AuditIsAppendOnly("audit_entry is append-only")
