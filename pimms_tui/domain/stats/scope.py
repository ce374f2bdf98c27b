"""What statistics can be asked about: the database's offices, their partners and targets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.models import Office, Partner

from ..errors import NotFound
from ..messages import N_
from .figures import DEFAULT_WAIT_TARGET_MINUTES


def list_offices(session: Session) -> list[tuple[int, str, str]]:
    """Every office of the database as (id, code, name), in creation order."""
    rows = session.execute(select(Office.id, Office.code, Office.name).order_by(Office.id))
    return [(row.id, row.code, row.name) for row in rows]


def office_ids_of(session: Session, codes: Sequence[str]) -> tuple[int, ...]:
    """The offices with these codes, in the order given (once each); unknown codes refused."""
    by_code = {code: office_id for office_id, code, _name in list_offices(session)}
    for code in codes:
        if code not in by_code:
            raise NotFound(N_("There is no office with code {code}."), code=code)
    return tuple(dict.fromkeys(by_code[code] for code in codes))


def wait_target(session: Session, office_id: int) -> int:
    """The office's waiting-time target in minutes (its settings)."""
    target = session.execute(
        select(Office.wait_target_minutes).where(Office.id == office_id)
    ).scalar_one_or_none()
    return DEFAULT_WAIT_TARGET_MINUTES if target is None else int(target)


def list_partners(session: Session, office_ids: Sequence[int]) -> list[tuple[str, str]]:
    """The active partners of these offices as (code, name), one per code, by name."""
    rows = session.execute(
        select(Partner.code, func.min(Partner.name))
        .where(Partner.office_id.in_(office_ids), Partner.active)
        .group_by(Partner.code)
    ).all()
    return sorted(((code, name) for code, name in rows), key=lambda p: p[1].casefold())


def partner_ids(session: Session, office_ids: Sequence[int], code: str) -> tuple[int, ...]:
    """The partners with ``code`` in these offices (a partner report across offices)."""
    ids = session.scalars(
        select(Partner.id).where(Partner.office_id.in_(office_ids), Partner.code == code)
    ).all()
    if not ids:
        raise NotFound(N_("There is no partner with code {code}."), code=code)
    return tuple(ids)
