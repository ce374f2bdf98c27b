"""Listening and orientation: demands, outcomes, relays with consent, closing a visit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.application.orientation import OrientationService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import (
    ConsentScope,
    HelpLevel,
    Outcome,
    RelayMode,
    RelayStatus,
    Role,
    VisitStatus,
)
from pimms_tui.db.models import (
    Consent,
    Demand,
    Motif,
    Partner,
    Relay,
    Staff,
    Visit,
    VisitEvent,
    Visitor,
)
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments import Slot
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import Conflict, DomainError, NotFound
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation import (
    ANONYMOUS_SHARING,
    CLOSE_MANY_MISSING,
    CLOSE_NO_DEMAND,
    CLOSE_ONE_MISSING,
    SHARE_CONSENT_TEXT_HASH,
    SHARED_WITHOUT_CONSENT,
    DemandInput,
    RelayInput,
)
from pimms_tui.domain.sensitive import NIR_MESSAGE, SensitiveDataError
from pimms_tui.domain.validation import FieldError


def valid_nir() -> str:
    """A made-up NIR with a valid key, grouped as people write it."""
    body = "1840275123456"
    key = 97 - int(body) % 97
    return f"1 84 02 75 123 456 {key:02d}"


class Desk:
    """A tiny arrival desk for the tests: visitors, visits being seen, reference ids."""

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
            self.motifs = {c: i for c, i in session.execute(select(Motif.code, Motif.id))}
            partners = select(Partner.code, Partner.id).where(Partner.office_id == office.id)
            self.partners = {c: i for c, i in session.execute(partners)}
        self.actor = Actor(
            office_id=office.id, desk_id=None, staff_id=self.staff_id, role=Role.MEDIATOR
        )

    def visitor(self, first: str = "Hélène", last: str = "Dupont") -> int:
        with self.database.write() as session:
            visitor = Visitor(
                office_id=self.office.id,
                first_name=first,
                last_name=last,
                created_at=self.clock.now(),
                last_activity_at=self.clock.now(),
            )
            session.add(visitor)
            session.flush()
            return visitor.id

    def visit(
        self,
        visitor_id: int | None = None,
        status: VisitStatus = VisitStatus.IN_PROGRESS,
        at: datetime | None = None,
    ) -> int:
        self.tickets += 1
        arrived = at or self.clock.now()
        with self.database.write() as session:
            visit = Visit(
                office_id=self.office.id,
                day=self.office.local_day(arrived),
                ticket_number=self.tickets,
                ticket_code=f"A-{self.tickets:03d}",
                visitor_id=visitor_id,
                status=status.value,
                needs=["interpreter"],
                interpreter_language="ar",
                arrived_at=arrived,
                started_at=arrived if status == VisitStatus.IN_PROGRESS else None,
            )
            session.add(visit)
            session.flush()
            return visit.id

    def demand(
        self, motif: str = "energy", partner: str | None = "edf", note: str | None = None
    ) -> DemandInput:
        return DemandInput(
            motif_id=self.motifs[motif],
            partner_id=self.partners[partner] if partner else None,
            register_code="clear_misunderstandings",
            level=HelpLevel.ACCOMPANY,
            note=note,
        )


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> Desk:
    return Desk(database, office, clock)


@pytest.fixture
def service(database: Database, clock: FixedClock, office: OfficeInfo) -> OrientationService:
    return OrientationService(database, clock, office)


@contextmanager
def count_queries(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def test_add_update_and_remove_demands(desk: Desk, service: OrientationService) -> None:
    visit = desk.visit(desk.visitor())
    first = service.add_demand(
        visit, desk.demand(note="  Facture de janvier contestée  "), desk.actor
    )
    assert (first.position, first.motif_code, first.partner_name) == (1, "energy", "EDF")
    assert first.motif_label_fr == "Facture ou dette d’énergie"
    assert first.register_label_en.startswith("Clear up misunderstandings")
    assert (first.level, first.outcome, first.relay, first.appointment) == (
        "accompany",
        None,
        None,
        None,
    )
    assert first.note == "Facture de janvier contestée"
    second = service.add_demand(visit, desk.demand("taxes", None, note="   "), desk.actor)
    third = service.add_demand(visit, desk.demand("post", "la_poste"), desk.actor)
    assert (second.position, second.note, second.partner_id) == (2, None, None)

    updated = service.update_demand(second.id, desk.demand("taxes", "dgfip", "Avis"), desk.actor)
    assert (updated.partner_name, updated.note) == (
        "Finances publiques (centre des impôts)",
        "Avis",
    )

    service.remove_demand(second.id, desk.actor)
    demands = service.listening(visit, desk.actor).demands
    assert [(d.id, d.position) for d in demands] == [(first.id, 1), (third.id, 2)]

    service.set_outcome(first.id, Outcome.RESOLVED, desk.actor)
    with pytest.raises(Conflict):
        service.remove_demand(first.id, desk.actor)
    with pytest.raises(NotFound):
        service.remove_demand(second.id, desk.actor)


def test_demand_fields_are_checked(desk: Desk, service: OrientationService) -> None:
    visit = desk.visit()
    with pytest.raises(FieldError) as long_note:
        service.add_demand(visit, desk.demand(note="x" * 501), desk.actor)
    assert long_note.value.field == "note"
    assert service.add_demand(visit, desk.demand(note="x" * 500), desk.actor).note == "x" * 500
    with pytest.raises(SensitiveDataError) as nir:
        service.add_demand(visit, desk.demand(note=f"NIR {valid_nir()}"), desk.actor)
    assert [f.message for f in nir.value.findings] == [NIR_MESSAGE]
    base = desk.demand()
    bad_inputs = {
        "motif_id": DemandInput(999_999, None, "clear_misunderstandings", HelpLevel.INFORM),
        "partner_id": DemandInput(base.motif_id, 999_999, "clear_misunderstandings", "inform"),
        "register_code": DemandInput(base.motif_id, None, "nope", HelpLevel.INFORM),
        "level": DemandInput(base.motif_id, None, "clear_misunderstandings", "everything"),
    }
    for field, data in bad_inputs.items():
        with pytest.raises(FieldError) as error:
            service.add_demand(visit, data, desk.actor)
        assert error.value.field == field
    assert len(service.listening(visit, desk.actor).demands) == 1

    waiting = desk.visit(status=VisitStatus.WAITING)
    with pytest.raises(Conflict):
        service.add_demand(waiting, desk.demand(), desk.actor)
    with pytest.raises(NotFound):
        service.add_demand(999_999, desk.demand(), desk.actor)


def test_outcomes_and_closing(
    desk: Desk, service: OrientationService, database: Database, clock: FixedClock
) -> None:
    visit = desk.visit()
    with pytest.raises(DomainError) as empty:
        service.close_visit(visit, desk.actor)
    assert empty.value.message == CLOSE_NO_DEMAND

    demands = [service.add_demand(visit, desk.demand(), desk.actor) for _ in range(3)]
    service.set_outcome(demands[0].id, Outcome.RESOLVED, desk.actor)
    with pytest.raises(DomainError) as missing:
        service.close_visit(visit, desk.actor)
    assert missing.value.message == CLOSE_MANY_MISSING
    assert missing.value.params["positions"] == "2, 3"
    assert str(missing.value) == "Demands 2, 3 have no orientation yet."

    service.set_outcome(demands[2].id, Outcome.COME_BACK, desk.actor)
    with pytest.raises(DomainError) as one:
        service.close_visit(visit, desk.actor)
    assert one.value.message == CLOSE_ONE_MISSING
    assert str(one.value) == "Demand 2 has no orientation yet."
    assert service.listening(visit, desk.actor).missing_outcomes == (2,)

    with pytest.raises(FieldError):
        service.set_outcome(demands[1].id, Outcome.RELAY, desk.actor)  # needs relay()
    service.set_outcome(demands[1].id, Outcome.FINISH_ALONE, desk.actor)
    clock.advance(minutes=20)
    service.close_visit(visit, desk.actor)

    with database.read() as session:
        closed = session.get(Visit, visit)
        assert closed is not None
        assert closed.status == VisitStatus.DONE
        assert closed.finished_at == clock.now()
        events = session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit)).all()
        assert [(e.from_status, e.to_status) for e in events] == [("in_progress", "done")]
    with pytest.raises(Conflict):  # a closed visit's demands no longer change
        service.set_outcome(demands[0].id, Outcome.COME_BACK, desk.actor)
    with pytest.raises(DomainError):
        service.close_visit(visit, desk.actor)


def test_relay_with_consent_records_consent_and_follow_up(
    desk: Desk, service: OrientationService, database: Database
) -> None:
    visitor = desk.visitor()
    visit = desk.visit(visitor)
    demand = service.add_demand(visit, desk.demand(), desk.actor)
    relay = service.relay(
        demand.id,
        RelayInput(
            partner_id=desk.partners["edf"],
            mode=RelayMode.PHONE_TOGETHER,
            contact="01 23 45 67 89",
            reason="  Échéancier à mettre en place ",
            shared_details="Numéro de client 123, montant dû 240 €",
            share_consent=True,
        ),
        desk.actor,
    )
    assert relay.follow_up_on == date(2026, 3, 16)  # today + 14 days
    assert (relay.partner_name, relay.status, relay.contact) == ("EDF", "open", "+33123456789")
    assert relay.reason == "Échéancier à mettre en place"
    with database.read() as session:
        consent = session.get(Consent, relay.share_consent_id)
        assert consent is not None
        assert (consent.visitor_id, consent.scope, consent.staff_id) == (
            visitor,
            ConsentScope.SHARE_WITH_PARTNER,
            desk.staff_id,
        )
        assert consent.text_version_hash == SHARE_CONSENT_TEXT_HASH
        assert len(consent.text_version_hash) == 64
        assert consent.given_at == desk.clock.now()
        row = session.get(Relay, relay.id)
        assert row is not None and row.shared_details == "Numéro de client 123, montant dû 240 €"
        stored = session.get(Demand, demand.id)
        assert stored is not None and stored.outcome == Outcome.RELAY

    shown = service.listening(visit, desk.actor).demands[0]
    assert shown.outcome == "relay"
    assert shown.relay is not None
    assert (shown.relay.id, shown.relay.partner_name, shown.relay.details_shared) == (
        relay.id,
        "EDF",
        True,
    )
    with pytest.raises(Conflict):  # one relay per demand
        service.relay(demand.id, RelayInput(desk.partners["edf"], RelayMode.EMAIL), desk.actor)
    with pytest.raises(Conflict):
        service.set_outcome(demand.id, Outcome.RESOLVED, desk.actor)


def test_relay_without_consent_shares_nothing(
    desk: Desk, service: OrientationService, database: Database
) -> None:
    visit = desk.visit(desk.visitor())
    demand = service.add_demand(visit, desk.demand(), desk.actor)
    caf = desk.partners["caf"]
    with pytest.raises(DomainError) as refused:
        service.relay(
            demand.id, RelayInput(caf, RelayMode.EMAIL, shared_details="Dossier"), desk.actor
        )
    assert refused.value.message == SHARED_WITHOUT_CONSENT
    with pytest.raises(SensitiveDataError):
        service.relay(
            demand.id,
            RelayInput(caf, RelayMode.EMAIL, shared_details=valid_nir(), share_consent=True),
            desk.actor,
        )
    with pytest.raises(FieldError) as email:
        service.relay(demand.id, RelayInput(caf, RelayMode.EMAIL, contact="caf@"), desk.actor)
    assert email.value.field == "contact"
    with pytest.raises(FieldError) as past:
        service.relay(
            demand.id,
            RelayInput(caf, RelayMode.EMAIL, follow_up_on=date(2026, 3, 1)),
            desk.actor,
        )
    assert past.value.field == "follow_up_on"
    with pytest.raises(FieldError):
        service.relay(demand.id, RelayInput(caf, "pigeon"), desk.actor)
    with database.read() as session:
        assert session.scalars(select(Relay.id)).all() == []
        assert session.scalars(select(Consent.id)).all() == []

    relay = service.relay(
        demand.id,
        RelayInput(
            caf, RelayMode.REFERRAL_SLIP, contact="Accueil@CAF.fr", follow_up_on=date(2026, 4, 1)
        ),
        desk.actor,
    )
    assert (relay.share_consent_id, relay.shared_details) == (None, None)
    assert (relay.contact, relay.follow_up_on) == ("Accueil@caf.fr", date(2026, 4, 1))


def test_anonymous_visit_can_be_relayed_without_sharing(
    desk: Desk, service: OrientationService
) -> None:
    visit = desk.visit()
    demand = service.add_demand(visit, desk.demand(), desk.actor)
    caf = desk.partners["caf"]
    with pytest.raises(DomainError) as refused:
        service.relay(
            demand.id,
            RelayInput(caf, RelayMode.EMAIL, shared_details="Dossier", share_consent=True),
            desk.actor,
        )
    assert refused.value.message == ANONYMOUS_SHARING
    relay = service.relay(demand.id, RelayInput(caf, RelayMode.ACCOMPANIED), desk.actor)
    assert relay.share_consent_id is None
    view = service.listening(visit, desk.actor)
    assert view.header.anonymous
    assert view.header.first_name is None
    assert view.prior.demands == ()


def test_listening_shows_header_and_prior_orientations(
    desk: Desk, service: OrientationService, database: Database, clock: FixedClock
) -> None:
    visitor = desk.visitor("Amina", "Diallo")
    with database.write() as session:
        session.add(
            Consent(
                office_id=desk.office.id,
                visitor_id=visitor,
                scope=ConsentScope.KEEP_FILE.value,
                given_at=clock.now(),
                text_version_hash="0" * 64,
            )
        )
    # A first visit last week: one demand resolved, one relayed (still open).
    last_week = clock.now() - timedelta(days=7)
    clock.current = last_week
    earlier = desk.visit(visitor, at=last_week)
    resolved = service.add_demand(earlier, desk.demand("taxes", None), desk.actor)
    service.set_outcome(resolved.id, Outcome.RESOLVED, desk.actor)
    relayed = service.add_demand(earlier, desk.demand("family_benefits", "caf"), desk.actor)
    relay = service.relay(relayed.id, RelayInput(desk.partners["caf"], "email"), desk.actor)
    service.close_visit(earlier, desk.actor)
    clock.current = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    # An appointment to come, and today's visit.
    upcoming = AppointmentService(database, clock, desk.office).book(
        visitor,
        Slot(datetime(2026, 3, 4, 9, 0, tzinfo=UTC), 30, desk.staff_id),
        desk.motifs["housing"],
        desk.actor,
    )
    today = desk.visit(visitor)
    service.add_demand(today, desk.demand(), desk.actor)

    view = service.listening(today, desk.actor)
    header = view.header
    assert (header.first_name, header.last_name, header.visitor_id) == ("Amina", "Diallo", visitor)
    assert header.keep_file_consent
    assert (header.needs, header.interpreter_language) == (("interpreter",), "ar")
    assert [(d.motif_code, d.outcome, d.day) for d in view.prior.demands] == [
        ("taxes", "resolved", date(2026, 2, 23)),
        ("family_benefits", "relay", date(2026, 2, 23)),
    ]
    assert [(r.id, r.status, r.follow_up_on) for r in view.prior.open_relays] == [
        (relay.id, RelayStatus.OPEN, date(2026, 3, 9))
    ]
    assert [a.id for a in view.prior.upcoming_appointments] == [upcoming.id]
    assert [d.motif_code for d in view.demands] == ["energy"]

    with database.write() as session:
        consent = session.scalars(select(Consent)).one()
        consent.withdrawn_at = clock.now()
    assert not service.listening(today, desk.actor).header.keep_file_consent


def test_listening_needs_the_same_queries_whatever_the_number_of_demands(
    desk: Desk, service: OrientationService, database: Database
) -> None:
    visitor = desk.visitor()
    visit = desk.visit(visitor)
    first = service.add_demand(visit, desk.demand(), desk.actor)
    service.relay(first.id, RelayInput(desk.partners["edf"], "email"), desk.actor)
    with count_queries(database) as few:
        service.listening(visit, desk.actor)
    for _ in range(6):
        demand = service.add_demand(visit, desk.demand("water", "water"), desk.actor)
        service.relay(demand.id, RelayInput(desk.partners["water"], "letter"), desk.actor)
    with count_queries(database) as many:
        view = service.listening(visit, desk.actor)
    assert len(view.demands) == 7
    assert all(d.relay is not None for d in view.demands)
    assert len(many) == len(few) <= 10


def test_appointment_for_a_demand(
    desk: Desk, service: OrientationService, database: Database
) -> None:
    visitor = desk.visitor()
    visit = desk.visit(visitor)
    demand = service.add_demand(visit, desk.demand("housing", None), desk.actor)
    slot = Slot(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), 30, desk.staff_id)
    booked = service.book_appointment_for_demand(demand.id, slot, desk.actor, place="Bureau 1")
    assert booked.outcome == Outcome.APPOINTMENT
    assert booked.appointment is not None
    assert (booked.appointment.visitor_id, booked.appointment.motif_code) == (visitor, "housing")
    assert booked.appointment.place == "Bureau 1"

    other = service.add_demand(visit, desk.demand(), desk.actor)
    with pytest.raises(Conflict):  # the mediator is already taken then
        service.book_appointment_for_demand(other.id, slot, desk.actor)
    assert service.listening(visit, desk.actor).demands[1].outcome is None

    with pytest.raises(Conflict):  # the appointment stands: cancel it first
        service.set_outcome(demand.id, Outcome.COME_BACK, desk.actor)
    AppointmentService(database, desk.clock, desk.office).cancel(booked.appointment.id, desk.actor)
    changed = service.set_outcome(demand.id, Outcome.COME_BACK, desk.actor)
    assert (changed.outcome, changed.appointment) == ("come_back", None)
    with database.read() as session:
        statuses = session.execute(select(Demand.appointment_id)).scalars().all()
        assert statuses == [None, None]


def test_actor_from_another_office_is_refused(desk: Desk, service: OrientationService) -> None:
    visit = desk.visit()
    stranger = Actor(office_id=desk.office.id + 1, desk_id=None, role=Role.MANAGER)
    with pytest.raises(DomainError):
        service.add_demand(visit, desk.demand(), stranger)
