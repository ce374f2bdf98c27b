"""A newcomer's findings at the arrival and the sign-in, driven by keystrokes.

One person waits once in today's queue; a search fragment opens no file without the
duplicate check, and an abandoned arrival leaves no file; only the demo's own accounts
show a demo PIN.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual.widgets import Checkbox, OptionList

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role, VisitStatus
from pimms_tui.db.models import Consent, Demand, Staff, Visit, Visitor
from pimms_tui.demo.offices import demo_pin_hash
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import AlreadyInQueue, ArrivalRequest
from pimms_tui.domain.staff import pin_matches
from pimms_tui.screens.arrival import ArrivalScreen, TicketScreen
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.signin import SignInScreen
from pimms_tui.screens.visitor_form import NewVisitorForm

from .followkit import add_visitor
from .uikit import build_app, screen_text, settle, shown, signed_in_account, wait_for

SIZE = (120, 40)


# --- 4. The same person twice in today's queue -------------------------------------------------


def motif_ids(database: Database, office: OfficeInfo, clock: FixedClock) -> list[int]:
    """The motifs in the order the arrival form numbers them."""
    app = build_app(database, clock, office)
    return [m.id for m in app.use_cases.catalogue().motifs]


async def test_a_person_already_waiting_gets_no_second_ticket(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """a, "zoe lef", Enter, 2 for Zoé Lefèvre who waits with A-001: no A-002, the screen
    says she waits with A-001, and F5 adds the reason to that visit."""
    zoe = add_visitor(sqlite_database, sqlite_office, clock, "Zoé", "Lefèvre")
    motifs = motif_ids(sqlite_database, sqlite_office, clock)
    manager = Actor(office_id=sqlite_office.id, desk_id=None, role=Role.MANAGER)
    queue = QueueService(sqlite_database, clock, sqlite_office)
    first = queue.register_arrival(ArrivalRequest(visitor_id=zoe, motif_id=motifs[0]), manager)
    assert first.ticket_code == "A-001"
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"zoe lef")
        await wait_for(pilot, lambda: bool(getattr(app.screen, "matches", None)))
        await pilot.press("enter", "2")
        await wait_for(pilot, lambda: "attend déjà" in screen_text(pilot))
        assert isinstance(app.screen, ArrivalScreen)
        assert "Zoé Lefèvre attend déjà : ticket A-001." in screen_text(pilot)
        assert "F5" in screen_text(pilot)
        with sqlite_database.read() as session:
            assert len(session.scalars(select(Visit)).all()) == 1
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert "A-001" in screen_text(pilot)
    with sqlite_database.read() as session:
        visit = session.scalars(select(Visit)).one()
        demand = session.scalars(select(Demand)).one()
    assert (visit.ticket_code, visit.first_motif_id) == ("A-001", motifs[0])
    assert (demand.visit_id, demand.motif_id, demand.outcome) == (visit.id, motifs[1], None)


def test_one_open_visit_a_day_per_person(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Refused while waiting or being seen; once the visit is closed, a new arrival is fine."""
    zoe = add_visitor(database, office, clock, "Zoé", "Lefèvre")
    manager = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    queue = QueueService(database, clock, office)
    first = queue.register_arrival(ArrivalRequest(visitor_id=zoe), manager)
    with pytest.raises(AlreadyInQueue) as refused:
        queue.register_arrival(ArrivalRequest(visitor_id=zoe), manager)
    assert (refused.value.visit_id, refused.value.ticket) == (first.visit_id, "A-001")
    assert str(refused.value) == "Zoé Lefèvre is already waiting: ticket A-001."
    queue.call(first.visit_id, manager)
    queue.start(first.visit_id, manager)
    with pytest.raises(AlreadyInQueue, match="already being seen"):
        queue.register_arrival(ArrivalRequest(visitor_id=zoe), manager)
    queue.finish(first.visit_id, manager)
    again = queue.register_arrival(ArrivalRequest(visitor_id=zoe), manager)
    assert again.ticket_code == "A-002"
    with database.read() as session:
        statuses = session.scalars(select(Visit.status).order_by(Visit.id)).all()
    assert statuses == [VisitStatus.DONE, VisitStatus.WAITING]


# --- 5. A new file from a search fragment --------------------------------------------------------


async def test_a_search_fragment_meets_the_duplicate_check_and_an_abandoned_arrival_leaves_no_file(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """a, "zoe lefev", F4, consent, Ctrl+S: Zoé Lefèvre is offered as the same person; Ctrl+S
    again opens "zoe lefev" anyway, and leaving the arrival without a ticket asks whether to
    keep it: Esc withdraws it (no name, found no more); y keeps another one."""
    add_visitor(sqlite_database, sqlite_office, clock, "Zoé", "Lefèvre")
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"zoe lefev")
        await wait_for(pilot, lambda: bool(getattr(app.screen, "matches", None)))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, NewVisitorForm))
        app.screen.query_one("#consent", Checkbox).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "déjà un dossier" in screen_text(pilot))
        assert "Zoé Lefèvre" in str(
            app.screen.query_one("#duplicate-list", OptionList).get_option_at_index(0).prompt
        )
        assert visitor_names(sqlite_database) == ["Zoé Lefèvre"]
        await pilot.press("ctrl+s")  # a new file anyway
        await wait_for(pilot, lambda: isinstance(app.screen, ArrivalScreen))
        assert visitor_names(sqlite_database) == ["Zoé Lefèvre", "zoe lefev"]
        await pilot.press("escape", "escape")  # the arrival is abandoned
        await wait_for(pilot, lambda: "Garder le dossier de zoe lefev" in screen_text(pilot))
        await pilot.press("escape")  # not confirmed: withdrawn
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert visitor_names(sqlite_database) == ["Zoé Lefèvre", ""]
        assert [m.first_name for m in app.use_cases.visitors.search("zoe lef")] == ["Zoé"]
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Nour Haddad", "f4")
        await wait_for(pilot, lambda: isinstance(app.screen, NewVisitorForm))
        app.screen.query_one("#consent", Checkbox).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ArrivalScreen))
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: "Garder le dossier de Nour Haddad" in screen_text(pilot))
        await pilot.press("y")  # confirmed: kept
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    assert visitor_names(sqlite_database) == ["Zoé Lefèvre", "", "Nour Haddad"]
    with sqlite_database.read() as session:
        consents = session.scalars(select(Consent).order_by(Consent.id)).all()
        assert session.scalars(select(Visit)).all() == []
    assert [c.withdrawn_at is not None for c in consents] == [True, False]


def visitor_names(database: Database) -> list[str]:
    """Every file's name."""
    with database.read() as session:
        rows = session.execute(
            select(Visitor.first_name, Visitor.last_name).order_by(Visitor.id)
        ).all()
    return [" ".join(p for p in row if p) for row in rows]


# --- 6. The demo PIN on the sign-in screen -----------------------------------------------------


async def test_only_the_demos_own_accounts_show_a_demo_pin(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A person added in the demo with PIN 4444 is listed without "PIN démo" and signs in
    with 4444; the demo's own mediator still shows its PIN."""
    with sqlite_database.write() as session:
        session.add(
            Staff(
                office_id=sqlite_office.id,
                display_name="Inès Démo",
                role=Role.MEDIATOR.value,
                pin_hash=demo_pin_hash(sqlite_office.id, Role.MEDIATOR),
            )
        )
    manager = signed_in_account(sqlite_database, sqlite_office, Role.MANAGER)
    app = build_app(sqlite_database, clock, sqlite_office, role=None, demo=True)
    added_by = app.session
    added_by.staff = manager
    new = app.use_cases.staff_accounts.create("Sam Ajout", Role.MEDIATOR, "4444", added_by.actor)
    added_by.staff = None
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.screen.accounts)
        lines = shown(app).splitlines()
        sam = next(line for line in lines if "Sam Ajout" in line)
        ines = next(line for line in lines if "Inès Démo" in line)
        assert "PIN démo" not in sam and "2222" not in sam
        assert "PIN démo 2222" in ines
        await pilot.press(*"Sam", "enter", *"4444", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.session.staff is not None and app.session.staff.id == new.id
    with sqlite_database.read() as session:
        row = session.scalars(select(Staff).where(Staff.id == new.id)).one()
    assert pin_matches(row.pin_hash or "", "4444") and not pin_matches(row.pin_hash or "", "2222")
