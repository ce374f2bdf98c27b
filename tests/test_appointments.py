"""Appointments: free slots within opening hours, no double booking (even concurrently)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, Role
from pimms_tui.db.models import Appointment, Motif, Partner, Staff, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments import (
    IN_THE_PAST,
    OUTSIDE_HOURS,
    SLOT_TAKEN,
    Slot,
    opening_intervals,
)
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import Conflict, DomainError, PermissionDenied
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.validation import FieldError

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2026, 3, 2)  # the fixed clock's day: 10:00 in Paris


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock time as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def add_staff(database: Database, office: OfficeInfo, name: str, role: Role = Role.MEDIATOR) -> int:
    with database.write() as session:
        staff = Staff(office_id=office.id, display_name=name, role=role.value)
        session.add(staff)
        session.flush()
        return staff.id


def add_visitor(database: Database, office: OfficeInfo, clock: FixedClock, first: str) -> int:
    with database.write() as session:
        visitor = Visitor(
            office_id=office.id,
            first_name=first,
            last_name="Martin",
            created_at=clock.now(),
            last_activity_at=clock.now(),
        )
        session.add(visitor)
        session.flush()
        return visitor.id


def partner_id(database: Database, office: OfficeInfo, code: str = "caf") -> int:
    with database.read() as session:
        return session.scalars(
            select(Partner.id).where(Partner.office_id == office.id, Partner.code == code)
        ).one()


def motif_id(database: Database, code: str = "energy") -> int:
    with database.read() as session:
        return session.scalars(select(Motif.id).where(Motif.code == code)).one()


@pytest.fixture
def service(database: Database, clock: FixedClock, office: OfficeInfo) -> AppointmentService:
    return AppointmentService(database, clock, office)


@pytest.fixture
def actor(office: OfficeInfo) -> Actor:
    return Actor(office_id=office.id, desk_id=None, role=Role.RECEPTION)


def test_free_slots_stay_within_opening_hours_and_never_in_the_past(
    database: Database, service: AppointmentService
) -> None:
    camille = add_staff(database, service.office, "Camille")
    slots = service.free_slots(MONDAY, staff_id=camille, limit=100)
    starts = [s.starts_at for s in slots]
    # 10:00 now: 10:00 → 12:00 in the morning (last one ends at 12:30), 13:30 → 17:00 after.
    assert starts[0] == paris(MONDAY, 10)
    assert paris(MONDAY, 12) in starts
    assert paris(MONDAY, 12, 30) not in starts  # lunch break
    assert paris(MONDAY, 13) not in starts
    assert paris(MONDAY, 13, 30) in starts
    assert starts[-1] == paris(MONDAY, 17)
    assert len(slots) == 5 + 8
    assert all(s.staff_id == camille and s.duration_minutes == 30 for s in slots)
    assert all(s.starts_at >= service.clock.now() for s in slots)
    assert len(service.free_slots(MONDAY, staff_id=camille, limit=3)) == 3


def test_closed_sunday_saturday_morning_and_days_in_the_past(
    database: Database, service: AppointmentService
) -> None:
    camille = add_staff(database, service.office, "Camille")
    assert service.free_slots(date(2026, 3, 8), staff_id=camille) == []  # Sunday
    saturday = service.free_slots(date(2026, 3, 7), staff_id=camille, duration_minutes=60)
    assert [s.starts_at for s in saturday] == [paris(date(2026, 3, 7), h) for h in (9, 10, 11)]
    assert service.free_slots(date(2026, 2, 27), staff_id=camille) == []  # last Friday


def test_slots_follow_daylight_saving_time(database: Database, service: AppointmentService) -> None:
    camille = add_staff(database, service.office, "Camille")
    before = service.free_slots(date(2026, 3, 23), staff_id=camille, limit=1)[0]
    after = service.free_slots(date(2026, 3, 30), staff_id=camille, limit=1)[0]
    assert before.starts_at == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert after.starts_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    hours = {"6": [["09:00", "12:00"]], "0": [["bad"], ["25:00", "26:00"], ["09:00", "24:00"]]}
    assert opening_intervals(hours, "Europe/Paris", date(2026, 3, 29)) == [
        # the switch day itself: 09:00–12:00 CEST
        (datetime(2026, 3, 29, 7, 0, tzinfo=UTC), datetime(2026, 3, 29, 10, 0, tzinfo=UTC))
    ]
    assert opening_intervals(hours, "Europe/Paris", date(2026, 3, 30)) == [
        (datetime(2026, 3, 30, 7, 0, tzinfo=UTC), datetime(2026, 3, 30, 22, 0, tzinfo=UTC))
    ]


def test_taken_slots_are_not_offered_and_cancelling_frees_them(
    database: Database, service: AppointmentService, actor: Actor
) -> None:
    camille = add_staff(database, service.office, "Camille")
    booked = service.book(None, Slot(paris(MONDAY, 10, 30), 30, camille), None, actor)
    assert booked.status == AppointmentStatus.BOOKED
    assert booked.staff_name == "Camille"
    starts = [s.starts_at for s in service.free_slots(MONDAY, staff_id=camille, step_minutes=15)]
    assert paris(MONDAY, 10, 15) not in starts  # 10:15–10:45 would overlap
    assert paris(MONDAY, 10, 30) not in starts
    assert paris(MONDAY, 10, 45) not in starts
    assert paris(MONDAY, 10) in starts
    assert paris(MONDAY, 11) in starts

    service.cancel(booked.id, actor)
    starts = [s.starts_at for s in service.free_slots(MONDAY, staff_id=camille)]
    assert paris(MONDAY, 10, 30) in starts
    with pytest.raises(Conflict):
        service.cancel(booked.id, actor)


def test_any_mediator_and_partner_sessions(
    database: Database, service: AppointmentService, actor: Actor
) -> None:
    alice = add_staff(database, service.office, "Alice")
    bruno = add_staff(database, service.office, "Bruno")
    add_staff(database, service.office, "Accueil Zoé", Role.RECEPTION)
    service.book(None, Slot(paris(MONDAY, 10), 30, alice), None, actor)
    first = service.free_slots(MONDAY, limit=2)
    assert [(s.starts_at, s.staff_id) for s in first] == [
        (paris(MONDAY, 10), bruno),
        (paris(MONDAY, 10, 30), alice),
    ]
    caf = partner_id(database, service.office)
    service.book(None, Slot(paris(MONDAY, 14), 60, None, caf), None, actor)
    partner_starts = [
        s.starts_at for s in service.free_slots(MONDAY, partner_id=caf, duration_minutes=60)
    ]
    assert paris(MONDAY, 13, 30) not in partner_starts  # 13:30–14:30 overlaps 14:00–15:00
    assert paris(MONDAY, 14, 30) not in partner_starts
    assert paris(MONDAY, 15, 30) in partner_starts
    with pytest.raises(Conflict):
        service.book(None, Slot(paris(MONDAY, 14, 30), 30, bruno, caf), None, actor)
    with pytest.raises(FieldError):
        service.free_slots(MONDAY, staff_id=9999)


def test_booking_is_validated(
    database: Database, service: AppointmentService, actor: Actor, clock: FixedClock
) -> None:
    camille = add_staff(database, service.office, "Camille")
    zoe = add_staff(database, service.office, "Zoé", Role.RECEPTION)
    visitor = add_visitor(database, service.office, clock, "Hélène")
    energy = motif_id(database)
    view = service.book(
        visitor, Slot(paris(MONDAY, 11), 45, camille), energy, actor, place="  Bureau   1 "
    )
    assert (view.visitor_first_name, view.motif_code, view.place) == (
        "Hélène",
        "energy",
        "Bureau 1",
    )
    assert view.ends_at == paris(MONDAY, 11, 45)

    with pytest.raises(Conflict) as taken:
        service.book(None, Slot(paris(MONDAY, 11, 30), 30, camille), None, actor)
    assert taken.value.message == SLOT_TAKEN
    with pytest.raises(FieldError) as past:
        service.book(None, Slot(paris(MONDAY, 9), 30, camille), None, actor)
    assert past.value.message == IN_THE_PAST
    for start, minutes in ((paris(MONDAY, 12, 15), 30), (paris(MONDAY, 18), 30)):
        with pytest.raises(FieldError) as closed:
            service.book(None, Slot(start, minutes, camille), None, actor)
        assert closed.value.message == OUTSIDE_HOURS
    with pytest.raises(FieldError) as sunday:
        service.book(None, Slot(paris(date(2026, 3, 8), 10), 30, camille), None, actor)
    assert sunday.value.message == OUTSIDE_HOURS
    for minutes in (0, -30):
        with pytest.raises(FieldError) as duration:
            service.book(None, Slot(paris(MONDAY, 15), minutes, camille), None, actor)
        assert duration.value.field == "duration_minutes"
    with pytest.raises(FieldError):
        service.book(None, Slot(paris(MONDAY, 15), 30), None, actor)  # with nobody
    with pytest.raises(FieldError):
        service.book(None, Slot(datetime(2026, 3, 2, 15, 0), 30, camille), None, actor)  # naive
    with pytest.raises(FieldError):
        service.book(None, Slot(paris(MONDAY, 15), 30, zoe), None, actor)  # not a mediator
    with pytest.raises(Conflict):  # the same visitor, elsewhere at the same time
        service.book(
            visitor,
            Slot(paris(MONDAY, 11), 30, None, partner_id(database, service.office)),
            None,
            actor,
        )
    with database.read() as session:
        assert session.scalars(select(Appointment.id)).all() == [view.id]


def test_concurrent_bookings_of_one_slot(
    database: Database, service: AppointmentService, actor: Actor
) -> None:
    camille = add_staff(database, service.office, "Camille")
    url = database.engine.url.render_as_string(hide_password=False)
    slot = Slot(paris(MONDAY, 15), 30, camille)
    barrier = threading.Barrier(20)
    results: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        own = Database.from_url(url)
        try:
            desk_service = AppointmentService(own, service.clock, service.office)
            barrier.wait(timeout=30)
            try:
                desk_service.book(None, slot, None, actor)
                outcome = "booked"
            except Conflict:
                outcome = "conflict"
            except Exception as error:  # pragma: no cover - reported by the assertion
                outcome = repr(error)
        finally:
            own.dispose()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["booked"] + ["conflict"] * 19
    with database.read() as session:
        assert len(session.scalars(select(Appointment.id)).all()) == 1


def test_to_fill_in_and_outcomes(
    database: Database, service: AppointmentService, actor: Actor, clock: FixedClock
) -> None:
    camille = add_staff(database, service.office, "Camille")
    early = service.book(None, Slot(paris(MONDAY, 10), 30, camille), None, actor)
    later = service.book(None, Slot(paris(MONDAY, 11), 30, camille), None, actor)
    cancelled = service.book(None, Slot(paris(MONDAY, 10, 30), 30, camille), None, actor)
    service.cancel(cancelled.id, actor)
    assert service.to_fill_in() == []
    # Reception keeps the agenda; that the person was seen is the mediator's follow-up.
    mediator = replace(actor, role=Role.MEDIATOR)
    with pytest.raises(DomainError):
        service.set_outcome(later.id, AppointmentStatus.SEEN, mediator)  # not started yet

    clock.advance(minutes=45)  # 10:45: the 10:00 one is over, the 11:00 one is to come
    assert [a.id for a in service.to_fill_in()] == [early.id]
    assert [a.id for a in service.to_fill_in(staff_id=camille + 1)] == []
    with pytest.raises(PermissionDenied):
        service.set_outcome(early.id, AppointmentStatus.SEEN, actor)
    seen = service.set_outcome(early.id, AppointmentStatus.SEEN, mediator)
    assert seen.status == AppointmentStatus.SEEN
    assert service.to_fill_in() == []
    fixed = service.set_outcome(early.id, AppointmentStatus.NO_SHOW, actor)  # a correction
    assert fixed.status == AppointmentStatus.NO_SHOW
    with pytest.raises(FieldError):
        service.set_outcome(early.id, AppointmentStatus.BOOKED, actor)
    with pytest.raises(Conflict):
        service.set_outcome(cancelled.id, AppointmentStatus.SEEN, mediator)
    with pytest.raises(Conflict):
        service.cancel(early.id, actor)

    agenda = service.day_view(MONDAY)
    assert [a.id for a in agenda] == [early.id, later.id]
    everything = service.day_view(MONDAY, camille, include_cancelled=True)
    assert [a.id for a in everything] == [early.id, cancelled.id, later.id]
    assert service.day_view(date(2026, 3, 3)) == []
