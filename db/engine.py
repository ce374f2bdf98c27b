"""Engines and sessions for SQLite (embedded) and PostgreSQL (shared); nothing built at import."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .deadlines import bound_postgres, postgres_connect_args, unbounded
from .resilience import (
    CommitUncertain,
    NotCommitted,
    count_commit,
    delays,
    in_retried_save,
    stop_requested,
    tell_outage,
)

# Maintenance (backups) waits this long for SQLite's lock; desks wait far less (below).
SQLITE_BUSY_TIMEOUT_MS = 5000
# A desk's write waits for SQLite's write lock at most SQLITE_WRITE_WAIT_MS per attempt, over
# SQLITE_BEGIN_ATTEMPTS attempts (1.5 s in all), then raises: the screen learns of the
# outage and the save is retried by ``run_until_saved``, with the banner up meanwhile.
SQLITE_WRITE_WAIT_MS = 500
SQLITE_BEGIN_ATTEMPTS = 3
# How long a write whose commit lost its answer waits to ask the server what became of it.
COMMIT_SETTLE_SECONDS = 120.0
# How often a commit left in doubt is asked about again in the background.
SETTLE_POLL_SECONDS = 1.0
_WRITE_OPTION = "pimms_write"


def normalise_url(url: str | URL) -> URL:
    """Use psycopg 3 for PostgreSQL URLs given without a driver (``postgresql://…``)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, *, echo: bool = False, **kwargs: Any) -> Engine:
    """Build an engine with the settings each backend needs for a shared, durable queue.

    ``hide_parameters``: an error's text never carries the values of its statement (a name,
    a note), wherever it ends up."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, echo=echo, hide_parameters=True, **kwargs)
        _configure_sqlite(engine)
        return engine
    connect_args = postgres_connect_args()
    # What the address itself sets wins over these defaults; its ``options`` come after ours.
    own_options = parsed.query.get("options")
    if isinstance(own_options, str):
        connect_args["options"] = f"{connect_args['options']} {own_options}"
        parsed = parsed.difference_update_query(["options"])
    for name in parsed.query:
        connect_args.pop(name, None)
    connect_args.update(kwargs.pop("connect_args", {}))
    engine = create_engine(
        parsed,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        connect_args=connect_args,
        **kwargs,
    )
    bound_postgres(engine, _WRITE_OPTION)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, busy timeout, full durability, and IMMEDIATE write transactions."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN is ours (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_WRITE_WAIT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted text overwritten, not left in pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A write transaction takes the write lock at once: a deferred one that upgrades later
        # fails with "database is locked" without waiting when another desk wrote meanwhile.
        if connection.get_execution_options().get(_WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def _connection_lost(error: DBAPIError) -> bool:
    """Whether the connection itself failed (the server's answer may be lost)."""
    return error.connection_invalidated or isinstance(error, OperationalError)


def _rollback_quietly(session: Session) -> None:
    """Roll back what can be; on a dead connection there is nothing left to roll back."""
    with suppress(DBAPIError):
        session.rollback()


@dataclass
class Database:
    """One database: its engine and the two kinds of unit of work the domain layer uses."""

    engine: Engine

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._unsettled: dict[int, Future[bool]] = {}  # doubtful commits still being asked
        self._settling_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str | URL, **kwargs: Any) -> Database:
        """Open a database by URL."""
        return cls(make_engine(url, **kwargs))

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite backend."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self, *, long: bool = False) -> Iterator[Session]:
        """A unit of work for reading; closing it ends the transaction without writing.

        ``long``: statistics and exports, which may read for longer than a desk may wait
        (PostgreSQL's statement limits are lifted for this transaction: ``db.deadlines``).
        """
        with self._sessions() as session:
            if long and not self.is_sqlite:
                with unbounded():
                    session.connection()  # begins the transaction, exempt from the limits
            yield session

    @contextmanager
    def write(self, *, long: bool = False) -> Iterator[Session]:
        """A unit of work committed at the end, or rolled back whole if anything fails.

        ``long``: bulk work (the demo seeder), exempt from PostgreSQL's desk limits.
        """
        if self._unsettled:
            self._refuse_while_unsettled()
        if long and not self.is_sqlite:
            with unbounded():
                connection, session = self._begin_write()
        else:
            connection, session = self._begin_write()
        with connection, session:
            xid = None
            try:
                yield session
                if not self.is_sqlite:  # to settle a commit whose answer is lost
                    xid = session.connection().exec_driver_sql("SELECT txid_current()").scalar()
                session.commit()
            except DBAPIError as error:
                _rollback_quietly(session)
                if xid is None or not _connection_lost(error):
                    raise
                self._settle_commit(int(xid), error)  # returns only if it was committed
                count_commit()
            except BaseException:
                session.rollback()
                raise
            else:
                count_commit()

    def _settle_commit(self, xid: int, error: DBAPIError) -> None:
        """The connection broke during COMMIT: ask the server whether it committed.

        SQLite needs none of this (a commit that fails there was rolled back). PostgreSQL
        keeps the fate of recent transactions: ``txid_status`` says committed, aborted or
        still in progress. Committed: the write succeeded (return). Aborted: nothing was
        written, retrying is safe (NotCommitted, an outage). No answer yet: a retried save
        (``run_until_saved``) goes on asking until the server answers or the person gives up;
        any other caller asks for ``COMMIT_SETTLE_SECONDS``. Then CommitUncertain, never
        retried blindly, whose ``settlement`` goes on asking in the background.
        """
        deadline = time.monotonic() + COMMIT_SETTLE_SECONDS
        patient = in_retried_save()
        next_delay = delays(cap=1.0)
        cause = error.orig or error
        told = False
        while True:
            status = self._commit_status(xid)
            if status == "committed":
                return
            if status in ("aborted", None):
                raise NotCommitted(error.statement, error.params, cause) from error
            if not told:  # the banner, while the server cannot be asked
                tell_outage(error)
                told = True
            if stop_requested() or (not patient and time.monotonic() >= deadline):
                settlement = self._settle_later(xid)
                raise CommitUncertain(
                    error.statement, error.params, cause, settlement=settlement
                ) from error
            time.sleep(next_delay())

    def _commit_status(self, xid: int) -> str | None:
        """``txid_status`` of ``xid``, or "unreachable" while the server cannot be asked."""
        try:
            with self.engine.connect() as connection:
                status = connection.exec_driver_sql(
                    "SELECT txid_status(%(xid)s)", {"xid": xid}
                ).scalar()
        except DBAPIError:
            return "unreachable"
        return None if status is None else str(status)

    def _settle_later(self, xid: int) -> Future[bool]:
        """Go on asking the fate of ``xid`` in the background until the server answers."""
        with self._settling_lock:
            if xid in self._unsettled:
                return self._unsettled[xid]
            settlement: Future[bool] = Future()
            self._unsettled[xid] = settlement

        def settle() -> None:
            while True:
                status = self._commit_status(xid)
                if status not in ("unreachable", "in progress"):
                    break
                time.sleep(SETTLE_POLL_SECONDS)
            with self._settling_lock:
                self._unsettled.pop(xid, None)
            settlement.set_result(status == "committed")

        threading.Thread(target=settle, daemon=True, name=f"settle-{xid}").start()
        return settlement

    def _refuse_while_unsettled(self) -> None:
        """A write waits for no doubtful commit: refused (not retried) until it is settled,
        so that pressing the same key again cannot save the same thing twice."""
        with self._settling_lock:
            pending = list(self._unsettled.items())
        for xid, settlement in pending:
            status = self._commit_status(xid)
            if status in ("unreachable", "in progress"):
                raise CommitUncertain(
                    "COMMIT",
                    None,
                    RuntimeError(f"transaction {xid} unsettled"),
                    settlement=settlement,
                )
            with self._settling_lock:
                self._unsettled.pop(xid, None)
            if not settlement.done():
                settlement.set_result(status == "committed")

    def _begin_write(self) -> tuple[Connection, Session]:
        """Open a write transaction now, trying again while SQLite is locked at BEGIN.

        SQLite hands its write lock out unfairly: with many desks writing back to back, one
        may wait past the busy timeout. Nothing was done yet, so trying again is safe.
        """
        attempt = 1
        while True:
            connection = self.engine.connect().execution_options(**{_WRITE_OPTION: True})
            session = Session(bind=connection, expire_on_commit=False)
            try:
                session.connection()  # BEGIN (IMMEDIATE on SQLite) before any work
                return connection, session
            except OperationalError as error:
                session.close()
                connection.close()
                locked = self.is_sqlite and "locked" in str(error.orig)
                if not locked or attempt >= SQLITE_BEGIN_ATTEMPTS:
                    raise
                attempt += 1

    def refresh_statistics(self, *, full: bool = False) -> None:
        """Give SQLite's planner table statistics (PostgreSQL's autovacuum does it there).

        Without them SQLite may read a visitor's demands through the office index (half the
        table) instead of the visit index: opening a file took 300 ms instead of 40 ms on
        100,000 visitors. ``analysis_limit`` keeps ANALYZE to a quick sample.
        """
        if not self.is_sqlite:
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            has_statistics = connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).first()
            if full or not has_statistics:
                connection.exec_driver_sql("ANALYZE")
            else:
                connection.exec_driver_sql("PRAGMA optimize")
            connection.commit()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
