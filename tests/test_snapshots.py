"""Snapshots of the main screens, in French, with a fixed clock and fixed data.

Update them after a deliberate change of layout with ``pytest tests/test_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Need, Priority, Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.visitors import NewVisitor, create_visitor

from .uikit import add_mediator, build_app, settle, signed_in_account, wait_for

SIZE = (120, 34)
# No background polling during a snapshot: a reload mid-screenshot would make it flaky.
# Actions still refresh the queue at once (they poll when they finish).


@pytest.fixture
def busy_office(sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo) -> Any:
    """A morning: five arrivals over twenty minutes, one called elsewhere, one being seen."""
    add_mediator(sqlite_database, sqlite_office)
    queue = QueueService(sqlite_database, clock, sqlite_office)
    with sqlite_database.write() as session:
        guichet_2 = ensure_desk(session, sqlite_office.id, "Guichet 2")
        accueil = ensure_desk(session, sqlite_office.id, "Accueil")
    reception = Actor(
        office_id=sqlite_office.id, desk_id=accueil.id, desk_name=accueil.name, role=Role.MANAGER
    )
    other = Actor(
        office_id=sqlite_office.id,
        desk_id=guichet_2.id,
        desk_name=guichet_2.name,
        role=Role.MANAGER,
    )
    named = create_visitor(
        sqlite_database,
        NewVisitor(
            "Hélène", "Dupont-Moreau", "0612345678", birth_year="1958", keep_file_consent=True
        ),
        reception,
        clock.now(),
    )
    arrivals = [
        ArrivalRequest(visitor_id=named.id, motif_id=1),
        ArrivalRequest(motif_id=7),
        ArrivalRequest(motif_id=2, priority=Priority.ELDERLY),
        ArrivalRequest(motif_id=12, needs=(Need.INTERPRETER,), interpreter_language="arabe"),
        ArrivalRequest(motif_id=3),
    ]
    for request in arrivals:
        queue.register_arrival(request, reception)
        clock.advance(minutes=4)
    called = queue.call_next(other)
    assert called is not None
    clock.advance(minutes=3)
    return sqlite_database, clock, sqlite_office


async def _settled(pilot: Any) -> None:
    await settle(pilot, rounds=4)
    await pilot.pause(0.1)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor makes screenshots differ
    # A notice lasts a few seconds of wall time: whether it is still up at the screenshot
    # depends on the machine's load, so none is kept.
    pilot.app.clear_notifications()
    await settle(pilot)


def test_queue_screen(snap_compare: Any, busy_office: Any) -> None:
    """The queue: waiting in order with ticking waits, one called at Guichet 2."""
    app = build_app(*busy_office, poll_seconds=3600)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settled)


def test_arrival_screen(snap_compare: Any, busy_office: Any) -> None:
    """The arrival form with a search under way."""
    app = build_app(*busy_office, poll_seconds=3600)

    async def type_name(pilot: Any) -> None:
        await _settled(pilot)
        await pilot.press("a", *"dup")
        await _settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=type_name)


def test_listening_screen(snap_compare: Any, busy_office: Any) -> None:
    """Listening to the next visitor after one demand was recorded."""
    app = build_app(*busy_office, poll_seconds=3600)

    async def listen(pilot: Any) -> None:
        await _settled(pilot)
        await pilot.press("n")
        await _settled(pilot)
        await pilot.press("s")
        await _settled(pilot)
        await pilot.press("d")
        await _settled(pilot)
        await pilot.press(
            "enter", "down", "enter", "tab", "tab", "tab", "tab", *"Échéancier", "ctrl+s"
        )
        await _settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=listen)


def test_orientation_chooser(snap_compare: Any, busy_office: Any) -> None:
    """The five orientations of a demand."""
    app = build_app(*busy_office, poll_seconds=3600)

    async def orient(pilot: Any) -> None:
        await _settled(pilot)
        await pilot.press("n")
        await _settled(pilot)
        await pilot.press("s")
        await _settled(pilot)
        await pilot.press("d")
        await _settled(pilot)
        await pilot.press("enter", "down", "enter", "ctrl+s")
        await _settled(pilot)
        await pilot.press("o")
        await _settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=orient)


def test_sign_in_screen_in_the_demo(snap_compare: Any, busy_office: Any) -> None:
    """Sign-in with the demo accounts listed, a name filtered and chosen."""
    database, clock, office = busy_office
    for role in Role:
        signed_in_account(database, office, role)
    app = build_app(database, clock, office, poll_seconds=3600, role=None, demo=True)

    async def choose(pilot: Any) -> None:
        await wait_for(pilot, lambda: bool(getattr(pilot.app.screen, "accounts", None)))
        await pilot.press(*"mal", "enter")
        await _settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=choose)
