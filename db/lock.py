"""Writers' turns on an SQLite file: an ``flock`` on a lock file beside the database.

SQLite's busy handler polls for the write lock with growing sleeps (1, 2, 5, 10… up to 100 ms
between tries) and no order: when many desks write at once, some wait tens or hundreds of
milliseconds for a lock that was free most of that time. An ``flock`` tried every 2 ms at
most hands the turn on almost as soon as the holder is done; SQLite's ``BEGIN IMMEDIATE``
then finds its lock free (unless a writer outside the turn holds it: it waits as before). A
turn is released when the block that took it ends, or when its process dies.

The wait for a turn is bounded: past ``TURN_WAIT_SECONDS`` (the turn goes round slowly because
another program holds SQLite's lock, so each holder waits out its own busy timeout; or a desk
was stopped while holding it) the writer goes on without its turn, to SQLite's own bounded
busy wait. So a desk behind others learns of an outage about as fast as the first one does,
instead of after all of them (38 s before).

PostgreSQL needs none: its row-lock waiters are woken in turn. Without ``fcntl`` (Windows), on
an in-memory database, or where the file cannot be opened, SQLite's own lock alone is used.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import IO

from .engine import Database

if sys.platform != "win32":
    import fcntl

TURN_WAIT_SECONDS = 1.5


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
                if not _wait_for_turn(handle):  # released when the file is closed
                    turn.close()  # not given in time: SQLite's own wait alone
            yield


def _wait_for_turn(handle: IO[bytes]) -> bool:
    """Take the lock of ``handle``; False when not given within ``TURN_WAIT_SECONDS``."""
    deadline = time.monotonic() + TURN_WAIT_SECONDS
    pause = 0.0005
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


def lock_file_path(database: Database, name: str) -> str | None:
    """The lock file of the ``name`` writers' turn: beside an SQLite file, else none."""
    path = database.engine.url.database
    if not database.is_sqlite or path in (None, "", ":memory:") or path.startswith("file:"):
        return None
    return f"{path}-{name}-lock"
