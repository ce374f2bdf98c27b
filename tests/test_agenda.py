"""The agenda: days and weeks, who has one, and checking people in to the queue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pimms_tui.application.agenda import AgendaService
from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, Role, VisitSource, VisitStatus
from pimms_tui.db.models import Visit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.agenda import (
    CHECK_IN_ALREADY,
    CHECK_IN_CANCELLED,
    CHECK_IN_HAS_OUTCOME,
    CHECK_IN_NOT_TODAY,
    AgendaPerson,
    week_start,
)
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import Conflict, NotFound
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest

from .followkit import (
    add_appointment,
    add_staff,
    add_visitor,
    appointment_row,
    motif_id,
    paris,
    partner_id,
)

TODAY = date(2026, 3, 2)  # Monday; the fixed clock says 10:00 in Paris


@pytest.fixture
def agenda(database: Database, clock: FixedClock, office: OfficeInfo) -> AgendaService:
    return AgendaService(database, clock, office)


@pytest.fixture
def actor(office: OfficeInfo) -> Actor:
    return Actor(office_id=office.id, desk_id=None, role=Role.RECEPTION)


def visits(database: Database) -> list[Visit]:
    with database.read() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def test_check_in_goes_before_earlier_walk_ins(
    agenda: AgendaService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """The R- ticket is first in the queue though two walk-ins came earlier; arrived."""
    mediator = add_staff(database, office, "Karim")
    visitor = add_visitor(database, office, clock, "Awa", "Diallo")
    energy = motif_id(database)
    appointment = add_appointment(
        database,
        office,
        starts_at=paris(TODAY, 10, 15),
        staff_id=mediator,
        visitor_id=visitor,
        motif_id=energy,
    )
    queue = QueueService(database, clock, office)
    queue.register_arrival(ArrivalRequest(), actor)
    clock.advance(minutes=2)
    queue.register_arrival(ArrivalRequest(), actor)
    clock.advance(minutes=5)  # 10:07, the appointment is due (10:15 within 10 minutes)

    ticket = agenda.check_in(appointment, actor)

    assert ticket.ticket_code == "R-001" and ticket.position == 1
    waiting = sorted(
        (e for e in queue.today() if e.status == VisitStatus.WAITING),
        key=lambda e: e.position or 0,
    )
    assert [e.ticket_code for e in waiting] == ["R-001", "A-001", "A-002"]
    assert waiting[0].appointment_due and waiting[0].source == VisitSource.APPOINTMENT
    assert appointment_row(database, appointment).status == "arrived"
    visit = visits(database)[-1]
    assert (visit.appointment_id, visit.visitor_id, visit.first_motif_id) == (
        appointment,
        visitor,
        energy,
    )
    assert queue.call_next(actor) is not None
    assert visits(database)[-1].status == "called"

    with pytest.raises(Conflict) as again:
        agenda.check_in(appointment, actor)
    assert (again.value.message, again.value.params) == (CHECK_IN_ALREADY, {"ticket": "R-001"})
    assert len(visits(database)) == 3


def test_check_in_is_refused_when_it_cannot_be(
    agenda: AgendaService,
    database: Database,
    clock: FixedClock,
    office: OfficeInfo,
    actor: Actor,
) -> None:
    """Cancelled, with an outcome, or on another day: refused with its reason, no visit."""
    mediator = add_staff(database, office, "Karim")
    cancelled = add_appointment(
        database,
        office,
        starts_at=paris(TODAY, 10, 30),
        staff_id=mediator,
        status=AppointmentStatus.CANCELLED,
    )
    seen = add_appointment(
        database,
        office,
        starts_at=paris(TODAY, 9),
        staff_id=mediator,
        status=AppointmentStatus.SEEN,
    )
    tomorrow = add_appointment(
        database, office, starts_at=paris(TODAY + timedelta(days=1), 10), staff_id=mediator
    )
    for appointment, message in (
        (cancelled, CHECK_IN_CANCELLED),
        (seen, CHECK_IN_HAS_OUTCOME),
        (tomorrow, CHECK_IN_NOT_TODAY),
    ):
        with pytest.raises(Conflict) as refused:
            agenda.check_in(appointment, actor)
        assert refused.value.message == message
    with pytest.raises(NotFound):
        agenda.check_in(999_999, actor)
    assert visits(database) == []
    assert appointment_row(database, cancelled).status == "cancelled"
    assert appointment_row(database, tomorrow).status == "booked"


def test_anonymous_appointment_checks_in_anonymously(
    agenda: AgendaService, database: Database, clock: FixedClock, office: OfficeInfo, actor: Actor
) -> None:
    caf = partner_id(database, office)
    appointment = add_appointment(database, office, starts_at=paris(TODAY, 11), partner_id=caf)
    ticket = agenda.check_in(appointment, actor)
    assert ticket.ticket_code == "R-001"
    (visit,) = visits(database)
    assert (visit.visitor_id, visit.source) == (None, "appointment")


def test_day_week_and_people(
    agenda: AgendaService, database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """A day, a week grouped by local day, one person's agenda, and who has an agenda."""
    karim = add_staff(database, office, "Karim")
    lea = add_staff(database, office, "Léa")
    caf = partner_id(database, office)
    monday_late = add_appointment(database, office, starts_at=paris(TODAY, 16), staff_id=karim)
    monday_early = add_appointment(database, office, starts_at=paris(TODAY, 9), staff_id=lea)
    cancelled = add_appointment(
        database,
        office,
        starts_at=paris(TODAY, 11),
        staff_id=karim,
        status=AppointmentStatus.CANCELLED,
    )
    saturday = add_appointment(
        database, office, starts_at=paris(TODAY + timedelta(days=5), 9), partner_id=caf
    )
    # Sunday 23:30 in Paris is Sunday, though Monday in UTC is near: it stays in the week.
    sunday_night = add_appointment(
        database, office, starts_at=paris(TODAY + timedelta(days=6), 23, 30), staff_id=karim
    )
    add_appointment(database, office, starts_at=paris(TODAY + timedelta(days=7), 9), staff_id=karim)

    assert [a.id for a in agenda.day(TODAY)] == [monday_early, cancelled, monday_late]
    assert [a.id for a in agenda.day(TODAY, include_cancelled=False)] == [
        monday_early,
        monday_late,
    ]
    assert [a.id for a in agenda.day(TODAY, staff_id=karim)] == [cancelled, monday_late]
    assert [a.id for a in agenda.day(TODAY + timedelta(days=5), partner_id=caf)] == [saturday]

    week = agenda.week(TODAY + timedelta(days=3))  # any day gives its week
    assert list(week) == [TODAY + timedelta(days=n) for n in range(7)]
    assert [a.id for a in week[TODAY]] == [monday_early, cancelled, monday_late]
    assert [a.id for a in week[TODAY + timedelta(days=5)]] == [saturday]
    assert [a.id for a in week[TODAY + timedelta(days=6)]] == [sunday_night]
    karims = agenda.week(TODAY, staff_id=karim, include_cancelled=False)
    assert sum(len(day) for day in karims.values()) == 2
    assert week_start(TODAY + timedelta(days=6)) == TODAY

    people = agenda.people()
    assert people[:2] == [AgendaPerson("staff", karim, "Karim"), AgendaPerson("staff", lea, "Léa")]
    assert [(p.kind, p.id) for p in people[2:]] == [("partner", caf)]  # only partners with sessions
    assert (people[2].key, people[2].partner_id, people[2].staff_id) == (
        f"partner:{caf}",
        caf,
        None,
    )


def test_cancel_no_show_excused(
    agenda: AgendaService, database: Database, clock: FixedClock, office: OfficeInfo, actor: Actor
) -> None:
    """The agenda's outcomes go through the appointment rules."""
    karim = add_staff(database, office, "Karim")
    later = add_appointment(database, office, starts_at=paris(TODAY, 15), staff_id=karim)
    past = add_appointment(database, office, starts_at=paris(TODAY, 9), staff_id=karim)
    other = add_appointment(database, office, starts_at=paris(TODAY, 16), staff_id=karim)
    assert agenda.cancel(later, actor).status == "cancelled"
    assert agenda.mark_no_show(past, actor).status == "no_show"
    assert agenda.mark_excused(other, actor).status == "excused"
    with pytest.raises(Conflict):
        agenda.cancel(later, actor)
