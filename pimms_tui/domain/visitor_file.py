"""The visitor's file as a mediator reads it: identity, consent, open items and the timeline.

Opening a file is recorded in the append-only audit log (DESIGN §6), in the same transaction
that reads it, so no file is ever shown without its trace. The whole file is read in a fixed
number of queries whatever the number of visits (visits, demands, relays and appointments are
each read at once, then assembled in memory).

Identity edits use optimistic locking: the form remembers the ``version`` it showed, and the
save is one guarded ``UPDATE … WHERE id = ? AND version = ?``. When another desk saved first,
nothing is written and :class:`StaleFile` carries the identity as it now stands, so the screen
can show both versions and let the user save again over the new one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope, Need, RelayStatus, VisitStatus
from pimms_tui.db.models import (
    Appointment,
    Consent,
    Demand,
    Desk,
    Motif,
    Partner,
    Register,
    Relay,
    Staff,
    Visit,
    Visitor,
)

from . import audit
from .access import Permission, require
from .actors import Actor
from .appointments import PENDING_STATUSES, AppointmentService, AppointmentView
from .clock import Clock
from .errors import Conflict, DomainError, NotFound, PermissionDenied
from .messages import N_
from .normalise import phone_digits, search_key, storable
from .offices import OfficeInfo
from .orientation import RelaySummary
from .queue import ArrivalRequest, Ticket
from .search_index import index_visitor
from .validation import (
    FieldError,
    format_phone,
    normalise_phone,
    validate_birth_year,
    validate_email,
)

MAX_NAME_LENGTH = 120
MAX_LANGUAGE_LENGTH = 35
# A file shows this many visits at most (newest first); older ones are counted, not listed.
TIMELINE_LIMIT = 200
# How many merges are followed to reach the surviving file (a chain is short in practice).
MAX_MERGE_HOPS = 10
_OPEN_VISIT_STATUSES = (
    VisitStatus.WAITING.value,
    VisitStatus.CALLED.value,
    VisitStatus.IN_PROGRESS.value,
)

FILE_UNKNOWN = N_("This visitor file does not exist.")
FILE_ANONYMISED = N_(
    "This visitor file was anonymised: the identity is erased, only anonymous counts remain."
)
FILE_MERGED_AWAY = N_("This file was merged into another one that no longer exists.")
OTHER_OFFICE = N_("This desk belongs to another office.")
STALE_FILE = N_("Another desk changed this file meanwhile.")
NAME_REQUIRED = N_("Type at least the first name.")
NAME_TOO_LONG = N_("This name is too long ({max} characters at most).")
LANGUAGE_TOO_LONG = N_("The language is too long ({max} characters at most).")
NEED_UNKNOWN = N_("This need is not one the desk knows.")
ALREADY_IN_QUEUE = N_("This visitor is already in the queue with ticket {ticket}.")


# --- Values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the visitor is and how to reach them; ``version`` is the optimistic-lock counter."""

    first_name: str | None
    last_name: str | None
    phone: str | None  # E.164, as stored
    email: str | None
    birth_year: int | None
    commune: str | None
    language: str | None
    needs: tuple[str, ...]
    version: int

    @property
    def phone_display(self) -> str | None:
        """The phone number as people write it ("06 12 34 56 78")."""
        return format_phone(self.phone) if self.phone else None

    @property
    def full_name(self) -> str:
        """First and last name, as one line."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True)
class ConsentState:
    """The active consent to keep the file: when, by whom it was recorded."""

    consent_id: int
    given_at: datetime
    staff_id: int | None
    staff_name: str | None


@dataclass(frozen=True)
class OpenRelay:
    """A relay still waiting for its follow-up, with the demand it came from."""

    relay: RelaySummary
    visit_day: date
    motif_label_fr: str
    motif_label_en: str
    overdue: bool


@dataclass(frozen=True)
class OpenItems:
    """What needs attention, pinned on top of the file."""

    relays: tuple[OpenRelay, ...] = ()
    upcoming: tuple[AppointmentView, ...] = ()
    to_fill_in: tuple[AppointmentView, ...] = ()  # past, still without outcome ("à renseigner")

    @property
    def empty(self) -> bool:
        """Whether nothing is open."""
        return not (self.relays or self.upcoming or self.to_fill_in)


@dataclass(frozen=True)
class TimelineDemand:
    """A demand of a past visit, with what it led to."""

    id: int
    position: int
    motif_code: str
    motif_label_fr: str
    motif_label_en: str
    partner_name: str | None
    register_code: str
    register_label_fr: str
    register_label_en: str
    level: str
    outcome: str | None
    note: str | None
    relay: RelaySummary | None
    appointment: AppointmentView | None


@dataclass(frozen=True)
class TimelineVisit:
    """One passage at the office, with its demands."""

    id: int
    day: date
    arrived_at: datetime
    ticket_code: str
    status: str
    source: str
    desk_name: str | None
    staff_name: str | None
    demands: tuple[TimelineDemand, ...]


@dataclass(frozen=True)
class VisitorFile:
    """Everything the file screen shows about one visitor.

    ``merged_from`` is the id that was asked for when it had been merged into this file.
    ``older_visits`` counts visits left out of the timeline (beyond ``TIMELINE_LIMIT``).
    """

    visitor_id: int
    identity: Identity
    consent: ConsentState | None
    pinned: OpenItems
    timeline: tuple[TimelineVisit, ...]
    merged_from: int | None = None
    older_visits: int = 0

    @property
    def version(self) -> int:
        """The version an edit of this file must name."""
        return self.identity.version


@dataclass(frozen=True)
class IdentityChanges:
    """Identity fields as typed in the edit form; None leaves a field as it is, "" clears it.

    The first name cannot be cleared. ``needs`` are Need values.
    """

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    birth_year: str | None = None
    commune: str | None = None
    language: str | None = None
    needs: tuple[str, ...] | None = None


class StaleFile(Conflict):
    """The file changed since it was shown; ``current`` is the identity as it now stands."""

    def __init__(self, current: Identity) -> None:
        super().__init__(STALE_FILE)
        self.current = current


# --- Service -----------------------------------------------------------------------------------


class VisitorFileService:
    """Opening, editing and acting from a visitor's file, for one office."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self.database = database
        self.clock = clock
        self.office = office
        self.appointments = AppointmentService(database, clock, office)

    # Reading --------------------------------------------------------------------------------

    def open(self, visitor_id: int, actor: Actor) -> VisitorFile:
        """The visitor's file; the opening is written to the audit log.

        A merged file opens the file it was merged into (``merged_from`` says so); an
        anonymised one is refused.
        """
        self._check_reader(actor)
        now = self.clock.now()
        with self.database.write() as session:
            survivor = self._resolve(session, visitor_id)
            file = self._build(session, survivor, now)
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

    # Writing --------------------------------------------------------------------------------

    def update_identity(
        self, visitor_id: int, expected_version: int, changes: IdentityChanges, actor: Actor
    ) -> VisitorFile:
        """Change the identity if nobody changed it since ``expected_version``.

        Every field is checked first (FieldError named after the field); a stale version
        raises :class:`StaleFile` with the current identity and writes nothing.
        """
        require(actor, Permission.FILES)
        self._check_reader(actor)
        now = self.clock.now()
        values = _identity_values(changes, now.year)
        with self.database.write() as session:
            visitor = self._visitor(session, visitor_id)
            _check_open(visitor)
            if visitor.merged_into_id is not None:
                raise DomainError(FILE_MERGED_AWAY)
            if visitor.version != expected_version:
                raise StaleFile(_identity(visitor))
            first_name = values.get("first_name", visitor.first_name)
            if not first_name:
                raise FieldError("first_name", NAME_REQUIRED)
            # The search columns follow the name and the phone, in the same guarded write.
            last_name = values.get("last_name", visitor.last_name)
            phone = values.get("phone", visitor.phone)
            result = session.execute(
                update(Visitor)
                .where(
                    Visitor.id == visitor_id,
                    Visitor.version == expected_version,
                    Visitor.anonymised_at.is_(None),
                    Visitor.merged_into_id.is_(None),
                )
                .values(
                    **values,
                    search_key=search_key(first_name, last_name),
                    phone_digits=phone_digits(phone) if phone else None,
                    version=Visitor.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(result) != 1:  # another desk saved between the read and the write
                current = self._visitor(session, visitor_id, refresh=True)
                _check_open(current)
                raise StaleFile(_identity(current))
            index_visitor(session, visitor_id)  # the search follows the new name and phone
            visitor = self._visitor(session, visitor_id, refresh=True)
            audit.record(
                session,
                actor,
                audit.Action.FILE_EDITED,
                at=now,
                entity="visitor",
                entity_id=visitor_id,
                office_id=self.office.id,
                fields=sorted(values),  # which fields, never their values (minimal data)
                version=visitor.version,
            )
            return self._build(session, visitor, now)

    def start_visit(self, visitor_id: int, motif_id: int | None, actor: Actor) -> Ticket:
        """Put the visitor in the queue from their file, with a new ticket."""
        require(actor, Permission.QUEUE)
        self._check_actor(actor)
        with self.database.read() as session:
            visitor = self._visitor(session, visitor_id)
            _check_open(visitor)
            if visitor.merged_into_id is not None:
                raise DomainError(FILE_MERGED_AWAY)
            waiting = session.execute(
                select(Visit.ticket_code)
                .where(
                    Visit.visitor_id == visitor_id,
                    Visit.office_id == self.office.id,
                    Visit.day == self.office.local_day(self.clock.now()),
                    Visit.status.in_(_OPEN_VISIT_STATUSES),
                )
                .limit(1)
            ).scalar_one_or_none()
        if waiting is not None:
            raise Conflict(ALREADY_IN_QUEUE, ticket=waiting)
        # Bridge until this use case moves to the application layer (another branch does it):
        # the queue's use cases live there now.
        from pimms_tui.application.queue import QueueService

        queue = QueueService(self.database, self.clock, self.office)
        return queue.register_arrival(
            ArrivalRequest(visitor_id=visitor_id, motif_id=motif_id), actor
        )

    # Internals ------------------------------------------------------------------------------

    def _check_actor(self, actor: Actor) -> None:
        if actor.office_id != self.office.id:
            raise PermissionDenied(OTHER_OFFICE)

    def _check_reader(self, actor: Actor) -> None:
        require(actor, Permission.FILES)
        self._check_actor(actor)

    def _visitor(self, session: Session, visitor_id: int, *, refresh: bool = False) -> Visitor:
        query = select(Visitor).where(Visitor.id == visitor_id, Visitor.office_id == self.office.id)
        if refresh:
            query = query.execution_options(populate_existing=True)
        visitor = session.scalars(query).one_or_none()
        if visitor is None:
            raise NotFound(FILE_UNKNOWN)
        return visitor

    def _resolve(self, session: Session, visitor_id: int) -> Visitor:
        """The file to show: the visitor, or the file they were merged into."""
        visitor = self._visitor(session, visitor_id)
        for _hop in range(MAX_MERGE_HOPS):
            if visitor.merged_into_id is None:
                break
            try:
                visitor = self._visitor(session, visitor.merged_into_id)
            except NotFound as error:
                raise DomainError(FILE_MERGED_AWAY) from error
        else:
            raise DomainError(FILE_MERGED_AWAY)
        _check_open(visitor)
        return visitor

    def _build(self, session: Session, visitor: Visitor, now: datetime) -> VisitorFile:
        """The file in a fixed number of queries: consent, visits, demands, relays, appointments."""
        consent = self._consent(session, visitor.id)
        visit_rows = session.execute(
            select(Visit, Desk.name, Staff.display_name)
            .outerjoin(Desk, Desk.id == Visit.desk_id)
            .outerjoin(Staff, Staff.id == Visit.staff_id)
            .where(Visit.visitor_id == visitor.id, Visit.office_id == self.office.id)
            .order_by(Visit.arrived_at.desc(), Visit.id.desc())
            .limit(TIMELINE_LIMIT + 1)
        ).all()
        older = 0
        if len(visit_rows) > TIMELINE_LIMIT:
            visit_rows = visit_rows[:TIMELINE_LIMIT]
            older = self._count_visits(session, visitor.id) - TIMELINE_LIMIT
        visit_ids = [row[0].id for row in visit_rows]
        visitor_demands = (
            select(Demand.id)
            .join(Visit, Visit.id == Demand.visit_id)
            .where(Visit.visitor_id == visitor.id, Demand.office_id == self.office.id)
        )
        demand_rows = (
            session.execute(
                select(
                    Demand,
                    Motif.code,
                    Motif.label_fr,
                    Motif.label_en,
                    Register.label_fr,
                    Register.label_en,
                    Partner.name,
                )
                .join(Motif, Motif.id == Demand.motif_id)
                .join(Register, Register.code == Demand.register_code)
                .outerjoin(Partner, Partner.id == Demand.partner_id)
                .where(Demand.office_id == self.office.id, Demand.visit_id.in_(visit_ids))
                .order_by(Demand.visit_id, Demand.position)
            ).all()
            if visit_ids
            else []
        )
        # Every relay of the visitor (open ones are pinned even beyond the timeline).
        relay_rows = session.execute(
            select(Relay, Partner.name, Demand.motif_id, Visit.day)
            .join(Partner, Partner.id == Relay.partner_id)
            .join(Demand, Demand.id == Relay.demand_id)
            .join(Visit, Visit.id == Demand.visit_id)
            .where(Relay.office_id == self.office.id, Relay.demand_id.in_(visitor_demands))
            .order_by(Relay.follow_up_on, Relay.id)
        ).all()
        appointments = self.appointments.views(
            session,
            _appointments_of(visitor.id, visitor_demands),
        )
        motif_labels = self._motif_labels(session, {row[2] for row in relay_rows})

        relays: dict[int, RelaySummary] = {}
        open_relays: list[OpenRelay] = []
        today = self.office.local_day(now)
        for relay, partner_name, motif_id, visit_day in relay_rows:
            summary = RelaySummary.of(relay, partner_name)
            relays[relay.demand_id] = summary
            if relay.status == RelayStatus.OPEN:
                label_fr, label_en = motif_labels.get(motif_id, ("", ""))
                open_relays.append(
                    OpenRelay(
                        relay=summary,
                        visit_day=visit_day,
                        motif_label_fr=label_fr,
                        motif_label_en=label_en,
                        overdue=relay.follow_up_on < today,
                    )
                )
        by_id = {a.id: a for a in appointments}
        demands: dict[int, list[TimelineDemand]] = defaultdict(list)
        for demand, code, label_fr, label_en, reg_fr, reg_en, partner_name in demand_rows:
            demands[demand.visit_id].append(
                TimelineDemand(
                    id=demand.id,
                    position=demand.position,
                    motif_code=code,
                    motif_label_fr=label_fr,
                    motif_label_en=label_en,
                    partner_name=partner_name,
                    register_code=demand.register_code,
                    register_label_fr=reg_fr,
                    register_label_en=reg_en,
                    level=demand.level,
                    outcome=demand.outcome,
                    note=demand.note,
                    relay=relays.get(demand.id),
                    appointment=by_id.get(demand.appointment_id) if demand.appointment_id else None,
                )
            )
        timeline = tuple(
            TimelineVisit(
                id=visit.id,
                day=visit.day,
                arrived_at=visit.arrived_at,
                ticket_code=visit.ticket_code,
                status=visit.status,
                source=visit.source,
                desk_name=desk_name,
                staff_name=staff_name,
                demands=tuple(demands.get(visit.id, ())),
            )
            for visit, desk_name, staff_name in visit_rows
        )
        pending = [
            a for a in appointments if a.visitor_id == visitor.id and a.status in PENDING_STATUSES
        ]
        pinned = OpenItems(
            relays=tuple(open_relays),
            upcoming=tuple(a for a in pending if a.ends_at > now),
            to_fill_in=tuple(a for a in pending if a.ends_at <= now),
        )
        return VisitorFile(
            visitor_id=visitor.id,
            identity=_identity(visitor),
            consent=consent,
            pinned=pinned,
            timeline=timeline,
            older_visits=older,
        )

    def _consent(self, session: Session, visitor_id: int) -> ConsentState | None:
        row = session.execute(
            select(Consent.id, Consent.given_at, Consent.staff_id, Staff.display_name)
            .outerjoin(Staff, Staff.id == Consent.staff_id)
            .where(
                Consent.visitor_id == visitor_id,
                Consent.scope == ConsentScope.KEEP_FILE.value,
                Consent.withdrawn_at.is_(None),
            )
            .order_by(Consent.given_at.desc(), Consent.id.desc())
            .limit(1)
        ).one_or_none()
        if row is None:
            return None
        return ConsentState(consent_id=row[0], given_at=row[1], staff_id=row[2], staff_name=row[3])

    def _count_visits(self, session: Session, visitor_id: int) -> int:
        return int(
            session.execute(
                select(func.count(Visit.id)).where(
                    Visit.visitor_id == visitor_id, Visit.office_id == self.office.id
                )
            ).scalar_one()
        )

    def _motif_labels(self, session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        rows = session.execute(
            select(Motif.id, Motif.label_fr, Motif.label_en).where(Motif.id.in_(ids))
        )
        return {motif_id: (fr, en) for motif_id, fr, en in rows}


# --- Helpers ---------------------------------------------------------------------------------


def _appointments_of(visitor_id: int, visitor_demands: Any) -> ColumnElement[bool]:
    """The visitor's appointments, and those their demands were oriented to."""
    linked = select(Demand.appointment_id).where(
        Demand.id.in_(visitor_demands), Demand.appointment_id.is_not(None)
    )
    return or_(Appointment.visitor_id == visitor_id, Appointment.id.in_(linked))


def _check_open(visitor: Visitor) -> None:
    """Refuse an anonymised file."""
    if visitor.anonymised_at is not None:
        raise DomainError(FILE_ANONYMISED)


def _identity(visitor: Visitor) -> Identity:
    return Identity(
        first_name=visitor.first_name,
        last_name=visitor.last_name,
        phone=visitor.phone,
        email=visitor.email,
        birth_year=visitor.birth_year,
        commune=visitor.commune,
        language=visitor.language,
        needs=tuple(visitor.needs or ()),
        version=visitor.version,
    )


def _text(value: str, field: str, max_length: int, message: str = NAME_TOO_LONG) -> str | None:
    """One line of text, spaces collapsed, None when empty; too long → FieldError."""
    cleaned = " ".join(storable(value).split())
    if len(cleaned) > max_length:
        raise FieldError(field, message, {"max": str(max_length)})
    return cleaned or None


def _identity_values(changes: IdentityChanges, this_year: int) -> dict[str, Any]:
    """Checked column values for the fields given, in the order of the form."""
    values: dict[str, Any] = {}
    if changes.first_name is not None:
        first_name = _text(changes.first_name, "first_name", MAX_NAME_LENGTH)
        if not first_name:
            raise FieldError("first_name", NAME_REQUIRED)
        values["first_name"] = first_name
    if changes.last_name is not None:
        values["last_name"] = _text(changes.last_name, "last_name", MAX_NAME_LENGTH)
    if changes.phone is not None:
        values["phone"] = normalise_phone(changes.phone) if changes.phone.strip() else None
    if changes.email is not None:
        values["email"] = validate_email(changes.email) if changes.email.strip() else None
    if changes.birth_year is not None:
        values["birth_year"] = (
            validate_birth_year(changes.birth_year, this_year)
            if changes.birth_year.strip()
            else None
        )
    if changes.commune is not None:
        values["commune"] = _text(changes.commune, "commune", MAX_NAME_LENGTH)
    if changes.language is not None:
        values["language"] = _text(
            changes.language, "language", MAX_LANGUAGE_LENGTH, LANGUAGE_TOO_LONG
        )
    if changes.needs is not None:
        known = {need.value for need in Need}
        if any(need not in known for need in changes.needs):
            raise FieldError("needs", NEED_UNKNOWN)
        values["needs"] = list(dict.fromkeys(changes.needs))
    return values


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count
