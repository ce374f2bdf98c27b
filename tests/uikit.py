"""Helpers for driving the real application with the Pilot."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from pimms_tui.app import PimmsApp, make_app
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Staff
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.services import Services
from pimms_tui.settings import Settings


def build_app(
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    desk: str = "Guichet 1",
    language: str = "fr",
    poll_seconds: float = 0.05,
) -> PimmsApp:
    """The real application over a test database, as the desk ``desk``."""
    from pimms_tui import i18n

    i18n.activate(language)
    with database.write() as session:
        desk_info = ensure_desk(session, office.id, desk)
    services = Services(
        settings=Settings(queue_poll_seconds=poll_seconds, desk=desk, language=language),
        database=database,
        clock=clock,
        office=office,
        desk=desk_info,
    )
    return make_app(services)


def add_mediator(database: Database, office: OfficeInfo, name: str = "Karim B.") -> int:
    """A mediator who can receive appointments."""
    with database.write() as session:
        staff = Staff(office_id=office.id, display_name=name, role=Role.MEDIATOR)
        session.add(staff)
        session.flush()
        return staff.id


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and messages be handled."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def table_text(pilot: Pilot[Any], selector: str) -> list[list[str]]:
    """The plain text of a DataTable's cells, row by row."""
    table = pilot.app.screen.query_one(selector, DataTable)
    return [
        [str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)
    ]


def screen_text(pilot: Pilot[Any]) -> str:
    """The text of every Static and Label shown on the current screen."""
    parts = []
    for widget in pilot.app.screen.query(Static):
        if widget.display:
            rendered = widget.render()
            parts.append(str(getattr(rendered, "plain", rendered)))
    return "\n".join(parts)
