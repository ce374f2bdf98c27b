"""The visitor file by keystrokes: search, open, edit with a conflict, a visit, a follow-up."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from textual.widgets import Input, OptionList, Static

from pimms_tui.application.visitor_file import VisitorFileService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, Outcome, RelayMode, Role, VisitStatus
from pimms_tui.db.models import AuditEntry, Demand, Motif, Partner, Relay, Visit, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.visitor_file import IdentityChanges
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.screens.file_forms import IdentityForm
from pimms_tui.screens.search import SearchScreen
from pimms_tui.screens.visitor_file import VisitorFileScreen

from .uikit import build_app, screen_text, settle, table_text

SIZE = (130, 45)


def visitor_with_history(database: Database, office: OfficeInfo, clock: FixedClock) -> int:
    """Hélène, seen once a week ago about an energy bill relayed to EDF (follow-up due)."""
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    data = NewVisitor(
        "Hélène", "Dupont-Moreau", "06 12 34 56 78", birth_year="1961", keep_file_consent=True
    )
    visitor = create_visitor(database, data, actor, clock.now()).id
    with database.write() as session:
        energy = session.execute(select(Motif.id).where(Motif.code == "energy")).scalar_one()
        edf = session.execute(
            select(Partner.id).where(Partner.office_id == office.id, Partner.code == "edf")
        ).scalar_one()
        visit = Visit(
            office_id=office.id,
            day=date(2026, 2, 23),
            ticket_number=7,
            ticket_code="A-007",
            visitor_id=visitor,
            status=VisitStatus.DONE.value,
            arrived_at=clock.now().replace(day=23, month=2),
        )
        session.add(visit)
        session.flush()
        demand = Demand(
            office_id=office.id,
            visit_id=visit.id,
            motif_id=energy,
            partner_id=edf,
            register_code="clear_misunderstandings",
            level=HelpLevel.ACCOMPANY.value,
            outcome=Outcome.RELAY.value,
            note="Facture [red]contestée[/red]",
            created_at=visit.arrived_at,
        )
        session.add(demand)
        session.flush()
        session.add(
            Relay(
                office_id=office.id,
                demand_id=demand.id,
                partner_id=edf,
                mode=RelayMode.EMAIL.value,
                sent_at=visit.arrived_at,
                follow_up_on=date(2026, 3, 1),
            )
        )
    return visitor


async def test_search_by_name_fragment_then_enter_opens_the_file(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """ "dup", ↓, Enter: the file opens with its history, the note shown literally; audited."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(SearchScreen())
        await settle(pilot)
        await pilot.press(*"dup")
        await settle(pilot)
        results = app.screen.query_one("#search-results", OptionList)
        shown = str(results.get_option_at_index(0).prompt)
        assert "Hélène Dupont-Moreau" in shown and "1961" in shown
        assert "06" not in shown  # name, birth year, commune, last visit: nothing more
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, VisitorFileScreen)
        text = screen_text(pilot)
        assert "Hélène Dupont-Moreau" in text and "06 12 34 56 78" in text
        assert "consentement" in text
        assert "A-007" in text
        assert "Facture [red]contestée[/red]" in text  # data, never markup
        assert "EDF" in text
        rows = table_text(pilot, "#open-items")
        assert rows[0][0] == "Relais" and "EDF" in rows[0][2]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
    with sqlite_database.read() as session:
        opened = session.scalars(
            select(AuditEntry).where(AuditEntry.action == Action.FILE_OPENED)
        ).all()
    assert [(e.entity_id, e.desk_id) for e in opened] == [(visitor, app.session.actor.desk_id)]


async def test_edit_conflict_keeps_what_was_typed_then_saves_again(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Another desk saves meanwhile: both versions are shown, the typing is kept, save again."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IdentityForm)
        assert form.query_one("#phone", Input).value == "06 12 34 56 78"
        await pilot.press("tab", "tab", "tab", "tab", "tab", *"Chenôve")  # the commune

        other_desk = Actor(office_id=sqlite_office.id, desk_id=None, role=Role.MEDIATOR)
        service = VisitorFileService(sqlite_database, clock, sqlite_office)
        service.update_identity(
            visitor, 1, IdentityChanges(phone="07 98 76 54 32", email="h@example.fr"), other_desk
        )

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Un autre poste a modifié cette fiche" in screen_text(pilot)
        comparison = str(form.query_one("#other-version", Static).render())
        assert "07 98 76 54 32" in comparison and "Chenôve" in comparison
        assert form.query_one("#commune", Input).value == "Chenôve"  # kept
        assert form.query_one("#phone", Input).value == "07 98 76 54 32"  # untouched: theirs

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VisitorFileScreen)
        assert "Chenôve" in screen_text(pilot)
    with sqlite_database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None
        assert (row.commune, row.phone, row.email, row.version) == (
            "Chenôve",
            "+33798765432",
            "h@example.fr",
            3,
        )


async def test_a_refused_field_is_shown_and_focused(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A wrong e-mail is refused next to the form, the cursor goes to it, nothing is lost."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("e", "tab", "tab", "tab", *"helene@", "ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IdentityForm)
        assert "adresse e-mail" in screen_text(pilot)
        assert app.focused is form.query_one("#email", Input)
        assert form.query_one("#email", Input).value == "helene@"


async def test_start_a_visit_from_the_file(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """v, then a motif digit: the visitor waits in the queue with a ticket."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, VisitorFileScreen)
        assert "A-001" in screen_text(pilot)  # the new visit heads the history
        assert any("A-001" in str(n.message) for n in app._notifications)
    with sqlite_database.read() as session:
        visit = session.scalars(select(Visit).where(Visit.ticket_code == "A-001")).one()
    assert (visit.visitor_id, visit.status, visit.first_motif_id) == (visitor, "waiting", 1)


async def test_follow_up_of_an_open_relay(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """f on the pinned relay, 1: confirmed; it leaves the open items."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, VisitorFileScreen)
        assert "Rien en cours." in screen_text(pilot)
    with sqlite_database.read() as session:
        relay = session.scalars(select(Relay)).one()
    assert relay.status == "confirmed"
