"""The list of files written for a person: so that they can be found again and deleted.

Every slip, appointment card and right-of-access export is listed with the file it concerns
(when known), the machine it was written on and its path. A desk deletes the files it wrote
itself (the path means something on its machine only): at once when the person is erased, and
at start-up and on ``pimms purge`` those of erased files and those older than the office's
``document_retention_days``. The file deletion itself is the application's
(:mod:`pimms_tui.application.document_files`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pimms_tui.db.models import Appointment, Demand, DocumentFile, Office, Relay, Visit, Visitor


class DocumentKind:
    """What a listed file is (stored as these strings)."""

    REFERRAL_SLIP = "referral_slip"
    APPOINTMENT_CARD = "appointment_card"
    ACCESS_EXPORT = "access_export"


@dataclass(frozen=True)
class ListedDocument:
    """A listed file: its row and its path on this machine."""

    id: int
    path: str


def list_document(
    session: Session,
    office_id: int,
    visitor_id: int | None,
    kind: str,
    host: str,
    path: str,
    now: datetime,
) -> None:
    """Add a written file to the list, in the caller's transaction."""
    session.add(
        DocumentFile(
            office_id=office_id,
            visitor_id=visitor_id,
            kind=kind,
            host=host,
            path=path,
            created_at=now,
        )
    )


def relay_visitor(session: Session, relay_id: int) -> int | None:
    """The file a relay's visit belongs to (None for an anonymous visit)."""
    return session.scalar(
        select(Visit.visitor_id)
        .join(Demand, Demand.visit_id == Visit.id)
        .join(Relay, Relay.demand_id == Demand.id)
        .where(Relay.id == relay_id)
    )


def appointment_visitor(session: Session, appointment_id: int) -> int | None:
    """The file an appointment is for: its own, else that of the visit that booked it."""
    own = session.scalar(select(Appointment.visitor_id).where(Appointment.id == appointment_id))
    if own is not None:
        return own
    return session.scalar(
        select(Visit.visitor_id)
        .join(Demand, Demand.visit_id == Visit.id)
        .where(Demand.appointment_id == appointment_id, Visit.visitor_id.is_not(None))
        .limit(1)
    )


def documents_of(session: Session, visitor_ids: Sequence[int], host: str) -> list[ListedDocument]:
    """The files this machine wrote for these visitors."""
    if not visitor_ids:
        return []
    return [
        ListedDocument(row.id, row.path)
        for row in session.execute(
            select(DocumentFile.id, DocumentFile.path).where(
                DocumentFile.visitor_id.in_(visitor_ids), DocumentFile.host == host
            )
        )
    ]


def documents_due(session: Session, host: str, now: datetime) -> list[ListedDocument]:
    """The files this machine wrote that must go: their file was erased, or they are older
    than their office's document retention."""
    rows = session.execute(
        select(
            DocumentFile.id,
            DocumentFile.path,
            DocumentFile.created_at,
            Office.document_retention_days,
            Visitor.anonymised_at,
        )
        .join(Office, Office.id == DocumentFile.office_id)
        .outerjoin(Visitor, Visitor.id == DocumentFile.visitor_id)
        .where(DocumentFile.host == host)
    )
    return [
        ListedDocument(row.id, row.path)
        for row in rows
        if row.anonymised_at is not None
        or row.created_at <= now - timedelta(days=row.document_retention_days)
    ]


def shortest_retention(session: Session) -> int | None:
    """The shortest document retention of the offices (days); None when there is none."""
    return session.scalar(select(func.min(Office.document_retention_days)))


def forget_documents(session: Session, document_ids: Sequence[int]) -> None:
    """Remove files from the list (once deleted from the disk)."""
    if document_ids:
        session.execute(delete(DocumentFile).where(DocumentFile.id.in_(document_ids)))
