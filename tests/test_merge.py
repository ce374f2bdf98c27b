"""Two files of one person: spotting them before a new file is opened, and merging them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from textual.widgets import Input, OptionList

from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Appointment, AuditEntry, Consent, Staff, Visit, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import DomainError, NotFound, PermissionDenied
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.domain.visitors.merge import (
    MERGE_ANONYMISED_FILE,
    MERGE_INTO_ITSELF,
    MERGE_MERGED_FILE,
)
from pimms_tui.screens.arrival import ArrivalScreen
from pimms_tui.screens.visitor_form import NewVisitorForm

from .uikit import build_app, screen_text, settle


class Files:
    """An office's files, a mediator to merge them, and their history."""

    def __init__(self, database: Database, office: OfficeInfo, clock: FixedClock) -> None:
        self.database = database
        self.office = office
        self.clock = clock
        with database.write() as session:
            staff = Staff(office_id=office.id, display_name="Camille", role=Role.MEDIATOR.value)
            session.add(staff)
            session.flush()
            self.staff_id = staff.id
        self.mediator = Actor(office.id, None, staff_id=self.staff_id, role=Role.MEDIATOR)
        self.service = VisitorService(database, office.id)
        self.tickets = 0

    def add(
        self,
        first: str,
        last: str | None = None,
        phone: str | None = None,
        year: str | None = None,
    ) -> int:
        """A file opened with consent, a minute after the previous one."""
        data = NewVisitor(first, last, phone, birth_year=year, keep_file_consent=True)
        visitor_id = create_visitor(self.database, data, self.mediator, self.clock.now()).id
        self.clock.advance(minutes=1)
        return visitor_id

    def visit(self, visitor_id: int, day: date) -> int:
        """A past visit of the visitor."""
        self.tickets += 1
        with self.database.write() as session:
            visit = Visit(
                office_id=self.office.id,
                day=day,
                ticket_number=self.tickets,
                ticket_code=f"A-{self.tickets:03d}",
                visitor_id=visitor_id,
                status="done",
                arrived_at=self.clock.now() - timedelta(days=30),
            )
            session.add(visit)
            session.flush()
            return visit.id

    def appointment(self, visitor_id: int) -> int:
        """An appointment booked for the visitor next week."""
        with self.database.write() as session:
            appointment = Appointment(
                office_id=self.office.id,
                visitor_id=visitor_id,
                staff_id=self.staff_id,
                starts_at=self.clock.now() + timedelta(days=7),
                created_at=self.clock.now(),
            )
            session.add(appointment)
            session.flush()
            return appointment.id

    def row(self, visitor_id: int) -> Visitor:
        """The visitor as stored."""
        with self.database.read() as session:
            visitor = session.get(Visitor, visitor_id)
            assert visitor is not None
            return visitor

    def merge(self, survivor: int, duplicate: int, actor: Actor | None = None) -> None:
        """Merge as the mediator (or ``actor``)."""
        self.service.merge(survivor, duplicate, actor or self.mediator, self.clock.now())


@pytest.fixture
def files(database: Database, office: OfficeInfo, clock: FixedClock) -> Files:
    """The office's files."""
    return Files(database, office, clock)


# --- Merging -----------------------------------------------------------------------------------


def test_merge_moves_the_history_and_leaves_a_pointer(files: Files, database: Database) -> None:
    """Visits, consents and appointments move; the duplicate points at the survivor."""
    survivor = files.add("Hélène", "Dupont", phone="06 12 34 56 78")
    duplicate = files.add("Helene", "Dupont", year="1985")
    kept_visit = files.visit(survivor, date(2026, 1, 5))
    moved_visits = [files.visit(duplicate, date(2026, 2, d)) for d in (2, 9)]
    appointment = files.appointment(duplicate)
    files.merge(survivor, duplicate)

    with database.read() as session:
        visits = session.execute(select(Visit.id, Visit.visitor_id)).all()
        consents = session.scalars(select(Consent.visitor_id)).all()
        booked = session.get(Appointment, appointment)
    assert dict(visits) == {kept_visit: survivor, **dict.fromkeys(moved_visits, survivor)}
    assert consents == [survivor, survivor]
    assert booked is not None and booked.visitor_id == survivor
    merged = files.row(duplicate)
    assert merged.merged_into_id == survivor
    # Nothing else of the duplicate is touched: its identity stays as it was.
    assert (merged.first_name, merged.birth_year, merged.anonymised_at) == ("Helene", 1985, None)
    assert files.row(survivor).last_activity_at == merged.last_activity_at
    assert [m.id for m in files.service.search("dupont")] == [survivor]
    (match,) = files.service.search("helene")
    assert match.last_visit_on == date(2026, 2, 9)


def test_merge_is_audited(files: Files, database: Database) -> None:
    """The journal says who merged which file into which."""
    survivor = files.add("Hélène", "Dupont")
    duplicate = files.add("Hélène", "Dupont")
    files.visit(duplicate, date(2026, 2, 2))
    files.merge(survivor, duplicate)
    with database.read() as session:
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == Action.MERGE))
    assert (entry.entity, entry.entity_id, entry.staff_id) == ("visitor", survivor, files.staff_id)
    assert entry.detail["survivor_id"] == survivor
    assert entry.detail["duplicate_id"] == duplicate
    assert entry.detail["moved"] == {"visit": 1, "consent": 1, "appointment": 0}


def test_files_merged_into_the_duplicate_follow_it(files: Files) -> None:
    """A file merged earlier into the duplicate now points at the survivor: no chains."""
    survivor = files.add("Hélène", "Dupont")
    duplicate = files.add("Hélène", "Dupont")
    older = files.add("Hélène", "Dupont")
    files.merge(duplicate, older)
    files.merge(survivor, duplicate)
    assert files.row(older).merged_into_id == survivor
    assert files.row(duplicate).merged_into_id == survivor


def test_merge_refusals(
    files: Files, database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Not into itself, not with a merged or anonymised file, not across offices, not by
    reception, not with a file that does not exist; a refusal changes nothing."""
    survivor = files.add("Hélène", "Dupont")
    duplicate = files.add("Hélène", "Dupont")
    merged = files.add("Hélène", "Dupont")
    gone = files.add("Hélène", "Dupont")
    files.merge(survivor, merged)
    with database.write() as session:
        session.execute(
            update(Visitor)
            .where(Visitor.id == gone)
            .values(anonymised_at=clock.now(), version=Visitor.version + 1)
        )
        other = create_office(session, name="PIMMS Ailleurs", code="AILLEURS", now=clock.now())
    stranger = create_visitor(
        database,
        NewVisitor("Hélène", "Dupont", keep_file_consent=True),
        Actor(other.id, None, role=Role.MANAGER),
        clock.now(),
    ).id
    files.visit(duplicate, date(2026, 2, 2))

    def refused(error: type[DomainError], survivor_id: int, duplicate_id: int) -> DomainError:
        with pytest.raises(error) as raised:
            files.merge(survivor_id, duplicate_id)
        return raised.value

    assert refused(DomainError, duplicate, duplicate).message == MERGE_INTO_ITSELF
    assert refused(DomainError, merged, duplicate).message == MERGE_MERGED_FILE
    assert refused(DomainError, survivor, merged).message == MERGE_MERGED_FILE
    assert refused(DomainError, survivor, gone).message == MERGE_ANONYMISED_FILE
    assert refused(DomainError, gone, duplicate).message == MERGE_ANONYMISED_FILE
    refused(PermissionDenied, survivor, stranger)
    refused(PermissionDenied, stranger, duplicate)
    refused(NotFound, survivor, 999_999)
    reception = Actor(office.id, None, role=Role.RECEPTION)
    with pytest.raises(PermissionDenied):
        files.merge(survivor, duplicate, actor=reception)
    with pytest.raises(PermissionDenied):
        files.merge(survivor, duplicate, actor=Actor(other.id, None, role=Role.MANAGER))

    assert files.row(duplicate).merged_into_id is None
    with database.read() as session:
        assert session.scalar(select(Visit.visitor_id)) == duplicate
        merges = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == Action.MERGE)
        )
    assert merges == 1  # the one merge that was allowed


# --- Likely duplicates -------------------------------------------------------------------------


def test_same_name_and_same_phone_or_birth_year(files: Files) -> None:
    """The same name with the same phone, or the same birth year, is likely the same person."""
    by_phone = files.add("Hélène", "Dupont", phone="06 12 34 56 78")
    by_year = files.add("Hélène", "Dupont", year="1985")
    files.add("Hélène", "Dupont", phone="07 81 22 33 44", year="1970")
    files.add("Marc", "Dupont", phone="06 12 34 56 78", year="1985")
    found = files.service.likely_duplicates("Helene", "DUPONT", "+33 6 12 34 56 78", None)
    assert [m.id for m in found] == [by_phone]
    found = files.service.likely_duplicates("Hélène", "Dupont", None, 1985)
    assert [m.id for m in found] == [by_year]
    found = files.service.likely_duplicates("Hélène", "Dupont", "0612345678", "1985")
    assert {m.id for m in found} == {by_phone, by_year}


def test_names_compare_as_the_search_folds_them(files: Files) -> None:
    """Any order, accents and case aside, compounds joined up (N'Diaye is Ndiaye)."""
    awa = files.add("Awa", "N'Diaye", year="1990")
    jean = files.add("Jean-Pierre", "de La Fontaine", year="1960")
    assert [m.id for m in files.service.likely_duplicates("Ndiaye", "awa", None, 1990)] == [awa]
    found = files.service.likely_duplicates("Jean Pierre", "Delafontaine", None, "1960")
    assert [m.id for m in found] == [jean]


def test_not_likely_duplicates(files: Files, database: Database, clock: FixedClock) -> None:
    """A name alone, a part of a name, another office, or a merged file is no duplicate."""
    diallo = files.add("Awa", "Diallo", phone="06 12 34 56 78", year="1990")
    assert files.service.likely_duplicates("Awa", "Diallo", None, None) == []
    assert files.service.likely_duplicates("Awa", None, "0612345678", None) == []
    assert files.service.likely_duplicates("Awa", "Diallo Sow", "0612345678", None) == []
    assert files.service.likely_duplicates("Awa", "Diallo", "0781223344", 1991) == []
    with database.write() as session:
        other = create_office(session, name="PIMMS Ailleurs", code="AILLEURS", now=clock.now())
    assert (
        VisitorService(database, other.id).likely_duplicates("Awa", "Diallo", "0612345678", None)
        == []
    )
    survivor = files.add("Awa", "Diallo")
    files.merge(survivor, diallo)
    assert files.service.likely_duplicates("Awa", "Diallo", "0612345678", 1990) == []


# --- At the desk -------------------------------------------------------------------------------

SIZE = (120, 50)


async def test_new_file_form_offers_the_existing_file(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Saving a new file that is likely a duplicate lists the existing one; Enter uses it."""
    existing = create_visitor(
        sqlite_database,
        NewVisitor("Hélène", "Dupont", "06 12 34 56 78", birth_year="1985", keep_file_consent=True),
        Actor(sqlite_office.id, None, role=Role.MANAGER),
        clock.now(),
    ).id
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Helene Dupont", "f4")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewVisitorForm)
        assert form.query_one("#last-name", Input).value == "Dupont"
        form.query_one("#phone", Input).value = "0612345678"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewVisitorForm)
        assert "Cette personne a peut-être déjà un dossier" in screen_text(pilot)
        options = form.query_one("#duplicate-list", OptionList)
        assert options.option_count == 1
        assert "Hélène Dupont" in str(options.get_option_at_index(0).prompt)
        assert "1985" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ArrivalScreen)
        assert screen.visitor is not None and screen.visitor.id == existing
    with sqlite_database.read() as session:
        assert session.scalar(select(func.count()).select_from(Visitor)) == 1


async def test_new_file_anyway(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Ctrl+S again, with the consent, opens a new file despite the likely duplicate."""
    create_visitor(
        sqlite_database,
        NewVisitor("Hélène", "Dupont", "06 12 34 56 78", keep_file_consent=True),
        Actor(sqlite_office.id, None, role=Role.MANAGER),
        clock.now(),
    )
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "f4")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewVisitorForm)
        for field, value in (("first-name", "Hélène"), ("last-name", "Dupont")):
            form.query_one(f"#{field}", Input).value = value
        form.query_one("#phone", Input).value = "06 12 34 56 78"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.query_one("#duplicates").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "consentement" in screen_text(pilot)  # the consent is still asked for
        form.query_one("#consent").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
    with sqlite_database.read() as session:
        assert session.scalar(select(func.count()).select_from(Visitor)) == 2
