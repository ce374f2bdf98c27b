"""Deterministic demo data: living offices with months of visits, demands, relays and appointments.

Everything comes from one ``random.Random(seed)`` and the given ``now``, so the same arguments
give the same rows. Rows are built as plain tuples and written with bulk inserts (executemany on
SQLite, COPY on PostgreSQL) with primary keys assigned here, so 100,000 visitors and their
quarter of a million visits load in seconds. Instants are handled as UTC epoch seconds and written
the way SQLAlchemy's DateTime stores them (naive UTC text), which both engines read back.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from math import exp
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import (
    AgeBand,
    AppointmentStatus,
    ConsentScope,
    DeskKind,
    Gender,
    HelpLevel,
    Need,
    Outcome,
    Priority,
    RelayMode,
    RelayStatus,
    Role,
    VisitSource,
)
from pimms_tui.db.models import Desk, Motif, Office, Partner, Register, Staff, Visit
from pimms_tui.domain.consent import KEEP_FILE_TEXT_HASH
from pimms_tui.domain.normalise import phone_digits, search_key
from pimms_tui.domain.offices import create_office
from pimms_tui.domain.orientation import SHARE_CONSENT_TEXT_HASH
from pimms_tui.domain.search_index import contact_tokens, name_part_tokens, pair_token
from pimms_tui.domain.setup import prepare_database
from pimms_tui.domain.staff import hash_pin

from .names import (
    _FRENCH_FEMALE,
    _FRENCH_LAST,
    _FRENCH_MALE,
    _ORIGIN_CUM,
    _ORIGINS,
    _STAFF_INITIALS,
    _age,
    _email,
    _mobile_prefixes,
)
from .reference import (
    _AGE_BAND_CHOICES,
    _COMMUNES,
    _DEMAND_COUNT_CHOICES,
    _DURATION_CHOICES,
    _GENDER_CHOICES,
    _LEVEL_CHOICES,
    _MOTIF_PARTNERS,
    _MOTIF_WEIGHTS,
    _NOTES,
    _OFFICE_ADDRESSES,
    _OFFICE_AREAS,
    _OFFICE_WEIGHTS,
    _OUTCOME_CHOICES,
    _PARTNER_CHOICES,
    _PARTNER_SHARE,
    _PERMANENCES,
    _REFUSAL_CHOICES,
    _REGISTER_WEIGHTS,
    _RELAY_CONTACTS,
    _RELAY_MODE_CHOICES,
    _SHARED_DETAILS,
    _pick,
    _weighted,
)
from .state import _COLUMNS, _ID_TABLES, _V, Row, _Appointment, _OfficePlan, _Person, _Plan
from .timeline import (
    _EPOCH_ORDINAL,
    _SLOT,
    _arrival_profile,
    _Day,
    _hms,
    _public_holidays,
    _slot_starts,
    _Stamps,
)

# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class DemoReport:
    """How many rows of each kind the demo seeding wrote, and how long it took."""

    offices: int
    staff: int
    visitors: int
    visits: int
    demands: int
    relays: int
    appointments: int
    events: int
    consents: int
    seconds: float

    @property
    def rows(self) -> int:
        """All rows written (ticket counters aside)."""
        return (
            self.offices
            + self.staff
            + self.visitors
            + self.visits
            + self.demands
            + self.relays
            + self.appointments
            + self.events
            + self.consents
        )

    @property
    def rows_per_second(self) -> float:
        """Write speed of the seeding."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


DEMO_CODE_PREFIX = "DEMO-"
DEMO_VISITORS = 1500
DEMO_DAYS = 60
DEMO_SEED = 42
DEMO_OFFICES = 2


def demo_office_code(index: int) -> str:
    """The code of the n-th demo office (0-based): DEMO-1, DEMO-2…"""
    return f"{DEMO_CODE_PREFIX}{index + 1}"


def demo_office_name(index: int) -> str:
    """The name of the n-th demo office (0-based): "PIMMS Démo Centre", "PIMMS Démo Nord"…"""
    if index < len(_OFFICE_AREAS):
        return f"PIMMS Démo {_OFFICE_AREAS[index]}"
    return f"PIMMS Démo {index + 1}"


def seed_demo(
    database: Database,
    *,
    visitors: int,
    days: int,
    seed: int,
    now: datetime,
    offices: int = 2,
    visits: int | None = None,
) -> DemoReport:
    """Create demo offices, staff, visitors and ``days`` days of activity up to ``now``.

    Raises ValueError when the arguments make no sense or demo offices exist already.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if visitors < 0 or days < 1 or offices < 1 or (visits is not None and visits < 0):
        raise ValueError("visitors and visits must not be negative; days and offices at least 1")
    started = time.perf_counter()
    prepare_database(database)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived tuples: the cyclic collector only slows us down
    try:
        with database.write() as session:
            _refuse_existing_demo(session, offices)
            generator = _Generator(
                session,
                rng=Random(seed),
                now=now.astimezone(UTC),
                visitors=visitors,
                days=days,
                offices=offices,
                visits=visits,
            )
            generator.run()
            counts = generator.write(session, sqlite=database.is_sqlite)
    finally:
        if gc_was_enabled:
            gc.enable()
    database.refresh_statistics(full=True)  # a bulk load leaves the planner without stats
    return DemoReport(**counts, seconds=time.perf_counter() - started)


DEMO_MORNING = (10, 30)
# One PIN per role for the demo's staff, listed on the sign-in screen of ``pimms --demo``.
DEMO_PINS = {Role.RECEPTION: "1111", Role.MEDIATOR: "2222", Role.MANAGER: "3333"}


def demo_morning(now: datetime, timezone: str = "Europe/Paris") -> datetime:
    """The instant the demo lives at: 10:30 on the latest working day (today if it is one).

    Whatever the hour ``pimms --demo`` is started (at night, on a Sunday), a newcomer sees an
    office in full swing: people waiting, others at the desks, appointments later that day.
    """
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    while day.weekday() >= 5 or day in _public_holidays(day.year):
        day -= timedelta(days=1)
    hour, minute = DEMO_MORNING
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def demo_is_current(database: Database, morning: datetime) -> bool:
    """Whether the demo database already lives on ``morning``'s day (else it is reseeded)."""
    day = morning.astimezone(ZoneInfo("Europe/Paris")).date()
    with database.read() as session:
        return bool(
            session.scalar(
                select(func.count())
                .select_from(Visit)
                .join(Office, Office.id == Visit.office_id)
                .where(Office.code == demo_office_code(1), Visit.day == day)
            )
        )


def ensure_demo_data(database: Database, now: datetime) -> bool:
    """For ``pimms --demo``: seed a small living demo into a database without offices."""
    prepare_database(database)
    with database.read() as session:
        if session.scalar(select(func.count()).select_from(Office)):
            return False
    seed_demo(
        database,
        visitors=DEMO_VISITORS,
        days=DEMO_DAYS,
        seed=DEMO_SEED,
        now=now,
        offices=DEMO_OFFICES,
    )
    return True


def _refuse_existing_demo(session: Session, offices: int) -> None:
    codes = [demo_office_code(i) for i in range(offices)]
    existing = session.scalars(select(Office.code).where(Office.code.in_(codes))).all()
    if existing:
        raise ValueError(
            f"demo offices already exist ({', '.join(sorted(existing))}): "
            "seed the demo into an empty database"
        )


_WEEKDAY_LOAD = (1.25, 1.1, 1.0, 1.05, 0.9, 0.55, 0.0)
_MONTH_LOAD = (1.1, 1.0, 1.05, 1.1, 1.2, 1.05, 0.85, 0.6, 1.2, 1.1, 1.0, 0.8)
# DESIGN: a site sees 50–150 people a day. Big benchmarks go beyond that, but never past
# what one site's opening hours can physically take in (about one arrival a minute).
_MAX_VISITS_PER_OFFICE_DAY = 480
_HORIZON_DAYS = 45
# Files older than the window go back this far (some past the 24-month retention period).
_OLD_FILES_DAYS = 1100


# ---------------------------------------------------------------------------------------------
# The generator


def _timings(
    arrived: int, events: list[tuple[int, int | None, int | None, str | None, str]]
) -> tuple[float | None, float | None]:
    """The visit's waited and listened seconds, as the queue writes them (visits.py)."""
    waited: float | None = None
    listened: float | None = None
    entered = arrived
    for at, _by, _where, before, after in events:
        if after == _V.CALLED and waited is None:
            waited = float(at - arrived)
        if before == _V.IN_PROGRESS:
            listened = (listened or 0.0) + (at - entered)
        if after == _V.IN_PROGRESS:
            entered = at
    return waited, listened


class _Generator:
    """Builds every row in memory, in chronological order, then writes them in bulk."""

    def __init__(
        self,
        session: Session,
        *,
        rng: Random,
        now: datetime,
        visitors: int,
        days: int,
        offices: int,
        visits: int | None,
    ) -> None:
        self.rng = rng
        self.now = int(now.timestamp())
        self.stamp = _Stamps()
        self.rows: dict[str, list[Row]] = {table: [] for table in _COLUMNS}
        self.next_id = {
            table: (session.scalar(select(func.max(_id_column(table)))) or 0) + 1
            for table in _ID_TABLES
        }
        self.staff_count = 0
        self.visitor_count = visitors
        self.visit_target = visits
        self.day_count = days
        self.search_keys: dict[tuple[str, str | None], str] = {}
        self.name_tokens: dict[str | None, list[str]] = {}
        self.people: list[_Person] = []
        self.appointments: list[_Appointment] = []
        self.appointments_by_cell: dict[tuple[int, int], list[_Appointment]] = {}
        self.booked_slots: dict[tuple[str, int, int], bytearray] = {}
        self.mobile_prefixes = _mobile_prefixes()
        self._load_reference(session)
        self.offices = [self._create_office(session, index, now) for index in range(offices)]
        self.today: dict[int, int] = {}

    # -- setup ----------------------------------------------------------------------------

    def _load_reference(self, session: Session) -> None:
        motifs = session.execute(
            select(Motif.id, Motif.code).where(Motif.active).order_by(Motif.position, Motif.id)
        ).all()
        if not motifs:
            raise ValueError("no motif in the database: run prepare_database first")
        self.motif_codes: dict[int, str] = {row.id: row.code for row in motifs}
        self.taxes_motif: int | None = next(
            (motif_id for motif_id, code in self.motif_codes.items() if code == "taxes"), None
        )
        self.motif_choices: tuple[list[int], list[float]] = _weighted(
            [(row.id, _MOTIF_WEIGHTS.get(row.code, 2.0)) for row in motifs]
        )
        codes = list(session.scalars(select(Register.code).order_by(Register.position)))
        self.register_choices: tuple[list[str], list[float]] = _weighted(
            [(code, _REGISTER_WEIGHTS.get(code, 1.0)) for code in codes]
        )
        self.partner_link = "partner_link" if "partner_link" in codes else codes[0]
        self.simple_register = "inform_train" if "inform_train" in codes else codes[0]

    def _create_office(self, session: Session, index: int, now: datetime) -> _OfficePlan:
        # Opened before the oldest file the demo has (see _finish_people).
        opened = now - timedelta(days=self.day_count + _OLD_FILES_DAYS + 30)
        info = create_office(
            session, name=demo_office_name(index), code=demo_office_code(index), now=opened
        )
        office = session.get_one(Office, info.id)
        office.address = _OFFICE_ADDRESSES[index % len(_OFFICE_ADDRESSES)]
        desks = session.execute(
            select(Desk.id, Desk.name, Desk.kind).where(Desk.office_id == info.id).order_by(Desk.id)
        ).all()
        reception = [d.id for d in desks if d.kind == DeskKind.RECEPTION]
        mediation = [d.id for d in desks if d.kind == DeskKind.MEDIATION]
        staff = self._create_staff(session, info.id)
        partners: dict[str, int] = {
            code: partner_id
            for code, partner_id in session.execute(
                select(Partner.code, Partner.id)
                .where(Partner.office_id == info.id, Partner.active)
                .order_by(Partner.id)
            )
        }
        communes = _COMMUNES[index % len(_COMMUNES)]
        hours = {
            int(weekday): [(_hms(a), _hms(b)) for a, b in intervals]
            for weekday, intervals in sorted(info.opening_hours.items())
            if intervals
        }
        return _OfficePlan(
            index=index,
            id=info.id,
            tz=ZoneInfo(info.timezone),
            weight=_OFFICE_WEIGHTS[index] if index < len(_OFFICE_WEIGHTS) else 0.5,
            hours=hours,
            reception_desk=reception[0] if reception else desks[0].id,
            mediation_desks=mediation or [desks[0].id],
            desk_names={d.id: d.name for d in desks},
            receptionists=staff[Role.RECEPTION],
            mediators=staff[Role.MEDIATOR],
            partners=partners,
            commune_choices=_weighted(communes),
        )

    def _create_staff(self, session: Session, office_id: int) -> dict[str, list[int]]:
        rng = self.rng
        roles = [Role.MANAGER, Role.RECEPTION, Role.RECEPTION] + [Role.MEDIATOR] * 3
        names: list[str] = []
        while len(names) < len(roles):
            first = rng.choice(_FRENCH_FEMALE if rng.random() < 0.6 else _FRENCH_MALE)
            if rng.random() < 0.25:
                origin = _ORIGINS[rng.randrange(1, len(_ORIGINS))]
                first = rng.choice(origin.female + origin.male)
            name = f"{first} {rng.choice(_STAFF_INITIALS)}."
            if name not in names:
                names.append(name)
        # Demo PINs are public (shown on the sign-in screen with --demo); the salt comes from
        # the seed so that the same seed gives the same rows.
        hashes = {
            role: hash_pin(
                pin, salt=hashlib.sha256(f"demo-{office_id}-{role}".encode()).digest()[:16]
            )
            for role, pin in DEMO_PINS.items()
        }
        rows = [
            Staff(office_id=office_id, display_name=n, role=r, pin_hash=hashes[r])
            for n, r in zip(names, roles, strict=True)
        ]
        session.add_all(rows)
        session.flush()
        self.staff_count += len(rows)
        by_role: dict[str, list[int]] = {role: [] for role in Role}
        for row in rows:
            by_role[row.role].append(row.id)
        return by_role

    def _calendar(self, office: _OfficePlan, first: date, last: date) -> None:
        holidays: list[date] = []
        for year in range(first.year, last.year + 1):
            holidays.extend(_public_holidays(year))
        current = first
        while current <= last:
            noon = datetime(current.year, current.month, current.day, 12, tzinfo=office.tz)
            offset = noon.utcoffset()
            assert offset is not None
            ordinal = current.toordinal()
            closed = current in holidays
            intervals = [] if closed else office.hours.get(current.weekday(), [])
            day = _Day(
                ordinal=ordinal,
                iso=current.isoformat(),
                year=current.year,
                month=current.month,
                weekday=current.weekday(),
                base=(ordinal - _EPOCH_ORDINAL) * 86400 - int(offset.total_seconds()),
                intervals=list(intervals),
            )
            office.days[ordinal] = day
            if day.intervals:
                office.open_days.append(ordinal)
            current += timedelta(days=1)

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> None:
        """Generate every row, day after day."""
        now = datetime.fromtimestamp(self.now, UTC)
        for office in self.offices:
            today = now.astimezone(office.tz).date()
            self.today[office.index] = today.toordinal()
            self._calendar(
                office,
                today - timedelta(days=self.day_count - 1),
                today + timedelta(days=_HORIZON_DAYS),
            )
        self._make_people()
        cells = self._plan_cells()
        first_day = min(self.today.values()) - self.day_count + 1
        for ordinal in range(first_day, max(self.today.values()) + 1):
            for office in self.offices:
                count = cells.get((office.index, ordinal))
                if count is None:
                    continue
                if ordinal == self.today[office.index]:
                    self._top_up_today(office)
                self._run_day(office, office.days[ordinal], count)
        self._finish_appointments()
        self._finish_people()

    def _plan_cells(self) -> dict[tuple[int, int], int]:
        """How many visits each office has each day (living today fixed, the rest apportioned)."""
        rng = self.rng
        weights: dict[tuple[int, int], float] = {}
        fixed: dict[tuple[int, int], int] = {}
        living_cells: list[tuple[int, int]] = []
        open_cells = 0
        for office in self.offices:
            today = self.today[office.index]
            for ordinal in range(today - self.day_count + 1, today + 1):
                day = office.days[ordinal]
                if not day.intervals:
                    continue
                open_cells += 1
                if ordinal == today and self._living(office, day):
                    # 20–30 by mid-morning; fewer just after opening.
                    now_local = self._local(day, self.now)
                    elapsed = sum(max(0, min(b, now_local) - a) for a, b in day.intervals)
                    fixed[(office.index, ordinal)] = min(
                        rng.randint(20, 30), max(3, elapsed // 120)
                    )
                    living_cells.append((office.index, ordinal))
                    continue
                if ordinal == today and self._local(day, self.now) < day.intervals[0][0]:
                    fixed[(office.index, ordinal)] = 0
                    continue
                month = date.fromordinal(ordinal).month
                early_month = 1.1 if date.fromordinal(ordinal).day <= 10 else 1.0
                weights[(office.index, ordinal)] = (
                    office.weight
                    * _WEEKDAY_LOAD[day.weekday]
                    * _MONTH_LOAD[month - 1]
                    * early_month
                    * rng.lognormvariate(0, 0.15)
                )
        if self.visit_target is not None:
            total = self.visit_target
        else:
            total = min(
                round(2.5 * self.visitor_count),
                _MAX_VISITS_PER_OFFICE_DAY * 9 // 10 * max(open_cells, 1),
            )
        budget_per_office = total // (2 * len(self.offices))
        for key in fixed:
            fixed[key] = min(fixed[key], budget_per_office)
        rest = max(0, total - sum(fixed.values()))
        if not weights:
            # Only today is in the window: the office open now takes what it can.
            living = [key for key in fixed if key in living_cells]
            shares = _apportion(rest, [1.0] * len(living))
            for key, share in zip(living, shares, strict=True):
                fixed[key] += share
        keys = list(weights)
        counts = _capped_apportion(rest, [weights[k] for k in keys], _MAX_VISITS_PER_OFFICE_DAY)
        cells = dict(zip(keys, counts, strict=True)) | fixed
        for office in self.offices:
            office.remaining_walk_ins = sum(
                count for (index, _), count in cells.items() if index == office.index
            )
        return cells

    def _living(self, office: _OfficePlan, day: _Day) -> bool:
        """Whether ``now`` falls within the day's opening span (the office is working)."""
        if not day.intervals:
            return False
        local = self._local(day, self.now)
        return day.intervals[0][0] < local < day.intervals[-1][1]

    @staticmethod
    def _local(day: _Day, instant: int) -> int:
        """Seconds since the day's local midnight."""
        return instant - day.base

    # -- people -------------------------------------------------------------------------------

    def _make_people(self) -> None:
        rng = self.rng
        office_cum = list(accumulate(o.weight for o in self.offices))
        first_id = self.next_id["visitor"]
        today = date.fromordinal(max(self.today.values()))
        for n in range(self.visitor_count):
            office = rng.choices(self.offices, cum_weights=office_cum)[0]
            origin = rng.choices(_ORIGINS, cum_weights=_ORIGIN_CUM)[0]
            female = rng.random() < 0.56
            first = rng.choice(origin.female if female else origin.male)
            last: str | None = rng.choice(origin.last)
            roll = rng.random()
            if origin is _ORIGINS[0] and roll < 0.07:
                last = f"{last}-{rng.choice(_FRENCH_LAST)}"
            elif roll > 0.97:
                last = None  # only a first name was given
            age = _age(rng)
            birth_year = today.year - age if rng.random() < 0.88 else None
            language = "fr"
            needs: list[str] = []
            if origin.languages and rng.random() < origin.other_language:
                language = rng.choice(origin.languages)
                if rng.random() < 0.5:
                    needs.append(Need.INTERPRETER)
            if age >= 70 and rng.random() < 0.12:
                needs.append(Need.REDUCED_MOBILITY)
            if rng.random() < 0.01:
                needs.append(Need.HEARING)
            if rng.random() < 0.008:
                needs.append(Need.SIGHT)
            phone = self._mobile() if rng.random() < 0.8 else None
            email = _email(rng, first, last) if rng.random() < 0.3 else None
            commune = None
            if rng.random() < 0.92:
                commune = _pick(rng, office.commune_choices)
            person = _Person(
                id=first_id + n,
                office=office.index,
                first=first,
                last=last,
                female=female,
                birth_year=birth_year,
                phone=phone,
                email=email,
                language=language,
                needs=needs,
                commune=commune,
                regular=rng.random() < 0.12,
            )
            self.people.append(person)
            # A few files are older than the window: people who have not come back since.
            if rng.random() >= 0.03:
                office.newcomers.append(n)
        self.next_id["visitor"] += self.visitor_count

    def _mobile(self) -> str:
        rng = self.rng
        return f"+33{rng.choice(self.mobile_prefixes)}{rng.randrange(100000):05d}"

    def _choose_visitor(self, office: _OfficePlan, day: _Day) -> _Person | None:
        """A newcomer or someone coming back, so that visitors are spread over the window."""
        rng = self.rng
        left = len(office.newcomers) - office.next_newcomer
        expected_named = office.remaining_walk_ins * 0.69 + 1
        if left > 0 and (not office.seen or rng.random() < left / expected_named):
            person = self.people[office.newcomers[office.next_newcomer]]
            office.next_newcomer += 1
            office.seen.append(person.id)
            if person.regular:
                office.regulars.append(person.id)
            return person
        if not office.seen:
            return None
        for _ in range(3):
            pool = office.regulars if office.regulars and rng.random() < 0.5 else office.seen
            person = self._person(rng.choice(pool))
            if person.last_day != day.ordinal:
                return person
        return None

    def _person(self, visitor_id: int) -> _Person:
        return self.people[visitor_id - self.people[0].id]

    def _touch(self, person: _Person, instant: int) -> None:
        person.last_activity = max(person.last_activity, instant)

    def _finish_people(self) -> None:
        """Write visitor rows and their keep-file consents, old files dated before the window."""
        rng = self.rng
        stamp = self.stamp
        window_start = min(
            o.days[self.today[o.index] - self.day_count + 1].base for o in self.offices
        )
        for person in self.people:
            office = self.offices[person.office]
            if person.created < 0:
                # Registered before the window and not seen since.
                created_day = office.days[self.today[office.index] - self.day_count + 1]
                days_before = rng.randint(30, _OLD_FILES_DAYS)
                person.created = (
                    created_day.base - days_before * 86400 + rng.randint(9 * 3600, 17 * 3600)
                )
                idle = rng.randint(0, max(0, days_before - 20))
                person.last_activity = min(
                    person.created + idle * 86400 + rng.randint(0, 3600), window_start - 86400
                )
                person.registered_by = rng.choice(office.receptionists)
            key = (person.first, person.last)
            folded = self.search_keys.get(key)
            if folded is None:
                folded = self.search_keys[key] = search_key(person.first, person.last)
            digits = phone_digits(person.phone) if person.phone else None
            self._index(person, office.id, digits)
            self.rows["visitor"].append(
                (
                    person.id,
                    office.id,
                    person.first,
                    person.last,
                    person.phone,
                    person.email,
                    person.birth_year,
                    person.language,
                    json.dumps(person.needs),
                    person.commune,
                    folded,
                    digits,
                    1,
                    stamp(person.created),
                    stamp(person.last_activity),
                    None,
                    None,
                )
            )
            self._consent(
                office, person.id, ConsentScope.KEEP_FILE, person.created, person.registered_by
            )

    def _index(self, person: _Person, office_id: int, digits: str | None) -> None:
        """The person's search tokens, as search_index.all_tokens (name parts cached)."""
        tokens = set(contact_tokens(digits, person.birth_year))
        words: set[str] = set()
        for part in (person.first, person.last):
            part_tokens = self.name_tokens.get(part)
            if part_tokens is None:
                part_tokens = self.name_tokens[part] = name_part_tokens(part)
            words.update(part_tokens)
        tokens |= words
        tokens.update(pair_token(a, b) for a in words for b in words if a != b)
        rows = self.rows["visitor_search_token"]
        for token in tokens:
            rows.append((person.id, token, office_id))

    def _consent(
        self, office: _OfficePlan, visitor_id: int, scope: str, at: int, staff: int | None
    ) -> int:
        consent_id = self._new_id("consent")
        text_hash = (
            KEEP_FILE_TEXT_HASH if scope == ConsentScope.KEEP_FILE else SHARE_CONSENT_TEXT_HASH
        )
        self.rows["consent"].append(
            (
                consent_id,
                office.id,
                visitor_id,
                scope,
                self.stamp(at),
                staff,
                text_hash,
                None,
            )
        )
        return consent_id

    def _new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    # -- one day of one office ----------------------------------------------------------------

    def _run_day(self, office: _OfficePlan, day: _Day, count: int) -> None:
        rng = self.rng
        today = self.today[office.index]
        living = day.ordinal == today and self._living(office, day)
        appointments = sorted(
            self.appointments_by_cell.pop((office.index, day.ordinal), []),
            key=lambda a: (a.starts, a.id),
        )
        plans: list[_Plan] = []
        for appointment in appointments:
            plan = self._resolve_appointment(office, day, appointment, living)
            if plan is not None:
                plans.append(plan)
        # Appointments come out of the day's visits; drop the surplus as no-shows.
        while len(plans) > count:
            surplus = plans.pop()
            assert surplus.appointment is not None
            surplus.appointment.status = AppointmentStatus.NO_SHOW
        walk_ins = count - len(plans)
        office.remaining_walk_ins -= count
        if living:
            arrived = sum(1 for p in plans if p.status == _V.WAITING)
            plans.extend(self._living_walk_ins(office, day, walk_ins, arrived))
        else:
            plans.extend(self._past_walk_ins(day, walk_ins))
        for order, plan in enumerate(plans):
            plan.order = order
        plans.sort(key=lambda p: (p.arrival, p.order))
        numbers = {"A": 0, "R": 0}
        active = [p for p in plans if p.status in (_V.CALLED, _V.IN_PROGRESS)]
        busy = rng.sample(office.mediators, min(len(active), len(office.mediators)))
        for plan, mediator in zip(active, busy, strict=False):
            plan.staff = mediator
        load = min(1.6, count / 60)
        for plan in plans:
            series = "R" if plan.appointment is not None else "A"
            numbers[series] += 1
            self._visit(office, day, plan, series, numbers[series], load, living)
        for series, last in numbers.items():
            if last:
                self.rows["ticket_counter"].append((office.id, day.iso, series, last))

    def _past_walk_ins(self, day: _Day, count: int) -> list[_Plan]:
        rng = self.rng
        minutes, cum = _arrival_profile(day)
        if not minutes:
            return []
        arrivals = rng.choices(minutes, cum_weights=cum, k=count)
        plans = []
        for minute in arrivals:
            roll = rng.random()
            status = _V.DONE if roll < 0.95 else _V.LEFT if roll < 0.98 else _V.NO_SHOW
            plans.append(_Plan(day.base + minute + rng.randrange(60), status))
        return plans

    def _living_walk_ins(
        self, office: _OfficePlan, day: _Day, count: int, arrived: int
    ) -> list[_Plan]:
        """Today so far: most served, two or three at desks, the latest arrivals waiting."""
        rng = self.rng
        now_local = self._local(day, self.now)
        segments = [(a, min(b, now_local)) for a, b in day.intervals if a < now_local]
        open_total = sum(b - a for a, b in segments)

        def clock(offset: float) -> int:
            """The local time ``offset`` seconds of opening after the first opening."""
            for a, b in segments:
                if offset <= b - a:
                    return int(a + offset)
                offset -= b - a
            return segments[-1][1]

        waiting = min(count, max(3, rng.randint(6, max(6, min(10, count // 3))) - arrived))
        active = min(count - waiting, rng.randint(2, 3))
        done = count - waiting - active
        waiting_span = min(rng.randint(18, 30) * 60, open_total * 0.3)
        active_span = min(rng.randint(15, 25) * 60, open_total * 0.25)
        done_span = open_total - waiting_span - active_span
        if active_span < 180:
            waiting, active = waiting + active, 0
        if done_span < 15 * 60:
            waiting, done = waiting + done, 0
        plans: list[_Plan] = []
        for _ in range(done):
            local = clock(rng.uniform(0, done_span))
            start, end = day.interval_of(local)
            # Served and gone a little before now, not all at the same instant.
            limit = min(end, now_local - rng.randint(60, 900))
            if limit - local < 12 * 60:
                local = max(start, limit - rng.randint(12, 25) * 60)
            roll = rng.random()
            status = _V.DONE if roll < 0.95 else _V.LEFT if roll < 0.98 else _V.NO_SHOW
            if limit - local < 12 * 60:
                status, limit = _V.WAITING, now_local
            plans.append(_Plan(day.base + local, status, deadline=day.base + limit))
        for position in range(active):
            local = clock(rng.uniform(done_span, done_span + active_span))
            status = _V.CALLED if position == 2 else _V.IN_PROGRESS
            plans.append(_Plan(day.base + local, status))
        for _ in range(waiting):
            local = clock(rng.uniform(open_total - waiting_span, open_total))
            plans.append(_Plan(day.base + local, _V.WAITING))
        return plans

    # -- one visit ----------------------------------------------------------------------------

    def _visit(
        self,
        office: _OfficePlan,
        day: _Day,
        plan: _Plan,
        series: str,
        number: int,
        load: float,
        living: bool,
    ) -> None:
        rng = self.rng
        stamp = self.stamp
        visit_id = self._new_id("visit")
        appointment = plan.appointment
        person: _Person | None = None
        if appointment is not None:
            person = self._person(appointment.visitor) if appointment.visitor else None
        elif rng.random() >= 0.31:
            person = self._choose_visitor(office, day)
        receptionist = rng.choice(office.receptionists)
        a = plan.arrival
        if person is not None:
            if person.created < 0:
                person.created = a
                person.registered_by = receptionist
            person.last_day = day.ordinal

        # Who comes, and why.
        age_band: str | None = None
        gender: str = Gender.NOT_GIVEN.value
        commune: str | None = None
        needs: list[str]
        interpreter: str | None = None
        priority: str = Priority.NONE
        if person is not None:
            needs = list(person.needs)
            if Need.INTERPRETER in needs:
                interpreter = person.language
            age = day.year - person.birth_year if person.birth_year else 40
            if appointment is not None:
                pass  # due appointments go first anyway: no priority to declare
            elif Need.REDUCED_MOBILITY in needs and rng.random() < 0.5:
                priority = Priority.DISABILITY
            elif age >= 75 and rng.random() < 0.4:
                priority = Priority.ELDERLY
            elif person.female and 18 <= age <= 42 and rng.random() < 0.02:
                priority = Priority.PREGNANCY
            elif rng.random() < 0.015:
                priority = Priority.URGENCY
        else:
            needs = []
            if rng.random() < 0.65:
                age_band = _pick(rng, _AGE_BAND_CHOICES)
            if rng.random() < 0.55:
                gender = _pick(rng, _GENDER_CHOICES)
            if rng.random() < 0.5:
                commune = _pick(rng, office.commune_choices)
            if rng.random() < 0.03:
                needs.append(Need.INTERPRETER)
                interpreter = rng.choice(("ar", "uk", "ru", "tr", "ro", "ps", "ti", "en"))
            if rng.random() < 0.015:
                needs.append(Need.REDUCED_MOBILITY)
            if rng.random() < 0.015:
                priority = Priority.URGENCY
            elif age_band == AgeBand.FROM_65 and rng.random() < 0.3:
                priority = Priority.ELDERLY
        if living and plan.status == _V.WAITING and appointment is None:
            # Today's queue shows what the desk deals with: priorities and needs.
            roll = rng.random()
            if roll < 0.2 and priority == Priority.NONE:
                priority = rng.choice((Priority.ELDERLY, Priority.DISABILITY, Priority.URGENCY))
            elif roll > 0.82 and Need.INTERPRETER not in needs:
                needs.append(Need.INTERPRETER)
                interpreter = rng.choice(("ar", "uk", "tr", "ps", "ro"))

        if appointment is not None and appointment.motif is not None:
            motif = appointment.motif
        elif person is not None and person.last_motif >= 0 and rng.random() < 0.4:
            motif = person.last_motif
        else:
            motif = self._motif(day)
        if person is not None:
            person.last_motif = motif

        # What happens: the chain of statuses with times, staff and desk.
        limit = day.base + day.interval_of(a - day.base)[1]
        if day.ordinal == self.today[office.index]:
            limit = min(limit, self.now)
        if plan.deadline is not None:
            limit = min(limit, plan.deadline)
        at_reception = False
        if appointment is not None and appointment.staff is not None:
            staff = appointment.staff
        elif plan.staff is not None:
            staff = plan.staff
        elif plan.status == _V.DONE and rng.random() < 0.12:
            staff, at_reception = receptionist, True
        else:
            staff = rng.choice(office.mediators)
        desk = office.reception_desk if at_reception else office.mediator_desk(staff, day)
        events: list[tuple[int, int | None, int | None, str | None, str]] = [
            (a, receptionist, office.reception_desk, None, _V.WAITING)
        ]
        called = started = finished = None
        status = plan.status
        demand_count = 0
        if status == _V.DONE:
            demand_count = 1 if at_reception else _pick(rng, _DEMAND_COUNT_CHOICES)
            if appointment is not None:
                called, started, finished = self._appointment_times(appointment, a, limit)
            else:
                called, started, finished = self._service_times(
                    a, limit, demand_count, at_reception, load
                )
            if appointment is None:
                events += self._detours(office, day, staff, desk, a, called, started, finished)
            if events[-1][4] == _V.IN_PROGRESS:
                staff, desk = events[-1][1] or staff, events[-1][2] or desk
                started = events[-1][0]
                called = events[-2][0]
            else:
                events.append((called, staff, desk, _V.WAITING, _V.CALLED))
                events.append((started, staff, desk, _V.CALLED, _V.IN_PROGRESS))
            events.append((finished, staff, desk, _V.IN_PROGRESS, _V.DONE))
        elif status == _V.LEFT:
            finished = min(limit - 30, a + rng.randint(10, 45) * 60)
            events.append((finished, receptionist, office.reception_desk, _V.WAITING, _V.LEFT))
        elif status == _V.NO_SHOW:
            called = a + min(rng.randint(5, 30) * 60, limit - a - 360)
            finished = called + rng.randint(120, 300)
            events.append((called, staff, desk, _V.WAITING, _V.CALLED))
            events.append((finished, staff, desk, _V.CALLED, _V.NO_SHOW))
        elif status in (_V.CALLED, _V.IN_PROGRESS):
            room = limit - a
            if status == _V.CALLED:
                called = max(a + min(60, room // 2), limit - rng.randint(30, 150))
            else:
                called = a + max(room // 3, room - rng.randint(240, 1200))
                started = min(limit, called + rng.randint(20, 90))
                demand_count = 1
            events.append((called, staff, desk, _V.WAITING, _V.CALLED))
            if started is not None:
                events.append((started, staff, desk, _V.CALLED, _V.IN_PROGRESS))
        if status in (_V.WAITING, _V.LEFT):
            staff_id = desk_id = None
        else:
            staff_id, desk_id = staff, desk
        end = events[-1][0]
        if person is not None:
            self._touch(person, end)
        if appointment is not None and status == _V.WAITING:
            appointment.status = AppointmentStatus.ARRIVED

        self.rows["visit"].append(
            (
                visit_id,
                office.id,
                day.iso,
                number,
                f"{series}-{number:03d}",
                person.id if person else None,
                appointment.id if appointment else None,
                age_band,
                gender,
                commune,
                VisitSource.APPOINTMENT if appointment else VisitSource.WALK_IN,
                priority,
                json.dumps(needs),
                interpreter,
                motif,
                status,
                desk_id,
                staff_id,
                stamp(a),
                stamp(called) if called is not None else None,
                stamp(started) if started is not None else None,
                stamp(finished) if finished is not None else None,
                *_timings(a, events),
            )
        )
        event_rows = self.rows["visit_event"]
        for at, by, where, before, after in events:
            event_rows.append(
                (
                    self._new_id("visit_event"),
                    office.id,
                    visit_id,
                    stamp(at),
                    by,
                    where,
                    before,
                    after,
                )
            )
        if demand_count and started is not None:
            self._demands(
                office,
                day,
                visit_id,
                person,
                motif,
                demand_count,
                started,
                finished,
                staff,
                at_reception,
            )

    def _service_times(
        self, a: int, limit: int, demands: int, at_reception: bool, load: float
    ) -> tuple[int, int, int]:
        """Wait, walk to the desk and listening time, squeezed to end before ``limit``."""
        rng = self.rng
        room = limit - a
        walk = rng.randint(20, 90)
        if at_reception:
            wait = int(rng.triangular(60, 600, 180))
            listening = int(rng.triangular(120, 600, 240))
        else:
            wait = int(rng.triangular(300, 2400, 420 + 480 * load))
            listening = int(rng.triangular(360, 2400, 840)) + (demands - 1) * rng.randint(240, 600)
        wait = max(60, min(wait, room - walk - 300))
        listening = max(60, min(listening, room - wait - walk))
        called = a + wait
        started = called + walk
        return called, started, started + listening

    def _appointment_times(
        self, appointment: _Appointment, a: int, limit: int
    ) -> tuple[int, int, int]:
        rng = self.rng
        called = min(max(a + 60, appointment.starts + rng.randint(-120, 300)), limit - 400)
        started = called + rng.randint(20, 90)
        listening = rng.randint(appointment.duration * 30, appointment.duration * 60)
        return called, started, max(started + 120, min(started + listening, limit))

    def _detours(
        self,
        office: _OfficePlan,
        day: _Day,
        staff: int,
        desk: int,
        a: int,
        called: int,
        started: int,
        finished: int,
    ) -> list[tuple[int, int | None, int | None, str | None, str]]:
        """A few visits are put back in the queue or transferred to another mediator."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.02 and called - a >= 8 * 60:
            first_call = rng.randint(a + 120, called - 300)
            back = first_call + rng.randint(60, 150)
            return [
                (first_call, staff, desk, _V.WAITING, _V.CALLED),
                (back, staff, desk, _V.CALLED, _V.WAITING),
            ]
        others = [m for m in office.mediators if m != staff]
        if roll > 0.99 and others and finished - started >= 20 * 60:
            other = rng.choice(others)
            other_desk = office.mediator_desk(other, day)
            moved = started + rng.randint(5 * 60, (finished - started) // 2)
            recalled = moved + rng.randint(60, 300)
            restarted = recalled + rng.randint(20, 60)
            if finished - restarted < 5 * 60:
                return []
            return [
                (called, staff, desk, _V.WAITING, _V.CALLED),
                (started, staff, desk, _V.CALLED, _V.IN_PROGRESS),
                (moved, staff, desk, _V.IN_PROGRESS, _V.WAITING),
                (recalled, other, other_desk, _V.WAITING, _V.CALLED),
                (restarted, other, other_desk, _V.CALLED, _V.IN_PROGRESS),
            ]
        return []

    def _motif(self, day: _Day) -> int:
        rng = self.rng
        motif = _pick(rng, self.motif_choices)
        # Tax season in spring: more questions about taxes.
        if self.taxes_motif is not None and 4 <= day.month <= 6 and rng.random() < 0.08:
            return self.taxes_motif
        return motif

    # -- demands, relays, appointments ------------------------------------------------------

    def _demands(
        self,
        office: _OfficePlan,
        day: _Day,
        visit_id: int,
        person: _Person | None,
        first_motif: int,
        count: int,
        started: int,
        finished: int | None,
        staff: int,
        at_reception: bool,
    ) -> None:
        rng = self.rng
        stamp = self.stamp
        end = finished if finished is not None else min(self.now, started + 240)
        for position in range(1, count + 1):
            demand_id = self._new_id("demand")
            motif = first_motif if position == 1 else self._motif(day)
            code = self.motif_codes[motif]
            created = min(end, started + rng.randint(60 * position, 300 * position))
            partner = None
            share = _PARTNER_SHARE.get(code, 0.8)
            if code in _MOTIF_PARTNERS and rng.random() < share:
                partner = self._partner_for(office, code)
            outcome: str | None = None
            level: str = HelpLevel.INFORM
            register = self.simple_register
            if finished is None:
                pass  # still being listened to
            elif at_reception:
                outcome = Outcome.RESOLVED if rng.random() < 0.7 else Outcome.FINISH_ALONE
            else:
                outcome = _pick(rng, _OUTCOME_CHOICES)
                level = _pick(rng, _LEVEL_CHOICES)
                register = _pick(rng, self.register_choices)
                if outcome == Outcome.APPOINTMENT and person is None:
                    outcome = Outcome.COME_BACK
                if outcome == Outcome.RELAY:
                    if partner is None:
                        partner = self._partner_for(office, code) or office.partners.get("ccas")
                    if partner is None:
                        outcome = Outcome.FINISH_ALONE
                    elif rng.random() < 0.7:
                        register = self.partner_link
            appointment_id = None
            if outcome == Outcome.APPOINTMENT:
                assert person is not None
                appointment_id = self._book(office, day, person, motif, partner, created, staff)
                if appointment_id is None:
                    outcome = Outcome.COME_BACK
            note = None
            if rng.random() < 0.45:
                note = rng.choice(_NOTES.get(code, _NOTES["other"]))
            self.rows["demand"].append(
                (
                    demand_id,
                    office.id,
                    visit_id,
                    position,
                    motif,
                    partner,
                    register,
                    level,
                    outcome,
                    appointment_id,
                    note,
                    stamp(created),
                    day.iso,
                )
            )
            if outcome == Outcome.RELAY:
                assert partner is not None
                sent = min(end, created + rng.randint(120, 600))
                self._relay(office, day, demand_id, partner, person, code, sent, staff)

    def _partner_for(self, office: _OfficePlan, motif_code: str) -> int | None:
        choices = _PARTNER_CHOICES.get(motif_code)
        if not choices:
            return None
        return office.partners.get(_pick(self.rng, choices))

    def _relay(
        self,
        office: _OfficePlan,
        day: _Day,
        demand_id: int,
        partner: int,
        person: _Person | None,
        motif_code: str,
        sent: int,
        staff: int,
    ) -> None:
        rng = self.rng
        mode = _pick(rng, _RELAY_MODE_CHOICES)
        consent_id = shared = None
        if (
            person is not None
            and mode in (RelayMode.PHONE_TOGETHER, RelayMode.EMAIL, RelayMode.LETTER)
            and rng.random() < 0.6
        ):
            consent_id = self._consent(
                office, person.id, ConsentScope.SHARE_WITH_PARTNER, sent - 60, staff
            )
            shared = rng.choice(_SHARED_DETAILS)
        follow_up = day.ordinal + 14
        today = self.today[office.index]
        status: str = RelayStatus.OPEN
        refusal = None
        closed_at = None
        if follow_up <= today:
            overdue = today - follow_up
            closing = 0.35 if overdue <= 3 else 0.7 if overdue <= 10 else 0.96
            if rng.random() < closing:
                roll = rng.random()
                if roll < 0.13 and self.now - sent >= 30 * 86400:
                    status = RelayStatus.EXPIRED
                    closed_day = day.ordinal + 30 + rng.randint(0, 3)
                elif roll < 0.28:
                    status = RelayStatus.REFUSED
                    refusal = _pick(rng, _REFUSAL_CHOICES)
                    closed_day = follow_up + rng.randint(0, min(overdue, 5))
                elif roll < 0.40:
                    status = RelayStatus.UNREACHABLE
                    closed_day = follow_up + rng.randint(0, min(overdue, 5))
                else:
                    status = RelayStatus.CONFIRMED
                    closed_day = follow_up + rng.randint(-3, min(overdue, 5))
                closed_day = min(max(closed_day, day.ordinal + 1), today)
                closed = office.days.get(closed_day)
                base = closed.base if closed else day.base + (closed_day - day.ordinal) * 86400
                closed_at = min(self.now - 60, base + rng.randint(9 * 3600 + 900, 17 * 3600))
                closed_at = max(closed_at, sent + 60)
        self.rows["relay"].append(
            (
                self._new_id("relay"),
                office.id,
                demand_id,
                partner,
                mode,
                rng.choice(_RELAY_CONTACTS),
                rng.choice(_NOTES.get(motif_code, _NOTES["other"])),
                shared,
                consent_id,
                self.stamp(sent),
                date.fromordinal(follow_up).isoformat(),
                status,
                refusal,
                self.stamp(closed_at) if closed_at is not None else None,
                day.iso,
            )
        )

    def _book(
        self,
        office: _OfficePlan,
        day: _Day,
        person: _Person,
        motif: int,
        partner: int | None,
        created: int,
        staff: int,
        *,
        target: int | None = None,
    ) -> int | None:
        """Book a free slot on a later open day, with a mediator or at a partner's session."""
        rng = self.rng
        partner_code = None
        if partner is not None and rng.random() < 0.4:
            for code, partner_id in office.partners.items():
                if partner_id == partner and code in _PERMANENCES:
                    partner_code = code
        start = office.open_days.index(day.ordinal) + 1 if target is None else 0
        candidates = office.open_days[start : start + 14] if target is None else [target]
        if target is None and candidates:
            weights = [1.0 + 2.0 * exp(-(((k - 4) / 3) ** 2)) for k in range(len(candidates))]
            first = rng.choices(range(len(candidates)), weights=weights)[0]
            candidates = candidates[first:] + candidates[:first]
        for ordinal in candidates:
            booked_day = office.days[ordinal]
            if partner_code is not None:
                weekday, begin, finish = _PERMANENCES[partner_code]
                if booked_day.weekday != weekday:
                    continue
                slot = self._free_slot(("p", partner), booked_day, [(begin, finish)], 30)
                if slot is None:
                    continue
                return self._add_appointment(
                    office, booked_day, person, None, partner, motif, slot, 30, created,
                    f"Permanence {partner_code.replace('_', ' ').upper()}",
                )  # fmt: skip
            duration = _pick(rng, _DURATION_CHOICES)
            mediators = list(office.mediators)
            rng.shuffle(mediators)
            if staff in mediators and rng.random() < 0.6:
                mediators.remove(staff)
                mediators.insert(0, staff)  # usually with the mediator who listened
            for mediator in mediators:
                slot = self._free_slot(("m", mediator), booked_day, booked_day.intervals, duration)
                if slot is not None:
                    desk = office.desk_names[office.mediator_desk(mediator, booked_day)]
                    return self._add_appointment(
                        office, booked_day, person, mediator, None, motif, slot, duration,
                        created, desk,
                    )  # fmt: skip
        return None

    def _free_slot(
        self,
        owner: tuple[str, int | None],
        day: _Day,
        intervals: Sequence[tuple[int, int]],
        duration: int,
    ) -> int | None:
        """A free quarter-hour-aligned start (local seconds) for ``duration`` minutes."""
        key = (owner[0], owner[1] or 0, day.ordinal)
        taken = self.booked_slots.get(key)
        if taken is None:
            taken = self.booked_slots[key] = bytearray(96)
        cells = -(-duration * 60 // _SLOT)
        free = bytes(cells)
        starts = [
            first
            for first in _slot_starts(tuple(intervals), duration)
            if taken[first : first + cells] == free
        ]
        if not starts:
            return None
        chosen = self.rng.choice(starts)
        taken[chosen : chosen + cells] = b"\x01" * cells
        return chosen * _SLOT

    def _add_appointment(
        self,
        office: _OfficePlan,
        day: _Day,
        person: _Person | None,
        staff: int | None,
        partner: int | None,
        motif: int | None,
        slot: int,
        duration: int,
        created: int,
        place: str | None,
    ) -> int:
        appointment = _Appointment(
            id=self._new_id("appointment"),
            office=office.index,
            visitor=person.id if person else None,
            staff=staff,
            partner=partner,
            motif=motif,
            day=day.ordinal,
            starts=day.base + slot,
            duration=duration,
            place=place,
            created=created,
        )
        self.appointments.append(appointment)
        self.appointments_by_cell.setdefault((office.index, day.ordinal), []).append(appointment)
        return appointment.id

    def _top_up_today(self, office: _OfficePlan) -> None:
        """Make sure the mediators have several appointments today, booked earlier by phone."""
        rng = self.rng
        today = self.today[office.index]
        day = office.days[today]
        if not day.intervals or not office.seen:
            return
        earlier = [d for d in office.open_days if d < today]
        if not earlier:
            return
        booked_on = office.days[earlier[-1]]
        created = booked_on.base + booked_on.intervals[-1][1] - rng.randint(60, 600)
        existing = [a for a in self.appointments_by_cell.get((office.index, today), []) if a.staff]
        wanted = rng.randint(5, 8) - len(existing)
        for _ in range(max(0, wanted)):
            person = self._person(rng.choice(office.seen))
            if person.created > created:
                continue
            self._touch(person, created)
            self._book(
                office, booked_on, person, self._motif(day), None, created,
                rng.choice(office.mediators), target=today,
            )  # fmt: skip

    def _resolve_appointment(
        self, office: _OfficePlan, day: _Day, appointment: _Appointment, living: bool
    ) -> _Plan | None:
        """Decide what became of an appointment of this day; a visit when the person came."""
        rng = self.rng
        end = appointment.starts + appointment.duration * 60
        if appointment.starts - 600 > self.now:
            appointment.status = (
                AppointmentStatus.CANCELLED if rng.random() < 0.05 else AppointmentStatus.BOOKED
            )
            return None
        if living and end - 15 * 60 > self.now:
            # Due now: the person has checked in and waits to be called.
            if appointment.staff is None or appointment.visitor is None:
                return None
            opening = day.base + day.interval_of(appointment.starts - day.base)[0]
            if opening > self.now - 60:
                return None  # the doors open at the time of the appointment: not here yet
            early = appointment.starts - rng.randint(120, 600)
            return _Plan(max(opening, min(early, self.now - 30)), _V.WAITING, appointment)
        roll = rng.random()
        recent = self.today[office.index] - day.ordinal <= 14
        if roll < (0.06 if recent else 0.005):
            appointment.status = AppointmentStatus.BOOKED  # outcome missing: "à renseigner"
        elif roll < 0.12:
            appointment.status = AppointmentStatus.CANCELLED
        elif roll < 0.18:
            appointment.status = AppointmentStatus.EXCUSED
        elif roll < 0.30:
            appointment.status = AppointmentStatus.NO_SHOW
        else:
            appointment.status = AppointmentStatus.SEEN
            if appointment.staff is not None and appointment.visitor is not None:
                start_local = appointment.starts - day.base
                interval_start = day.interval_of(start_local)[0]
                arrival = max(day.base + interval_start, appointment.starts - rng.randint(120, 720))
                return _Plan(arrival, _V.DONE, appointment)
        return None

    def _finish_appointments(self) -> None:
        """Settle the appointments still ahead (a few cancelled) and write every row."""
        for cell in list(self.appointments_by_cell):
            for appointment in self.appointments_by_cell.pop(cell):
                if self.rng.random() < 0.05:
                    appointment.status = AppointmentStatus.CANCELLED
        # Every office has a few past appointments whose outcome is still to fill in.
        for office in self.offices:
            recent = [
                a
                for a in self.appointments
                if a.office == office.index
                and a.starts + a.duration * 60 <= self.now
                and self.today[office.index] - a.day <= 14
            ]
            missing = 2 - sum(1 for a in recent if a.status == AppointmentStatus.BOOKED)
            unseen = (
                AppointmentStatus.NO_SHOW,
                AppointmentStatus.EXCUSED,
                AppointmentStatus.CANCELLED,
            )
            for appointment in [a for a in reversed(recent) if a.status in unseen][:missing]:
                appointment.status = AppointmentStatus.BOOKED
        stamp = self.stamp
        for appointment in self.appointments:
            office_id = self.offices[appointment.office].id
            self.rows["appointment"].append(
                (
                    appointment.id,
                    office_id,
                    appointment.visitor,
                    appointment.staff,
                    appointment.partner,
                    appointment.motif,
                    stamp(appointment.starts),
                    appointment.duration,
                    appointment.place,
                    appointment.status,
                    stamp(appointment.created),
                )
            )

    # -- writing --------------------------------------------------------------------------------

    def write(self, session: Session, *, sqlite: bool) -> dict[str, int]:
        """Insert every row in foreign-key order; returns the counts for the report."""
        connection = session.connection()
        order = (
            "visitor",
            "visitor_search_token",
            "consent",
            "appointment",
            "visit",
            "visit_event",
            "demand",
            "relay",
            "ticket_counter",
        )
        if sqlite:
            # SQLite re-evaluates every `IN (...)` CHECK row by row, which halves the load
            # speed. The rows are built from the enums, PostgreSQL (COPY) enforces the same
            # constraints on the same rows, and the tests check the values on both engines.
            connection.exec_driver_sql("PRAGMA ignore_check_constraints=ON")
        try:
            for table in order:
                columns = _COLUMNS[table]
                rows = self.rows[table]
                if sqlite:
                    sql = (
                        f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})"
                    )
                    for chunk in _chunks(rows, 10_000):
                        connection.exec_driver_sql(sql, chunk)
                else:
                    raw = connection.connection.driver_connection
                    assert raw is not None
                    with (
                        raw.cursor() as cursor,
                        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
                    ):
                        for row in rows:
                            copy.write_row(row)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA ignore_check_constraints=OFF")
        if not sqlite:
            for table in _ID_TABLES:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
        return {
            "offices": len(self.offices),
            "staff": self.staff_count,
            "visitors": len(self.rows["visitor"]),
            "visits": len(self.rows["visit"]),
            "demands": len(self.rows["demand"]),
            "relays": len(self.rows["relay"]),
            "appointments": len(self.rows["appointment"]),
            "events": len(self.rows["visit_event"]),
            "consents": len(self.rows["consent"]),
        }


# ---------------------------------------------------------------------------------------------
# Small helpers


def _id_column(table: str) -> Any:
    from pimms_tui.db.models import Base

    return Base.metadata.tables[table].c.id


def _chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    quotas = [total * w / whole for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _capped_apportion(total: int, weights: Sequence[float], cap: int) -> list[int]:
    """Like ``_apportion``, but no share above ``cap`` while others have room left."""
    counts = _apportion(total, weights)
    while True:
        excess = sum(c - cap for c in counts if c > cap)
        room = [i for i, c in enumerate(counts) if c < cap]
        if not excess or not room:
            return counts
        counts = [min(c, cap) for c in counts]
        extra = _apportion(excess, [weights[i] for i in room])
        for i, more in zip(room, extra, strict=True):
            counts[i] += more
