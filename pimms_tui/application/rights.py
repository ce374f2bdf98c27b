"""The visitor's rights as use cases: withdrawal, erasure, right of access, retention purge.

Each checks the actor's office and permission, opens the unit of work, takes "now" from the
clock and journals what it did; what erasing empties and the retention cut-offs are the
domain's (:mod:`pimms_tui.domain.rights`), the export's rendering the documents'.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope
from pimms_tui.db.models import ErasureKind, Motif, Relay, Visitor
from pimms_tui.db.reclaim import reclaim
from pimms_tui.documents.access_export import EXPORT_FORMATS, write_export
from pimms_tui.domain import audit
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.document_registry import DocumentKind
from pimms_tui.domain.errors import DomainError, PermissionDenied
from pimms_tui.domain.messages import N_
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.personal_data import personal_data
from pimms_tui.domain.rights import (
    OTHER_OFFICE,
    ErasureReport,
    PurgeReport,
    erasable,
    erase_files,
    inactive_files,
    mark_purged,
    office_visitor,
    old_relays,
    require_kept_consent,
    retention_cutoffs,
    strip_relays,
)

from .document_files import DocumentFiles

EXPORT_FORMAT_UNKNOWN = N_("Unknown export format: {format}.")

# A purge erases this many files per transaction (each a few set-based statements): desks
# wait a fraction of a second at most on SQLite, and the IN lists stay far below the limits.
PURGE_BATCH = 2000


@dataclass(frozen=True)
class ExportFiles:
    """Where a right-of-access export was written."""

    readable: Path
    machine: Path


class RightsService:
    """Withdrawal, erasure, right of access and the retention purge, for one office."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self.database = database
        self.clock = clock
        self.office = office
        self.documents = DocumentFiles(database, clock)

    def _check(self, actor: Actor, permission: Permission) -> None:
        if actor.office_id != self.office.id:
            raise PermissionDenied(OTHER_OFFICE)
        require(actor, permission)

    # Withdrawal and erasure -----------------------------------------------------------------

    def withdraw_consent(self, visitor_id: int, actor: Actor) -> ErasureReport:
        """The visitor withdraws consent to keep the file: it is erased, counts stay."""
        self._check(actor, Permission.FILES)
        with self.database.write() as session:
            erasable(session, self.office.id, visitor_id)
            require_kept_consent(session, visitor_id)
            report = self._erase_and_record(
                session,
                visitor_id,
                actor,
                audit.Action.CONSENT_WITHDRAWN,
                ErasureKind.WITHDRAWAL,
                scope=ConsentScope.KEEP_FILE.value,
            )
        self.forget_erased()
        return report

    def erase(self, visitor_id: int, actor: Actor, *, via: str = "desk") -> ErasureReport:
        """Erase the file on the visitor's request (manager only); audited."""
        self._check(actor, Permission.ERASE)
        with self.database.write() as session:
            erasable(session, self.office.id, visitor_id)
            report = self._erase_and_record(
                session, visitor_id, actor, audit.Action.ERASURE, ErasureKind.ERASURE, via=via
            )
        self.forget_erased()
        return report

    def forget_erased(self, *, rewrite: bool = False) -> None:
        """After erasing: delete this machine's documents of erased files (and those past
        the office's retention), and make the database files forget the erased text
        (``rewrite``: PostgreSQL's tables written anew, see :mod:`pimms_tui.db.reclaim`)."""
        # The erasure is committed: a failure here must not say otherwise. What is left is
        # done by the next erasure, purge or desk start (and PostgreSQL's autovacuum).
        with suppress(DBAPIError, OSError):
            self.documents.sweep()
        reclaim(self.database.engine, rewrite=rewrite)

    def _erase_and_record(
        self,
        session: Session,
        visitor_id: int,
        actor: Actor,
        action: str,
        kind: str,
        **details: Any,
    ) -> ErasureReport:
        """Erase the file (and those merged into it) and journal it with what was erased."""
        now = self.clock.now()
        report = erase_files(session, [visitor_id], now, kind)
        audit.record(
            session,
            actor,
            action,
            at=now,
            entity="visitor",
            entity_id=visitor_id,
            office_id=self.office.id,
            **details,
            **report.counts(),
        )
        return report

    # Retention ------------------------------------------------------------------------------

    def purge(self, actor: Actor, *, dry_run: bool = False, via: str = "cli") -> PurgeReport:
        """Anonymise files inactive past the retention period; strip old closed relays.

        A file is inactive when its last activity and every appointment it has are older
        than the cut-off. Idempotent: a second run finds nothing. Audited, and the office's
        last purge date set, unless ``dry_run``.

        The work is committed :data:`PURGE_BATCH` files at a time, each batch with its own
        journal entry, so that desks never wait long for the database (a first purge of a
        large backlog takes seconds); each batch checks its files are still inactive.
        """
        self._check(actor, Permission.PURGE)
        now, office_id = self.clock.now(), self.office.id
        with self.database.read() as session:
            visitor_cutoff, relay_cutoff = retention_cutoffs(session, office_id, now)
            inactive = inactive_files(office_id, visitor_cutoff)
            candidates = list(
                session.scalars(select(Visitor.id).where(*inactive).order_by(Visitor.id))
            )
            stale_relays = old_relays(office_id, relay_cutoff)
            if dry_run:
                relay_count = len(list(session.scalars(select(Relay.id).where(stale_relays))))
                return PurgeReport(
                    True,
                    len(candidates),
                    relay_count,
                    visitor_cutoff,
                    relay_cutoff,
                    tuple(candidates),
                )
        batches = [
            candidates[start : start + PURGE_BATCH]
            for start in range(0, len(candidates), PURGE_BATCH)
        ] or [[]]
        erased = relays = 0
        purged: list[int] = []
        for index, batch in enumerate(batches):
            with self.database.write() as session:
                # Old closed relays first, so that the count matches the dry run's (an
                # erased file's relays are emptied with it, whatever their age).
                batch_relays = strip_relays(session, stale_relays) if index == 0 else 0
                still = (
                    list(
                        session.scalars(select(Visitor.id).where(Visitor.id.in_(batch), *inactive))
                    )
                    if batch
                    else []
                )
                batch_erased = (
                    erase_files(session, still, now, ErasureKind.PURGE).visitors if still else 0
                )
                if index == len(batches) - 1:
                    mark_purged(session, office_id, now)
                audit.record(
                    session,
                    actor,
                    audit.Action.PURGE,
                    at=now,
                    entity="office",
                    entity_id=office_id,
                    office_id=office_id,
                    via=via,
                    visitors=batch_erased,
                    relays=batch_relays,
                    batch=index + 1,
                    batches=len(batches),
                    visitor_cutoff=visitor_cutoff.isoformat(),
                    relay_cutoff=relay_cutoff.isoformat(),
                )
            erased += batch_erased
            relays += batch_relays
            purged.extend(still)
        self.forget_erased(rewrite=True)
        return PurgeReport(False, erased, relays, visitor_cutoff, relay_cutoff, tuple(purged))

    # Right of access ------------------------------------------------------------------------

    def export_data(self, visitor_id: int, actor: Actor, *, via: str = "desk") -> dict[str, Any]:
        """Everything held on the person, as plain JSON-ready data; the export is audited."""
        self._check(actor, Permission.EXPORT)
        now = self.clock.now()
        with self.database.write() as session:
            visitor = office_visitor(session, self.office.id, visitor_id)
            data = personal_data(session, visitor, now)
            audit.record(
                session,
                actor,
                audit.Action.EXPORT,
                at=now,
                entity="visitor",
                entity_id=visitor_id,
                office_id=self.office.id,
                via=via,
            )
            return data

    def export(
        self,
        visitor_id: int,
        actor: Actor,
        folder: Path,
        *,
        fmt: str = "text",
        via: str = "desk",
    ) -> ExportFiles:
        """Write the readable (text or PDF) and the JSON export into ``folder`` (files 0600)."""
        if fmt not in EXPORT_FORMATS:
            raise DomainError(EXPORT_FORMAT_UNKNOWN, format=fmt)
        data = self.export_data(visitor_id, actor, via=via)
        now = self.clock.now()
        with self.database.read() as session:
            rows = session.execute(select(Motif.label_fr, Motif.label_en)).all()
            motifs = {label_fr: label_en for label_fr, label_en in rows}
        readable, machine = write_export(
            data, folder, fmt=fmt, created_at=now, timezone=self.office.timezone, motifs=motifs
        )
        self.documents.listed(
            self.office.id, visitor_id, DocumentKind.ACCESS_EXPORT, readable, machine
        )
        return ExportFiles(readable=readable, machine=machine)
