"""Printed documents: the referral slip and the appointment card, as PDF and as text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.slips import SlipService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, RelayMode, Role, VisitStatus
from pimms_tui.db.models import Motif, Office, Partner, Staff, Visit, Visitor
from pimms_tui.documents import pdf, slips
from pimms_tui.documents.pdf import render_pdf, to_latin1
from pimms_tui.documents.slips import SlipContent
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments import Slot
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import DomainError, NotFound
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation import DemandInput, RelayInput
from pimms_tui.text import multiline as printable

NOTE = "Facture contestée, voisin bruyant"
REASON = "Demande d’échéancier urgente"
SHARED = "Client 4455, dette 312 euros"
HARD_NAME = "Amira 😀🚀 مرحبا שלום Z\u0335\u0321a\u0334 \u202eevil\u202c 中文 \x1b[31m"


class World:
    """An office with a mediator, a partner with real details, and helpers to make visits."""

    def __init__(self, database: Database, office: OfficeInfo, clock: FixedClock) -> None:
        self.database, self.office, self.clock = database, office, clock
        with database.write() as session:
            session.execute(
                update(Office)
                .where(Office.id == office.id)
                .values(address="3 place de la Mairie, 21000 Dijon", phone="+33380000000")
            )
            staff = Staff(office_id=office.id, display_name="Camille", role=Role.MEDIATOR.value)
            session.add(staff)
            partner = session.scalars(
                select(Partner).where(Partner.office_id == office.id, Partner.code == "caf")
            ).one()
            partner.address = "12 rue des Allocations, 21000 Dijon"
            partner.phone = "+33380112233"
            partner.opening_hours = "lun.–ven. 8 h 30–16 h"
            partner.what_to_bring = "Pièce d’identité, numéro d’allocataire"
            session.flush()
            self.staff_id, self.partner_id = staff.id, partner.id
            self.motif_id = session.scalars(select(Motif.id).where(Motif.code == "energy")).one()
        self.actor = Actor(
            office_id=office.id, desk_id=None, staff_id=self.staff_id, role=Role.MANAGER
        )
        self.orientation = OrientationService(database, clock, office)
        self.appointments = AppointmentService(database, clock, office)

    def visit(self, first_name: str | None) -> tuple[int, int | None]:
        with self.database.write() as session:
            visitor = None
            if first_name is not None:
                visitor = Visitor(
                    office_id=self.office.id,
                    first_name=first_name,
                    last_name="Secret-Surname",
                    created_at=self.clock.now(),
                    last_activity_at=self.clock.now(),
                )
                session.add(visitor)
                session.flush()
            number = len(session.scalars(select(Visit.id)).all()) + 1
            visit = Visit(
                office_id=self.office.id,
                day=self.office.local_day(self.clock.now()),
                ticket_number=number,
                ticket_code=f"A-{number:03d}",
                visitor_id=visitor.id if visitor else None,
                status=VisitStatus.IN_PROGRESS.value,
                arrived_at=self.clock.now(),
            )
            session.add(visit)
            session.flush()
            return visit.id, visitor.id if visitor else None

    def relay(self, first_name: str | None) -> int:
        visit, visitor = self.visit(first_name)
        demand = self.orientation.add_demand(
            visit,
            DemandInput(self.motif_id, self.partner_id, "partner_link", HelpLevel.INFORM, NOTE),
            self.actor,
        )
        named = visitor is not None
        return self.orientation.relay(
            demand.id,
            RelayInput(
                self.partner_id,
                RelayMode.REFERRAL_SLIP,
                contact="Mme Martin",
                reason=REASON,
                shared_details=SHARED if named else None,
                share_consent=named,
            ),
            self.actor,
        ).id


@pytest.fixture
def world(database: Database, office: OfficeInfo, clock: FixedClock) -> World:
    return World(database, office, clock)


@pytest.fixture
def service(world: World) -> SlipService:
    return SlipService(world.database, world.clock, world.office)


def test_referral_slip_holds_what_the_visitor_needs_and_nothing_private(
    world: World, service: SlipService, tmp_path: Path
) -> None:
    relay = world.relay("Hélène")
    text = service.referral_slip_text(relay)
    assert "12 rue des Allocations, 21000 Dijon" in text
    assert "Pièce d’identité, numéro d’allocataire" in text
    assert "03 80 11 22 33" in text
    assert "lun.–ven. 8 h 30–16 h" in text
    assert "CAF — Caisse d’allocations familiales" in text
    assert "lundi 2 mars 2026" in text
    assert "Pour : Hélène" in text
    assert "3 place de la Mairie, 21000 Dijon" in text and "03 80 00 00 00" in text
    for private in (NOTE, REASON, SHARED, "Secret-Surname", "Mme Martin"):
        assert private not in text

    path = service.referral_slip(relay, tmp_path / "slips")
    assert path.parent == tmp_path / "slips"
    assert path.read_bytes().startswith(b"%PDF")
    assert "Hélène" not in path.name
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left

    anonymous = service.referral_slip_text(world.relay(None))
    assert "Pour :" not in anonymous
    assert "12 rue des Allocations" in anonymous
    with pytest.raises(NotFound):
        service.referral_slip_text(999_999)


def test_appointment_card_in_french_long_form_and_office_time(
    world: World, service: SlipService, tmp_path: Path
) -> None:
    _, visitor = world.visit("Hélène")
    slot = Slot(datetime(2026, 3, 30, 12, 30, tzinfo=UTC), 45, world.staff_id)  # CEST
    appointment = world.appointments.book(visitor, slot, world.motif_id, world.actor, "Bureau 2")
    text = service.appointment_card_text(appointment.id)
    assert "Le : Lundi 30 mars 2026 à 14:30" in text
    assert "Durée : 45 min" in text
    assert "Avec : Camille" in text
    assert "Lieu : Bureau 2" in text
    assert "Pour : Hélène" in text
    assert "03 80 00 00 00" in text
    assert "Secret-Surname" not in text
    path = service.appointment_card(appointment.id, tmp_path)
    assert path.read_bytes().startswith(b"%PDF")

    session_slot = Slot(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), 60, None, world.partner_id)
    partner_session = world.appointments.book(None, session_slot, None, world.actor)
    text = service.appointment_card_text(partner_session.id)
    assert "Avec : permanence CAF" in text
    assert "Lieu : 3 place de la Mairie, 21000 Dijon" in text  # the office by default
    assert "Durée : 1 h" in text
    assert "Pour :" not in text

    world.appointments.cancel(partner_session.id, world.actor)
    with pytest.raises(DomainError):
        service.appointment_card(partner_session.id, tmp_path)


def test_any_name_prints_with_or_without_a_unicode_font(
    world: World, service: SlipService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay = world.relay(HARD_NAME)
    assert service.referral_slip(relay, tmp_path / "unicode").read_bytes().startswith(b"%PDF")

    monkeypatch.setattr(pdf, "find_unicode_font", lambda: None)
    latin1 = service.referral_slip(relay, tmp_path / "latin1")
    assert latin1.read_bytes().startswith(b"%PDF")

    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    unreadable = SlipService(world.database, world.clock, world.office, font_path=broken)
    assert unreadable.referral_slip(relay, tmp_path / "broken").read_bytes().startswith(b"%PDF")


def test_text_is_cleaned_for_printing() -> None:
    assert printable("a\x00b\x1b[31mc\u202ed\u200be\tf\ng") == "ab[31mcde f\ng"
    assert to_latin1("Hélène Œuvre — “ok” 😀 Łódź e\u0301") == 'Hélène OEuvre - "ok" ? Lódz é'
    content = SlipContent("**Titre** <b>", (("[bold]x[/]", "*y*"),), ("pied",))
    assert slips.slip_text(content).splitlines()[3] == "[bold]x[/] : *y*"
    assert render_pdf(content).startswith(b"%PDF")
    assert render_pdf(content, font_path=Path("/nonexistent.ttf")).startswith(b"%PDF")
