"""The demo offices and their staff (codes, names, PINs), and the generator's shared set-up."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import DeskKind, Role
from pimms_tui.db.models import Desk, Motif, Office, Partner, Register, Staff
from pimms_tui.domain.offices import create_office
from pimms_tui.domain.staff import hash_pin

from .names import _FRENCH_FEMALE, _FRENCH_MALE, _ORIGINS, _STAFF_INITIALS, _mobile_prefixes
from .reference import (
    _COMMUNES,
    _MOTIF_WEIGHTS,
    _OFFICE_ADDRESSES,
    _OFFICE_AREAS,
    _OFFICE_WEIGHTS,
    _REGISTER_WEIGHTS,
    _pick,
    _weighted,
)
from .state import _COLUMNS, _ID_TABLES, Row, _Appointment, _OfficePlan, _Person
from .timeline import _EPOCH_ORDINAL, _Day, _hms, _public_holidays, _Stamps

DEMO_CODE_PREFIX = "DEMO-"


def demo_office_code(index: int) -> str:
    """The code of the n-th demo office (0-based): DEMO-1, DEMO-2…"""
    return f"{DEMO_CODE_PREFIX}{index + 1}"


def demo_office_name(index: int) -> str:
    """The name of the n-th demo office (0-based): "PIMMS Démo Centre", "PIMMS Démo Nord"…"""
    if index < len(_OFFICE_AREAS):
        return f"PIMMS Démo {_OFFICE_AREAS[index]}"
    return f"PIMMS Démo {index + 1}"


# One PIN per role for the demo's staff, listed on the sign-in screen of ``pimms --demo``.
DEMO_PINS = {Role.RECEPTION: "1111", Role.MEDIATOR: "2222", Role.MANAGER: "3333"}


def demo_pin_hash(office_id: int, role: Role) -> str:
    """The hash the demo stores for the PIN of ``role`` at one office (a salt from the office
    and the role: the same seed gives the same rows, and the demo recognises its accounts)."""
    salt = hashlib.sha256(f"demo-{office_id}-{role}".encode()).digest()[:16]
    return hash_pin(DEMO_PINS[role], salt=salt)


def demo_pins(database: Database, office_id: int) -> dict[int, str]:
    """The demo PIN of each account the demo created at one office, by staff id.

    An account added in the app, or one whose PIN was changed, has no demo PIN: its hash is
    not the one the demo stores for its role.
    """
    hashes = {role: demo_pin_hash(office_id, role) for role in DEMO_PINS}
    with database.read() as session:
        rows = session.execute(
            select(Staff.id, Staff.role, Staff.pin_hash).where(Staff.office_id == office_id)
        ).all()
    return {
        row.id: DEMO_PINS[Role(row.role)]
        for row in rows
        if row.role in hashes and row.pin_hash == hashes[Role(row.role)]
    }


# Files older than the window go back this far (some past the 24-month retention period).
_OLD_FILES_DAYS = 1100


def _id_column(table: str) -> Any:
    from pimms_tui.db.models import Base

    return Base.metadata.tables[table].c.id


class _GeneratorBase:
    """The generator's shared state: offices, staff, reference rows, ids and rows to come.

    Each stage of the generation subclasses the one before it (people, appointments,
    demands, visits, days, then the whole run) and only calls what lies below it.
    """

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
        hashes = {role: demo_pin_hash(office_id, role) for role in DEMO_PINS}
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

    def _new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _motif(self, day: _Day) -> int:
        rng = self.rng
        motif = _pick(rng, self.motif_choices)
        # Tax season in spring: more questions about taxes.
        if self.taxes_motif is not None and 4 <= day.month <= 6 and rng.random() < 0.08:
            return self.taxes_motif
        return motif
