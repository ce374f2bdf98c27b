"""``pimms doctor``: erased text is overwritten in SQLite's file (``secure_delete``).

The desks set it on every connection (:mod:`pimms_tui.db.engine`); the check opens a
connection the same way and reads it back, so a build of SQLite that ignored the setting
would show here. PostgreSQL has no such setting (VACUUM reclaims erased rows: see the README).
"""

from __future__ import annotations

from pimms_tui.db.engine import Database
from pimms_tui.domain.messages import N_

from .findings import Finding
from .findings import finding as _finding


def check_secure_delete(database: Database) -> list[Finding]:
    """On SQLite: whether deleted content is overwritten with zeros."""
    if not database.is_sqlite:
        return []
    with database.engine.connect() as connection:
        value = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
    if value:
        return [_finding(True, N_("Erased text is overwritten in the database file."))]
    return [
        _finding(
            False,
            N_(
                "Erased text is left in the database file's free pages (secure_delete is "
                "off in this build of SQLite)."
            ),
        )
    ]
