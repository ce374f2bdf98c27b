"""The audit journal: reading it (managers), and giving the desks a role that cannot rewrite it."""

from __future__ import annotations

from pimms_tui.db.engine import Database
from pimms_tui.db.roles import application_grants, grant_application_role
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.journal import (
    JOURNAL_LIMIT,
    JournalEntry,
    JournalFilter,
    JournalPeople,
    journal_entries,
    office_people,
)


def read_journal(
    database: Database,
    office_id: int,
    actor: Actor,
    where: JournalFilter | None = None,
    limit: int = JOURNAL_LIMIT,
) -> list[JournalEntry]:
    """The office's journal, newest first, narrowed by ``where``; managers only."""
    require(actor, Permission.AUDIT)
    with database.read() as session:
        return journal_entries(session, office_id, where or JournalFilter(), limit)


def file_accesses(
    database: Database, office_id: int, visitor_id: int, actor: Actor
) -> list[JournalEntry]:
    """Every journal entry about one visitor's file (openings, edits, exports…), newest first."""
    return read_journal(database, office_id, actor, JournalFilter(visitor_id=visitor_id))


def journal_people(database: Database, office_id: int, actor: Actor) -> JournalPeople:
    """Every staff member and desk of the office, by name (managers)."""
    require(actor, Permission.AUDIT)
    with database.read() as session:
        return office_people(session, office_id)


def protect_journal(owner_url: str, app_role: str) -> None:
    """Give the desks' PostgreSQL role its rights, connected as the tables' owner: every table
    read and written, the journal only read and added to (RoleSetupError otherwise)."""
    database = Database.from_url(owner_url)
    try:
        grant_application_role(database.engine, app_role)
    finally:
        database.dispose()


def desk_role_script(app_role: str) -> list[str]:
    """The statements ``protect_journal`` runs, to read or run by hand."""
    return application_grants(app_role)
