"""Ticket codes, and drawing the next number of a series in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pimms_tui.db.models import TicketCounter


def ticket_code(series: str, number: int) -> str:
    """The code shown and announced: ``A-042``; more digits past 999."""
    return f"{series}-{number:03d}"


def draw_ticket_number(session: Session, office_id: int, day: date, series: str) -> int:
    """The next number of a series for the office and day, in the caller's transaction.

    One statement: the counter row is created at 1, or incremented in place if it exists
    (a concurrent creation is not an error). The row lock held until commit serialises
    concurrent arrivals, so numbers are neither duplicated nor skipped.
    """
    key = {"office_id": office_id, "day": day, "series": series, "last_number": 1}
    connection = session.connection()
    statement = _DRAW_TICKET[connection.dialect.name == "postgresql"]
    return int(connection.execute(statement, key).scalar_one())


def _draw_ticket(insert: Callable[..., Any]) -> Any:
    return (
        insert(TicketCounter)
        .on_conflict_do_update(
            index_elements=[TicketCounter.office_id, TicketCounter.day, TicketCounter.series],
            set_={"last_number": TicketCounter.last_number + 1},
        )
        .returning(TicketCounter.last_number)
    )


# Indexed by "is PostgreSQL": both dialects have the same upsert.
_DRAW_TICKET = (_draw_ticket(sqlite.insert), _draw_ticket(postgresql.insert))
