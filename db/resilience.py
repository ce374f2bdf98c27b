"""Saving through a database outage: retry with backoff, and never apply a save twice.

A write that fails because the database is away (PostgreSQL stopped or unreachable, the
SQLite file locked by another program past the busy timeout) changed nothing: its
transaction was rolled back, so running it again is safe. The one doubtful case is a
PostgreSQL connection lost *while committing*: the server may have committed without the
answer reaching us. :meth:`pimms_tui.db.engine.Database.write` settles that case itself by
asking the server what became of the transaction (``txid_status``, PostgreSQL's own answer to
a lost acknowledgement): committed, the write returns normally; aborted, it raises
:class:`NotCommitted`, which is retried like any outage. So every retried operation is applied
exactly once, with no request key to store and no schema change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)

_T = TypeVar("_T")

FIRST_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 5.0

_commits = threading.local()


def commits_in_this_thread() -> int:
    """How many write transactions this thread has committed (a retry must not redo one)."""
    return int(getattr(_commits, "count", 0))


def count_commit() -> None:
    """Count one committed write transaction of this thread (``Database.write`` calls it)."""
    _commits.count = commits_in_this_thread() + 1


class NotCommitted(OperationalError):
    """The connection broke while committing and the server says nothing was committed."""


class CommitUncertain(OperationalError):
    """The connection broke while committing and the server could not be asked in time."""


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means "the database is away" (retry later), not a refused write.

    A constraint violation or a bad statement is an ``IntegrityError``/``ProgrammingError``:
    retrying would fail the same way. A value the database refuses is a ``DataError`` (too
    long for its column; a NUL character, which psycopg refuses before sending anything):
    bad input, never an outage. A doubtful commit is never retried blindly.
    """
    if isinstance(error, CommitUncertain | DataError | IntegrityError | ProgrammingError):
        return False
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def delays(first: float | None = None, cap: float | None = None) -> Callable[[], float]:
    """Doubling waits between tries: 0.25 s, 0.5 s, 1 s … up to 5 s."""
    current = [first if first is not None else FIRST_DELAY_SECONDS]
    limit = cap if cap is not None else MAX_DELAY_SECONDS

    def next_delay() -> float:
        delay = current[0]
        current[0] = min(limit, delay * 2)
        return delay

    return next_delay


def run_until_saved(
    job: Callable[[], _T],
    *,
    on_outage: Callable[[BaseException], None] = lambda _error: None,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """Run ``job`` (one write transaction), again and again while the database is away.

    ``on_outage`` is told of each failed try (show a banner); ``should_stop`` ends the
    waiting (the user left the form): the last error is raised then. Anything that is not an
    outage — a refusal of the domain, a constraint — is raised at once.
    """
    next_delay = delays()
    while True:
        committed_before = commits_in_this_thread()
        try:
            return job()
        except DBAPIError as error:
            # A job that already committed a write before failing is not run again: its
            # write would be applied twice. (Jobs keep their write last: see save_in_worker.)
            if not is_outage(error) or commits_in_this_thread() != committed_before:
                raise
            on_outage(error)
            waited, delay = 0.0, next_delay()
            while waited < delay:
                if should_stop():
                    raise
                sleep(min(0.05, delay - waited))
                waited += 0.05
