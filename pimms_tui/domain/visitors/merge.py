"""Merging two files of one person: the duplicate's history moves to the survivor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pimms_tui.db.models import Appointment, Consent, Visit, Visitor
from pimms_tui.db.search_index import index_visitor

from .. import audit
from ..actors import Actor
from ..errors import DomainError, NotFound, PermissionDenied
from ..messages import N_

FILE_UNKNOWN = N_("This visitor file does not exist.")
OTHER_OFFICE = N_("This desk belongs to another office.")
MERGE_INTO_ITSELF = N_("A file cannot be merged into itself.")
MERGE_OTHER_OFFICE = N_("Only files of this office can be merged.")
MERGE_MERGED_FILE = N_("This file was already merged into another one.")
MERGE_ANONYMISED_FILE = N_("An anonymised file cannot be merged.")


def merge_files(
    session: Session,
    office_id: int,
    survivor_id: int,
    duplicate_id: int,
    actor: Actor,
    now: datetime,
) -> None:
    """Merge the duplicate file into the survivor: its history moves, it points there.

    Visits, consents and appointments move to the survivor; the duplicate keeps its
    identity as it was, marked ``merged_into`` the survivor and gone from the search.
    Files once merged into the duplicate now point at the survivor. Refused for a file
    merged into itself, a merged or anonymised file, and files of another office.
    """
    if survivor_id == duplicate_id:
        raise DomainError(MERGE_INTO_ITSELF)
    files = {
        v.id: v
        for v in session.scalars(
            select(Visitor).where(Visitor.id.in_((survivor_id, duplicate_id))).with_for_update()
        )
    }
    for visitor_id in (survivor_id, duplicate_id):
        visitor = files.get(visitor_id)
        if visitor is None:
            raise NotFound(FILE_UNKNOWN)
        if visitor.office_id != office_id:
            raise PermissionDenied(MERGE_OTHER_OFFICE)
        if visitor.merged_into_id is not None:
            raise DomainError(MERGE_MERGED_FILE)
        if visitor.anonymised_at is not None:
            raise DomainError(MERGE_ANONYMISED_FILE)
    survivor, duplicate = files[survivor_id], files[duplicate_id]
    moved = {
        table.__tablename__: _move(session, table, duplicate_id, survivor_id)
        for table in (Visit, Consent, Appointment)
    }
    session.execute(
        update(Visitor)
        .where(Visitor.merged_into_id == duplicate_id)
        .values(merged_into_id=survivor_id, version=Visitor.version + 1)
        .execution_options(synchronize_session=False)
    )
    # Through the ORM, so that the version check refuses a file edited meanwhile.
    duplicate.merged_into_id = survivor_id
    survivor.last_activity_at = max(survivor.last_activity_at, duplicate.last_activity_at)
    session.flush()
    index_visitor(session, duplicate_id)
    audit.record(
        session,
        actor,
        audit.Action.MERGE,
        at=now,
        entity="visitor",
        entity_id=survivor_id,
        office_id=office_id,
        survivor_id=survivor_id,
        duplicate_id=duplicate_id,
        moved=moved,
    )


def _move(session: Session, table: type[Visit | Consent | Appointment], old: int, new: int) -> int:
    """Point the rows of ``table`` from one visitor to another; how many moved."""
    result = session.execute(
        update(table)
        .where(table.visitor_id == old)
        .values(visitor_id=new)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
