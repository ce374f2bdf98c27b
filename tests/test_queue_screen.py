"""The queue screen by keystrokes: live updates, refusals between desks, public mode, help."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Desk, Visit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.screens.help import HelpScreen
from pimms_tui.screens.queue import QueueScreen

from .uikit import build_app, screen_text, settle, table_text

SIZE = (120, 40)


def other_desk(database: Database, office: OfficeInfo, name: str = "Guichet 2") -> Actor:
    """Another desk of the same office, acting through the domain as its terminal would."""
    with database.write() as session:
        desk = ensure_desk(session, office.id, name)
    return Actor(office_id=office.id, desk_id=desk.id, desk_name=desk.name, role=Role.MANAGER)


async def test_arrival_at_another_desk_appears_without_a_key(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A ticket registered elsewhere shows up on this desk's queue by itself."""
    app = build_app(sqlite_database, clock, sqlite_office)
    queue = QueueService(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_text(pilot, "#queue") == []
        queue.register_arrival(ArrivalRequest(), other_desk(sqlite_database, sqlite_office))
        for _ in range(60):
            await pilot.pause(0.05)
            if table_text(pilot, "#queue"):
                break
        assert table_text(pilot, "#queue")[0][0] == "A-001"


async def test_calling_a_visitor_taken_by_another_desk_says_so(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Two desks, one visitor: the loser reads where the visitor went; nothing is overwritten."""
    app = build_app(sqlite_database, clock, sqlite_office)
    queue = QueueService(sqlite_database, clock, sqlite_office)
    guichet_2 = other_desk(sqlite_database, sqlite_office)
    queue.register_arrival(ArrivalRequest(), guichet_2)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        queue.call_next(guichet_2)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        screen._polling = True  # freeze this desk's view, as if the call crossed the other
        await pilot.press("enter")
        await settle(pilot)
        screen._polling = False
        messages = [n.message for n in app._notifications]
        assert any("déjà été appelé" in m and "Guichet 2" in m for m in messages), messages
        await settle(pilot)
        await pilot.pause(0.2)
        assert table_text(pilot, "#queue")[0][5] == "appelé"
    with sqlite_database.read() as session:
        visit = session.scalars(select(Visit)).one()
        desk = session.get(Desk, visit.desk_id)
    assert desk is not None and desk.name == "Guichet 2"


async def test_public_screen_hides_names_and_is_remembered(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """p shows initials only; the desk keeps the setting across restarts."""
    actor = Actor(office_id=sqlite_office.id, desk_id=None, role=Role.MANAGER)
    visitor = create_visitor(
        sqlite_database, NewVisitor("Zoé", "Lefèvre", keep_file_consent=True), actor, clock.now()
    )
    QueueService(sqlite_database, clock, sqlite_office).register_arrival(
        ArrivalRequest(visitor_id=visitor.id), actor
    )
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][1] == "Zoé Lefèvre"
        await pilot.press("p")
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][1] == "Z. L."
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][1] == "Z. L."


async def test_help_lists_every_key_of_the_screen(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """F1 opens a help generated from the bindings; Esc closes it."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {action for _key, action in table_text(pilot, "#help-keys")}
        assert {"Arrivée", "Appeler le suivant", "Transférer", "Quitter"} <= rows
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_visitor_text_is_never_markup(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A name full of markup and control codes is shown literally and runs nothing."""
    actor = Actor(office_id=sqlite_office.id, desk_id=None, role=Role.MANAGER)
    hostile = "[b]Bob[/b] [@click=app.quit]x[/] \x1b[31mred"
    visitor = create_visitor(
        sqlite_database,
        NewVisitor(hostile, "[link=http://x]y", keep_file_consent=True),
        actor,
        clock.now(),
    )
    QueueService(sqlite_database, clock, sqlite_office).register_arrival(
        ArrivalRequest(visitor_id=visitor.id), actor
    )
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        name = table_text(pilot, "#queue")[0][1]
        assert "[b]Bob[/b]" in name and "[@click=app.quit]" in name
        assert "\x1b" not in name
        await pilot.click("#queue")
        await settle(pilot)
        assert app.is_running
        assert "PIMMS" in screen_text(pilot)


def test_readme_lists_the_keys_of_the_bindings() -> None:
    """The README's key table is the one generated from the bindings (keep it current)."""
    from pathlib import Path

    from pimms_tui.app import keys_markdown

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert keys_markdown() in readme, "regenerate it with pimms_tui.app.keys_markdown()"


async def test_lost_database_shows_a_banner_and_recovers(
    sqlite_database: Database,
    clock: FixedClock,
    sqlite_office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the database cannot be reached the queue stays, under a banner; then it clears."""
    app = build_app(sqlite_database, clock, sqlite_office)
    queue = QueueService(sqlite_database, clock, sqlite_office)
    queue.register_arrival(ArrivalRequest(), other_desk(sqlite_database, sqlite_office))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][0] == "A-001"

        def unreachable(self: QueueService) -> int:
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))

        monkeypatch.setattr(QueueService, "revision", unreachable)
        for _ in range(40):
            await pilot.pause(0.05)
            if app.screen.has_class("-database-down"):
                break
        assert app.screen.has_class("-database-down")
        assert app.screen.query_one("#database-banner").display
        assert table_text(pilot, "#queue")[0][0] == "A-001"  # the last queue stays visible
        monkeypatch.undo()
        for _ in range(120):
            await pilot.pause(0.05)
            if not app.screen.has_class("-database-down"):
                break
        assert not app.screen.has_class("-database-down")
        assert app.is_running
