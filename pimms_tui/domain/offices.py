"""Offices and their desks: creating the first office, finding the one this terminal serves."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import DeskKind
from pimms_tui.db.models import Desk, Office
from pimms_tui.domain.clock import Clock
from pimms_tui.text import one_line

# Monday = "0". A usual PIMMS week: open on weekdays with a lunch break, Saturday morning.
DEFAULT_OPENING_HOURS: dict[str, Any] = {
    **{str(day): [["09:00", "12:30"], ["13:30", "17:30"]] for day in range(5)},
    "5": [["09:00", "12:00"]],
}
DEFAULT_DESKS: tuple[tuple[str, DeskKind], ...] = (
    ("Accueil", DeskKind.RECEPTION),
    ("Guichet 1", DeskKind.MEDIATION),
    ("Guichet 2", DeskKind.MEDIATION),
    ("Bureau 1", DeskKind.MEDIATION),
)


@dataclass(frozen=True)
class OfficeInfo:
    """What the rest of the program needs to know about an office."""

    id: int
    code: str
    name: str
    timezone: str
    opening_hours: dict[str, Any]
    priority_streak_cap: int
    retention_months: int

    def local_day(self, instant: datetime) -> date:
        """The office's calendar day at ``instant`` (tickets are numbered per local day)."""
        return instant.astimezone(ZoneInfo(self.timezone)).date()

    def today(self, clock: Clock) -> date:
        """The office's calendar day now: the one way every use case reads "today"."""
        return self.local_day(clock.now())


@dataclass(frozen=True)
class DeskInfo:
    """A desk of the office."""

    id: int
    name: str
    kind: str
    public_screen: bool


def office_info(office: Office) -> OfficeInfo:
    """Copy an office row into a plain value."""
    return OfficeInfo(
        id=office.id,
        code=office.code,
        name=office.name,
        timezone=office.timezone,
        opening_hours=dict(office.opening_hours),
        priority_streak_cap=office.priority_streak_cap,
        retention_months=office.retention_months,
    )


def desk_info(desk: Desk) -> DeskInfo:
    """Copy a desk row into a plain value."""
    return DeskInfo(id=desk.id, name=desk.name, kind=desk.kind, public_screen=desk.public_screen)


def code_from_name(name: str) -> str:
    """A short office code from its name: "PIMMS Dijon Centre" → "PIMMS-DIJON-CENTRE"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    code = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").upper()
    return code[:32] or "PIMMS"


def create_office(
    session: Session,
    *,
    name: str,
    now: datetime,
    code: str | None = None,
    desks: tuple[tuple[str, DeskKind], ...] = DEFAULT_DESKS,
) -> OfficeInfo:
    """Create an office with its desks and the default partner list."""
    cleaned = one_line(name)  # no control or bidi character is stored
    if not cleaned:
        raise ValueError("an office needs a name")
    office = Office(
        code=code or code_from_name(cleaned),
        name=cleaned,
        opening_hours=DEFAULT_OPENING_HOURS,
        created_at=now,
    )
    session.add(office)
    session.flush()
    session.add_all(Desk(office_id=office.id, name=n, kind=kind) for n, kind in desks)
    from .reference_seed import seed_default_partners  # the taxonomy package loads only here

    seed_default_partners(session, office.id)
    session.flush()
    return office_info(office)


def find_office(session: Session, code: str | None = None) -> OfficeInfo | None:
    """The office with this code, or the first one created when no code is given."""
    query = select(Office).order_by(Office.id).limit(1)
    if code is not None:
        query = select(Office).where(Office.code == code)
    office = session.scalars(query).first()
    return office_info(office) if office else None


def list_desks(session: Session, office_id: int) -> list[DeskInfo]:
    """The office's active desks, by name."""
    rows = session.scalars(
        select(Desk).where(Desk.office_id == office_id, Desk.active).order_by(Desk.name)
    )
    return [desk_info(d) for d in rows]


def ensure_desk(session: Session, office_id: int, name: str) -> DeskInfo:
    """The desk with this name, created on first use (a new terminal names its desk)."""
    cleaned = one_line(name)
    desk = session.scalars(
        select(Desk).where(Desk.office_id == office_id, Desk.name == cleaned)
    ).first()
    if desk is None:
        desk = Desk(office_id=office_id, name=cleaned, kind=DeskKind.MEDIATION)
        session.add(desk)
        session.flush()
    return desk_info(desk)


def set_public_screen(session: Session, desk_id: int, public: bool) -> DeskInfo:
    """Remember whether this desk hides names on the queue (its screen faces the public)."""
    desk = session.get(Desk, desk_id)
    if desk is None:
        raise ValueError(f"no desk {desk_id}")
    desk.public_screen = public
    session.flush()
    return desk_info(desk)
