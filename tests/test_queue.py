"""The shared queue: ticket codes, order, the priority cap, transitions and refusals."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus, Need, Priority, Role, VisitSource, VisitStatus
from pimms_tui.db.models import (
    Appointment,
    Desk,
    Motif,
    Office,
    Staff,
    TicketCounter,
    Visit,
    VisitEvent,
    Visitor,
)
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import Conflict, NotFound, TransitionRefused
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import (
    ArrivalRequest,
    CallKind,
    QueueCandidate,
    QueueEntry,
    call_kind,
    waiting_order,
)

REGULAR = ArrivalRequest()
ELDERLY = ArrivalRequest(priority=Priority.ELDERLY)


@dataclass
class Site:
    """The office under test with its desks, two mediators and the queue service."""

    info: OfficeInfo
    queue: QueueService
    desk1: Actor  # Guichet 1, Alice
    desk2: Actor  # Guichet 2, Bruno
    reception: Actor  # Accueil, no staff account
    staff_ids: dict[str, int]
    desk_ids: dict[str, int]


@pytest.fixture
def site(database: Database, clock: FixedClock, office: OfficeInfo) -> Site:
    """The default office, with desks named as usual and two mediators."""
    with database.write() as session:
        desks = dict(
            session.execute(select(Desk.name, Desk.id).where(Desk.office_id == office.id)).all()
        )
        staff = {}
        for name in ("Alice", "Bruno"):
            row = Staff(office_id=office.id, display_name=name, role=Role.MEDIATOR)
            session.add(row)
            session.flush()
            staff[name] = row.id

    def actor(desk: str, staff_name: str | None) -> Actor:
        staff_id = staff[staff_name] if staff_name else None
        return Actor(office.id, desks[desk], staff_id, role=Role.MEDIATOR, desk_name=desk)

    return Site(
        info=office,
        queue=QueueService(database, clock, office),
        desk1=actor("Guichet 1", "Alice"),
        desk2=actor("Guichet 2", "Bruno"),
        reception=actor("Accueil", None),
        staff_ids=staff,
        desk_ids=desks,
    )


def arrive(site: Site, clock: FixedClock, request: ArrivalRequest = REGULAR) -> str:
    """Register an arrival one minute after the previous one; its ticket code."""
    clock.advance(minutes=1)
    return site.queue.register_arrival(request, site.reception).ticket_code


def calls(site: Site, count: int, actor: Actor | None = None) -> list[str | None]:
    """Ticket codes of ``count`` successive call_next (None once the queue is empty)."""
    taken = [site.queue.call_next(actor or site.desk1) for _ in range(count)]
    return [entry.ticket_code if entry else None for entry in taken]


def visit_id(site: Site, code: str) -> int:
    """The visit of today with this ticket code."""
    return next(e.visit_id for e in site.queue.today() if e.ticket_code == code)


def entry(site: Site, code: str, viewer: Actor | None = None) -> QueueEntry:
    """Today's queue entry with this ticket code."""
    return next(e for e in site.queue.today(viewer) if e.ticket_code == code)


def set_cap(database: Database, office: OfficeInfo, cap: int) -> None:
    """Change the office's priority streak cap, as a manager would in the settings."""
    with database.write() as session:
        session.execute(
            update(Office).where(Office.id == office.id).values(priority_streak_cap=cap)
        )


def book(database: Database, site: Site, starts_at: datetime, clock: FixedClock) -> int:
    """A booked appointment with Alice for a new named visitor; its id."""
    with database.write() as session:
        visitor = Visitor(
            office_id=site.info.id,
            first_name="Hélène",
            last_name="Dupont",
            created_at=clock.now(),
            last_activity_at=clock.now() - timedelta(days=30),
        )
        session.add(visitor)
        session.flush()
        appointment = Appointment(
            office_id=site.info.id,
            visitor_id=visitor.id,
            staff_id=site.staff_ids["Alice"],
            starts_at=starts_at,
            created_at=clock.now(),
        )
        session.add(appointment)
        session.flush()
        return appointment.id


# Ticket codes


def test_ticket_codes_are_numbered_per_series(
    site: Site, clock: FixedClock, database: Database
) -> None:
    """A-001, A-002… for walk-ins; appointment arrivals have their own R- series."""
    appointment = book(database, site, clock.now() + timedelta(hours=1), clock)
    first = arrive(site, clock)
    second = arrive(site, clock, ELDERLY)
    by_appointment = arrive(site, clock, ArrivalRequest(appointment_id=appointment))
    third = arrive(site, clock)
    assert (first, second, by_appointment, third) == ("A-001", "A-002", "R-001", "A-003")


def test_source_appointment_without_booking_uses_the_r_series(
    site: Site, clock: FixedClock
) -> None:
    """Someone who says they have an appointment gets an R- ticket, not due without a booking."""
    assert arrive(site, clock, ArrivalRequest(source=VisitSource.APPOINTMENT)) == "R-001"
    assert entry(site, "R-001").appointment_due is False


def test_numbering_restarts_at_paris_midnight_not_utc(site: Site, clock: FixedClock) -> None:
    """Tickets restart at 00:00 in Paris (23:00 UTC in winter), not at UTC midnight."""
    clock.current = datetime(2026, 3, 2, 22, 50, tzinfo=UTC)  # 23:51 in Paris after arrive()
    assert arrive(site, clock) == "A-001"
    assert arrive(site, clock) == "A-002"
    clock.current = datetime(2026, 3, 2, 23, 5, tzinfo=UTC)  # 00:06 on the 3rd in Paris
    assert arrive(site, clock) == "A-001"
    assert [e.ticket_code for e in site.queue.today()] == ["A-001"]
    clock.current = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)  # UTC midnight changes nothing
    assert arrive(site, clock) == "A-002"


def test_ticket_codes_grow_past_999(site: Site, clock: FixedClock, database: Database) -> None:
    """Three digits, more when needed."""
    arrive(site, clock)
    with database.write() as session:
        session.execute(update(TicketCounter).values(last_number=999))
    assert arrive(site, clock) == "A-1000"


def test_arrival_links_the_visitor_and_checks_in_the_appointment(
    site: Site, clock: FixedClock, database: Database
) -> None:
    """An appointment arrival is linked, marked arrived, touches the visitor's activity."""
    appointment = book(database, site, clock.now() + timedelta(minutes=5), clock)
    ticket = site.queue.register_arrival(
        ArrivalRequest(appointment_id=appointment, interpreter_language="ar"), site.reception
    )
    with database.read() as session:
        visit = session.get(Visit, ticket.visit_id)
        booked = session.get(Appointment, appointment)
        assert visit is not None and booked is not None
        visitor = session.get(Visitor, visit.visitor_id)
        assert visitor is not None
        assert visit.appointment_id == appointment
        assert visit.source == VisitSource.APPOINTMENT
        assert visit.needs == [Need.INTERPRETER]
        assert booked.status == AppointmentStatus.ARRIVED
        assert visitor.last_activity_at == clock.now()
        assert visitor.version == 1  # bookkeeping does not invalidate an open edit of the file
    shown = entry(site, ticket.ticket_code)
    assert (shown.first_name, shown.last_name, shown.appointment_due) == ("Hélène", "Dupont", True)
    with pytest.raises(Conflict) as refused:
        site.queue.register_arrival(ArrivalRequest(appointment_id=appointment), site.reception)
    assert refused.value.message == "This appointment was already checked in."


def test_arrival_shows_the_motif_and_refuses_unknown_rows(
    site: Site, clock: FixedClock, database: Database
) -> None:
    """The first motif is shown in both languages; unknown visitor or motif are refused."""
    with database.read() as session:
        motif = session.scalars(select(Motif).order_by(Motif.id)).first()
        assert motif is not None
    code = arrive(site, clock, ArrivalRequest(motif_id=motif.id))
    shown = entry(site, code)
    assert (shown.motif_code, shown.motif_label_fr, shown.motif_label_en) == (
        motif.code,
        motif.label_fr,
        motif.label_en,
    )
    assert (shown.visitor_id, shown.first_name, shown.last_name) == (None, None, None)
    with pytest.raises(NotFound):
        site.queue.register_arrival(ArrivalRequest(visitor_id=999_999), site.reception)
    with pytest.raises(NotFound):
        site.queue.register_arrival(ArrivalRequest(motif_id=999_999), site.reception)
    assert [e.ticket_code for e in site.queue.today()] == [code]  # nothing half-written


def test_ticket_tells_the_place_in_the_queue(site: Site, clock: FixedClock) -> None:
    """The ticket says where the newcomer stands."""
    clock.advance(minutes=1)
    assert site.queue.register_arrival(REGULAR, site.reception).position == 1
    assert site.queue.register_arrival(REGULAR, site.reception).position == 2
    assert site.queue.register_arrival(ELDERLY, site.reception).position == 1


# Order


def test_first_in_first_out(site: Site, clock: FixedClock) -> None:
    """Regular visitors are called by arrival time, ties broken by registration order."""
    codes = [arrive(site, clock) for _ in range(3)]
    clock.current -= timedelta(minutes=10)  # clock skew: a later registration, earlier time
    early = arrive(site, clock)
    clock.advance(minutes=30)
    assert calls(site, 5) == [early, *codes, None]
    same_time = [site.queue.register_arrival(REGULAR, site.reception) for _ in range(3)]
    assert calls(site, 3) == [t.ticket_code for t in same_time]


def test_priority_before_regular(site: Site, clock: FixedClock) -> None:
    """A priority visitor goes before regular visitors who arrived earlier."""
    regular = arrive(site, clock)
    elderly = arrive(site, clock, ELDERLY)
    assert calls(site, 3) == [elderly, regular, None]


def test_due_appointment_before_priority(site: Site, clock: FixedClock, database: Database) -> None:
    """An appointment starting within 10 minutes goes first; an early one waits its turn."""
    later = book(database, site, clock.now() + timedelta(minutes=60), clock)
    soon = book(database, site, clock.now() + timedelta(minutes=12), clock)
    regular = arrive(site, clock)
    early = arrive(site, clock, ArrivalRequest(appointment_id=later))
    elderly = arrive(site, clock, ELDERLY)
    due = arrive(site, clock, ArrivalRequest(appointment_id=soon))  # starts in 8 minutes
    assert [e.ticket_code for e in site.queue.today()] == [due, elderly, regular, early]
    assert [e.appointment_due for e in site.queue.today()] == [True, False, False, False]
    assert calls(site, 5) == [due, elderly, regular, early, None]


def test_due_appointments_earliest_first(site: Site, clock: FixedClock, database: Database) -> None:
    """Among due appointments, the one that starts first is called first."""
    at_ten = book(database, site, clock.now() + timedelta(minutes=5), clock)
    before = book(database, site, clock.now() - timedelta(minutes=5), clock)
    first = arrive(site, clock, ArrivalRequest(appointment_id=at_ten))
    second = arrive(site, clock, ArrivalRequest(appointment_id=before))
    assert calls(site, 2) == [second, first]


def test_priority_streak_cap_lets_a_regular_through(site: Site, clock: FixedClock) -> None:
    """Cap 2: after two priority calls, the longest-waiting regular goes before the third."""
    regular = arrive(site, clock)
    p1, p2, p3 = (arrive(site, clock, ELDERLY) for _ in range(3))
    assert [e.position for e in site.queue.today()] == [1, 2, 3, 4]
    assert [e.ticket_code for e in site.queue.today()] == [p1, p2, regular, p3]
    assert calls(site, 5) == [p1, p2, regular, p3, None]


@pytest.mark.parametrize(
    ("cap", "expected"),
    [
        (0, ["R1", "R2", "P1", "P2", "P3", "P4"]),
        (1, ["P1", "R1", "P2", "R2", "P3", "P4"]),
        (3, ["P1", "P2", "P3", "R1", "P4", "R2"]),
    ],
)
def test_priority_streak_cap_values(
    site: Site, clock: FixedClock, database: Database, cap: int, expected: list[str]
) -> None:
    """The cap is read from the office settings: 0 calls regulars first, 3 allows three."""
    set_cap(database, site.info, cap)
    names = {}
    names[arrive(site, clock)] = "R1"
    names[arrive(site, clock)] = "R2"
    for label in ("P1", "P2", "P3", "P4"):
        names[arrive(site, clock, ELDERLY)] = label
    assert [names[e.ticket_code] for e in site.queue.today()] == expected
    assert [names[c] for c in calls(site, 6) if c] == expected


def test_streak_is_read_from_history_across_desks_and_manual_calls(
    site: Site, clock: FixedClock, database: Database
) -> None:
    """Priority calls by hand or from another desk count; appointments neither count nor reset."""
    appointment = book(database, site, clock.now() + timedelta(minutes=5), clock)
    regular = arrive(site, clock)
    p1, p2 = (arrive(site, clock, ELDERLY) for _ in range(2))
    due = arrive(site, clock, ArrivalRequest(appointment_id=appointment))
    p3 = arrive(site, clock, ELDERLY)
    site.queue.call(visit_id(site, p1), site.desk2)  # out of order, another desk
    assert calls(site, 1) == [due]  # not subject to the cap, does not end the streak
    assert calls(site, 1) == [p2]
    assert calls(site, 3) == [regular, p3, None]


def test_recall_and_put_back_do_not_count_twice(site: Site, clock: FixedClock) -> None:
    """A recall is not a new call; a priority visitor put back and called again counts again."""
    regular = arrive(site, clock)
    p1, p2 = (arrive(site, clock, ELDERLY) for _ in range(2))
    assert calls(site, 1) == [p1]
    site.queue.recall(visit_id(site, p1), site.desk1)
    site.queue.recall(visit_id(site, p1), site.desk1)
    assert calls(site, 1) == [p2]
    site.queue.put_back(visit_id(site, p2), site.desk1)
    assert calls(site, 1) == [regular]  # two priority calls made: the regular goes now
    assert calls(site, 2) == [p2, None]


def test_call_next_on_an_empty_queue(site: Site, clock: FixedClock) -> None:
    """Nobody waiting: None, and nothing changes."""
    revision = site.queue.revision()
    assert site.queue.call_next(site.desk1) is None
    assert site.queue.revision() == revision
    arrive(site, clock)
    assert calls(site, 2)[1] is None


def test_call_next_skips_a_visit_another_transaction_holds(
    site: Site, clock: FixedClock, database: Database
) -> None:
    """PostgreSQL: a waiting visit locked elsewhere is skipped, not waited for.

    Queue writes lock the office first, so only a writer outside the queue could hold a
    waiting visit; ``call_next`` takes the next one rather than queue behind it.
    """
    if database.is_sqlite:
        pytest.skip("SQLite has no row locks: its writers are serialised whole")
    first, second = arrive(site, clock), arrive(site, clock)
    held = visit_id(site, first)
    called: list[QueueEntry | None] = []
    with database.engine.connect() as other:
        other.execute(select(Visit.id).where(Visit.id == held).with_for_update())
        desk = threading.Thread(target=lambda: called.append(site.queue.call_next(site.desk1)))
        desk.start()
        desk.join(timeout=10)
        assert not desk.is_alive(), "call_next waited for the locked visit"
        other.rollback()
    assert called[0] is not None and called[0].ticket_code == second
    assert calls(site, 2) == [first, None]


# Transitions


def test_each_transition_sets_status_desk_and_times(
    site: Site, clock: FixedClock, database: Database
) -> None:
    """call, recall, start, finish; put back; no-show; left — each with its times."""
    a, b, c, d = (arrive(site, clock) for _ in range(4))
    clock.advance(minutes=5)
    called = site.queue.call_next(site.desk1)
    assert called is not None
    assert (called.ticket_code, called.status, called.desk_name, called.staff_name) == (
        a,
        VisitStatus.CALLED,
        "Guichet 1",
        "Alice",
    )
    assert called.called_at == clock.now() and called.position is None
    clock.advance(minutes=1)
    recalled = site.queue.recall(called.visit_id, site.desk1)
    assert recalled.called_at == clock.now() and recalled.status == VisitStatus.CALLED
    started = site.queue.start(called.visit_id, site.desk1)
    assert started.status == VisitStatus.IN_PROGRESS
    clock.advance(minutes=20)
    done = site.queue.finish(called.visit_id, site.desk1)
    assert done.status == VisitStatus.DONE

    site.queue.call(visit_id(site, c), site.desk2)
    back = site.queue.put_back(visit_id(site, c), site.desk2)
    assert (back.status, back.desk_id, back.called_at, back.position) == (
        VisitStatus.WAITING,
        None,
        None,
        2,
    )
    absent = site.queue.call_next(site.desk2)
    assert absent is not None and absent.ticket_code == b
    assert site.queue.mark_no_show(absent.visit_id, site.desk2).status == VisitStatus.NO_SHOW
    assert site.queue.mark_left(visit_id(site, d), site.reception).status == VisitStatus.LEFT
    gone = site.queue.call_next(site.desk1)
    assert gone is not None and gone.ticket_code == c
    assert site.queue.mark_left(gone.visit_id, site.desk1).status == VisitStatus.LEFT

    with database.read() as session:
        visit = session.get(Visit, done.visit_id)
        assert visit is not None
        assert visit.started_at is not None and visit.finished_at == clock.now()
        assert visit.staff_id == site.staff_ids["Alice"]
        no_show = session.get(Visit, absent.visit_id)
        assert no_show is not None and no_show.finished_at == clock.now()


def test_two_desks_calling_the_same_visitor(site: Site, clock: FixedClock) -> None:
    """The first desk wins; the second is told which desk took the visitor."""
    code = arrive(site, clock)
    target = visit_id(site, code)
    site.queue.call(target, site.desk1)
    with pytest.raises(TransitionRefused) as refused:
        site.queue.call(target, site.desk2)
    assert refused.value.message == "Ticket {ticket} was already called at {desk}."
    assert refused.value.params == {"ticket": code, "desk": "Guichet 1"}
    assert str(refused.value) == f"Ticket {code} was already called at Guichet 1."


def test_two_desks_starting_the_same_visitor(site: Site, clock: FixedClock) -> None:
    """Starting twice: the second desk learns the visitor is being seen at the first."""
    target = visit_id(site, arrive(site, clock))
    site.queue.call(target, site.desk1)
    site.queue.start(target, site.desk1)
    with pytest.raises(TransitionRefused) as refused:
        site.queue.start(target, site.desk2)
    assert refused.value.params["desk"] == "Guichet 1"
    assert refused.value.message == "Ticket {ticket} is already being seen at {desk}."
    site.queue.finish(target, site.desk1)
    with pytest.raises(TransitionRefused) as closed:
        site.queue.finish(target, site.desk2)
    assert closed.value.message == "Ticket {ticket} is already closed."


@pytest.mark.parametrize("method", ["put_back", "mark_no_show", "mark_left", "recall"])
def test_acting_on_a_visitor_another_desk_closed(
    site: Site, clock: FixedClock, method: str
) -> None:
    """Once a desk marked the visitor absent, the other desk's action is refused."""
    target = visit_id(site, arrive(site, clock))
    site.queue.call(target, site.desk1)
    site.queue.mark_no_show(target, site.desk1)
    with pytest.raises(TransitionRefused) as refused:
        getattr(site.queue, method)(target, site.desk2)
    assert refused.value.message == "Ticket {ticket} was marked absent."


def test_recall_only_from_the_calling_desk(site: Site, clock: FixedClock) -> None:
    """Re-announcing from another desk would send the visitor to the wrong counter."""
    code = arrive(site, clock)
    target = visit_id(site, code)
    with pytest.raises(TransitionRefused) as waiting:
        site.queue.recall(target, site.desk1)
    assert waiting.value.message == "Ticket {ticket} is waiting in the queue: call it first."
    site.queue.call(target, site.desk1)
    with pytest.raises(TransitionRefused) as refused:
        site.queue.recall(target, site.desk2)
    assert refused.value.params == {"ticket": code, "desk": "Guichet 1"}


def test_starting_a_visitor_called_to_another_desk_is_refused(
    site: Site, clock: FixedClock
) -> None:
    """Called to Guichet 1, the visitor walks there: another desk cannot start them, whatever
    its screen showed when the key was pressed; nothing changes."""
    code = arrive(site, clock)
    target = visit_id(site, code)
    site.queue.call(target, site.desk1)
    with pytest.raises(TransitionRefused) as refused:
        site.queue.start(target, site.desk2)
    assert refused.value.params == {"ticket": code, "desk": "Guichet 1"}
    started = site.queue.start(target, site.desk1)
    assert started.status == VisitStatus.IN_PROGRESS


def test_refusals_on_wrong_states(site: Site, clock: FixedClock) -> None:
    """Starting, finishing or putting back a waiting visit is refused; unknown visits too."""
    target = visit_id(site, arrive(site, clock))
    for method in ("start", "finish", "put_back", "mark_no_show"):
        with pytest.raises(TransitionRefused):
            getattr(site.queue, method)(target, site.desk1)
    with pytest.raises(NotFound):
        site.queue.call(999_999, site.desk1)
    with pytest.raises(NotFound):
        site.queue.recall(999_999, site.desk1)


def test_put_back_keeps_the_place(site: Site, clock: FixedClock) -> None:
    """A visitor put back is first again: their arrival time is kept."""
    first, second, third = (arrive(site, clock) for _ in range(3))
    called = site.queue.call_next(site.desk1)
    assert called is not None and called.ticket_code == first
    clock.advance(minutes=10)
    site.queue.put_back(called.visit_id, site.desk1)
    assert [(e.ticket_code, e.position) for e in site.queue.today()] == [
        (first, 1),
        (second, 2),
        (third, 3),
    ]
    assert entry(site, first).arrived_at < entry(site, second).arrived_at
    assert calls(site, 1, site.desk2) == [first]


def test_transfer_keeps_the_code_and_goes_to_the_target_desk(site: Site, clock: FixedClock) -> None:
    """Handed over to Guichet 2: same code, first there, invisible to other desks' call_next."""
    transferred, other = arrive(site, clock), arrive(site, clock)
    target = visit_id(site, transferred)
    site.queue.call(target, site.desk1)
    site.queue.start(target, site.desk1)
    handed = site.queue.transfer(target, site.desk_ids["Guichet 2"], None, site.desk1)
    assert (handed.ticket_code, handed.status, handed.desk_name) == (
        transferred,
        VisitStatus.WAITING,
        "Guichet 2",
    )
    assert handed.transfer_to_desk and handed.position is None  # seen from Guichet 1
    assert entry(site, transferred, site.desk2).position == 1
    assert entry(site, other, site.desk2).position == 2
    assert [e.ticket_code for e in site.queue.today()][:2] == [other, transferred]
    assert calls(site, 2, site.desk1) == [other, None]
    called = site.queue.call_next(site.desk2)
    assert called is not None
    assert (called.ticket_code, called.desk_name, called.staff_name) == (
        transferred,
        "Guichet 2",
        "Bruno",
    )


def test_transfer_to_a_mediator_follows_them(site: Site, clock: FixedClock) -> None:
    """A hand-over to a mediator is taken by that mediator's call_next, at any desk."""
    code = arrive(site, clock)
    target = visit_id(site, code)
    site.queue.call(target, site.reception)
    site.queue.start(target, site.reception)
    site.queue.transfer(target, None, site.staff_ids["Bruno"], site.reception)
    assert entry(site, code).staff_name == "Bruno"
    assert calls(site, 1, site.desk1) == [None]
    bruno_at_desk1 = Actor(
        site.info.id, site.desk1.desk_id, site.staff_ids["Bruno"], role=Role.MANAGER
    )
    assert calls(site, 1, bruno_at_desk1) == [code]


def test_transfer_checks_the_target_and_can_return_to_the_shared_queue(
    site: Site, clock: FixedClock
) -> None:
    """Unknown desks are refused; with no target the visit rejoins the queue at its place."""
    first, second = arrive(site, clock), arrive(site, clock)
    target = visit_id(site, first)
    site.queue.call(target, site.desk1)
    site.queue.start(target, site.desk1)
    with pytest.raises(NotFound):
        site.queue.transfer(target, 999_999, None, site.desk1)
    with pytest.raises(NotFound):
        site.queue.transfer(target, None, 999_999, site.desk1)
    back = site.queue.transfer(target, None, None, site.desk1)
    assert (back.position, back.transfer_to_desk) == (1, False)
    assert calls(site, 2, site.desk2) == [first, second]


def test_handed_over_visit_stays_callable_by_hand(site: Site, clock: FixedClock) -> None:
    """If the target desk is away, any desk can still call the visitor out of order."""
    target = visit_id(site, arrive(site, clock))
    site.queue.call(target, site.desk1)
    site.queue.start(target, site.desk1)
    site.queue.transfer(target, site.desk_ids["Bureau 1"], None, site.desk1)
    assert site.queue.call(target, site.desk2).desk_name == "Guichet 2"


# Today, revision, events


def test_today_order_and_positions(site: Site, clock: FixedClock) -> None:
    """Waiting in queue order, then called and in progress, then closed ones latest first."""
    done, absent, left, seen, called, w1, w2 = (arrive(site, clock) for _ in range(7))
    p1 = arrive(site, clock, ELDERLY)
    for code in (done, absent, seen):
        site.queue.call(visit_id(site, code), site.desk1)
    site.queue.start(visit_id(site, done), site.desk1)
    site.queue.start(visit_id(site, seen), site.desk1)
    clock.advance(minutes=1)
    site.queue.finish(visit_id(site, done), site.desk1)
    clock.advance(minutes=1)
    site.queue.mark_no_show(visit_id(site, absent), site.desk1)
    clock.advance(minutes=1)
    site.queue.mark_left(visit_id(site, left), site.reception)
    site.queue.call(visit_id(site, called), site.desk2)
    today = site.queue.today()
    assert [e.ticket_code for e in today] == [p1, w1, w2, called, seen, left, absent, done]
    assert [e.position for e in today] == [1, 2, 3, None, None, None, None, None]
    assert [e.status for e in today][2:5] == [
        VisitStatus.WAITING,
        VisitStatus.CALLED,
        VisitStatus.IN_PROGRESS,
    ]
    assert today[3].desk_name == "Guichet 2" and today[4].desk_name == "Guichet 1"
    assert calls(site, 4) == [p1, w1, w2, None]


def test_today_only_shows_the_local_day(site: Site, clock: FixedClock) -> None:
    """Yesterday's visits are not in today's queue, nor taken by call_next."""
    arrive(site, clock)
    clock.advance(days=1)
    assert site.queue.today() == []
    assert site.queue.call_next(site.desk1) is None


def test_revision_moves_on_changes_only(site: Site, clock: FixedClock) -> None:
    """Every change bumps the revision; reads and empty calls leave it alone."""
    revisions = [site.queue.revision()]

    def changed() -> bool:
        revisions.append(site.queue.revision())
        return revisions[-1] > revisions[-2]

    target = visit_id(site, arrive(site, clock))
    assert changed()
    site.queue.today()
    site.queue.today(site.desk1)
    assert not changed()
    site.queue.call(target, site.desk1)
    assert changed()
    site.queue.recall(target, site.desk1)
    assert changed()
    site.queue.put_back(target, site.desk1)
    assert changed()
    site.queue.call_next(site.desk1)
    assert changed()
    site.queue.start(target, site.desk1)
    assert changed()
    site.queue.transfer(target, site.desk_ids["Guichet 2"], None, site.desk1)
    assert changed()
    with pytest.raises(TransitionRefused):
        site.queue.start(target, site.desk1)
    assert not changed()
    site.queue.call_next(site.desk1)
    assert not changed()  # nothing Guichet 1 may take
    site.queue.call_next(site.desk2)
    assert changed()
    site.queue.mark_no_show(target, site.desk2)
    assert changed()


def test_events_record_every_transition(site: Site, clock: FixedClock, database: Database) -> None:
    """Each change is a VisitEvent with its desk and staff member."""
    target = visit_id(site, arrive(site, clock))
    site.queue.call_next(site.desk1)
    site.queue.recall(target, site.desk1)
    site.queue.put_back(target, site.desk1)
    site.queue.call(target, site.desk2)
    site.queue.start(target, site.desk2)
    site.queue.transfer(target, site.desk_ids["Guichet 1"], None, site.desk2)
    site.queue.call_next(site.desk1)
    site.queue.start(target, site.desk1)
    site.queue.finish(target, site.desk1)
    other = visit_id(site, arrive(site, clock))
    site.queue.mark_left(other, site.reception)
    with database.read() as session:
        events = session.execute(
            select(
                VisitEvent.visit_id,
                VisitEvent.from_status,
                VisitEvent.to_status,
                VisitEvent.desk_id,
            ).order_by(VisitEvent.id)
        ).all()
    desk1, desk2, reception = site.desk1.desk_id, site.desk2.desk_id, site.reception.desk_id
    assert [tuple(e) for e in events] == [
        (target, None, "waiting", reception),
        (target, "waiting", "called", desk1),
        (target, "called", "called", desk1),
        (target, "called", "waiting", desk1),
        (target, "waiting", "called", desk2),
        (target, "called", "in_progress", desk2),
        (target, "in_progress", "waiting", desk2),
        (target, "waiting", "called", desk1),
        (target, "called", "in_progress", desk1),
        (target, "in_progress", "done", desk1),
        (other, None, "waiting", reception),
        (other, "waiting", "left", reception),
    ]


def test_actor_of_another_office_is_refused(site: Site) -> None:
    """A queue only serves its own office's desks (a wiring mistake, not a user error)."""
    with pytest.raises(ValueError):
        site.queue.call_next(Actor(site.info.id + 1, None, role=Role.MANAGER))


# The order alone (no database)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def candidate(visit: int, minute: int, **traits: object) -> QueueCandidate:
    """A waiting visit that arrived ``minute`` minutes after 9:00."""
    return QueueCandidate(visit, NOW + timedelta(minutes=minute), **traits)  # type: ignore[arg-type]


def test_waiting_order_without_a_database() -> None:
    """Hand-overs to this desk, due appointments, priority under the cap, then arrivals."""
    waiting = [
        candidate(1, 0),
        candidate(2, 1, priority=Priority.URGENCY),
        candidate(3, 2, priority=Priority.PREGNANCY),
        candidate(4, 3, desk_id=7, resumed=True),
        candidate(5, 4, desk_id=8, resumed=True),
        candidate(
            6, 5, source=VisitSource.APPOINTMENT, appointment_starts_at=NOW + timedelta(minutes=9)
        ),
        candidate(7, 6, priority=Priority.ELDERLY),
    ]
    assert waiting_order(waiting, now=NOW, streak=0, cap=2, desk_id=7) == [4, 6, 2, 3, 1, 7]
    assert waiting_order(waiting, now=NOW, streak=1, cap=2) == [6, 2, 1, 3, 7]
    assert waiting_order(waiting, now=NOW, streak=0, cap=0, desk_id=8) == [5, 6, 1, 2, 3, 7]
    assert waiting_order([], now=NOW, streak=0, cap=2) == []


# The database's order against the reference


def reference_streak(session: Session, office: OfficeInfo, day: date) -> int:
    """The streak as the module docstring defines it, counted in Python from the history."""
    calls = session.execute(
        select(VisitEvent.id, VisitEvent.visit_id, Visit.source, Visit.priority)
        .join(Visit, Visit.id == VisitEvent.visit_id)
        .where(
            Visit.office_id == office.id,
            Visit.day == day,
            VisitEvent.from_status == VisitStatus.WAITING,
            VisitEvent.to_status == VisitStatus.CALLED,
        )
        .order_by(VisitEvent.id.desc())
    ).all()
    seen = session.execute(
        select(VisitEvent.visit_id, VisitEvent.id).where(
            VisitEvent.to_status == VisitStatus.IN_PROGRESS
        )
    ).all()
    streak = 0
    for call in calls:
        resumed = any(v == call.visit_id and i < call.id for v, i in seen)
        kind = call_kind(call.source, call.priority, resumed)
        if kind is CallKind.REGULAR:
            break
        streak += kind is CallKind.PRIORITY
    return streak


def reference_order(database: Database, site: Site, clock: FixedClock, viewer: Actor) -> list[int]:
    """Waiting visits in the order ``waiting_order`` gives from the viewer's desk."""
    day = site.info.local_day(clock.now())
    with database.read() as session:
        rows = session.execute(
            select(Visit, Appointment.starts_at)
            .outerjoin(Appointment, Appointment.id == Visit.appointment_id)
            .where(
                Visit.office_id == site.info.id,
                Visit.day == day,
                Visit.status == VisitStatus.WAITING,
            )
        ).all()
        cap = session.scalar(select(Office.priority_streak_cap).where(Office.id == site.info.id))
        streak = reference_streak(session, site.info, day)
    candidates = [
        QueueCandidate(
            v.id,
            v.arrived_at,
            v.priority,
            v.source,
            starts_at,
            v.desk_id,
            v.staff_id,
            v.started_at is not None,
        )
        for v, starts_at in rows
    ]
    assert cap is not None
    return waiting_order(
        candidates,
        now=clock.now(),
        streak=streak,
        cap=cap,
        desk_id=viewer.desk_id,
        staff_id=viewer.staff_id,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_database_order_follows_the_reference(
    site: Site, clock: FixedClock, database: Database, seed: int
) -> None:
    """Random mornings of arrivals (some registered by a clock behind), calls, put-backs,
    hand-overs and cap changes: every call_next takes the head ``waiting_order`` gives
    (streak counted in Python from the history), and every position shown or printed on a
    ticket is the reference's."""
    rng = random.Random(seed)
    desks = [site.desk1, site.desk2]
    targets = [
        (site.desk_ids["Guichet 1"], None),
        (None, site.staff_ids["Bruno"]),
        (site.desk_ids["Bureau 1"], None),
        (None, None),
    ]
    kinds = [REGULAR, REGULAR, REGULAR, ELDERLY, ELDERLY, ArrivalRequest(priority=Priority.URGENCY)]

    def by_status(status: VisitStatus) -> list[QueueEntry]:
        return [e for e in site.queue.today() if e.status == status]

    for _ in range(160):
        clock.advance(seconds=rng.randrange(0, 120))
        action = rng.random()
        if action < 0.35:
            if rng.random() < 0.15:
                starts_at = clock.now() + timedelta(minutes=rng.choice([-5, 5, 9, 30, 90]))
                request = ArrivalRequest(appointment_id=book(database, site, starts_at, clock))
            elif rng.random() < 0.05:
                request = ArrivalRequest(source=VisitSource.APPOINTMENT)
            else:
                request = rng.choice(kinds)
            skew = timedelta(minutes=rng.choice([0, 0, 0, 0, 3, 15]))  # a desk's clock behind
            clock.current -= skew
            ticket = site.queue.register_arrival(request, site.reception)
            expected = reference_order(database, site, clock, site.reception)  # by its clock
            assert ticket.position == expected.index(ticket.visit_id) + 1
            clock.current += skew
        elif action < 0.7:
            desk = rng.choice(desks)
            expected = reference_order(database, site, clock, desk)
            called = site.queue.call_next(desk)
            assert (called.visit_id if called else None) == (expected[0] if expected else None)
        elif action < 0.78 and (waiting := by_status(VisitStatus.WAITING)):
            site.queue.call(rng.choice(waiting).visit_id, rng.choice(desks))
        elif action < 0.86 and (called_now := by_status(VisitStatus.CALLED)):
            chosen = rng.choice(called_now)
            desk = next(d for d in desks if d.desk_id == chosen.desk_id)
            if rng.random() < 0.5:
                site.queue.put_back(chosen.visit_id, desk)
            else:
                site.queue.start(chosen.visit_id, desk)
        elif action < 0.95 and (seen := by_status(VisitStatus.IN_PROGRESS)):
            chosen = rng.choice(seen)
            desk = next(d for d in desks if d.desk_id == chosen.desk_id)
            if rng.random() < 0.6:
                site.queue.transfer(chosen.visit_id, *rng.choice(targets), desk)
            else:
                site.queue.finish(chosen.visit_id, desk)
        else:
            set_cap(database, site.info, rng.choice([0, 1, 2, 3]))
        for viewer in (*desks, site.reception):
            shown = [e.visit_id for e in site.queue.today(viewer) if e.position is not None]
            assert shown == reference_order(database, site, clock, viewer)
