"""The visitor's file: opening it (journalled), editing the identity, starting a visit from it.

Opening a file is recorded in the append-only audit log (DESIGN §6), in the same transaction
that reads it, so no file is ever shown without its trace.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.domain import audit
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.errors import PermissionDenied
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest, Ticket
from pimms_tui.domain.visitor_file import (
    OTHER_OFFICE,
    IdentityChanges,
    VisitorFile,
    check_can_queue,
    identity_values,
    read_file,
    resolve_file,
    save_identity,
)


class VisitorFileService:
    """Opening, editing and acting from a visitor's file, for one office."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        office: OfficeInfo,
        queue: QueueService | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.office = office
        # The office's queue of this process when given (it keeps the day's floor).
        self.queue = queue or QueueService(database, clock, office)
        self.appointments = AppointmentService(database, clock, office)

    def open(self, visitor_id: int, actor: Actor) -> VisitorFile:
        """The visitor's file; the opening is written to the audit log.

        A merged file opens the file it was merged into (``merged_from`` says so); an
        anonymised one is refused.
        """
        self._check_reader(actor)
        now = self.clock.now()
        with self.database.write() as session:
            survivor = resolve_file(session, self.office.id, visitor_id)
            file = read_file(session, self.office, survivor, now, self.appointments.views)
            audit.record(
                session,
                actor,
                audit.Action.FILE_OPENED,
                at=now,
                entity="visitor",
                entity_id=survivor.id,
                office_id=self.office.id,
                **({"asked_for": visitor_id} if survivor.id != visitor_id else {}),
            )
        if survivor.id != visitor_id:
            file = replace(file, merged_from=visitor_id)
        return file

    def update_identity(
        self, visitor_id: int, expected_version: int, changes: IdentityChanges, actor: Actor
    ) -> VisitorFile:
        """Change the identity if nobody changed it since ``expected_version``.

        Every field is checked first (FieldError named after the field); a stale version
        raises :class:`StaleFile` with the current identity and writes nothing.
        """
        self._check_reader(actor)
        now = self.clock.now()
        values = identity_values(changes, now.year)
        with self.database.write() as session:
            visitor = save_identity(
                session, self.office.id, visitor_id, expected_version, values, actor, now
            )
            return read_file(session, self.office, visitor, now, self.appointments.views)

    def start_visit(
        self, visitor_id: int, motif_id: int | None, actor: Actor, *, at: datetime | None = None
    ) -> Ticket:
        """Put the visitor in the queue from their file, with a new ticket."""
        require(actor, Permission.QUEUE)
        self._check_actor(actor)
        with self.database.read() as session:
            check_can_queue(session, self.office.id, visitor_id, self._today())
        return self.queue.register_arrival(
            ArrivalRequest(visitor_id=visitor_id, motif_id=motif_id), actor, at=at
        )

    def _today(self) -> date:
        """The office's calendar day now, in its own timezone."""
        return self.office.today(self.clock)

    def _check_actor(self, actor: Actor) -> None:
        if actor.office_id != self.office.id:
            raise PermissionDenied(OTHER_OFFICE)

    def _check_reader(self, actor: Actor) -> None:
        require(actor, Permission.FILES)
        self._check_actor(actor)
