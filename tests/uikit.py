"""Helpers for driving the real application with the Pilot."""

from __future__ import annotations

import html
import re
from contextlib import suppress
from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from textual.worker import WorkerCancelled

from pimms_tui.app import PimmsApp, make_app
from pimms_tui.application import Container, DeskSession
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Staff
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.domain.staff import StaffAccount, hash_pin
from pimms_tui.settings import Settings


def build_app(
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    desk: str = "Guichet 1",
    language: str = "fr",
    poll_seconds: float = 0.05,
    role: Role | None = Role.MANAGER,
    idle_lock_minutes: float = 0,
    demo: bool = False,
) -> PimmsApp:
    """The real application over a test database, as the desk ``desk``.

    Someone of ``role`` is already signed in (None: the app starts on the sign-in screen).
    The idle lock is off unless asked for: tests move the clock by hours.
    """
    from pimms_tui import i18n

    i18n.activate(language)
    with database.write() as session:
        desk_info = ensure_desk(session, office.id, desk)
    container = Container(
        settings=Settings(
            queue_poll_seconds=poll_seconds,
            desk=desk,
            language=language,
            idle_lock_minutes=idle_lock_minutes,
            demo=demo,
        ),
        database=database,
        clock=clock,
    )
    session = DeskSession(office=office, desk=desk_info)
    if role is not None:
        session.staff = signed_in_account(database, office, role)
    return make_app(container, session)


TEST_STAFF_NAMES = {
    Role.MANAGER: "Claire Responsable",
    Role.MEDIATOR: "Malik Médiateur",
    Role.RECEPTION: "Rose Accueil",
}
TEST_PIN = "4821"


def signed_in_account(database: Database, office: OfficeInfo, role: Role) -> StaffAccount:
    """The test account of ``role`` (created once per office, PIN ``TEST_PIN``)."""
    name = TEST_STAFF_NAMES[role]
    with database.write() as session:
        row = session.scalars(
            select(Staff).where(Staff.office_id == office.id, Staff.display_name == name)
        ).one_or_none()
        if row is None:
            row = Staff(
                office_id=office.id,
                display_name=name,
                role=role.value,
                pin_hash=hash_pin(TEST_PIN),
                active=True,
                failed_attempts=0,
            )
            session.add(row)
            session.flush()
        return StaffAccount(
            id=row.id,
            office_id=office.id,
            display_name=name,
            role=role,
            active=True,
            has_pin=True,
            locked_until=None,
        )


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
        # A read replaced by a newer one is cancelled: normal; the newer one is awaited next.
        with suppress(WorkerCancelled):
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


async def wait_for(pilot: Pilot[Any], condition: Any, rounds: int = 80) -> None:
    """Let workers and timers run until ``condition()`` holds (or fail)."""
    for _ in range(rounds):
        await settle(pilot, 1)
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the condition never held; the screen shows:\n" + screen_text(pilot))


def shown(app: Any) -> str:
    """What the terminal really displays (every layer composited), as plain text."""
    svg = app.export_screenshot()
    body = svg[svg.index("<g class=") :] if "<g class=" in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")
