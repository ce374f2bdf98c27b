"""A whole office day, faster than real time: desks on one database, through the domain layer.

    python bench/day_load.py                              # 12 desks, 400 arrivals, SQLite
    python bench/day_load.py --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/day_load.py --network --postgres-url …   # 60 offices × 4 desks, one hour

Arrivals follow a day's shape (a morning peak, a quieter afternoon); reception desks register
them (a third are known visitors, searched first), the other desks call, listen, orient,
relay and book appointments, with the pauses of a real visit compressed. A few visitors
leave before their turn, a few are absent when called, a few are transferred. At the end the
database is checked: every arrival accounted for exactly once (done, left or no-show), no
ticket code twice, no appointment overlapping another of the same mediator, every visit's
event chain unbroken, and no error but the expected "already taken" answers.
``tests/test_day_load.py`` runs a small day with the same code; timings are printed here only.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

# Tests load this file by its path: bench/ (where common.py is) may not be on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.queue import QueueService
from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, Outcome, RelayMode, Role, VisitStatus
from pimms_tui.db.models import Appointment, Demand, Relay, Staff, Visit, VisitEvent
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.appointments import SLOT_TAKEN, VISITOR_BUSY
from pimms_tui.domain.catalog import list_motifs, list_partners, list_registers
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.errors import DomainError
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk
from pimms_tui.domain.orientation import DemandInput, RelayInput
from pimms_tui.domain.queue import AlreadyInQueue, ArrivalRequest
from pimms_tui.domain.queue.same_person import ALREADY_SEEN, ALREADY_WAITING
from pimms_tui.domain.setup import prepare_database
from pimms_tui.domain.visitors import NewVisitor, create_visitor

_T = TypeVar("_T")
REAL_DAY_SECONDS = 8.5 * 3600  # 09:00–17:30
# An idle desk tries again at the queue screen's poll interval.
IDLE_POLL_SECONDS = 0.25
FINISHED = {VisitStatus.DONE.value, VisitStatus.LEFT.value, VisitStatus.NO_SHOW.value}
# The refusals a busy office gives as a matter of course: "someone else took it first".
EXPECTED_REFUSALS = {
    ALREADY_SEEN,
    ALREADY_WAITING,
    SLOT_TAKEN,
    VISITOR_BUSY,
    "Ticket {ticket} was already called at {desk}.",
    "Ticket {ticket} is already being seen at {desk}.",
    "Ticket {ticket} was marked absent.",
    "Ticket {ticket} is already closed.",
    "Ticket {ticket} has left without being seen.",
}
FIRST_NAMES = ("Aïcha", "Bernard", "Chloé", "Dimitri", "Élodie", "Fatou", "Gérard", "Hélène")
LAST_NAMES = ("Martin", "N'Diaye", "Dupont-Moreau", "Nguyen", "Benali", "Lefèvre", "Rossi")


@dataclass
class DayPlan:
    """How big a day is and how fast it runs."""

    desks: int = 12
    reception_desks: int = 2
    arrivals: int = 400
    day_seconds: float = 120.0  # the real 8.5 hours, compressed to this
    real_day_seconds: float = REAL_DAY_SECONDS
    known_visitors: int = 40
    seed: int = 7
    deadline_seconds: float = 600.0  # give up (and report) if the day is not over by then


@dataclass
class Stats:
    """What the desks measured and met, shared between their threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    expected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unexpected: list[str] = field(default_factory=list)
    registered: dict[int, str] = field(default_factory=dict)  # visit id -> ticket code
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, name: str, job: Callable[[], _T]) -> _T:
        """Run one domain call and keep its duration."""
        started = time.perf_counter()
        try:
            return job()
        finally:
            elapsed = time.perf_counter() - started
            with self.lock:
                self.latencies[name].append(elapsed)

    def refusal(self, where: str, error: DomainError) -> None:
        """Count an expected refusal, or keep an unexpected one."""
        with self.lock:
            if error.message in EXPECTED_REFUSALS:
                self.expected[error.message] += 1
            else:
                self.unexpected.append(f"{where}: {error.message} {error.params}")

    def failure(self, where: str) -> None:
        """Keep an unexpected exception with its traceback."""
        with self.lock:
            self.unexpected.append(f"{where}: {traceback.format_exc()}")


@dataclass
class Office:
    """One office of the simulation, with its shared end-of-day counter."""

    info: OfficeInfo
    desk_ids: list[tuple[int, str]]
    mediators: list[int]
    visitors: list[tuple[int, str]]
    motifs: list[int]
    registers: list[str]
    partners: list[int]
    booking_day: date
    expected_arrivals: int
    closed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def over(self, stats: Stats) -> bool:
        """Every arrival of the office registered and finished."""
        with self.lock:
            return self.closed >= self.expected_arrivals

    def finish_one(self) -> None:
        """One more visit reached a final state."""
        with self.lock:
            self.closed += 1


def arrival_times(count: int, rng: random.Random) -> list[float]:
    """Arrival instants as fractions of the day: a morning peak around 10:00, a lull at
    lunch, a smaller afternoon wave (the shape reception teams describe)."""
    times = []
    while len(times) < count:
        hour = rng.uniform(0.0, 8.5)  # hours since 09:00
        density = (
            1.0 * math.exp(-(((hour - 1.0) / 0.9) ** 2))
            + 0.15
            + 0.45 * math.exp(-(((hour - 5.5) / 1.2) ** 2))
            - (0.12 if 3.5 <= hour <= 4.5 else 0.0)
        )
        if rng.random() * 1.2 < density:
            times.append(hour / 8.5)
    return sorted(times)


def prepare_office(database: Database, plan: DayPlan, code: str, rng: random.Random) -> Office:
    """An office with its desks, one mediator per mediation desk and a few known visitors."""
    now = SystemClock().now()
    with database.write() as session:
        info = create_office(session, name=f"PIMMS {code}", code=code, now=now)
        desks = []
        for number in range(plan.desks):
            name = f"Accueil {number + 1}" if number < plan.reception_desks else f"Guichet {number}"
            desks.append((ensure_desk(session, info.id, name).id, name))
        mediators = []
        for number in range(plan.desks - plan.reception_desks):
            staff = Staff(office_id=info.id, display_name=f"Médiateur {number}", role=Role.MEDIATOR)
            session.add(staff)
            session.flush()
            mediators.append(staff.id)
        motifs = [m.id for m in list_motifs(session)][:9]
        registers = [r.code for r in list_registers(session)]
        partners = [p.id for p in list_partners(session, info.id)]
    actor = Actor(office_id=info.id, desk_id=desks[0][0], role=Role.RECEPTION)
    visitors = []
    for number in range(plan.known_visitors):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = f"{LAST_NAMES[number % len(LAST_NAMES)]}{number}"
        match = create_visitor(
            database, NewVisitor(first, last, keep_file_consent=True), actor, now
        )
        visitors.append((match.id, last))
    booking_day = now.date() + timedelta(days=7)
    while booking_day.weekday() >= 5:
        booking_day += timedelta(days=1)
    return Office(
        info,
        desks,
        mediators,
        visitors,
        motifs,
        registers,
        partners,
        booking_day,
        plan.arrivals,
    )


class Desk(threading.Thread):
    """One desk's thread: its own engine, as a separate terminal would have."""

    def __init__(
        self,
        url: str,
        office: Office,
        index: int,
        plan: DayPlan,
        stats: Stats,
        seed: int,
        database: Database | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.database = database or Database.from_url(url, pool_size=2)
        self.own_database = database is None
        self.office = office
        self.plan = plan
        self.stats = stats
        self.rng = random.Random(seed)
        desk_id, name = office.desk_ids[index]
        self.reception = index < plan.reception_desks
        staff = None if self.reception else office.mediators[index - plan.reception_desks]
        role = Role.RECEPTION if self.reception else Role.MEDIATOR
        self.actor = Actor(office.info.id, desk_id, staff, role=role, desk_name=name)
        clock = SystemClock()
        self.queue = QueueService(self.database, clock, office.info)
        self.orientation = OrientationService(self.database, clock, office.info)
        self.visitors = VisitorService(self.database, office.info.id)
        self.index = index
        self.started = 0.0
        self.schedule: list[float] = []

    def pause(self, real_minutes: float) -> None:
        """Wait for a stretch of the real day, compressed."""
        time.sleep(real_minutes * 60 * self.plan.day_seconds / self.plan.real_day_seconds)

    def run(self) -> None:
        """Work until the office's day is over (or the deadline passes)."""
        try:
            if self.reception:
                self.run_reception()  # reception does not listen nor orient: its role may not
            else:
                self.run_mediation()
        except Exception:
            self.stats.failure(f"desk {self.actor.desk_name}")
        finally:
            if self.own_database:
                self.database.dispose()

    # Reception ------------------------------------------------------------------------------

    def run_reception(self) -> None:
        """Register this desk's share of the arrivals at their times; some leave later."""
        leaving: list[tuple[float, int]] = []
        for moment in self.schedule:
            while True:
                now = time.monotonic() - self.started
                due = [v for at, v in leaving if at <= now]
                leaving = [(at, v) for at, v in leaving if at > now]
                for visit_id in due:
                    self.mark_left(visit_id)
                if now >= moment * self.plan.day_seconds:
                    break
                time.sleep(min(0.02, moment * self.plan.day_seconds - now))
            visit_id = self.register()
            if visit_id is not None and self.rng.random() < 0.04:
                patience = self.rng.uniform(10, 40) * 60 * self.plan.day_seconds
                leaving.append((now + patience / self.plan.real_day_seconds, visit_id))
        for _at, visit_id in leaving:  # the day's end: who was going to leave does
            self.mark_left(visit_id)

    def register(self) -> int | None:
        visitor_id = None
        if self.office.visitors and self.rng.random() < 0.33:
            wanted_id, name = self.rng.choice(self.office.visitors)
            matches = self.stats.timed("search", lambda: self.visitors.search(name[:6]))
            visitor_id = next((m.id for m in matches if m.id == wanted_id), None)
        request = ArrivalRequest(
            visitor_id=visitor_id, motif_id=self.rng.choice(self.office.motifs)
        )
        try:
            try:
                ticket = self.stats.timed(
                    "register_arrival", lambda: self.queue.register_arrival(request, self.actor)
                )
            except AlreadyInQueue as already:
                # That person is still in today's queue: the desk would add the reason to their
                # visit. The simulated arrival is someone else, an anonymous walk-in.
                self.stats.refusal("register_arrival", already)
                request = ArrivalRequest(motif_id=request.motif_id)
                ticket = self.stats.timed(
                    "register_arrival", lambda: self.queue.register_arrival(request, self.actor)
                )
        except Exception:
            self.stats.failure("register_arrival")
            return None
        with self.stats.lock:
            self.stats.registered[ticket.visit_id] = ticket.ticket_code
        return ticket.visit_id

    def mark_left(self, visit_id: int) -> None:
        try:
            self.stats.timed("mark_left", lambda: self.queue.mark_left(visit_id, self.actor))
        except DomainError as error:  # called meanwhile: they stayed after all
            self.stats.refusal("mark_left", error)
            return
        self.office.finish_one()

    # Mediation ------------------------------------------------------------------------------

    def run_mediation(self) -> None:
        """Call, listen, orient, close; until every arrival of the office is finished."""
        limit = time.monotonic() + self.plan.deadline_seconds
        while not self.office.over(self.stats) and time.monotonic() < limit:
            entry = self.stats.timed("call_next", lambda: self.queue.call_next(self.actor))
            if entry is None:  # nobody for this desk: watch the queue as its screen does
                self.wait_for_change()
                continue
            self.serve(entry.visit_id)

    def wait_for_change(self) -> None:
        """Poll the queue's revision (a one-row read) until another desk changed something,
        as the queue screen does; only then press "call next" again."""
        seen = self.stats.timed("revision", self.queue.revision)
        limit = time.monotonic() + 1.0  # and look anyway now and then
        while not self.office.over(self.stats) and time.monotonic() < limit:
            time.sleep(IDLE_POLL_SECONDS)
            if self.stats.timed("revision", self.queue.revision) != seen:
                return

    def serve(self, visit_id: int) -> None:
        rng = self.rng
        self.pause(rng.uniform(0.5, 1.5))  # the visitor walks to the desk
        roll = rng.random()
        try:
            if roll < 0.04:
                self.stats.timed(
                    "mark_no_show", lambda: self.queue.mark_no_show(visit_id, self.actor)
                )
                self.office.finish_one()
                return
            if roll < 0.07:
                self.stats.timed("put_back", lambda: self.queue.put_back(visit_id, self.actor))
                return
            self.stats.timed("start", lambda: self.queue.start(visit_id, self.actor))
            if roll < 0.10 and len(self.office.desk_ids) > 2:
                target = rng.choice(self.office.desk_ids[self.plan.reception_desks :])[0]
                self.stats.timed(
                    "transfer", lambda: self.queue.transfer(visit_id, target, None, self.actor)
                )
                return
            for _ in range(1 if rng.random() < 0.7 else 2):
                self.demand(visit_id)
            self.pause(rng.uniform(5, 15))  # listening and doing
            self.stats.timed(
                "close_visit", lambda: self.orientation.close_visit(visit_id, self.actor)
            )
            self.office.finish_one()
        except DomainError as error:
            self.stats.refusal("serve", error)
        except Exception:
            self.stats.failure("serve")

    def demand(self, visit_id: int) -> None:
        rng = self.rng
        data = DemandInput(
            motif_id=rng.choice(self.office.motifs),
            partner_id=rng.choice(self.office.partners) if rng.random() < 0.5 else None,
            register_code=rng.choice(self.office.registers),
            level=rng.choice(list(HelpLevel)).value,
            note="Facture contestée, échéancier demandé" if rng.random() < 0.3 else None,
        )
        demand = self.stats.timed(
            "add_demand", lambda: self.orientation.add_demand(visit_id, data, self.actor)
        )
        roll = rng.random()
        if roll < 0.18 and self.office.partners:
            relay = RelayInput(
                partner_id=rng.choice(self.office.partners),
                mode=rng.choice(list(RelayMode)).value,
                contact="Mme Leroy, service clients",
                reason="Dossier bloqué depuis trois mois",
            )
            self.stats.timed("relay", lambda: self.orientation.relay(demand.id, relay, self.actor))
        elif roll < 0.33:
            self.book(demand.id)
        else:
            outcome = rng.choice((Outcome.RESOLVED, Outcome.FINISH_ALONE, Outcome.COME_BACK))
            self.stats.timed(
                "set_outcome",
                lambda: self.orientation.set_outcome(demand.id, outcome.value, self.actor),
            )

    def book(self, demand_id: int) -> None:
        """Book the first free slot with a mediator; another desk may take it first."""
        appointments = self.orientation.appointments
        for _attempt in range(20):
            staff_id = self.rng.choice(self.office.mediators)
            slots = self.stats.timed(
                "free_slots",
                lambda staff_id=staff_id: appointments.free_slots(
                    self.office.booking_day, staff_id=staff_id, limit=3
                ),
            )
            if not slots:
                continue
            slot = slots[0]
            try:
                self.stats.timed(
                    "book",
                    lambda slot=slot: self.orientation.book_appointment_for_demand(
                        demand_id, slot, self.actor
                    ),
                )
                return
            except DomainError as error:
                self.stats.refusal("book", error)
                if error.message not in EXPECTED_REFUSALS:
                    raise
        # The week is full with everyone: the visitor will come back.
        self.orientation.set_outcome(demand_id, Outcome.COME_BACK.value, self.actor)


# The day ----------------------------------------------------------------------------------


@dataclass
class DayReport:
    """The outcome of one simulated day."""

    stats: Stats
    offices: list[Office]
    seconds: float
    problems: list[str]


def run_day(
    url: str,
    plan: DayPlan,
    *,
    offices: int = 1,
    shared_pool: int | None = None,
    processes: int = 1,
) -> DayReport:
    """Prepare the offices, run every desk until the day is over, and check the database.

    ``shared_pool``: the desks of one process share one engine of that many connections (the
    network run: 240 desks would exceed PostgreSQL's connection limit with one engine each).
    ``processes``: the offices are split between that many processes (forked), so that the
    load generator's own interpreter lock does not stand for the database's latency.
    """
    rng = random.Random(plan.seed)
    setup = Database.from_url(url)
    prepare_database(setup)
    prepared = [prepare_office(setup, plan, f"O{n:03d}", rng) for n in range(offices)]
    schedules = [arrival_times(plan.arrivals, rng) for _ in prepared]
    seeds = [[rng.randrange(1 << 30) for _ in range(plan.desks)] for _ in prepared]
    setup.dispose()
    started = time.monotonic()
    if processes <= 1:
        stats = _run_offices(url, plan, prepared, schedules, seeds, shared_pool, started)
    else:
        stats = _run_in_processes(url, plan, prepared, schedules, seeds, shared_pool, processes)
    seconds = time.monotonic() - started
    setup = Database.from_url(url)
    problems = check_day(setup, prepared, stats)
    setup.dispose()
    return DayReport(stats, prepared, seconds, problems)


def _run_offices(
    url: str,
    plan: DayPlan,
    offices: list[Office],
    schedules: list[list[float]],
    seeds: list[list[int]],
    shared_pool: int | None,
    started: float,
) -> Stats:
    """Every desk of ``offices`` as a thread of this process, until their day is over."""
    shared = Database.from_url(url, pool_size=shared_pool, max_overflow=0) if shared_pool else None
    stats = Stats()
    desks: list[Desk] = []
    for office, schedule, office_seeds in zip(offices, schedules, seeds, strict=True):
        office_desks = [
            Desk(url, office, i, plan, stats, office_seeds[i], shared) for i in range(plan.desks)
        ]
        for number, moment in enumerate(schedule):
            office_desks[number % plan.reception_desks].schedule.append(moment)
        desks.extend(office_desks)
    for desk in desks:
        desk.started = started
        desk.start()
    for desk in desks:
        desk.join(plan.deadline_seconds + plan.day_seconds + 60)
    if shared is not None:
        shared.dispose()
    return stats


def _run_in_processes(
    url: str,
    plan: DayPlan,
    offices: list[Office],
    schedules: list[list[float]],
    seeds: list[list[int]],
    shared_pool: int | None,
    processes: int,
) -> Stats:
    """Split the offices between forked processes; merge what each measured."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    pool = max(2, (shared_pool or 40) // processes)
    workers = []
    for part in range(processes):
        indices = list(range(part, len(offices), processes))

        def work(indices: list[int] = indices) -> None:
            started = time.monotonic()
            stats = _run_offices(
                url,
                plan,
                [offices[i] for i in indices],
                [schedules[i] for i in indices],
                [seeds[i] for i in indices],
                pool,
                started,
            )
            closed = {i: offices[i].closed for i in indices}
            results.put(
                (
                    dict(stats.latencies),
                    dict(stats.expected),
                    stats.unexpected,
                    stats.registered,
                    closed,
                )
            )

        process = context.Process(target=work)
        process.start()
        workers.append(process)
    merged = Stats()
    for _ in workers:
        latencies, expected, unexpected, registered, closed = results.get()
        for name, samples in latencies.items():
            merged.latencies[name].extend(samples)
        for message, count in expected.items():
            merged.expected[message] += count
        merged.unexpected.extend(unexpected)
        merged.registered.update(registered)
        for index, count in closed.items():
            offices[index].closed = count
    for process in workers:
        process.join()
    return merged


def check_day(database: Database, offices: list[Office], stats: Stats) -> list[str]:
    """Every invariant of a finished day; the list of what is wrong (empty when all holds)."""
    problems = [f"unexpected error: {text}" for text in stats.unexpected]
    office_ids = [o.info.id for o in offices]
    with database.read() as session:
        visits = session.execute(
            select(Visit.id, Visit.office_id, Visit.day, Visit.ticket_code, Visit.status).where(
                Visit.office_id.in_(office_ids)
            )
        ).all()
        events = session.execute(
            select(VisitEvent.visit_id, VisitEvent.from_status, VisitEvent.to_status)
            .where(VisitEvent.office_id.in_(office_ids))
            .order_by(VisitEvent.id)
        ).all()
        demands = session.execute(
            select(Demand.id, Demand.visit_id, Demand.outcome, Demand.appointment_id).where(
                Demand.office_id.in_(office_ids)
            )
        ).all()
        relayed = set(
            session.scalars(select(Relay.demand_id).where(Relay.office_id.in_(office_ids)))
        )
        appointments = session.execute(
            select(
                Appointment.id,
                Appointment.staff_id,
                Appointment.starts_at,
                Appointment.duration_minutes,
                Appointment.status,
            ).where(Appointment.office_id.in_(office_ids))
        ).all()
    expected_total = sum(o.expected_arrivals for o in offices)
    if len(stats.registered) != expected_total:
        problems.append(f"{len(stats.registered)} arrivals registered of {expected_total}")
    by_id = {v.id: v for v in visits}
    if set(by_id) != set(stats.registered):
        problems.append(
            f"visits in the database ({len(by_id)}) differ from those registered "
            f"({len(stats.registered)})"
        )
    for visit in visits:
        if visit.status not in FINISHED:
            problems.append(f"visit {visit.ticket_code} ended the day {visit.status}")
        if stats.registered.get(visit.id, visit.ticket_code) != visit.ticket_code:
            problems.append(f"visit {visit.id} has ticket {visit.ticket_code}, registered other")
    codes: dict[tuple[int, Any, str], int] = defaultdict(int)
    for visit in visits:
        codes[(visit.office_id, visit.day, visit.ticket_code)] += 1
    problems.extend(f"ticket {key[2]} given {n} times" for key, n in codes.items() if n > 1)
    chains: dict[int, list[tuple[str | None, str]]] = defaultdict(list)
    for event in events:
        chains[event.visit_id].append((event.from_status, event.to_status))
    for visit in visits:
        previous: str | None = None
        for from_status, to_status in chains.get(visit.id, []):
            if from_status != previous:
                problems.append(
                    f"visit {visit.ticket_code}: event {from_status}→{to_status} after {previous}"
                )
            previous = to_status
        if previous != visit.status:
            problems.append(
                f"visit {visit.ticket_code}: last event {previous}, status {visit.status}"
            )
    for demand in demands:
        if by_id.get(demand.visit_id) and by_id[demand.visit_id].status == "done":
            if demand.outcome is None:
                problems.append(f"demand {demand.id} of a closed visit has no orientation")
            if demand.outcome == Outcome.RELAY and demand.id not in relayed:
                problems.append(f"demand {demand.id} relayed without a relay")
            if demand.outcome == Outcome.APPOINTMENT and demand.appointment_id is None:
                problems.append(f"demand {demand.id} oriented to an appointment without one")
    booked: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for appointment in appointments:
        if appointment.status != "cancelled" and appointment.staff_id is not None:
            start = appointment.starts_at
            end = start + timedelta(minutes=appointment.duration_minutes)
            booked[appointment.staff_id].append((start, end, appointment.id))
    for staff_id, spans in booked.items():
        spans.sort()
        for (_s1, end1, id1), (start2, _e2, id2) in itertools.pairwise(spans):
            if start2 < end1:
                problems.append(f"appointments {id1} and {id2} of staff {staff_id} overlap")
    return problems


# Reporting ----------------------------------------------------------------------------------


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def print_report(title: str, report: DayReport) -> None:
    """The table the README quotes."""
    stats = report.stats
    operations = sum(len(v) for v in stats.latencies.values())
    reads = ("search", "free_slots", "revision")
    writes = sum(len(v) for k, v in stats.latencies.items() if k not in reads)
    print(
        f"\n{title}: {len(stats.registered)} arrivals in {report.seconds:.1f} s; "
        f"{operations} domain calls ({operations / report.seconds:.0f}/s, "
        f"{writes / report.seconds:.0f} writes/s)"
    )
    print(f"{'operation':<18}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name in sorted(stats.latencies):
        samples = stats.latencies[name]
        print(
            f"{name:<18}{len(samples):>7}"
            + "".join(f"{percentile(samples, q) * 1000:>9.1f}" for q in (0.5, 0.95, 0.99))
            + f"{max(samples) * 1000:>9.1f}"
        )
    print("expected refusals:", dict(stats.expected) or "none")
    print("invariants:", "all hold" if not report.problems else f"{len(report.problems)} broken")
    for problem in report.problems[:20]:
        print("  -", problem)


def bench_database(postgres_url: str | None) -> AbstractContextManager[str]:
    """A scratch database: a SQLite file, or a PostgreSQL database (dropped after)."""
    return common.postgres_url(postgres_url) if postgres_url else common.sqlite_url()


def main() -> int:
    """Run the day (or the network's hour) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", help="a PostgreSQL server (else SQLite)")
    parser.add_argument("--desks", type=int, default=12)
    parser.add_argument("--arrivals", type=int, default=400)
    parser.add_argument("--day-seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--network",
        action="store_true",
        help="60 offices × 4 desks on PostgreSQL for a compressed hour",
    )
    parser.add_argument("--offices", type=int, default=60)
    parser.add_argument("--processes", type=int, default=4, help="load generator processes")
    args = parser.parse_args()
    if args.network:
        if not args.postgres_url:
            parser.error("--network needs --postgres-url")
        # One hour of a network morning: ~50 arrivals per office per day → 12 in the peak hour.
        plan = DayPlan(
            desks=4,
            reception_desks=1,
            arrivals=12,
            known_visitors=5,
            seed=args.seed,
            day_seconds=args.day_seconds,
            real_day_seconds=3600,
        )
        with bench_database(args.postgres_url) as url:
            report = run_day(
                url, plan, offices=args.offices, shared_pool=40, processes=args.processes
            )
        print_report(
            f"network, {args.offices} offices × 4 desks, PostgreSQL, one hour in "
            f"{args.day_seconds:.0f} s",
            report,
        )
        return 1 if report.problems else 0
    plan = DayPlan(
        desks=args.desks, arrivals=args.arrivals, day_seconds=args.day_seconds, seed=args.seed
    )
    engine = "PostgreSQL" if args.postgres_url else "SQLite"
    with bench_database(args.postgres_url) as url:
        report = run_day(url, plan)
    print_report(
        f"office day, {args.desks} desks, {engine}, 8.5 h in {args.day_seconds:.0f} s", report
    )
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
