"""The visitor's rights and the office's retention: what erasing a file empties, and when.

Erasing a file (the visitor withdraws consent, asks for erasure, or the retention period
passed) empties its identity, contact and every free text written about the person (demand
notes; a relay's contact, reason and shared details) in one transaction, and leaves the rows
that statistics count: visits, demands, motifs, outcomes, relays and appointments stay, tied
to a file that no longer says who it was. Files merged into it are erased with it.

Every erased file is listed in ``erasure`` (its id and the instant it was opened, never a
name): a backup put back later is erased again (:func:`reapply_erasures`).

The journal (:mod:`.audit`) is never touched: its entries hold ids and counts, no name. The
use cases (permission, unit of work, journal) are in :mod:`pimms_tui.application.rights`.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.enums import ConsentScope
from pimms_tui.db.models import (
    Appointment,
    Consent,
    Demand,
    Erasure,
    ErasureKind,
    Office,
    Relay,
    Visit,
    Visitor,
)
from pimms_tui.db.search_index import forget_visitors

from .errors import DomainError, NotFound
from .messages import N_

FILE_UNKNOWN = N_("This visitor file does not exist.")
ALREADY_ERASED = N_("This file is already anonymised: there is nothing left to erase.")
NO_CONSENT_TO_WITHDRAW = N_("There is no consent to withdraw on this file.")
OTHER_OFFICE = N_("This desk belongs to another office.")
MERGED_FILE = N_("This file was merged into another one: act on that one.")


# --- Values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure emptied: files (the one asked for and those merged into it), texts."""

    visitors: int
    notes: int
    relays: int
    consents: int

    def counts(self) -> dict[str, int]:
        """The counts as the journal records them."""
        return {
            "files": self.visitors,
            "notes": self.notes,
            "relays": self.relays,
            "consents": self.consents,
        }


@dataclass(frozen=True)
class PurgeReport:
    """What a purge did (or would do, on a dry run)."""

    dry_run: bool
    visitors: int
    relays: int
    visitor_cutoff: datetime
    relay_cutoff: datetime
    visitor_ids: tuple[int, ...] = ()

    @property
    def nothing(self) -> bool:
        """Whether there was nothing to purge."""
        return not (self.visitors or self.relays)


# --- Dates -------------------------------------------------------------------------------------


def months_before(instant: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st → the month's last)."""
    month_index = instant.year * 12 + instant.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(instant.day, calendar.monthrange(year, month + 1)[1])
    return instant.replace(year=year, month=month + 1, day=day)


def retention_cutoffs(session: Session, office_id: int, now: datetime) -> tuple[datetime, datetime]:
    """Before when a file, and a closed relay's details, are past the office's retention."""
    office = session.get(Office, office_id)
    assert office is not None
    return (
        months_before(now, office.retention_months),
        months_before(now, office.relay_retention_months),
    )


# --- Which files -------------------------------------------------------------------------------


def office_visitor(
    session: Session, office_id: int, visitor_id: int, *, lock: bool = False
) -> Visitor:
    """One of the office's files (locked for update when asked); NotFound otherwise."""
    query = select(Visitor).where(Visitor.id == visitor_id, Visitor.office_id == office_id)
    if lock:
        query = query.with_for_update()
    visitor = session.scalars(query).one_or_none()
    if visitor is None:
        raise NotFound(FILE_UNKNOWN)
    return visitor


def erasable(session: Session, office_id: int, visitor_id: int) -> Visitor:
    """The file, locked, refused if it was erased already or merged into another."""
    visitor = office_visitor(session, office_id, visitor_id, lock=True)
    if visitor.anonymised_at is not None:
        raise DomainError(ALREADY_ERASED)
    if visitor.merged_into_id is not None:
        raise DomainError(MERGED_FILE)
    return visitor


def require_kept_consent(session: Session, visitor_id: int) -> None:
    """Refused unless the visitor's consent to keep the file is still active."""
    active = session.scalar(
        select(Consent.id)
        .where(
            Consent.visitor_id == visitor_id,
            Consent.scope == ConsentScope.KEEP_FILE.value,
            Consent.withdrawn_at.is_(None),
        )
        .limit(1)
    )
    if active is None:
        raise DomainError(NO_CONSENT_TO_WITHDRAW)


def with_merged(session: Session, visitor_ids: Sequence[int]) -> list[int]:
    """The files asked for, and every file merged into them (a chain is followed)."""
    found = list(dict.fromkeys(visitor_ids))
    frontier = list(found)
    while frontier:
        merged = [
            row
            for row in session.scalars(
                select(Visitor.id).where(Visitor.merged_into_id.in_(frontier))
            )
            if row not in found
        ]
        found.extend(merged)
        frontier = merged
    return found


def inactive_files(office_id: int, cutoff: datetime) -> list[ColumnElement[bool]]:
    """The office's named files not seen since ``cutoff``, with no appointment after it."""
    future = exists().where(Appointment.visitor_id == Visitor.id, Appointment.starts_at >= cutoff)
    return [
        Visitor.office_id == office_id,
        Visitor.anonymised_at.is_(None),
        Visitor.merged_into_id.is_(None),
        Visitor.last_activity_at < cutoff,
        ~future,
    ]


def old_relays(office_id: int, cutoff: datetime) -> ColumnElement[bool]:
    """The office's relays closed before ``cutoff`` that still hold a text about someone."""
    return and_(
        Relay.office_id == office_id,
        Relay.closed_at.is_not(None),
        Relay.closed_at < cutoff,
        _relay_has_text(),
    )


def _relay_has_text() -> ColumnElement[bool]:
    return or_(
        Relay.contact.is_not(None),
        Relay.reason.is_not(None),
        Relay.shared_details.is_not(None),
    )


# --- Erasing -----------------------------------------------------------------------------------


def strip_relays(session: Session, which: ColumnElement[bool]) -> int:
    """Empty the contact, reason and shared details of these relays; how many changed."""
    return _count(
        session.execute(
            update(Relay)
            .where(which)
            .values(contact=None, reason=None, shared_details=None)
            .execution_options(synchronize_session=False)
        )
    )


def erase_files(
    session: Session,
    visitor_ids: Sequence[int],
    now: datetime,
    kind: str = ErasureKind.ERASURE,
) -> ErasureReport:
    """Empty the identity, contact and free texts of these files; anonymous counts stay.

    Set-based: a handful of statements whatever the number of files. Consents still active
    are marked withdrawn (the consent rows themselves hold no personal data). Each file
    erased is added to the list of erasures (``kind`` says why).
    """
    ids = with_merged(session, visitor_ids)
    if not ids:
        return ErasureReport(0, 0, 0, 0)
    listed = [
        {
            "office_id": row.office_id,
            "visitor_id": row.id,
            "file_created_at": row.created_at,
            "erased_at": now,
            "kind": str(kind),
        }
        for row in session.execute(
            select(Visitor.id, Visitor.office_id, Visitor.created_at).where(
                Visitor.id.in_(ids), Visitor.anonymised_at.is_(None)
            )
        )
    ]
    if listed:
        session.execute(insert(Erasure), listed)
    visitors = session.execute(
        update(Visitor)
        .where(Visitor.id.in_(ids), Visitor.anonymised_at.is_(None))
        .values(
            first_name=None,
            last_name=None,
            phone=None,
            email=None,
            birth_year=None,
            language=None,
            needs=[],
            commune=None,
            search_key="",
            phone_digits=None,
            anonymised_at=now,
            version=Visitor.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    forget_visitors(session, ids)
    # Read as a list: an IN of ids is an index look-up on both engines, where PostgreSQL
    # may plan the sub-select as a scan of every demand.
    their_demands = list(
        session.scalars(
            select(Demand.id)
            .join(Visit, Visit.id == Demand.visit_id)
            .where(Visit.visitor_id.in_(ids))
        )
    )
    notes = session.execute(
        update(Demand)
        .where(Demand.id.in_(their_demands), Demand.note.is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    relays = strip_relays(session, and_(Relay.demand_id.in_(their_demands), _relay_has_text()))
    consents = session.execute(
        update(Consent)
        .where(Consent.visitor_id.in_(ids), Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    return ErasureReport(
        visitors=_count(visitors),
        notes=_count(notes),
        relays=relays,
        consents=_count(consents),
    )


@dataclass(frozen=True)
class ErasureRecord:
    """One line of the list of erasures, as copied from one database to another."""

    office_id: int
    visitor_id: int
    file_created_at: datetime
    erased_at: datetime
    kind: str


def erasure_records(session: Session) -> list[ErasureRecord]:
    """Every erasure listed in this database, oldest first."""
    return [
        ErasureRecord(row.office_id, row.visitor_id, row.file_created_at, row.erased_at, row.kind)
        for row in session.execute(
            select(
                Erasure.office_id,
                Erasure.visitor_id,
                Erasure.file_created_at,
                Erasure.erased_at,
                Erasure.kind,
            ).order_by(Erasure.erased_at, Erasure.id)
        )
    ]


def reapply_erasures(session: Session, records: Sequence[ErasureRecord]) -> int:
    """Erase again, in this (restored) database, the files erased since it was copied.

    A file is the one erased when both its id and the instant it was opened match: a file
    given the same id later, in a database restored meanwhile, is someone else. The list
    is copied too (what this database lacks of it), so a later restore erases them again.
    How many files were erased again.
    """
    again = 0
    for record in records:
        listed = session.scalar(
            select(Erasure.id)
            .where(
                Erasure.visitor_id == record.visitor_id,
                Erasure.file_created_at == record.file_created_at,
                Erasure.erased_at == record.erased_at,
            )
            .limit(1)
        )
        if listed is not None:
            continue
        still_there = session.scalar(
            select(Visitor.id).where(
                Visitor.id == record.visitor_id,
                Visitor.office_id == record.office_id,
                Visitor.created_at == record.file_created_at,
                Visitor.anonymised_at.is_(None),
            )
        )
        if still_there is None:
            session.execute(insert(Erasure), [asdict(record)])
        else:  # erased under its first date, and listed again (with the files merged into it)
            again += erase_files(session, [still_there], record.erased_at, record.kind).visitors
    return again


def mark_purged(session: Session, office_id: int, now: datetime) -> None:
    """Remember when the office was last purged."""
    session.execute(update(Office).where(Office.id == office_id).values(last_purge_at=now))


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
