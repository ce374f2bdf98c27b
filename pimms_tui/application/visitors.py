"""Finding visitors, opening a new file after a look for duplicates, and merging two files."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope
from pimms_tui.db.models import Appointment, Visit
from pimms_tui.domain import audit
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import Clock, SystemClock
from pimms_tui.domain.errors import Conflict, PermissionDenied
from pimms_tui.domain.messages import N_
from pimms_tui.domain.rights import erasable, erase_files
from pimms_tui.domain.visitors import (
    CheckedVisitor,
    NewVisitor,
    VisitorMatch,
    check_consent,
    check_new_visitor,
    likely_duplicates,
    merge_files,
    open_named_file,
    search_visitors,
    similar_names,
)
from pimms_tui.domain.visitors.merge import OTHER_OFFICE

FILE_IN_USE = N_("This file already has a visit or an appointment: it is kept.")


@dataclass(frozen=True)
class LikelyDuplicates:
    """What the check before opening a file found: files that are probably this person.

    ``identity`` is what was typed, the consent box aside: typing the same particulars again
    means "open a new file anyway".
    """

    identity: NewVisitor
    matches: list[VisitorMatch] = field(default_factory=list)

    def shown_for(self, data: NewVisitor) -> bool:
        """Whether these duplicates were found for the particulars typed now."""
        return self.identity == _particulars(data)


class VisitorService:
    """Finding the visitors of an office, opening new files, and merging two files."""

    def __init__(self, database: Database, office_id: int, clock: Clock | None = None) -> None:
        self.database = database
        self.office_id = office_id
        self.clock = clock or SystemClock()

    def search(self, text: str, limit: int = 8) -> list[VisitorMatch]:
        """Visitors matching what was typed: name parts in any order, phone digits, birth year.

        Exact matches come first, then prefixes, then one typo away; anonymised and merged
        files are never found.
        """
        with self.database.read() as session:
            return search_visitors(session, self.office_id, text, limit)

    def likely_duplicates(
        self,
        first_name: str | None,
        last_name: str | None,
        phone: str | None,
        birth_year: int | str | None,
    ) -> list[VisitorMatch]:
        """Open files that are probably this person: the same name, and the same phone or year."""
        with self.database.read() as session:
            return likely_duplicates(
                session, self.office_id, first_name, last_name, phone, birth_year
            )

    def new_visitor(
        self, data: NewVisitor, actor: Actor, *, despite_duplicates: bool = False
    ) -> VisitorMatch | LikelyDuplicates:
        """Check what was typed, look for files of the same person, then open the file.

        Every field is checked first (FieldError names the first bad one). When files are
        probably this person, nothing is written and they come back to be shown; the desk
        then uses one of them, or asks again ``despite_duplicates`` to open a new file anyway.
        The consent is required only to open the file.
        """
        require(actor, Permission.IDENTITY)
        self._check_office(actor)
        now = self.clock.now()
        checked = check_new_visitor(data, now)
        with self.database.write() as session:
            if not despite_duplicates:
                found = self._duplicates(session, data, checked)
                if found is not None:
                    return found
            check_consent(data)
            return open_named_file(session, checked, actor, now)

    def discard_new_file(self, visitor_id: int, actor: Actor) -> None:
        """Withdraw a file opened at an arrival left without its ticket (the person did not
        confirm keeping it): erased as on a withdrawal of consent, journalled, found no more.

        Refused (Conflict) once the file has a visit or an appointment: it is in use.
        """
        require(actor, Permission.IDENTITY)
        self._check_office(actor)
        now = self.clock.now()
        with self.database.write() as session:
            erasable(session, self.office_id, visitor_id)
            in_use = session.scalar(
                select(func.count()).select_from(Visit).where(Visit.visitor_id == visitor_id)
            ) or session.scalar(
                select(func.count())
                .select_from(Appointment)
                .where(Appointment.visitor_id == visitor_id)
            )
            if in_use:
                raise Conflict(FILE_IN_USE)
            report = erase_files(session, [visitor_id], now)
            audit.record(
                session,
                actor,
                audit.Action.CONSENT_WITHDRAWN,
                at=now,
                entity="visitor",
                entity_id=visitor_id,
                office_id=self.office_id,
                scope=ConsentScope.KEEP_FILE.value,
                **report.counts(),
            )

    def _duplicates(
        self, session: Session, data: NewVisitor, checked: CheckedVisitor
    ) -> LikelyDuplicates | None:
        """The files that are probably this person: the same name with the same phone or
        year first, then the files whose name is what was typed, a fragment of it or one
        typo away (every new file gets this check, a name alone included)."""
        first, last = checked.first_name, checked.last_name
        matches = likely_duplicates(
            session, self.office_id, first, last, checked.phone, checked.birth_year
        )
        seen = {m.id for m in matches}
        matches += [
            m for m in similar_names(session, self.office_id, first, last) if m.id not in seen
        ]
        return LikelyDuplicates(_particulars(data), matches) if matches else None

    def merge(self, survivor_id: int, duplicate_id: int, actor: Actor, now: datetime) -> None:
        """Merge the duplicate file into the survivor: its history moves, it points there.

        Visits, consents and appointments move to the survivor; the duplicate keeps its
        identity as it was, marked ``merged_into`` the survivor and gone from the search.
        Files once merged into the duplicate now point at the survivor. Refused for a file
        merged into itself, a merged or anonymised file, and files of another office.
        """
        require(actor, Permission.MERGE)
        self._check_office(actor)
        with self.database.write() as session:
            merge_files(session, self.office_id, survivor_id, duplicate_id, actor, now)

    def _check_office(self, actor: Actor) -> None:
        if actor.office_id != self.office_id:
            raise PermissionDenied(OTHER_OFFICE)


def _particulars(data: NewVisitor) -> NewVisitor:
    """The particulars the duplicates are looked up for (the consent box aside)."""
    return replace(data, keep_file_consent=False)
