"""Writers' turns on an SQLite file: a blocking ``flock`` on a lock file beside the database.

SQLite's busy handler polls for the write lock with growing sleeps (1, 2, 5, 10… up to 100 ms
between tries) and no order: when many desks write at once, some wait tens or hundreds of
milliseconds for a lock that was free most of that time. A blocking ``flock`` wakes a waiter
as soon as the holder is done; SQLite's ``BEGIN IMMEDIATE`` then finds its lock free (unless a
writer outside the turn holds it: it waits as before). A turn is released when the block that
took it ends, or when its process dies.

The wait for a turn is bounded too: every holder is (its ``BEGIN IMMEDIATE`` gives up after
``SQLITE_WRITE_WAIT_MS`` × ``SQLITE_BEGIN_ATTEMPTS``, its transaction is short), so a queue
of desks moves on; a turn not given within ``TURN_WAIT_SECONDS`` (a desk stopped while holding
it) fails the write with "database is locked", an outage that the save's retry loop waits out
with the banner up, as if SQLite itself had said so.

PostgreSQL needs none: its row-lock waiters are woken in turn. Without ``fcntl`` (Windows), on
an in-memory database, or where the file cannot be opened, SQLite's own lock alone is used.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import IO

from sqlalchemy.exc import OperationalError

from .engine import Database

if sys.platform != "win32":
    import fcntl

TURN_WAIT_SECONDS = 5.0


class WritersTurn:
    """The turn of one group of writers (named by ``name``) on one SQLite database file.

    ``with turn.taken():`` waits for the turn, then holds it until the block ends. Used around
    a write transaction, it makes the group's writers go one after the other, each woken as
    soon as the previous one is done.
    """

    def __init__(self, database: Database, name: str) -> None:
        self.path = lock_file_path(database, name)

    @contextmanager
    def taken(self) -> Iterator[None]:
        """Wait for the turn and hold it for the block (no wait where there is no lock file)."""
        if self.path is None or sys.platform == "win32":
            yield
            return
        with ExitStack() as turn:
            try:
                handle = turn.enter_context(open(self.path, "ab"))
            except OSError:
                self.path = None  # SQLite's own lock alone from now on
            else:
                _wait_for_turn(handle)  # released when the file is closed
            yield


def _wait_for_turn(handle: IO[bytes]) -> None:
    """Take the lock of ``handle``, or raise "database is locked" past ``TURN_WAIT_SECONDS``."""
    deadline = time.monotonic() + TURN_WAIT_SECONDS
    pause = 0.0005
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                cause = sqlite3.OperationalError("database is locked (writers' turn)")
                raise OperationalError("writers' turn", None, cause) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


def lock_file_path(database: Database, name: str) -> str | None:
    """The lock file of the ``name`` writers' turn: beside an SQLite file, else none."""
    path = database.engine.url.database
    if not database.is_sqlite or path in (None, "", ":memory:") or path.startswith("file:"):
        return None
    return f"{path}-{name}-lock"
