"""Accueil by keystrokes: known visitors, new files with consent, validation, Esc."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Consent, Visit, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.screens.arrival import ArrivalScreen, TicketScreen
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.visitor_form import NewVisitorForm

from .uikit import build_app, screen_text, settle, table_text, wait_for

SIZE = (120, 40)


def known_visitor(database: Database, office: OfficeInfo, clock: FixedClock) -> int:
    """Hélène Dupont-Moreau, with a file kept by consent."""
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    data = NewVisitor("Hélène", "Dupont-Moreau", "06 12 34 56 78", keep_file_consent=True)
    return create_visitor(database, data, actor, clock.now()).id


async def test_known_visitor_in_fragment_plus_four_keys(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """a, "dup", ↓, Enter, 1: the visit is linked to the visitor and the queue names her."""
    visitor_id = known_visitor(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"dup")
        await settle(pilot)
        assert "Hélène Dupont-Moreau" in str(
            app.screen.query_one("#matches").get_option_at_index(0).prompt
        )
        await pilot.press("down", "enter", "1")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][1] == "Hélène Dupont-Moreau"
    with sqlite_database.read() as session:
        visit = session.scalars(select(Visit)).one()
    assert visit.visitor_id == visitor_id


async def test_search_by_phone_digits(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Typing phone digits finds the visitor too, whatever the format."""
    known_visitor(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.press(*"06 12 34")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ArrivalScreen)
        assert [m.last_name for m in screen.matches] == ["Dupont-Moreau"]


async def test_new_visitor_needs_valid_phone_and_consent(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A bad phone and a missing consent are refused next to the form; nothing is lost."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Amadou Diallo", "f4")
        await settle(pilot)
        assert isinstance(app.screen, NewVisitorForm)
        assert app.screen.query_one("#last-name", Input).value == "Diallo"
        await pilot.press("tab", "tab", *"06 12", "ctrl+s")
        await settle(pilot)
        assert "numéro de téléphone" in screen_text(pilot)
        assert app.focused is app.screen.query_one("#phone", Input)
        await pilot.press(*" 34 56 78", "ctrl+s")
        await settle(pilot)
        assert "consentement" in screen_text(pilot)
        assert app.screen.query_one("#first-name", Input).value == "Amadou"
        app.screen.query_one("#consent").value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    with sqlite_database.read() as session:
        visitor = session.scalars(select(Visitor)).one()
        consent = session.scalars(select(Consent)).one()
        visit = session.scalars(select(Visit)).one()
    assert (visitor.first_name, visitor.last_name, visitor.phone) == (
        "Amadou",
        "Diallo",
        "+33612345678",
    )
    assert consent.scope == "keep_file" and consent.visitor_id == visitor.id
    assert visit.visitor_id == visitor.id


async def test_escape_keeps_a_started_arrival_until_confirmed(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Esc once warns and keeps the text; Esc twice returns to the queue without a visit."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Mar", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
        assert app.screen.query_one("#who", Input).value == "Mar"
        assert "Échap" in screen_text(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with sqlite_database.read() as session:
        assert session.scalars(select(Visit)).all() == []


async def test_priority_and_anonymous_profile_by_keys(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """F3 reaches priority, needs and the anonymous profile; they are stored with the visit."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "f3", "enter", "down", "enter")  # priority: the first one
        await pilot.press("tab", "space")  # interpreter
        await pilot.press("tab", "tab", "tab", "tab", *"arabe")  # the interpreter's language
        await pilot.press("tab", "enter", "down", "enter")  # age band: the first one
        await pilot.press("tab", "tab", *"Dijon")  # gender left as not given; commune
        await pilot.press("tab", "2")  # the motif list, reason 2
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    with sqlite_database.read() as session:
        visit = session.scalars(select(Visit)).one()
    assert (visit.priority, visit.needs, visit.interpreter_language) == (
        "elderly",
        ["interpreter"],
        "arabe",
    )
    assert (visit.age_band, visit.gender, visit.commune) == ("under_26", "not_given", "Dijon")
    assert visit.first_motif_id == 2 and visit.visitor_id is None


async def test_first_run_asks_for_the_office_name(
    sqlite_database: Database, clock: FixedClock
) -> None:
    """On an empty database the desk asks the office's name and its manager, then the queue."""
    from pimms_tui.app import make_app
    from pimms_tui.application import Container, DeskSession
    from pimms_tui.db.models import Office
    from pimms_tui.screens.setup import OfficeSetupScreen
    from pimms_tui.settings import Settings

    container = Container(settings=Settings(desk="Accueil"), database=sqlite_database, clock=clock)
    app = make_app(container, DeskSession())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OfficeSetupScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert "nom" in screen_text(pilot).lower()
        await pilot.press(*"PIMMS Dijon Centre", "enter", *"Nadia R.", "enter")
        await pilot.press(*"4821 9035 7714", "enter", *"4821 9035 7714", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert "PIMMS Dijon Centre — Accueil" in screen_text(pilot)
    with sqlite_database.read() as session:
        office = session.scalars(select(Office)).one()
    assert (office.name, office.code) == ("PIMMS Dijon Centre", "PIMMS-DIJON-CENTRE")
