"""Getting a database ready: migrate to the current schema and seed the reference data."""

from __future__ import annotations

from pimms_tui.db import migrate
from pimms_tui.db.engine import Database

from .reference import SeedReport, seed_reference_data


def prepare_database(database: Database) -> SeedReport:
    """Migrate to head and add missing reference rows; safe to run at every start."""
    migrate.upgrade(database.engine)
    with database.write() as session:
        return seed_reference_data(session)
