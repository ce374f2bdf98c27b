"""One clock for an office on a shared server: the database's on PostgreSQL.

Desks of a PostgreSQL office run on several machines whose clocks drift; what must agree
between them (a lock-out, the time of a journal entry) reads the server's clock. SQLite's
desks share one machine: its clock, as the application injects it, is the database's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, func, select
from sqlalchemy.orm import Session


def database_now(session: Session, local: datetime) -> datetime:
    """The server's current instant on PostgreSQL (``clock_timestamp()``), else ``local``."""
    if session.get_bind().dialect.name != "postgresql":
        return local
    server = session.scalar(select(func.clock_timestamp(type_=DateTime(timezone=True))))
    assert isinstance(server, datetime)
    return (server if server.tzinfo else server.replace(tzinfo=UTC)).astimezone(UTC)
