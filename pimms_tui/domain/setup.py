"""Getting a database ready: migrate to the current schema and seed the reference data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Register

if TYPE_CHECKING:  # the taxonomy package is imported only when seeding
    from .reference_seed import SeedReport


def prepare_database(database: Database, *, always_seed: bool = False) -> SeedReport | None:
    """Migrate to head and add missing reference rows; safe to run at every start.

    On a database already current and seeded, nothing is imported or written: the national
    taxonomy is read again by ``pimms db upgrade`` (``always_seed``), after a migration, or
    on an empty database.
    """
    migrated = False
    if not migrate.is_current(database.engine):
        migrate.upgrade(database.engine)
        migrated = True
    database.refresh_statistics()
    if not (always_seed or migrated):
        with database.read() as session:
            if session.scalar(select(func.count()).select_from(Register)):
                return None
    from .reference_seed import seed_reference_data

    with database.write(long=True) as session:  # reads the taxonomy between statements
        return seed_reference_data(session)
