"""Bounded waits on PostgreSQL: no desk holds the office, or waits on it, for long.

Three things end a wait that would otherwise last as long as a network stays silent:

* the server's own limits, sent with every connection: ``lock_timeout`` (a desk waiting for
  a row another desk locked gives up, nothing written: "the office is busy"),
  ``statement_timeout`` and ``idle_in_transaction_session_timeout`` (a desk that went silent
  in the middle of a transaction has it ended by the server, which frees its locks); write
  transactions lower the last one to :data:`WRITE_IDLE_MS`, since nothing in them waits on a
  person;
* TCP keepalives and ``tcp_user_timeout``, so that the operating system notices a network
  that drops packets in seconds, not the two hours of its default keepalive;
* a watchdog for answers that never come (a network or a middlebox that accepts packets and
  swallows them): a statement, a commit or a ping that has no answer after
  :data:`ANSWER_WAIT_SECONDS` has its connection shut, so the caller gets an error it can show.

Long work — statistics, exports, migrations — runs inside :func:`unbounded`: no statement
limit and no watchdog there (it is not a desk waiting on the office).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, event

CONNECT_TIMEOUT_SECONDS = 2  # libpq's smallest: a server on the office's network answers in ms
LOCK_TIMEOUT_MS = 1500
STATEMENT_TIMEOUT_MS = 4000
IDLE_IN_TRANSACTION_MS = 5000
WRITE_IDLE_MS = 2000
KEEPALIVE_IDLE_SECONDS = 2
KEEPALIVE_INTERVAL_SECONDS = 1
KEEPALIVE_COUNT = 2
TCP_USER_TIMEOUT_MS = 4000
# A statement without any answer after this long has its connection shut (the server's own
# statement_timeout answers before, when the server can still be heard).
ANSWER_WAIT_SECONDS = STATEMENT_TIMEOUT_MS / 1000 + 1.0
# A ping (the pool's check of a connection before lending it) is answered at once when the
# server can be heard: a silent one is replaced sooner.
PING_WAIT_SECONDS = 1.5

_local = threading.local()
# Connections whose transaction was begun inside ``unbounded`` (until it ends).
_long_transactions: set[int] = set()


def postgres_connect_args() -> dict[str, Any]:
    """libpq connection parameters bounding every wait on the server and the network."""
    options = (
        f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
    )
    return {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_SECONDS,
        "keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        "options": options,
    }


@contextlib.contextmanager
def unbounded() -> Iterator[None]:
    """Long work in this thread: transactions begun inside lift the statement limits."""
    previous = is_unbounded()
    _local.unbounded = True
    try:
        yield
    finally:
        _local.unbounded = previous


def is_unbounded() -> bool:
    """Whether this thread is inside :func:`unbounded`."""
    return bool(getattr(_local, "unbounded", False))


class Watchdog:
    """Shuts the connection of any call that waits on the server past its deadline."""

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.fired = 0

    def arm(self, key: int, fd: int, seconds: float) -> None:
        with self._lock:
            self._armed[key] = (time.monotonic() + seconds, fd)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True, name="watchdog")
                self._thread.start()

    def disarm(self, key: int) -> None:
        with self._lock:
            self._armed.pop(key, None)

    def _watch(self) -> None:
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self._lock:
                late = [k for k, (deadline, _fd) in self._armed.items() if deadline <= now]
                fds = [self._armed.pop(k)[1] for k in late]
            for fd in fds:
                self.fired += 1
                _shut(fd)


def _shut(fd: int) -> None:
    """End a connection's socket: the call waiting on it returns with an error at once."""
    with contextlib.suppress(OSError):
        copy = socket.socket(fileno=os.dup(fd))
        with contextlib.suppress(OSError):
            copy.shutdown(socket.SHUT_RDWR)
        copy.close()


WATCHDOG = Watchdog()


def _socket_of(dbapi_connection: Any) -> int | None:
    try:
        return int(dbapi_connection.pgconn.socket)
    except Exception:  # closed, or not a psycopg connection: nothing to watch
        return None


def _guarded(
    call: Callable[..., Any], connection_of: Callable[..., Any], seconds: float
) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        dbapi_connection = connection_of(*args)
        if is_unbounded() or id(dbapi_connection) in _long_transactions:
            return call(*args, **kwargs)
        fd = _socket_of(dbapi_connection)
        if fd is None:
            return call(*args, **kwargs)
        key = id(dbapi_connection)
        WATCHDOG.arm(key, fd, seconds)
        try:
            return call(*args, **kwargs)
        finally:
            WATCHDOG.disarm(key)

    return guarded


def _ending(call: Callable[..., Any]) -> Callable[..., Any]:
    """A commit or rollback ends the transaction's exemption from the limits."""

    def ending(dbapi_connection: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(dbapi_connection, *args, **kwargs)
        finally:
            _long_transactions.discard(id(dbapi_connection))

    return ending


def bound_postgres(engine: Engine, write_option: str) -> None:
    """Watch every round trip of ``engine``; limit idle time inside write transactions."""
    dialect: Any = engine.dialect

    def cursor_connection(cursor: Any, *_rest: Any) -> Any:
        return cursor.connection

    def itself(dbapi_connection: Any, *_rest: Any) -> Any:
        return dbapi_connection

    for name in ("do_execute", "do_execute_no_params", "do_executemany"):
        setattr(
            dialect, name, _guarded(getattr(dialect, name), cursor_connection, ANSWER_WAIT_SECONDS)
        )
    for name in ("do_commit", "do_rollback"):
        guarded = _guarded(getattr(dialect, name), itself, ANSWER_WAIT_SECONDS)
        setattr(dialect, name, _ending(guarded))
    dialect.do_ping = _guarded(dialect.do_ping, itself, PING_WAIT_SECONDS)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        if is_unbounded():
            _long_transactions.add(id(connection.connection.dbapi_connection))
            connection.exec_driver_sql(
                "SELECT set_config('statement_timeout', '0', true),"
                " set_config('idle_in_transaction_session_timeout', '0', true)"
            )
        elif connection.get_execution_options().get(write_option):
            connection.exec_driver_sql(
                f"SELECT set_config('idle_in_transaction_session_timeout', '{WRITE_IDLE_MS}', true)"
            )
