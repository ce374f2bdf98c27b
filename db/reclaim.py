"""After an erasure: make the database files forget the erased text, not only the rows.

SQLite, with ``secure_delete`` on (every connection, :mod:`.engine`), overwrites deleted and
changed content with zeros in the database file; the old pages stay in the write-ahead log
until a checkpoint copies the log back and empties it (``wal_checkpoint(TRUNCATE)``).

PostgreSQL keeps the old versions of changed rows ("dead" tuples) until a VACUUM reclaims
them: after it no row, live or dead, holds the text, but the bytes stay in the pages' free
space until overwritten. ``rewrite`` (``pimms purge``, at night) runs VACUUM FULL, which
writes the tables anew without them (it locks the tables while it runs). Only the tables'
owner (or a superuser) may VACUUM: for another role PostgreSQL skips the table with a
warning, and the autovacuum thresholds set by migration 0007 reclaim dead rows within
minutes instead.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

# The tables that hold text about a person (identity, search words, notes, relay details).
PERSONAL_TABLES = ("visitor", "visitor_search_token", "demand", "relay")
# How long VACUUM waits for transactions begun before it (a desk's read, an autovacuum's
# ANALYZE): the old row versions they may still see cannot be reclaimed until they end.
OLDER_TRANSACTIONS_WAIT_SECONDS = 10.0


def reclaim(engine: Engine, *, rewrite: bool = False) -> bool:
    """Checkpoint SQLite's log, or VACUUM PostgreSQL's tables holding personal text
    (``rewrite``: VACUUM FULL).

    Whether it went through: False when a reader kept SQLite from emptying its log, or
    PostgreSQL refused (the erasure itself is committed either way; the next one, or the
    autovacuum, finishes the job).
    """
    try:
        if engine.dialect.name == "sqlite":
            return _checkpoint(engine)
        return _vacuum(engine, rewrite)
    except DBAPIError:
        return False


def _checkpoint(engine: Engine) -> bool:
    if engine.url.database in (None, "", ":memory:"):
        return True
    with engine.connect() as connection:
        row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        connection.commit()
    return int(row[0]) == 0  # busy = 0: every page copied back, the log emptied


def _vacuum(engine: Engine, rewrite: bool) -> bool:
    # VACUUM cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        owned = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename = ANY(%(tables)s) AND pg_has_role(tableowner, 'USAGE')",
            {"tables": list(PERSONAL_TABLES)},
        ).scalar()
        _wait_for_older_transactions(connection, everywhere=rewrite)
        options = "FULL, ANALYZE" if rewrite else "ANALYZE"
        connection.exec_driver_sql(f"VACUUM ({options}) {', '.join(PERSONAL_TABLES)}")
    return owned == len(PERSONAL_TABLES)


def _wait_for_older_transactions(connection: Connection, *, everywhere: bool) -> None:
    """Wait (a few seconds at most) until no transaction begun earlier is still open.

    ``everywhere``: in any database of the server, not only this one. VACUUM FULL keeps the
    row versions that its own snapshot might see, and a snapshot's horizon is held back by
    any transaction running on the server (plain VACUUM looks at this database only).
    """
    started = connection.exec_driver_sql("SELECT clock_timestamp()").scalar()
    deadline = time.monotonic() + OLDER_TRANSACTIONS_WAIT_SECONDS
    while time.monotonic() < deadline:
        older = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND (%(everywhere)s OR datname = current_database()) "
            "AND xact_start < %(started)s",
            {"started": started, "everywhere": everywhere},
        ).scalar()
        if not older:
            return
        time.sleep(0.05)
