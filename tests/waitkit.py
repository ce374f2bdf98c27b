"""What the tests of waiting need: a lock held by another program, a network that goes silent,
and the time it takes the desk to say something."""

from __future__ import annotations

import select
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from textual.notifications import Notify
from textual.pilot import Pilot

from pimms_tui.db.engine import Database
from pimms_tui.domain.offices import OfficeInfo

from .netproxy import Proxy


class OfficeLock:
    """Another program holds the office's write lock until ``release``.

    SQLite: a plain sqlite3 connection in ``BEGIN IMMEDIATE`` (the file's write lock).
    PostgreSQL: a transaction that updated the office row (what every queue write takes first).
    """

    def __init__(self, database: Database, office: OfficeInfo) -> None:
        self.sqlite: sqlite3.Connection | None = None
        self.connection: Connection | None = None
        if database.is_sqlite:
            path = make_url(database.engine.url).database
            assert path
            self.sqlite = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.sqlite.execute("BEGIN IMMEDIATE")
            self.sqlite.execute("UPDATE office SET queue_revision = queue_revision")
        else:
            self.connection = database.engine.connect()
            self.connection.execute(
                text("UPDATE office SET queue_revision = queue_revision WHERE id = :id"),
                {"id": office.id},
            )

    def release(self) -> None:
        """Let go (commit: nothing changed)."""
        if self.sqlite is not None:
            self.sqlite.execute("COMMIT")
            self.sqlite.close()
            self.sqlite = None
        if self.connection is not None:
            self.connection.commit()
            self.connection.close()
            self.connection = None


class FreezingProxy(Proxy):
    """A proxy whose network can go silent: ``freeze`` holds every byte (no error, no
    refusal, as when packets are dropped), ``thaw`` lets them through again."""

    def __init__(self, host: str, port: int) -> None:
        self.frozen = False
        super().__init__(host, port)

    def _pump(self, client: Any, server: Any) -> None:
        try:
            while not self.closing:
                if self.frozen:
                    time.sleep(0.02)
                    continue
                ready, _, _ = select.select([client, server], [], [], 0.05)
                for side in ready:
                    data = side.recv(65536)
                    if not data:
                        return
                    (server if side is client else client).sendall(data)
        except OSError:
            return
        finally:
            self._close(client, server)


def postgres_through(proxy: Proxy, url: str) -> str:
    """``url`` reached through ``proxy``."""
    return (
        make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )


async def seconds_until(pilot: Pilot[Any], condition: Callable[[], bool], limit: float) -> float:
    """How long (from now) until ``condition`` holds; fails past ``limit`` seconds."""
    started = time.monotonic()
    while not condition():
        elapsed = time.monotonic() - started
        assert elapsed < limit, f"not within {limit} s"
        await pilot.pause(0.02)
    return time.monotonic() - started


def notices(seen: list[Any]) -> list[str]:
    """The notices the desk showed, from the messages a ``message_hook`` collected."""
    return [str(m.notification.message) for m in seen if isinstance(m, Notify)]
