"""The demo data generator: deterministic, consistent, and shaped like a working PIMMS."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import (
    AgeBand,
    AppointmentStatus,
    ConsentScope,
    Gender,
    HelpLevel,
    Need,
    Outcome,
    Priority,
    RefusalReason,
    RelayMode,
    RelayStatus,
    Role,
    VisitSource,
    VisitStatus,
)
from pimms_tui.db.models import (
    Appointment,
    Base,
    Consent,
    Demand,
    Desk,
    Motif,
    Office,
    Partner,
    Relay,
    Staff,
    TicketCounter,
    Visit,
    VisitEvent,
    Visitor,
)
from pimms_tui.db.normalise import phone_digits, search_key
from pimms_tui.demo import DEMO_PINS, DemoReport, ensure_demo_data, seed_demo
from pimms_tui.demo import seeding as demo
from pimms_tui.domain.consent import KEEP_FILE_TEXT_HASH
from pimms_tui.domain.orientation import SHARE_CONSENT_TEXT_HASH

PARIS = ZoneInfo("Europe/Paris")
# Monday 2 March 2026, 10:00 in Paris: the office is open and busy.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
SMALL = {"visitors": 300, "days": 30, "seed": 7}


@dataclass
class Seeded:
    """A database with a small demo in it, and what seeding reported."""

    database: Database
    report: DemoReport


@pytest.fixture
def seeded(database: Database) -> Seeded:
    """The small demo, seeded once per test on each engine."""
    return Seeded(database, seed_demo(database, now=NOW, **SMALL))


def all_rows(session: Session, model: type[Base]) -> list[Any]:
    """Every row of a model, by primary key."""
    mapper = model.__mapper__
    return list(session.scalars(select(model).order_by(*mapper.primary_key)))


def local(instant: datetime) -> datetime:
    """An instant in Paris time."""
    return instant.astimezone(PARIS)


# ---------------------------------------------------------------------------------------------


def test_counts_match_the_report(seeded: Seeded) -> None:
    """The report says what is in the database."""
    report = seeded.report
    with seeded.database.read() as session:

        def count(model: type[Base]) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        assert count(Office) == report.offices == 2
        assert count(Staff) == report.staff == 12
        assert count(Visitor) == report.visitors == SMALL["visitors"]
        assert count(Visit) == report.visits
        assert count(VisitEvent) == report.events
        assert count(Demand) == report.demands
        assert count(Relay) == report.relays
        assert count(Appointment) == report.appointments
        assert count(Consent) == report.consents
        codes = session.scalars(select(Office.code).order_by(Office.id)).all()
        names = session.scalars(select(Office.name).order_by(Office.id)).all()
    assert codes == ["DEMO-1", "DEMO-2"]
    assert names == ["PIMMS Démo Centre", "PIMMS Démo Nord"]
    # About 2.5 visits per visitor, with demands, events and relays to match.
    assert report.visits == round(2.5 * SMALL["visitors"])
    assert report.demands > report.visits
    assert report.events > 3 * report.visits
    assert 0 < report.relays < report.demands
    assert report.rows > 0 and report.seconds > 0


def test_staff_per_office(seeded: Seeded) -> None:
    """A manager, two receptionists and three mediators per office, named "Sophie M."; PINs."""
    with seeded.database.read() as session:
        staff = all_rows(session, Staff)
    by_office: dict[int, list[str]] = defaultdict(list)
    for member in staff:
        by_office[member.office_id].append(member.role)
        assert member.display_name.endswith(".") and member.display_name[-3] == " "
        assert member.active and member.pin_hash is not None
        # The demo PIN of the role (listed on the demo's sign-in screen) opens the account.
        assert PasswordHasher().verify(member.pin_hash, DEMO_PINS[Role(member.role)])
    for roles in by_office.values():
        assert sorted(roles) == sorted(
            [Role.MANAGER, Role.RECEPTION, Role.RECEPTION] + [Role.MEDIATOR] * 3
        )


def test_same_arguments_give_the_same_rows(
    database: Database, sqlite_template: Path, tmp_path: Path
) -> None:
    """Two fresh databases (here: this engine and SQLite) get identical content."""
    other_path = tmp_path / "second.sqlite3"
    shutil.copyfile(sqlite_template, other_path)
    other = Database.from_url(f"sqlite:///{other_path}")
    try:
        first = seed_demo(database, now=NOW, **SMALL)
        second = seed_demo(other, now=NOW, **SMALL)
        assert (first.visits, first.demands, first.events) == (
            second.visits,
            second.demands,
            second.events,
        )
        assert digest(database) == digest(other)
    finally:
        other.dispose()


def test_another_seed_gives_other_rows(sqlite_template: Path, tmp_path: Path) -> None:
    """The seed matters."""
    digests = []
    for seed in (1, 2):
        path = tmp_path / f"seed{seed}.sqlite3"
        shutil.copyfile(sqlite_template, path)
        database = Database.from_url(f"sqlite:///{path}")
        seed_demo(database, visitors=50, days=5, seed=seed, now=NOW)
        digests.append(digest(database))
        database.dispose()
    assert digests[0] != digests[1]


def digest(database: Database) -> str:
    """A hash of every demo-related row, read back through the ORM."""
    models: list[type[Base]] = [
        Office,
        Desk,
        Staff,
        Partner,
        Visitor,
        Consent,
        Appointment,
        Visit,
        VisitEvent,
        Demand,
        Relay,
        TicketCounter,
    ]
    hasher = hashlib.sha256()
    with database.read() as session:
        for model in models:
            columns = [c.key for c in model.__mapper__.column_attrs]
            for row in all_rows(session, model):
                values = [_plain(getattr(row, name)) for name in columns]
                hasher.update(json.dumps(values, ensure_ascii=False).encode())
    return hasher.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def test_seeding_twice_is_refused(seeded: Seeded) -> None:
    """Demo offices exist already: a clear error, nothing added."""
    with pytest.raises(ValueError, match="demo offices already exist"):
        seed_demo(seeded.database, now=NOW, **SMALL)
    with seeded.database.read() as session:
        assert session.scalar(select(func.count()).select_from(Office)) == 2


def test_exact_number_of_visits_when_asked(database: Database) -> None:
    """``visits`` fixes the total."""
    report = seed_demo(database, visitors=120, days=12, seed=3, now=NOW, visits=333, offices=3)
    assert report.visits == 333 and report.offices == 3
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 333
        names = session.scalars(select(Office.name).order_by(Office.id)).all()
    assert names[-1] == "PIMMS Démo Sud"


def test_ensure_demo_data_only_fills_an_empty_database(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pimms --demo` seeds once; a database with an office is left alone."""
    monkeypatch.setattr(demo, "DEMO_VISITORS", 150)
    monkeypatch.setattr(demo, "DEMO_DAYS", 20)
    assert ensure_demo_data(database, NOW) is True
    assert ensure_demo_data(database, NOW) is False
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Office)) == 2
        assert session.scalar(select(func.count()).select_from(Visitor)) == 150


def test_ensure_demo_data_leaves_a_real_office_alone(database: Database) -> None:
    """An office created by a user means: no demo."""
    from pimms_tui.domain.offices import create_office

    with database.write() as session:
        create_office(session, name="PIMMS Dijon", now=NOW)
    assert ensure_demo_data(database, NOW) is False
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Visitor)) == 0


# ---------------------------------------------------------------------------------------------
# Tickets and the living day


def test_ticket_codes_are_unique_and_counters_consistent(seeded: Seeded) -> None:
    """A-001, A-002… per office, day and series, without gaps; counters give max + 1 next."""
    with seeded.database.read() as session:
        visits = all_rows(session, Visit)
        counters = {
            (c.office_id, c.day, c.series): c.last_number for c in all_rows(session, TicketCounter)
        }
    numbers: dict[tuple[int, date, str], list[int]] = defaultdict(list)
    codes = set()
    for visit in visits:
        series, digits = visit.ticket_code.split("-")
        assert series in ("A", "R")
        assert (series == "R") == (visit.appointment_id is not None)
        assert (series == "R") == (visit.source == VisitSource.APPOINTMENT)
        assert digits == f"{visit.ticket_number:03d}"
        assert (visit.office_id, visit.day, visit.ticket_code) not in codes
        codes.add((visit.office_id, visit.day, visit.ticket_code))
        numbers[(visit.office_id, visit.day, series)].append(visit.ticket_number)
    assert set(numbers) == set(counters)
    for key, issued in numbers.items():
        assert sorted(issued) == list(range(1, len(issued) + 1))
        assert counters[key] == max(issued)
    # Tickets follow the order of arrival.
    by_day: dict[tuple[int, date, str], list[Visit]] = defaultdict(list)
    for visit in visits:
        by_day[(visit.office_id, visit.day, visit.ticket_code[0])].append(visit)
    for day_visits in by_day.values():
        ordered = sorted(day_visits, key=lambda v: v.ticket_number)
        assert [v.arrived_at for v in ordered] == sorted(v.arrived_at for v in ordered)


def test_today_is_a_living_office(seeded: Seeded) -> None:
    """Now: 20–30 visits so far, most done, two or three at desks, six or more waiting."""
    with seeded.database.read() as session:
        today = session.scalars(select(Visit).where(Visit.day == TODAY)).all()
        appointments = session.scalars(
            select(Appointment).where(
                Appointment.starts_at >= datetime(2026, 3, 1, 23, tzinfo=UTC),
                Appointment.starts_at < datetime(2026, 3, 2, 23, tzinfo=UTC),
            )
        ).all()
        mediators = set(session.scalars(select(Staff.id).where(Staff.role == Role.MEDIATOR)))
    for office_id in (1, 2):
        visits = [v for v in today if v.office_id == office_id]
        status = defaultdict(int)
        for visit in visits:
            status[visit.status] += 1
            assert visit.arrived_at <= NOW
            for instant in (visit.called_at, visit.started_at, visit.finished_at):
                assert instant is None or instant <= NOW
        assert 20 <= len(visits) <= 32
        finished = status[VisitStatus.DONE] + status[VisitStatus.LEFT] + status[VisitStatus.NO_SHOW]
        assert finished > len(visits) // 2
        assert 2 <= status[VisitStatus.IN_PROGRESS] + status[VisitStatus.CALLED] <= 3
        assert 6 <= status[VisitStatus.WAITING] <= 12
        at_desks = [v for v in visits if v.status in (VisitStatus.IN_PROGRESS, VisitStatus.CALLED)]
        assert all(v.desk_id and v.staff_id in mediators for v in at_desks)
        assert len({v.staff_id for v in at_desks}) == len(at_desks)
        waiting = [v for v in visits if v.status == VisitStatus.WAITING]
        assert all(v.desk_id is None and v.staff_id is None for v in waiting)
        with_mediator = [
            a for a in appointments if a.office_id == office_id and a.staff_id in mediators
        ]
        assert len(with_mediator) >= 4
        assert any(
            a.starts_at > NOW and a.status == AppointmentStatus.BOOKED for a in with_mediator
        )
    waiting = [v for v in today if v.status == VisitStatus.WAITING]
    assert any(v.priority != Priority.NONE for v in waiting)
    assert any(Need.INTERPRETER in v.needs and v.interpreter_language for v in waiting)


def test_nothing_happens_after_now(seeded: Seeded) -> None:
    """No arrival, event, demand or relay outcome in the future; only bookings are."""
    with seeded.database.read() as session:
        latest = [
            session.scalar(select(func.max(Visit.arrived_at))),
            session.scalar(select(func.max(Visit.finished_at))),
            session.scalar(select(func.max(VisitEvent.at))),
            session.scalar(select(func.max(Demand.created_at))),
            session.scalar(select(func.max(Relay.sent_at))),
            session.scalar(select(func.max(Relay.closed_at))),
            session.scalar(select(func.max(Appointment.created_at))),
            session.scalar(select(func.max(Visitor.last_activity_at))),
            session.scalar(select(func.max(Consent.given_at))),
        ]
        future = session.scalars(
            select(Appointment.status).where(Appointment.starts_at > NOW + timedelta(hours=1))
        ).all()
    assert all(instant is not None and instant <= NOW for instant in latest)
    assert set(future) <= {AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED}
    assert AppointmentStatus.BOOKED in future


# ---------------------------------------------------------------------------------------------
# Visits, events, demands


def test_events_tell_the_story_of_each_visit(seeded: Seeded) -> None:
    """Every visit starts waiting; each event continues the last; the last is the status."""
    allowed = {
        (None, VisitStatus.WAITING),
        (VisitStatus.WAITING, VisitStatus.CALLED),
        (VisitStatus.WAITING, VisitStatus.LEFT),
        (VisitStatus.CALLED, VisitStatus.IN_PROGRESS),
        (VisitStatus.CALLED, VisitStatus.NO_SHOW),
        (VisitStatus.CALLED, VisitStatus.WAITING),
        (VisitStatus.IN_PROGRESS, VisitStatus.DONE),
        (VisitStatus.IN_PROGRESS, VisitStatus.WAITING),
    }
    with seeded.database.read() as session:
        visits = {v.id: v for v in all_rows(session, Visit)}
        events: dict[int, list[VisitEvent]] = defaultdict(list)
        for event in all_rows(session, VisitEvent):
            events[event.visit_id].append(event)
    assert set(events) == set(visits)
    for visit_id, visit in visits.items():
        chain = events[visit_id]
        assert chain[0].from_status is None and chain[0].at == visit.arrived_at
        for before, after in pairwise(chain):
            assert after.from_status == before.to_status
            assert after.at >= before.at
        assert {(e.from_status, e.to_status) for e in chain} <= allowed
        assert chain[-1].to_status == visit.status
        assert all(e.office_id == visit.office_id for e in chain)
        if visit.status in (VisitStatus.CALLED, VisitStatus.IN_PROGRESS, VisitStatus.DONE):
            assert visit.called_at == last_into(chain, VisitStatus.CALLED)
        if visit.status in (VisitStatus.IN_PROGRESS, VisitStatus.DONE):
            assert visit.started_at == last_into(chain, VisitStatus.IN_PROGRESS)
            assert visit.staff_id == chain[-1].staff_id
        if visit.status in (VisitStatus.DONE, VisitStatus.LEFT, VisitStatus.NO_SHOW):
            assert visit.finished_at == chain[-1].at
        else:
            assert visit.finished_at is None
        if visit.status == VisitStatus.WAITING:
            assert visit.called_at is None or visit.called_at < chain[-1].at


def last_into(chain: list[VisitEvent], status: str) -> datetime | None:
    """When the visit last entered this status."""
    times = [e.at for e in chain if e.to_status == status]
    return times[-1] if times else None


def test_waits_and_listening_look_real(seeded: Seeded) -> None:
    """Waits of a few minutes to 40, listening times of a few minutes to an hour."""
    with seeded.database.read() as session:
        done = session.scalars(
            select(Visit).where(Visit.status == VisitStatus.DONE, Visit.source == "walk_in")
        ).all()
        first_calls = dict(
            session.execute(
                select(VisitEvent.visit_id, func.min(VisitEvent.at))
                .where(VisitEvent.to_status == VisitStatus.CALLED)
                .group_by(VisitEvent.visit_id)
            ).all()
        )
    waits = sorted((first_calls[v.id] - v.arrived_at).total_seconds() / 60 for v in done)
    listening = sorted((v.finished_at - v.started_at).total_seconds() / 60 for v in done)
    median_wait = waits[len(waits) // 2]
    median_listening = listening[len(listening) // 2]
    assert 5 <= median_wait <= 30 and waits[-1] <= 41
    assert 5 <= median_listening <= 40 and listening[-1] <= 75


def test_visit_times_are_within_opening_hours(seeded: Seeded) -> None:
    """Everything happens on an opening day, within its opening hours, in Paris time."""
    with seeded.database.read() as session:
        offices = {o.id: o for o in all_rows(session, Office)}
        visits = all_rows(session, Visit)
        events = all_rows(session, VisitEvent)
        appointments = all_rows(session, Appointment)
    visit_day = {v.id: v.day for v in visits}

    def assert_open(office: Office, instant: datetime, day: date | None = None) -> None:
        moment = local(instant)
        if day is not None:
            assert moment.date() == day
        intervals = office.opening_hours.get(str(moment.weekday()), [])
        assert any(
            time.fromisoformat(a) <= moment.time() <= time.fromisoformat(b) for a, b in intervals
        ), f"{moment} is outside opening hours"

    for visit in visits:
        office = offices[visit.office_id]
        for instant in (visit.arrived_at, visit.called_at, visit.started_at, visit.finished_at):
            if instant is not None:
                assert_open(office, instant, visit.day)
    for event in events:
        assert_open(offices[event.office_id], event.at, visit_day[event.visit_id])
    for appointment in appointments:
        office = offices[appointment.office_id]
        assert_open(office, appointment.starts_at)
        end = appointment.starts_at + timedelta(minutes=appointment.duration_minutes)
        assert_open(office, end, local(appointment.starts_at).date())
    days = {v.day for v in visits}
    assert all(d.weekday() != 6 for d in days)  # closed on Sundays
    assert max(days) == TODAY and min(days) >= TODAY - timedelta(days=SMALL["days"])


def test_demands_and_visits_hold_sensible_values(seeded: Seeded) -> None:
    """Codes within their enumerations (SQLite loads skip CHECKs), demands on served visits."""
    with seeded.database.read() as session:
        visits = {v.id: v for v in all_rows(session, Visit)}
        demands = all_rows(session, Demand)
        motifs = set(session.scalars(select(Motif.id)))
        partners = {p.id: p.office_id for p in all_rows(session, Partner)}
        appointments = {a.id: a for a in all_rows(session, Appointment)}
        consents = all_rows(session, Consent)
    for visit in visits.values():
        assert visit.status in set(VisitStatus)
        assert visit.source in set(VisitSource)
        assert visit.priority in set(Priority)
        assert visit.gender in set(Gender)
        assert visit.age_band is None or visit.age_band in set(AgeBand)
        assert set(visit.needs) <= set(Need)
        assert visit.first_motif_id in motifs
        if visit.visitor_id is not None:
            assert visit.age_band is None and visit.gender == Gender.NOT_GIVEN
    anonymous = sum(1 for v in visits.values() if v.visitor_id is None)
    assert 0.2 < anonymous / len(visits) < 0.4
    assert any(v.age_band for v in visits.values() if v.visitor_id is None)
    by_visit: dict[int, list[Demand]] = defaultdict(list)
    for item in demands:
        by_visit[item.visit_id].append(item)
        visit = visits[item.visit_id]
        assert item.office_id == visit.office_id
        assert item.level in set(HelpLevel)
        assert item.motif_id in motifs
        assert item.partner_id is None or partners[item.partner_id] == item.office_id
        assert visit.started_at is not None and visit.started_at <= item.created_at
        if visit.status == VisitStatus.DONE:
            assert item.outcome in set(Outcome)
            assert item.created_at <= visit.finished_at
        else:
            assert visit.status == VisitStatus.IN_PROGRESS and item.outcome is None
        if item.outcome == Outcome.APPOINTMENT:
            booked = appointments[item.appointment_id]
            assert booked.visitor_id == visit.visitor_id is not None
            assert booked.created_at >= item.created_at
        else:
            assert item.appointment_id is None
    for visit_id, items in by_visit.items():
        assert [d.position for d in items] == list(range(1, len(items) + 1)) and len(items) <= 3
        assert items[0].motif_id == visits[visit_id].first_motif_id
    served = [v for v in visits.values() if v.status == VisitStatus.DONE]
    assert all(by_visit[v.id] for v in served)
    outcomes = {d.outcome for d in demands}
    assert set(Outcome) <= outcomes
    assert {c.scope for c in consents} == set(ConsentScope)
    hashes = {
        ConsentScope.KEEP_FILE: KEEP_FILE_TEXT_HASH,
        ConsentScope.SHARE_WITH_PARTNER: SHARE_CONSENT_TEXT_HASH,
    }
    assert all(c.text_version_hash == hashes[c.scope] for c in consents)
    assert all(c.withdrawn_at is None for c in consents)


# ---------------------------------------------------------------------------------------------
# Relays and appointments


def test_relays_are_followed_up(seeded: Seeded) -> None:
    """Relays for relay outcomes; follow-up 14 days later; old ones closed, some due now."""
    with seeded.database.read() as session:
        relays = all_rows(session, Relay)
        demands = {d.id: d for d in all_rows(session, Demand)}
        consents = {c.id: c for c in all_rows(session, Consent)}
        visits = {v.id: v for v in all_rows(session, Visit)}
    assert relays
    assert {r.demand_id for r in relays} == {
        d.id for d in demands.values() if d.outcome == Outcome.RELAY
    }
    for relay in relays:
        demand = demands[relay.demand_id]
        assert relay.partner_id == demand.partner_id
        assert relay.mode in set(RelayMode) and relay.status in set(RelayStatus)
        assert relay.follow_up_on == local(relay.sent_at).date() + timedelta(days=14)
        if relay.status == RelayStatus.REFUSED:
            assert relay.refusal_reason in set(RefusalReason)
        else:
            assert relay.refusal_reason is None
        if relay.status == RelayStatus.OPEN:
            assert relay.closed_at is None
        else:
            assert relay.closed_at is not None and relay.sent_at < relay.closed_at <= NOW
        if relay.follow_up_on > TODAY:
            assert relay.status == RelayStatus.OPEN
        if relay.share_consent_id is not None:
            consent = consents[relay.share_consent_id]
            assert consent.scope == ConsentScope.SHARE_WITH_PARTNER
            assert consent.visitor_id == visits[demand.visit_id].visitor_id
        if relay.shared_details is not None:
            assert relay.share_consent_id is not None
    due = [r for r in relays if r.status == RelayStatus.OPEN and r.follow_up_on <= TODAY]
    assert due, "some relays are due or overdue today"
    assert any(r.status == RelayStatus.OPEN and r.follow_up_on > TODAY for r in relays)
    assert any(r.status != RelayStatus.OPEN for r in relays)


def test_no_mediator_is_booked_twice_at_once(seeded: Seeded) -> None:
    """Appointments of one mediator never overlap; partner sessions neither."""
    with seeded.database.read() as session:
        appointments = all_rows(session, Appointment)
        roles = {s.id: s.role for s in all_rows(session, Staff)}
    assert appointments
    by_owner: dict[tuple[str, int], list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        assert appointment.status in set(AppointmentStatus)
        if appointment.staff_id is not None:
            assert roles[appointment.staff_id] == Role.MEDIATOR
            by_owner[("staff", appointment.staff_id)].append(appointment)
        else:
            assert appointment.partner_id is not None
            by_owner[("partner", appointment.partner_id)].append(appointment)
    for booked in by_owner.values():
        booked.sort(key=lambda a: a.starts_at)
        for first, second in pairwise(booked):
            assert first.starts_at + timedelta(minutes=first.duration_minutes) <= second.starts_at


def test_appointments_have_a_past_and_a_future(seeded: Seeded) -> None:
    """Past ones have outcomes (a few still to fill in), seen ones a visit; future ones booked."""
    with seeded.database.read() as session:
        appointments = all_rows(session, Appointment)
        visits = [v for v in all_rows(session, Visit) if v.appointment_id is not None]
    past = [a for a in appointments if a.starts_at + timedelta(hours=1) < NOW]
    statuses = {a.status for a in past}
    assert {AppointmentStatus.SEEN, AppointmentStatus.NO_SHOW} <= statuses
    assert AppointmentStatus.BOOKED in statuses  # "à renseigner"
    assert any(a.starts_at.date() > TODAY for a in appointments)
    by_id = {a.id: a for a in appointments}
    for visit in visits:
        appointment = by_id[visit.appointment_id]
        assert visit.visitor_id == appointment.visitor_id
        assert visit.day == local(appointment.starts_at).date()
        if visit.status == VisitStatus.DONE:
            assert appointment.status == AppointmentStatus.SEEN
            assert visit.staff_id == appointment.staff_id
        else:
            assert appointment.status == AppointmentStatus.ARRIVED
    seen_with_mediator = [
        a for a in past if a.status == AppointmentStatus.SEEN and a.staff_id is not None
    ]
    assert {a.id for a in seen_with_mediator} <= {v.appointment_id for v in visits}
    for appointment in appointments:
        assert appointment.created_at < appointment.starts_at


# ---------------------------------------------------------------------------------------------
# Visitors


def test_visitors_look_like_a_french_neighbourhood(seeded: Seeded) -> None:
    """Accents, compound and particle names, valid mobiles, search keys, consistent dates."""
    with seeded.database.read() as session:
        visitors = all_rows(session, Visitor)
        visits = all_rows(session, Visit)
        consents = [c for c in all_rows(session, Consent) if c.scope == ConsentScope.KEEP_FILE]
    names = [f"{v.first_name} {v.last_name or ''}" for v in visitors]
    assert any(not name.isascii() for name in names)
    assert any(v.last_name and "-" in v.last_name for v in visitors)
    assert any(v.last_name and " " in v.last_name for v in visitors)
    assert any(v.last_name and "'" in v.last_name for v in visitors)
    with_phone = [v for v in visitors if v.phone]
    assert 0.7 < len(with_phone) / len(visitors) < 0.9
    for visitor in with_phone:
        number = phonenumbers.parse(visitor.phone)
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
        assert visitor.phone.startswith(("+336", "+337")) and len(visitor.phone) == 12
        assert visitor.phone_digits == phone_digits(visitor.phone)
    assert all(v.phone_digits is None for v in visitors if not v.phone)
    assert any(v.email for v in visitors)
    assert all(
        v.email.endswith(("example.org", "example.net", "example.com")) for v in visitors if v.email
    )
    assert sum(1 for v in visitors if v.birth_year) > len(visitors) * 0.75
    assert sum(1 for v in visitors if v.commune) > len(visitors) * 0.8
    for visitor in visitors:
        assert visitor.search_key == search_key(visitor.first_name, visitor.last_name)
        assert visitor.created_at <= visitor.last_activity_at
    # Dates follow the visits: created at the first, active until the last.
    arrivals: dict[int, list[datetime]] = defaultdict(list)
    ends: dict[int, list[datetime]] = defaultdict(list)
    for visit in visits:
        if visit.visitor_id is not None:
            arrivals[visit.visitor_id].append(visit.arrived_at)
            last = visit.finished_at or visit.started_at or visit.called_at or visit.arrived_at
            ends[visit.visitor_id].append(last)
    assert len(arrivals) > len(visitors) * 0.8
    for visitor in visitors:
        if visitor.id in arrivals:
            assert visitor.created_at == min(arrivals[visitor.id])
            assert visitor.last_activity_at >= max(ends[visitor.id])
        else:
            assert visitor.last_activity_at < NOW - timedelta(days=SMALL["days"])
    assert sorted(c.visitor_id for c in consents) == sorted(v.id for v in visitors)
    given = {c.visitor_id: c.given_at for c in consents}
    assert all(given[v.id] == v.created_at for v in visitors)


# ---------------------------------------------------------------------------------------------
# Any moment of the week


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(datetime(2026, 3, 1, 15, 0, tzinfo=PARIS), id="sunday"),
        pytest.param(datetime(2026, 3, 2, 8, 0, tzinfo=PARIS), id="before-opening"),
        pytest.param(datetime(2026, 3, 2, 9, 5, tzinfo=PARIS), id="just-opened"),
        pytest.param(datetime(2026, 3, 3, 13, 0, tzinfo=PARIS), id="lunch-break"),
        pytest.param(datetime(2026, 3, 7, 11, 30, tzinfo=PARIS), id="saturday"),
        pytest.param(datetime(2026, 3, 4, 19, 0, tzinfo=PARIS), id="evening"),
        pytest.param(datetime(2026, 5, 1, 10, 0, tzinfo=PARIS), id="may-day"),
        pytest.param(datetime(2026, 3, 30, 10, 0, tzinfo=PARIS), id="after-dst"),
    ],
)
def test_any_moment_gives_consistent_data(
    moment: datetime, sqlite_template: Path, tmp_path: Path
) -> None:
    """Whatever ``now`` is, nothing happens outside opening hours or after now."""
    path = tmp_path / "moment.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    try:
        report = seed_demo(database, visitors=120, days=20, seed=11, now=moment)
        with database.read() as session:
            visits = all_rows(session, Visit)
            offices = {o.id: o for o in all_rows(session, Office)}
            events = all_rows(session, VisitEvent)
    finally:
        database.dispose()
    assert report.visits == len(visits) == 300
    for visit in visits:
        office = offices[visit.office_id]
        for instant in (visit.arrived_at, visit.called_at, visit.started_at, visit.finished_at):
            if instant is None:
                continue
            assert instant <= moment
            at = local(instant)
            assert at.date() == visit.day
            intervals = office.opening_hours[str(at.weekday())]
            assert any(
                time.fromisoformat(a) <= at.time() <= time.fromisoformat(b) for a, b in intervals
            )
    assert all(e.at <= moment for e in events)
    today = local(moment).date()
    today_visits = [v for v in visits if v.day == today]
    if moment.hour < 9 or moment.weekday() == 6 or (moment.month, moment.day) == (5, 1):
        assert today_visits == []
    if moment.hour >= 19:
        assert all(v.status in ("done", "left", "no_show") for v in today_visits)


def test_arguments_are_checked(database: Database) -> None:
    """Nonsense is refused before anything is written."""
    with pytest.raises(ValueError):
        seed_demo(database, visitors=10, days=0, seed=1, now=NOW)
    with pytest.raises(ValueError):
        seed_demo(database, visitors=10, days=5, seed=1, now=NOW.replace(tzinfo=None))
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Office)) == 0
