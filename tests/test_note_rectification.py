"""Rectification: a stored note, relay reason or shared details corrected or erased afterwards.

On both engines (use cases), then by keystrokes in the visitor file (a closed visit's demand).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from textual.widgets import Input, OptionList

from pimms_tui.application.orientation import OrientationService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Outcome, RelayMode, Role
from pimms_tui.db.models import AuditEntry, Demand, Relay
from pimms_tui.domain.access import PermissionDenied
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import Conflict, DomainError, NotFound
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation import RelayInput
from pimms_tui.domain.sensitive import SensitiveDataError
from pimms_tui.domain.validation import FieldError
from pimms_tui.screens.visitor_file import VisitorFileScreen

from .test_orientation import Desk
from .test_visitor_file_screen import SIZE, visitor_with_history
from .uikit import build_app, screen_text, settle, wait_for

NIR = "1 85 05 78 006 084 91"


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> Desk:
    return Desk(database, office, clock)


@pytest.fixture
def service(database: Database, clock: FixedClock, office: OfficeInfo) -> OrientationService:
    return OrientationService(database, clock, office)


def closed_visit_with_a_relay(desk: Desk, service: OrientationService) -> tuple[int, int, int]:
    """A visitor's visit, closed: demand 1 resolved with a note, demand 2 relayed with consent.

    Returns the visitor, the first demand and the relay.
    """
    visitor = desk.visitor()
    visit = desk.visit(visitor)
    first = service.add_demand(visit, desk.demand(note="Facture de janvier contestée"), desk.actor)
    service.set_outcome(first.id, Outcome.RESOLVED, desk.actor)
    second = service.add_demand(visit, desk.demand("taxes", None), desk.actor)
    relay = service.relay(
        second.id,
        RelayInput(
            partner_id=desk.partners["edf"],
            mode=RelayMode.EMAIL,
            reason="Echéancier refusé",
            shared_details="Dette 1 200 €, trois enfants",
            share_consent=True,
        ),
        desk.actor,
    )
    service.close_visit(visit, desk.actor)
    return visitor, first.id, relay.id


def journal(database: Database) -> list[AuditEntry]:
    """The file-edit entries, oldest first."""
    with database.read() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == Action.FILE_EDITED)
                .order_by(AuditEntry.id)
            )
        )


def test_a_closed_visits_note_is_corrected_then_erased_and_journalled(
    database: Database, desk: Desk, service: OrientationService
) -> None:
    """Today a demand with an outcome cannot be edited; its note can now be rectified."""
    _visitor, demand_id, _relay = closed_visit_with_a_relay(desk, service)
    with pytest.raises(Conflict):  # the orientation itself stays as it was decided
        service.update_demand(demand_id, desk.demand(note="autre"), desk.actor)

    stored = service.rectify(("demand", demand_id, "note"), "  Facture de février  ", desk.actor)
    assert stored == "Facture de février"
    with database.read() as session:
        demand = session.get(Demand, demand_id)
        assert demand is not None
        assert (demand.note, demand.outcome) == ("Facture de février", Outcome.RESOLVED.value)

    assert service.rectify(("demand", demand_id, "note"), "   ", desk.actor) is None
    with database.read() as session:
        assert session.scalars(select(Demand.note).where(Demand.id == demand_id)).one() is None

    entries = journal(database)
    assert [(e.entity, e.entity_id, e.detail) for e in entries] == [
        ("demand", demand_id, {"fields": ["note"], "erased": False}),
        ("demand", demand_id, {"fields": ["note"], "erased": True}),
    ]
    assert all(e.staff_id == desk.staff_id for e in entries)


def test_the_guard_applies_to_the_corrected_text(
    database: Database, desk: Desk, service: OrientationService
) -> None:
    """A correction holding a NIR or too long is refused; the stored note is unchanged."""
    _visitor, demand_id, _relay = closed_visit_with_a_relay(desk, service)
    with pytest.raises(SensitiveDataError):
        service.rectify(("demand", demand_id, "note"), f"secu {NIR}", desk.actor)
    with pytest.raises(FieldError) as long:
        service.rectify(("demand", demand_id, "note"), "x" * 501, desk.actor)
    assert long.value.field == "note"
    with database.read() as session:
        note = session.scalars(select(Demand.note).where(Demand.id == demand_id)).one()
    assert note == "Facture de janvier contestée"
    assert journal(database) == []


def test_a_relays_reason_and_shared_details_are_rectified(
    database: Database, desk: Desk, service: OrientationService
) -> None:
    """The relay's reason corrected, its shared details erased; both journalled by field."""
    visitor, _demand_id, relay_id = closed_visit_with_a_relay(desk, service)
    texts = service.stored_texts(visitor, desk.actor)
    assert [(t.entity, t.field, t.position, t.text) for t in texts] == [
        ("demand", "note", 1, "Facture de janvier contestée"),
        ("relay", "reason", 2, "Echéancier refusé"),
        ("relay", "shared_details", 2, "Dette 1 200 €, trois enfants"),
    ]
    service.rectify(("relay", relay_id, "reason"), "Echéancier à revoir", desk.actor)
    service.rectify(("relay", relay_id, "shared_details"), None, desk.actor)
    with database.read() as session:
        relay = session.get(Relay, relay_id)
        assert relay is not None
        assert (relay.reason, relay.shared_details) == ("Echéancier à revoir", None)
    assert [(e.entity, e.detail["fields"], e.detail["erased"]) for e in journal(database)] == [
        ("relay", ["reason"], False),
        ("relay", ["shared_details"], True),
    ]
    assert all("Echéancier" not in str(e.detail) for e in journal(database))


def test_shared_details_need_the_consent_the_relay_was_made_with(
    database: Database, desk: Desk, service: OrientationService
) -> None:
    """A relay made without consent gets no shared details by way of a rectification."""
    visit = desk.visit(desk.visitor())
    demand = service.add_demand(visit, desk.demand(), desk.actor)
    relay = service.relay(
        demand.id,
        RelayInput(partner_id=desk.partners["edf"], mode=RelayMode.EMAIL, reason="Coupure"),
        desk.actor,
    )
    with pytest.raises(DomainError):
        service.rectify(("relay", relay.id, "shared_details"), "Dette 300 €", desk.actor)
    with pytest.raises(NotFound):
        service.rectify(("relay", relay.id, "contact"), "x", desk.actor)
    with pytest.raises(NotFound):
        service.rectify(("demand", demand.id + 1000, "note"), "x", desk.actor)


def test_reception_cannot_rectify(
    database: Database, desk: Desk, service: OrientationService, office: OfficeInfo
) -> None:
    """Rectifying orientations is the mediator's work, as orienting is."""
    _visitor, demand_id, _relay = closed_visit_with_a_relay(desk, service)
    reception = Actor(office_id=office.id, desk_id=None, staff_id=None, role=Role.RECEPTION)
    with pytest.raises(PermissionDenied):
        service.rectify(("demand", demand_id, "note"), "x", reception)


# --- By keystrokes -----------------------------------------------------------------------------


async def test_a_mediator_corrects_a_closed_visits_note_from_the_file(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """File, `n`, the note chosen, retyped, Enter: stored, journalled, shown; `n` again, erased;
    then the relay's reason corrected the same way."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    with sqlite_database.write() as session:
        session.execute(update(Relay).values(reason="Coupure prévue le 3"))
    app = build_app(sqlite_database, clock, sqlite_office, role=Role.MEDIATOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await wait_for(pilot, lambda: "A-007" in screen_text(pilot))
        assert "Facture [red]contestée[/red]" in screen_text(pilot)
        with sqlite_database.read() as session:
            outcome = session.scalars(select(Demand.outcome)).one()
        assert outcome == Outcome.RELAY.value  # a demand with an outcome, of a visit done

        await pilot.press("n")
        await settle(pilot)
        choices = app.screen.query_one("#rectify-choices", OptionList)
        assert "Facture [red]contestée[/red]" in str(choices.get_option_at_index(0).prompt)
        relay_reason = str(choices.get_option_at_index(1).prompt)
        assert "motif du relais" in relay_reason and "Coupure prévue le 3" in relay_reason
        await pilot.press("enter")
        await settle(pilot)
        field = app.screen.query_one("#rectify-text", Input)
        assert field.value == "Facture [red]contestée[/red]"
        await pilot.press("ctrl+u", *"secu 185057800608491", "enter")
        await settle(pilot)
        assert "sécurité sociale" in screen_text(pilot)  # refused by the guard, at the field
        await pilot.press("ctrl+u", *"Facture de janvier payee", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, VisitorFileScreen))
        await wait_for(pilot, lambda: "Facture de janvier payee" in screen_text(pilot))
        assert "contestée" not in screen_text(pilot)

        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+u", "enter")  # an empty text erases the note
        await wait_for(pilot, lambda: isinstance(app.screen, VisitorFileScreen))
        await wait_for(pilot, lambda: "Facture de janvier" not in screen_text(pilot))

        await pilot.press("n")  # the relay's reason, now the only text kept
        await settle(pilot)
        await pilot.press("enter", "ctrl+u", *"Coupure reportee", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, VisitorFileScreen))
    with sqlite_database.read() as session:
        assert session.scalars(select(Demand.note)).one() is None
        assert session.scalars(select(Demand.outcome)).one() == Outcome.RELAY.value
        assert session.scalars(select(Relay.reason)).one() == "Coupure reportee"
    entries = journal(sqlite_database)
    assert [(e.entity, e.detail) for e in entries] == [
        ("demand", {"fields": ["note"], "erased": False}),
        ("demand", {"fields": ["note"], "erased": True}),
        ("relay", {"fields": ["reason"], "erased": False}),
    ]
