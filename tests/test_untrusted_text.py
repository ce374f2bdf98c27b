"""Untrusted text: hostile names and notes typed (or pasted) at the desk stay data everywhere.

Each hostile input goes in through the arrival form (pasted into the first-name field, the
way a terminal delivers it) and a demand note; then the app must still run, the database
hold the text as typed (after the documented normalisation: a paste keeps its first line,
controls become spaces, bidi and other hidden characters are dropped, runs of whitespace
become one space, fields are cut to their length), and
the queue, the file, the search and the exports show it literally, within the screen width.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.rights import RightsService
from pimms_tui.application.slips import SlipService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, Role
from pimms_tui.db.models import Demand, Motif, Visit, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import DomainError
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation import DemandInput
from pimms_tui.domain.validation import FieldError
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.screens.arrival import ArrivalScreen
from pimms_tui.screens.literal import clean
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.search import SearchScreen
from pimms_tui.screens.visitor_file import VisitorFileScreen
from pimms_tui.screens.visitor_form import NewVisitorForm
from pimms_tui.text import multiline as printable
from pimms_tui.text import one_line, typed

from .uikit import add_mediator, build_app, screen_text, settle, table_text

SIZE = (120, 40)
NAME_FIELD_LENGTH = 120

HOSTILE: dict[str, str] = {
    "bold markup": "[b]Gras[/b]",
    "click action": "[@click=app.quit]Quitter[/]",
    "link": "[link=https://example.org]lien[/link]",
    "ansi colour": "\x1b[31mRouge\x1b[0m",
    "c0 and c1 controls": "A\x07B\x08C\x7fD\x9bE\x00F\x1b]0;titre\x07G",
    "very long": "Jean-" * 1000,
    "longest name": "Marie-" * 20,
    "right to left": "مريم בן־דוד",
    "bidi override": "abc\u202edcba\u202c fin",
    "combining": "Z̷̢̛a̵͎l̸g̶o̴ e\u0301",
    "emoji and zwj": "👩\u200d👩\u200d👧\u200d👦 Famille 🇫🇷 👍🏽",
}


def pasted(value: str, max_length: int) -> str:
    """What a field holds after a paste: the first line, its controls made spaces and its
    bidi and other hidden characters dropped; nothing when it is too long."""
    lines = value.splitlines()
    line = typed(lines[0] if lines else "")
    return line if len(line) <= max_length else ""


def stored(value: str) -> str:
    """What the domain keeps of a name: hidden characters gone, whitespace runs one space."""
    return one_line(value)


def hidden_characters(text: str) -> list[str]:
    """Characters that would act on a terminal or reorder text instead of showing."""
    return [
        c
        for c in text
        if unicodedata.category(c) in ("Cc", "Zl", "Zp")
        or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d")
    ]


def assert_screen_intact(pilot: Pilot[Any]) -> None:
    """Every rendered line is exactly the screen's width and holds no control character."""
    width, height = pilot.app.size
    update = pilot.app.screen._compositor.render_full_update()
    assert len(update.strips) == height
    for line in update.strips:
        strips = list(line)
        assert sum(strip.cell_length for strip in strips) == width
        text = "".join(segment.text for strip in strips for segment in strip)
        assert hidden_characters(text) == []


async def paste(pilot: Pilot[Any], selector: str, value: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.post_message(events.Paste(value))
    await settle(pilot)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_hostile_name_through_the_arrival_form(
    sqlite_database: Database,
    clock: FixedClock,
    sqlite_office: OfficeInfo,
    tmp_path: Path,
    value: str,
) -> None:
    app = build_app(sqlite_database, clock, sqlite_office)
    typed = pasted(value, NAME_FIELD_LENGTH)
    expected = stored(typed) or "Long"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "f4")
        await settle(pilot)
        assert isinstance(app.screen, NewVisitorForm)
        await paste(pilot, "#first-name", value)
        assert app.screen.query_one("#first-name", Input).value == typed
        if not typed:  # the paste was longer than the field: refused whole, type a name
            await pilot.press(*"Long")
        await pilot.press("tab", *"Testeur")
        app.screen.query_one("#consent").value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen), screen_text(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, QueueScreen)

        with sqlite_database.read() as session:
            visitor = session.scalars(select(Visitor)).one()
            assert visitor.first_name == expected and visitor.last_name == "Testeur"
            assert session.scalars(select(Visit.visitor_id)).all() == [visitor.id]
        shown = clean(expected + " Testeur", 40)

        # The queue: the name cell, literally; the screen keeps its shape.
        (row,) = table_text(pilot, "#queue")
        assert row[1] == shown
        assert_screen_intact(pilot)

        # The file: header with the name as typed (cut at the header's length).
        app.push_screen(VisitorFileScreen(visitor.id))
        await settle(pilot)
        assert clean(expected + " Testeur", 60).rstrip("…") in screen_text(pilot)
        assert_screen_intact(pilot)
        await pilot.press("escape")
        await settle(pilot)

        # The search, by the last name.
        app.push_screen(SearchScreen())
        await settle(pilot)
        await pilot.press(*"Testeur")
        await settle(pilot)
        results = str(app.screen.query_one("#search-results").get_option_at_index(0).prompt)
        assert clean(expected, 30)[:20] in results
        assert hidden_characters(results) == []
        assert_screen_intact(pilot)
        assert app.is_running

    # The export carries the text exactly (JSON) and visibly (text file).
    actor = Actor(office_id=sqlite_office.id, desk_id=None, role=Role.MANAGER)
    files = RightsService(sqlite_database, clock, sqlite_office).export(visitor.id, actor, tmp_path)
    data = json.loads(files.machine.read_text(encoding="utf-8"))
    assert data["identity"]["first_name"] == expected
    readable = files.readable.read_text(encoding="utf-8")
    assert hidden_characters(readable.replace("\n", "")) == []
    if not hidden_characters(expected):
        assert expected in readable


def open_visit(
    database: Database, office: OfficeInfo, clock: FixedClock, visitor: int | None
) -> tuple[int, int]:
    """A visit in progress; (a motif id, the visit id)."""
    with database.write() as session:
        motif = session.scalars(select(Motif.id)).first()
        assert motif is not None
        visit = Visit(
            office_id=office.id,
            day=office.local_day(clock.now()),
            ticket_number=1,
            ticket_code="A-001",
            visitor_id=visitor,
            status="in_progress",
            arrived_at=clock.now(),
        )
        session.add(visit)
        session.flush()
        return motif, visit.id


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_text_is_stored_as_typed_on_both_engines(
    database: Database, office: OfficeInfo, clock: FixedClock, value: str, tmp_path: Path
) -> None:
    """Names up to 120 characters and notes up to 500 keep every character but the hidden
    ones (controls, bidi), which no caller can store."""
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    name = value[:NAME_FIELD_LENGTH]
    visitor = create_visitor(
        database, NewVisitor(name, keep_file_consent=True), actor, clock.now()
    ).id
    motif, visit_id = open_visit(database, office, clock, visitor)
    note = value[:500]
    demand = OrientationService(database, clock, office).add_demand(
        visit_id,
        DemandInput(
            motif_id=motif,
            partner_id=None,
            register_code="clear_misunderstandings",
            level=HelpLevel.INFORM,
            note=note,
        ),
        actor,
    )
    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None and row.first_name == stored(name)
        saved = session.get(Demand, demand.id)
        assert saved is not None and saved.note == printable(note).strip()

    # The appointment card names the visitor by first name: printed as text, never acted on.
    mediator = add_mediator(database, office)
    appointments = AppointmentService(database, clock, office)
    slot = appointments.free_slots(date(2026, 3, 3), staff_id=mediator, limit=1)[0]
    booked = appointments.book(visitor, slot, motif, actor)
    slips = SlipService(database, clock, office)
    card = slips.appointment_card_text(booked.id)
    assert printable(stored(name)) in card
    assert hidden_characters(card.replace("\n", "")) == []
    assert slips.appointment_card(booked.id, tmp_path).read_bytes().startswith(b"%PDF")


def test_too_long_texts_are_refused_not_cut(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    with pytest.raises((FieldError, DomainError)):
        create_visitor(
            database, NewVisitor(HOSTILE["very long"], keep_file_consent=True), actor, clock.now()
        )
    with database.read() as session:
        assert session.scalars(select(Visitor)).all() == []
    motif, visit_id = open_visit(database, office, clock, None)
    with pytest.raises(FieldError):
        OrientationService(database, clock, office).add_demand(
            visit_id,
            DemandInput(
                motif_id=motif,
                partner_id=None,
                register_code="clear_misunderstandings",
                level=HelpLevel.INFORM,
                note=HOSTILE["very long"],
            ),
            actor,
        )
