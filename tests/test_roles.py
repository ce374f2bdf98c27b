"""Roles are enforced by the domain operations themselves, not only hidden by the screens.

Every family of operations is called with a role that may not: it is refused with the
table's message and the database is left exactly as it was. With a role that may, it works.
Reception holds QUEUE, BOOK and IDENTITY like everyone; to prove those operations check
too, the table is narrowed for the test so that reception lacks the permission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pimms_tui.application.agenda import AgendaService
from pimms_tui.application.appointments import AppointmentService
from pimms_tui.application.followups import FollowUpService
from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.queue import QueueService
from pimms_tui.application.staff import StaffService
from pimms_tui.application.visitor_file import VisitorFileService
from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, Outcome, RelayStatus, Role
from pimms_tui.db.models import Base, Staff
from pimms_tui.domain import access
from pimms_tui.domain.access import REFUSALS, Permission, allows
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments import Slot
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import PermissionDenied
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.domain.orientation import DemandInput
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.reference import DEFAULT_REGISTER
from pimms_tui.domain.visitor_file import IdentityChanges
from pimms_tui.domain.visitors import NewVisitor, create_visitor

from .followkit import add_appointment, add_relay, add_visitor, motif_id, paris


@dataclass
class World:
    """An office with a visit being seen, files, a relay and appointments to act on."""

    database: Database
    clock: FixedClock
    office: OfficeInfo
    desk_id: int
    staff: dict[Role, int]
    visitors: tuple[int, int]
    visit_in_progress: int
    waiting_visit: int
    relay: int
    past_appointment: int
    today_appointment: int
    mediator: int

    def actor(self, role: Role) -> Actor:
        return Actor(self.office.id, self.desk_id, staff_id=self.staff[role], role=role)


@pytest.fixture
def world(database: Database, clock: FixedClock, office: OfficeInfo) -> World:
    with database.write() as session:
        desk_id = ensure_desk(session, office.id, "Guichet 1").id
        rows = {
            role: Staff(office_id=office.id, display_name=f"{role.value} X.", role=role.value)
            for role in Role
        }
        session.add_all(rows.values())
        session.flush()
        staff = {role: row.id for role, row in rows.items()}
    manager = Actor(office.id, desk_id, staff_id=staff[Role.MANAGER], role=Role.MANAGER)
    queue = QueueService(database, clock, office)
    queue.register_arrival(ArrivalRequest(motif_id=motif_id(database)), manager)
    called = queue.call_next(manager)
    assert called is not None
    queue.start(called.visit_id, manager)
    orientation = OrientationService(database, clock, office)
    demand = orientation.add_demand(
        called.visit_id,
        DemandInput(motif_id(database), None, DEFAULT_REGISTER, HelpLevel.INFORM.value),
        manager,
    )
    orientation.set_outcome(demand.id, Outcome.RESOLVED.value, manager)
    waiting = queue.register_arrival(ArrivalRequest(motif_id=motif_id(database)), manager)
    first = add_visitor(database, office, clock, "Lina")
    second = add_visitor(database, office, clock, "Lina", "Martinn")
    today = office.local_day(clock.now())
    return World(
        database=database,
        clock=clock,
        office=office,
        desk_id=desk_id,
        staff=staff,
        visitors=(first, second),
        visit_in_progress=called.visit_id,
        waiting_visit=waiting.visit_id,
        relay=add_relay(database, office, clock, follow_up_on=today),
        past_appointment=add_appointment(
            database,
            office,
            starts_at=paris(today - timedelta(days=3), 10),
            staff_id=staff[Role.MEDIATOR],
        ),
        today_appointment=add_appointment(
            database,
            office,
            starts_at=paris(today, 15),
            staff_id=staff[Role.MEDIATOR],
            visitor_id=first,
        ),
        mediator=staff[Role.MEDIATOR],
    )


def fingerprint(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what 'the database is unchanged' compares."""
    with database.read() as session:
        return {
            table.name: sorted(
                (tuple(row) for row in session.execute(select(table)).all()), key=repr
            )
            for table in Base.metadata.sorted_tables
        }


Operation = Callable[[World, Actor], object]


def _demand(w: World) -> DemandInput:
    return DemandInput(
        motif_id=motif_id(w.database),
        partner_id=None,
        register_code=DEFAULT_REGISTER,
        level=HelpLevel.INFORM.value,
        note="Facture",
    )


def _orientation(w: World) -> OrientationService:
    return OrientationService(w.database, w.clock, w.office)


def _appointments(w: World) -> AppointmentService:
    return AppointmentService(w.database, w.clock, w.office)


def _agenda(w: World) -> AgendaService:
    queue = QueueService(w.database, w.clock, w.office)
    return AgendaService(w.database, w.clock, w.office, queue)


def _free_slot(w: World) -> Slot:
    day = w.office.local_day(w.clock.now()) + timedelta(days=1)
    return _appointments(w).free_slots(day, staff_id=w.mediator, limit=1)[0]


def _files(w: World) -> VisitorFileService:
    return VisitorFileService(w.database, w.clock, w.office)


READS = {
    "visitor_file.open",
    "orientation.listening",
    "followups.relays_due",
    "followups.appointments_to_fill_in",
}
OPERATIONS: dict[str, tuple[Permission, Operation]] = {
    "queue.register_arrival": (
        Permission.QUEUE,
        lambda w, a: QueueService(w.database, w.clock, w.office).register_arrival(
            ArrivalRequest(), a
        ),
    ),
    "queue.call": (
        Permission.QUEUE,
        lambda w, a: QueueService(w.database, w.clock, w.office).call(w.waiting_visit, a),
    ),
    "queue.mark_left": (
        Permission.QUEUE,
        lambda w, a: QueueService(w.database, w.clock, w.office).mark_left(w.waiting_visit, a),
    ),
    "agenda.check_in": (
        Permission.QUEUE,
        lambda w, a: _agenda(w).check_in(w.today_appointment, a),
    ),
    "appointments.book": (
        Permission.BOOK,
        lambda w, a: _appointments(w).book(w.visitors[0], _free_slot(w), None, a),
    ),
    "agenda.cancel": (
        Permission.BOOK,
        lambda w, a: _agenda(w).cancel(w.today_appointment, a),
    ),
    "visitors.create_visitor": (
        Permission.IDENTITY,
        lambda w, a: create_visitor(
            w.database, NewVisitor("Awa", keep_file_consent=True), a, w.clock.now()
        ),
    ),
    "visitor_file.start_visit": (
        Permission.QUEUE,
        lambda w, a: _files(w).start_visit(w.visitors[1], None, a),
    ),
    "visitor_file.open": (
        Permission.FILES,
        lambda w, a: _files(w).open(w.visitors[0], a),
    ),
    "visitor_file.update_identity": (
        Permission.FILES,
        lambda w, a: _files(w).update_identity(
            w.visitors[0], 1, IdentityChanges(last_name="Durand"), a
        ),
    ),
    "orientation.add_demand": (
        Permission.ORIENT,
        lambda w, a: _orientation(w).add_demand(w.visit_in_progress, _demand(w), a),
    ),
    "orientation.close_visit": (
        Permission.ORIENT,
        lambda w, a: _orientation(w).close_visit(w.visit_in_progress, a),
    ),
    "orientation.listening": (  # a read: the visitor's prior orientations
        Permission.ORIENT,
        lambda w, a: _orientation(w).listening(w.visit_in_progress, a),
    ),
    "followups.relays_due": (  # a read: who was sent where
        Permission.FOLLOW_UP,
        lambda w, a: FollowUpService(w.database, w.clock, w.office).relays_due(a),
    ),
    "followups.appointments_to_fill_in": (
        Permission.FOLLOW_UP,
        lambda w, a: FollowUpService(w.database, w.clock, w.office).appointments_to_fill_in(a),
    ),
    "followups.record_relay": (
        Permission.FOLLOW_UP,
        lambda w, a: FollowUpService(w.database, w.clock, w.office).record_relay(
            w.relay, RelayStatus.CONFIRMED.value, a
        ),
    ),
    "appointments.set_outcome_seen": (
        Permission.FOLLOW_UP,
        lambda w, a: _appointments(w).set_outcome(w.past_appointment, "seen", a),
    ),
    "followups.record_appointment": (
        Permission.FOLLOW_UP,
        lambda w, a: FollowUpService(w.database, w.clock, w.office).record_appointment(
            w.past_appointment, "seen", a
        ),
    ),
    "agenda.mark_no_show": (
        Permission.BOOK,
        lambda w, a: _agenda(w).mark_no_show(w.past_appointment, a),
    ),
    "visitors.merge": (
        Permission.MERGE,
        lambda w, a: VisitorService(w.database, w.office.id).merge(
            w.visitors[0], w.visitors[1], a, w.clock.now()
        ),
    ),
    "staff.create": (
        Permission.STAFF,
        lambda w, a: StaffService(w.database, w.clock, w.office.id).create(
            "Paul N.", Role.MEDIATOR, "2468", a
        ),
    ),
}


def _refused_roles(permission: Permission) -> list[Role]:
    return [role for role in Role if not allows(role, permission)]


def _allowed_role(permission: Permission) -> Role:
    return next(role for role in Role if allows(role, permission))


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_role_without_the_permission_is_refused_and_nothing_changes(
    world: World, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    permission, operation = OPERATIONS[name]
    refused = _refused_roles(permission)
    if not refused:
        # Everyone may: narrow the table so that reception may not, to see the check is there.
        narrowed = dict(access.GRANTED)
        narrowed[Role.RECEPTION] = narrowed[Role.RECEPTION] - {permission}
        monkeypatch.setattr(access, "GRANTED", narrowed)
        refused = [Role.RECEPTION]
    before = fingerprint(world.database)
    for role in refused:
        with pytest.raises(PermissionDenied) as denied:
            operation(world, world.actor(role))
        assert denied.value.message == REFUSALS[permission]
    assert fingerprint(world.database) == before


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_least_role_with_the_permission_succeeds(world: World, name: str) -> None:
    permission, operation = OPERATIONS[name]
    before = fingerprint(world.database)
    result = operation(world, world.actor(_allowed_role(permission)))
    if name in READS:  # a read changes nothing (opening a file adds its journal line only)
        assert result is not None
    else:
        assert fingerprint(world.database) != before


def test_the_table_matches_the_issue() -> None:
    """Reception: queue, booking, identity; mediators: files, orientations, follow-ups."""
    assert _refused_roles(Permission.FILES) == [Role.RECEPTION]
    assert _refused_roles(Permission.ORIENT) == [Role.RECEPTION]
    assert _refused_roles(Permission.FOLLOW_UP) == [Role.RECEPTION]
    assert _refused_roles(Permission.STAFF) == [Role.RECEPTION, Role.MEDIATOR]
    assert _refused_roles(Permission.QUEUE) == []
