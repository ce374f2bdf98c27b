"""No control character from data reaches the terminal, and none is ever stored.

Three levels, each tested on the whole class (every C0 with DEL, every C1, ESC sequences,
bidi controls): the text policy itself (property tests); every save path of the domain,
whatever the caller, on both engines; and the real app, driven by keys over rows written
straight into the database, where every form and view that shows stored or pasted text must
render segments without one. ``tests/test_terminal_bytes.py`` checks the bytes a real
terminal receives.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from sqlalchemy import select
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Input, TextArea

from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.queue import QueueService
from pimms_tui.application.staff import StaffService
from pimms_tui.application.visitor_file import VisitorFileService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, RelayMode, Role
from pimms_tui.db.models import Demand, Desk, Motif, Office, Partner, Relay, Staff, Visit, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments.rules import clean_place
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk
from pimms_tui.domain.orientation import DemandInput, RelayInput
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.validation import FieldError
from pimms_tui.domain.visitor_file import IdentityChanges
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.screens.fields import SafeInput, SafeTextArea
from pimms_tui.screens.file_forms import IdentityForm
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.output import safe_strip
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.search import SearchScreen
from pimms_tui.screens.visitor_file import VisitorFileScreen
from pimms_tui.screens.visitor_form import NewVisitorForm
from pimms_tui.text import for_terminal, multiline, one_line, typed

from .terminalkit import GROUPS, SEQUENCES, hidden_characters, hostile, store_hostile_rows
from .uikit import TEST_PIN, build_app, settle, shown, signed_in_account, wait_for

SIZE = (140, 45)
SCREENS = Path(__file__).resolve().parent.parent / "screens"
# One of each kind, short enough for every field once cleaned.
EACH_KIND = "\x1b]0;X\x07\x1b[2J\x9b\u202e\x00\x85\u2028\x7f\x1b]52;c;e\x07"

# Text with anything in it: every hidden character is likely, amid ordinary letters.
HIDDEN_POOL = "".join(GROUPS.values()) + "\u2028\u2029\u200b\ufeff\ud800"
any_text = st.text(
    alphabet=st.one_of(st.sampled_from(HIDDEN_POOL), st.characters(codec="utf-8")), max_size=60
) | st.text(alphabet=st.sampled_from(HIDDEN_POOL + "ab é"), max_size=60)


# --- The policy -----------------------------------------------------------------------------


@given(any_text)
def test_no_policy_function_lets_a_hidden_character_through(value: str) -> None:
    assert hidden_characters(typed(value)) == []
    assert hidden_characters(one_line(value)) == []
    assert hidden_characters(for_terminal(value)) == []
    assert hidden_characters(multiline(value).replace("\n", "")) == []
    assert hidden_characters(typed(value, keep_newlines=True).replace("\n", "")) == []


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"])))
def test_printable_text_is_left_exactly_as_typed(value: str) -> None:
    assert typed(value) == value
    assert for_terminal(value) == value


def test_a_field_keeps_the_spaces_typed() -> None:
    """Typing must stay natural: a trailing or double space is not folded while typing."""
    assert typed("Jean ") == "Jean "
    assert typed("a  b\x1b[2Jc") == "a  b [2Jc"
    assert typed("ligne 1\r\nligne 2\x07", keep_newlines=True) == "ligne 1\nligne 2 "


# --- The last line of defence: what a strip writes ------------------------------------------


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_strip_never_writes_data_as_a_terminal_command(group: str) -> None:
    """Segment text is cleaned; the strip keeps its width and Textual's own style codes."""
    red = Style(color="red", bold=True)
    linked = Style(link="http://e.vil/\x1b]0;PWNED\x07")
    strip = Strip(
        [Segment("Nom ", red), Segment(hostile("Zoé", group), red), Segment("ok", linked)]
    )
    safe = safe_strip(strip)
    assert safe.cell_length == strip.cell_length
    text = "".join(segment.text for segment in safe)
    assert hidden_characters(text) == []
    written = safe.render(Console(color_system="truecolor", force_terminal=True))
    for sequence in SEQUENCES.values():
        assert sequence not in written
    assert "PWNED\x07" not in written and "\x1b]8;" not in written  # the hostile link is gone
    assert "\x1b[1;31m" in written  # the style Textual writes is untouched


def test_a_clean_strip_is_passed_on_as_it_is() -> None:
    strip = Strip([Segment("Zoé Dupont\xa0: 06 12", Style(bold=True))])
    assert safe_strip(strip) is strip


# --- Every field of the app is a safe one ---------------------------------------------------


def test_no_screen_builds_a_raw_input_or_text_area() -> None:
    """Screens build SafeInput and SafeTextArea only (fields.py is where they are made)."""
    raw: list[str] = []
    for path in SCREENS.glob("*.py"):
        if path.name == "fields.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ("Input", "TextArea"):
                    raw.append(f"{path.name}:{node.lineno}")
    assert raw == []


class NoteApp(App[None]):
    """A note field alone: the multi-line field the app's forms can use."""

    def compose(self) -> ComposeResult:
        yield SafeTextArea(hostile("Note\nligne 2", "sequences"), id="note")


@pytest.mark.parametrize("group", list(GROUPS))
async def test_a_text_area_keeps_its_line_breaks_and_nothing_else_hidden(group: str) -> None:
    """Loaded, pasted into and typed into: only the line breaks of the note stay."""
    app = NoteApp()
    async with app.run_test() as pilot:
        area = app.query_one(SafeTextArea)
        assert area.text.startswith("Note\nligne 2")
        area.focus()
        area.post_message(events.Paste(hostile("\ncollé", group)))
        await pilot.pause()
        area.insert(hostile(" inséré", group))
        area.load_text(area.text + hostile("\nchargé", group))
        await pilot.pause()
        assert "collé" in area.text and "inséré" in area.text and "chargé" in area.text
        assert hidden_characters(area.text.replace("\n", "")) == []
        update = app.screen._compositor.render_full_update()
        drawn = "".join(seg.text for line in update.strips for strip in line for seg in strip)
        assert hidden_characters(drawn) == []


# --- The domain: whatever the caller, nothing hidden is stored ------------------------------


def test_every_save_path_drops_hidden_characters(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    """Names, commune, language, notes, relay texts, staff, office and desk names."""
    manager = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    now = clock.now()

    def dirty(word: str) -> str:
        return f"{word}{EACH_KIND}fin"

    visitor = create_visitor(
        database,
        NewVisitor(dirty("Zoé"), dirty("Dupont"), commune=dirty("Dijon"), keep_file_consent=True),
        manager,
        now,
    ).id
    files = VisitorFileService(database, clock, office)
    version = files.open(visitor, manager).identity.version
    files.update_identity(
        visitor,
        version,
        IdentityChanges(last_name=dirty("Durand"), language=dirty("wolof")),
        manager,
    )
    queue = QueueService(database, clock, office)
    with pytest.raises(FieldError) as refused:  # a control character: refused at the field
        queue.register_arrival(ArrivalRequest(visitor_id=visitor, commune=dirty("Beaune")), manager)
    assert refused.value.field == "commune"
    bidi = "\u202epeul\u2066\u200f\u061c"  # bidi and format characters: dropped
    ticket = queue.register_arrival(
        ArrivalRequest(visitor_id=visitor, interpreter_language=bidi, commune=f"Beaune{bidi}"),
        manager,
    )
    with database.write() as session:
        motif = session.scalars(select(Motif.id)).first()
        partner = session.scalars(select(Partner.id).where(Partner.office_id == office.id)).first()
        session.get(Visit, ticket.visit_id).status = "in_progress"  # type: ignore[union-attr]
    assert motif is not None and partner is not None
    orientation = OrientationService(database, clock, office)
    demand = orientation.add_demand(
        ticket.visit_id,
        DemandInput(motif, None, "clear_misunderstandings", HelpLevel.INFORM, dirty("Note")),
        manager,
    )
    orientation.relay(
        demand.id,
        RelayInput(partner, RelayMode.EMAIL.value, contact=dirty("M. Paul"), reason=dirty("Motif")),
        manager,
    )
    StaffService(database, clock, office.id).create(
        dirty("Zoé Médiatrice"), Role.MEDIATOR, "7391", manager
    )
    with database.write() as session:
        other = create_office(session, name=dirty("PIMMS Autre"), code="OTHER", now=now)
        ensure_desk(session, other.id, dirty("Guichet"))

    with database.read() as session:
        texts: list[str | None] = []
        for row in session.scalars(select(Visitor)):
            texts += [row.first_name, row.last_name, row.commune, row.language]
        for visit in session.scalars(select(Visit)):
            texts += [visit.commune, visit.interpreter_language]
        texts += list(session.scalars(select(Demand.note)))
        for relay in session.scalars(select(Relay)):
            texts += [relay.contact, relay.reason]
        texts += list(session.scalars(select(Staff.display_name)))
        texts += list(session.scalars(select(Office.name)))
        texts += list(session.scalars(select(Desk.name)))
    written = [t for t in texts if t]
    assert any("Durand" in t for t in written) and any("Motif" in t for t in written)
    assert any("PIMMS Autre" in t for t in written) and any("Médiatrice" in t for t in written)
    assert [t for t in written if hidden_characters(t)] == []


def test_an_appointment_place_drops_hidden_characters() -> None:
    """The place of an appointment, as every booking checks it."""
    place = clean_place(f"Salle 2{EACH_KIND}")
    assert place is not None and "Salle 2" in place and hidden_characters(place) == []


# --- The app: stored text shown by every form and view --------------------------------------


def assert_nothing_hidden_drawn(pilot: Pilot[Any], where: str) -> None:
    """Every segment the screen would draw now holds no hidden character; every field on
    it is a safe one holding clean text."""
    update = pilot.app.screen._compositor.render_full_update()
    width, _height = pilot.app.size
    for number, line in enumerate(update.strips):
        strips = list(line)
        assert sum(strip.cell_length for strip in strips) == width, (where, number)
        text = "".join(segment.text for strip in strips for segment in strip)
        assert hidden_characters(text) == [], (where, number, text)
    for field in pilot.app.screen.query(Input):
        assert isinstance(field, SafeInput), (where, field.id)
        assert hidden_characters(field.value) == [], (where, field.id, field.value)
    for area in pilot.app.screen.query(TextArea):
        assert isinstance(area, SafeTextArea), (where, area.id)
        assert hidden_characters(area.text.replace("\n", "")) == [], (where, area.id)


@pytest.mark.parametrize("group", list(GROUPS))
async def test_stored_hostile_text_is_never_drawn(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, group: str
) -> None:
    """Queue, listening, search, the file, the identity form (e), the demand form's partner
    list, the staff list and a notification: all drawn clean."""
    rows = store_hostile_rows(sqlite_database, sqlite_office, clock.now(), group)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await wait_for(pilot, lambda: "A-001" in str(app.screen.query_one("#queue").get_row_at(0)))
        assert_nothing_hidden_drawn(pilot, "queue")

        app.push_screen(ListeningScreen(rows.visit_id))
        await settle(pilot)
        assert_nothing_hidden_drawn(pilot, "listening")
        await pilot.press("d")  # the demand form: partners in a select
        await settle(pilot)
        assert_nothing_hidden_drawn(pilot, "demand form")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        app.push_screen(SearchScreen())
        await settle(pilot)
        await pilot.press(*"Dupont")
        await settle(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#search-results").option_count > 0)
        assert_nothing_hidden_drawn(pilot, "search")
        await pilot.press("escape")
        await settle(pilot)

        app.push_screen(VisitorFileScreen(rows.visitor_id))
        await settle(pilot)
        assert_nothing_hidden_drawn(pilot, "visitor file")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, IdentityForm)
        assert "Zoé" in app.screen.query_one("#first-name", Input).value
        assert_nothing_hidden_drawn(pilot, "identity form")
        await pilot.press("escape")
        await settle(pilot)

        assert app.is_running


@pytest.mark.parametrize("group", list(GROUPS))
async def test_a_staff_name_is_drawn_clean_in_the_list_and_the_header(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, group: str
) -> None:
    """The sign-in list, then the header naming who signed in."""
    store_hostile_rows(sqlite_database, sqlite_office, clock.now(), group)
    signed_in_account(sqlite_database, sqlite_office, Role.MANAGER)  # an office with a manager
    app = build_app(sqlite_database, clock, sqlite_office, role=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert_nothing_hidden_drawn(pilot, "sign-in list")
        await pilot.press(*"Zoé", "enter")
        await settle(pilot)
        await pilot.press(*TEST_PIN, "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert "Médiatrice" in app.sub_title
        assert_nothing_hidden_drawn(pilot, "header")


@pytest.mark.parametrize("group", list(GROUPS))
async def test_a_notification_quoting_data_is_drawn_clean(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, group: str
) -> None:
    """A toast, whatever its text and title hold (Textual draws toasts only when asked to
    in a test: ``notifications=True``)."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.screen.notify(hostile("Zoé Dupont", group), title=hostile("Titre", group))
        await settle(pilot)
        await wait_for(pilot, lambda: "Zoé" in shown(app))
        assert_nothing_hidden_drawn(pilot, "notification")


async def paste(pilot: Pilot[Any], selector: str, value: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.post_message(events.Paste(value))
    await settle(pilot, 1)


@pytest.mark.parametrize("group", list(GROUPS))
async def test_a_paste_into_the_new_visitor_form_is_cleaned_before_it_shows(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, group: str
) -> None:
    """Every field of the form, pasted into: nothing hidden is drawn, held, or saved."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "f4")
        await settle(pilot)
        assert isinstance(app.screen, NewVisitorForm)
        for selector in ("#first-name", "#last-name", "#commune"):
            await paste(pilot, selector, hostile("Zoé", group))
            assert app.screen.query_one(selector, Input).value.startswith("Zoé")
        for selector in ("#phone", "#email"):
            await paste(pilot, selector, hostile("06", group))
        assert_nothing_hidden_drawn(pilot, "new-visitor form")
        for selector in ("#phone", "#email"):
            app.screen.query_one(selector, Input).value = ""
        app.screen.query_one("#consent").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, NewVisitorForm)
    with sqlite_database.read() as session:
        visitor = session.scalars(select(Visitor)).one()
        for value in (visitor.first_name, visitor.last_name, visitor.commune):
            assert value is not None and value.startswith("Zoé")
            assert hidden_characters(value) == []
