"""The visitor's file: timeline, pinned open items, audit, optimistic locking, a new visit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.queue import QueueService
from pimms_tui.application.visitor_file import VisitorFileService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, Outcome, RelayMode, Role, VisitStatus
from pimms_tui.db.models import AuditEntry, Demand, Motif, Partner, Staff, Visit, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import Conflict, DomainError, NotFound, PermissionDenied
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.domain.orientation import DemandInput, RelayInput
from pimms_tui.domain.validation import FieldError
from pimms_tui.domain.visitor_file import (
    ALREADY_IN_QUEUE,
    FILE_ANONYMISED,
    IdentityChanges,
    StaleFile,
)
from pimms_tui.domain.visitors import NewVisitor, create_visitor

TWO_WEEKS_AGO = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


class Office:
    """A small office for the tests: a mediator at a desk, reference ids, visit builders."""

    def __init__(self, database: Database, office: OfficeInfo, clock: FixedClock) -> None:
        self.database = database
        self.office = office
        self.clock = clock
        self.tickets = 0
        with database.write() as session:
            staff = Staff(office_id=office.id, display_name="Camille", role=Role.MEDIATOR.value)
            session.add(staff)
            session.flush()
            self.staff_id = staff.id
            desk = ensure_desk(session, office.id, "Guichet 1")
            self.motifs = {c: i for c, i in session.execute(select(Motif.code, Motif.id))}
            partners = select(Partner.code, Partner.id).where(Partner.office_id == office.id)
            self.partners = {c: i for c, i in session.execute(partners)}
        self.actor = Actor(
            office_id=office.id,
            desk_id=desk.id,
            staff_id=self.staff_id,
            role=Role.MEDIATOR,
            desk_name=desk.name,
        )
        self.orientation = OrientationService(database, clock, office)
        self.files = VisitorFileService(database, clock, office)

    def visitor(self, first: str = "Hélène", last: str = "Dupont-Moreau") -> int:
        data = NewVisitor(
            first,
            last,
            "06 12 34 56 78",
            birth_year="1961",
            commune="Dijon",
            keep_file_consent=True,
        )
        return create_visitor(self.database, data, self.actor, self.clock.now()).id

    def visit(self, visitor_id: int, status: VisitStatus = VisitStatus.IN_PROGRESS) -> int:
        self.tickets += 1
        now = self.clock.now()
        with self.database.write() as session:
            visit = Visit(
                office_id=self.office.id,
                day=self.office.local_day(now),
                ticket_number=self.tickets,
                ticket_code=f"A-{self.tickets:03d}",
                visitor_id=visitor_id,
                status=status.value,
                desk_id=self.actor.desk_id,
                staff_id=self.staff_id,
                arrived_at=now,
                started_at=now,
            )
            session.add(visit)
            session.flush()
            return visit.id

    def demand(self, visit_id: int, motif: str, partner: str | None, note: str | None) -> int:
        data = DemandInput(
            motif_id=self.motifs[motif],
            partner_id=self.partners[partner] if partner else None,
            register_code="clear_misunderstandings",
            level=HelpLevel.ACCOMPANY,
            note=note,
        )
        return self.orientation.add_demand(visit_id, data, self.actor).id


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> Office:
    return Office(database, office, clock)


@contextmanager
def count_statements(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def history(desk: Office) -> dict[str, int]:
    """Three visits: a relay now overdue, an appointment left without outcome, one today."""
    clock = desk.clock
    clock.current = TWO_WEEKS_AGO
    visitor = desk.visitor()
    first = desk.visit(visitor)
    energy = desk.demand(first, "energy", "edf", "Facture de janvier [contestée]")
    relay = desk.orientation.relay(
        energy,
        RelayInput(desk.partners["edf"], RelayMode.EMAIL, follow_up_on=date(2026, 2, 23)),
        desk.actor,
    )
    desk.orientation.close_visit(first, desk.actor)

    clock.current = TWO_WEEKS_AGO + timedelta(days=7)
    second = desk.visit(visitor)
    taxes = desk.demand(second, "taxes", None, None)
    slot = desk.orientation.appointments.free_slots(
        date(2026, 2, 24), staff_id=desk.staff_id, limit=1
    )[0]
    past = desk.orientation.book_appointment_for_demand(taxes, slot, desk.actor).appointment
    assert past is not None
    desk.orientation.close_visit(second, desk.actor)

    clock.current = TWO_WEEKS_AGO + timedelta(days=14)
    third = desk.visit(visitor)
    post = desk.demand(third, "post", "la_poste", None)
    desk.orientation.set_outcome(post, Outcome.RESOLVED, desk.actor)
    appointments = AppointmentService(desk.database, clock, desk.office)
    upcoming_slot = appointments.free_slots(date(2026, 3, 5), staff_id=desk.staff_id, limit=1)[0]
    upcoming = appointments.book(visitor, upcoming_slot, desk.motifs["family_benefits"], desk.actor)
    return {
        "visitor": visitor,
        "first": first,
        "second": second,
        "third": third,
        "relay": relay.id,
        "past": past.id,
        "upcoming": upcoming.id,
    }


def test_open_builds_the_timeline_and_pins_open_items(desk: Office) -> None:
    ids = history(desk)
    file = desk.files.open(ids["visitor"], desk.actor)

    identity = file.identity
    assert (identity.full_name, identity.birth_year, identity.commune) == (
        "Hélène Dupont-Moreau",
        1961,
        "Dijon",
    )
    assert (identity.phone, identity.phone_display) == ("+33612345678", "06 12 34 56 78")
    assert file.version == identity.version == 1
    assert file.consent is not None
    assert (file.consent.given_at, file.consent.staff_name) == (TWO_WEEKS_AGO, "Camille")
    assert file.merged_from is None and file.older_visits == 0

    assert [v.id for v in file.timeline] == [ids["third"], ids["second"], ids["first"]]
    third, second, first = file.timeline
    assert (third.ticket_code, third.status, third.desk_name, third.staff_name) == (
        "A-003",
        "in_progress",
        "Guichet 1",
        "Camille",
    )
    assert [(d.motif_code, d.outcome) for d in third.demands] == [("post", "resolved")]
    (energy,) = first.demands
    assert (energy.partner_name, energy.level, energy.outcome) == ("EDF", "accompany", "relay")
    assert energy.note == "Facture de janvier [contestée]"
    assert energy.register_code == "clear_misunderstandings"
    assert energy.relay is not None
    assert (energy.relay.id, energy.relay.partner_name, energy.relay.status) == (
        ids["relay"],
        "EDF",
        "open",
    )
    assert energy.relay.follow_up_on == date(2026, 2, 23)
    (taxes,) = second.demands
    assert taxes.appointment is not None
    assert (taxes.appointment.id, taxes.appointment.staff_name, taxes.appointment.status) == (
        ids["past"],
        "Camille",
        "booked",
    )

    pinned = file.pinned
    assert [(r.relay.id, r.overdue, r.visit_day) for r in pinned.relays] == [
        (ids["relay"], True, date(2026, 2, 16))
    ]
    assert pinned.relays[0].motif_label_fr == "Facture ou dette d’énergie"
    assert [a.id for a in pinned.upcoming] == [ids["upcoming"]]
    assert [a.id for a in pinned.to_fill_in] == [ids["past"]]


def test_opening_is_audited_with_staff_and_desk(desk: Office, database: Database) -> None:
    visitor = desk.visitor()
    desk.files.open(visitor, desk.actor)
    with database.read() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == Action.FILE_OPENED)
        ).all()
    assert [(e.entity, e.entity_id, e.staff_id, e.desk_id) for e in entries] == [
        ("visitor", visitor, desk.staff_id, desk.actor.desk_id)
    ]
    assert entries[0].at == desk.clock.now()


def test_reading_a_file_costs_the_same_for_1_or_100_visits(
    desk: Office, database: Database
) -> None:
    def visitor_with(visits: int) -> int:
        visitor = desk.visitor(f"Personne{visits}", "Test")
        with database.write() as session:
            for number in range(visits):
                desk.tickets += 1
                arrived = TWO_WEEKS_AGO - timedelta(days=number)
                visit = Visit(
                    office_id=desk.office.id,
                    day=arrived.date(),
                    ticket_number=desk.tickets,
                    ticket_code=f"A-{desk.tickets:03d}",
                    visitor_id=visitor,
                    status=VisitStatus.DONE.value,
                    arrived_at=arrived,
                )
                session.add(visit)
                session.flush()
                for position in (1, 2):
                    session.add(
                        Demand(
                            office_id=desk.office.id,
                            visit_id=visit.id,
                            position=position,
                            motif_id=desk.motifs["energy"],
                            partner_id=desk.partners["edf"],
                            register_code="clear_misunderstandings",
                            outcome=Outcome.RESOLVED.value,
                            created_at=arrived,
                        )
                    )
        return visitor

    few, many = visitor_with(1), visitor_with(100)
    with count_statements(database) as for_few:
        desk.files.open(few, desk.actor)
    with count_statements(database) as for_many:
        file = desk.files.open(many, desk.actor)
    assert len(file.timeline) == 100
    assert sum(len(v.demands) for v in file.timeline) == 200
    assert len(for_many) == len(for_few) <= 12


def test_merged_file_opens_the_survivor_and_anonymised_is_refused(
    desk: Office, database: Database, clock: FixedClock
) -> None:
    survivor = desk.visitor()
    merged = desk.visitor("Helene", "Dupont")
    erased = desk.visitor("Jean", "Martin")
    with database.write() as session:
        row = session.get(Visitor, merged)
        assert row is not None
        row.merged_into_id = survivor
        gone = session.get(Visitor, erased)
        assert gone is not None
        gone.anonymised_at = clock.now()
    file = desk.files.open(merged, desk.actor)
    assert (file.visitor_id, file.merged_from) == (survivor, merged)
    assert file.identity.last_name == "Dupont-Moreau"
    with pytest.raises(DomainError) as anonymised:
        desk.files.open(erased, desk.actor)
    assert anonymised.value.message == FILE_ANONYMISED
    with pytest.raises(NotFound):
        desk.files.open(999_999, desk.actor)


def test_reception_cannot_read_files(desk: Office) -> None:
    visitor = desk.visitor()
    reception = Actor(office_id=desk.office.id, desk_id=None, role=Role.RECEPTION)
    with pytest.raises(PermissionDenied):
        desk.files.open(visitor, reception)


def test_two_edits_from_the_same_version_the_second_is_stale(
    desk: Office, database: Database
) -> None:
    visitor = desk.visitor()
    shown = desk.files.open(visitor, desk.actor)

    first = desk.files.update_identity(
        visitor,
        shown.version,
        IdentityChanges(phone="07 98 76 54 32", last_name="Moreau"),
        desk.actor,
    )
    assert first.version == shown.version + 1
    assert (first.identity.phone, first.identity.last_name) == ("+33798765432", "Moreau")

    with pytest.raises(StaleFile) as stale:
        desk.files.update_identity(
            visitor, shown.version, IdentityChanges(first_name="Hélèna"), desk.actor
        )
    current = stale.value.current
    assert (current.phone, current.last_name, current.first_name) == (
        "+33798765432",
        "Moreau",
        "Hélène",
    )
    assert current.version == first.version
    assert isinstance(stale.value, Conflict)

    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None
        assert (row.first_name, row.last_name, row.phone) == ("Hélène", "Moreau", "+33798765432")
        assert (row.search_key, row.phone_digits, row.version) == (
            "helene moreau",
            "0798765432",
            2,
        )
        edits = session.scalars(
            select(AuditEntry).where(AuditEntry.action == Action.FILE_EDITED)
        ).all()
    assert [(e.entity_id, e.staff_id, e.detail["fields"]) for e in edits] == [
        (visitor, desk.staff_id, ["last_name", "phone"])
    ]

    again = desk.files.update_identity(
        visitor, current.version, IdentityChanges(first_name="Hélèna"), desk.actor
    )
    assert (again.identity.first_name, again.identity.last_name, again.version) == (
        "Hélèna",
        "Moreau",
        3,
    )


def test_identity_fields_are_checked_one_by_one(desk: Office, database: Database) -> None:
    visitor = desk.visitor()
    bad = {
        "first_name": IdentityChanges(first_name="   "),
        "last_name": IdentityChanges(last_name="x" * 121),
        "phone": IdentityChanges(phone="06 12"),
        "email": IdentityChanges(email="helene@"),
        "birth_year": IdentityChanges(birth_year="1850"),
        "language": IdentityChanges(language="x" * 36),
        "needs": IdentityChanges(needs=("telepathy",)),
    }
    for field, changes in bad.items():
        with pytest.raises(FieldError) as error:
            desk.files.update_identity(visitor, 1, changes, desk.actor)
        assert error.value.field == field
    cleared = desk.files.update_identity(
        visitor,
        1,
        IdentityChanges(
            phone="", email=" h.dupont@Example.FR ", language="arabe", needs=("hearing",)
        ),
        desk.actor,
    )
    assert (cleared.identity.phone, cleared.identity.email) == (None, "h.dupont@example.fr")
    assert (cleared.identity.language, cleared.identity.needs) == ("arabe", ("hearing",))
    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None
        assert (row.phone_digits, row.version) == (None, 2)


def test_start_visit_puts_the_visitor_in_the_queue(
    desk: Office, database: Database, clock: FixedClock
) -> None:
    visitor = desk.visitor()
    ticket = desk.files.start_visit(visitor, desk.motifs["family_benefits"], desk.actor)
    assert ticket.ticket_code == "A-001"
    queue = QueueService(database, clock, desk.office).today()
    assert [(e.visitor_id, e.ticket_code, e.status, e.motif_code) for e in queue] == [
        (visitor, "A-001", "waiting", "family_benefits")
    ]
    with pytest.raises(Conflict) as twice:
        desk.files.start_visit(visitor, desk.motifs["family_benefits"], desk.actor)
    assert twice.value.message == ALREADY_IN_QUEUE
    assert twice.value.params == {"ticket": "A-001"}

    with database.write() as session:
        row = session.get(Visitor, visitor)
        assert row is not None
        row.anonymised_at = clock.now()
    with pytest.raises(DomainError):
        desk.files.start_visit(visitor, None, desk.actor)


def test_renamed_file_is_found_by_its_new_name(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """An identity edit reindexes the search: the new name finds the file, the old one not."""
    from pimms_tui.application.visitor_file import VisitorFileService
    from pimms_tui.application.visitors import VisitorService
    from pimms_tui.domain.visitor_file import IdentityChanges
    from pimms_tui.domain.visitors import NewVisitor, create_visitor

    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    created = create_visitor(
        database, NewVisitor("Awa", "Diallo", keep_file_consent=True), actor, clock.now()
    )
    files = VisitorFileService(database, clock, office)
    opened = files.open(created.id, actor)
    files.update_identity(created.id, opened.version, IdentityChanges(last_name="Traoré"), actor)
    search = VisitorService(database, office.id)
    assert [m.id for m in search.search("traore")] == [created.id]
    assert search.search("diallo") == []
