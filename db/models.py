"""SQLAlchemy models of the front desk (DESIGN §4): offices, people, visits and what follows them.

Every operational row carries ``office_id`` so that one PostgreSQL database can serve a network.
Closed sets of values are checked by the database too, so no front end can store a stray status.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, mapped_column

from .enums import (
    AgeBand,
    AppointmentStatus,
    ConsentScope,
    DeskKind,
    Gender,
    HelpLevel,
    Outcome,
    Priority,
    RefusalReason,
    RelayMode,
    RelayStatus,
    Role,
    VisitSource,
    VisitStatus,
)
from .types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints predictably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


def one_of(column: str, values: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint keeping ``column`` within an enumeration (NULL allowed if nullable)."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or f"{column}_valid")


def office_fk() -> Mapped[int]:
    """The office a row belongs to."""
    return mapped_column(ForeignKey("office.id", ondelete="RESTRICT"), index=True)


class Office(Base):
    """A PIMMS site; holds its opening hours and data-protection periods."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # {"0": [["09:00", "12:30"], ["13:30", "17:00"]], ...} with Monday = "0".
    opening_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    retention_months: Mapped[int] = mapped_column(Integer, default=24)
    relay_retention_months: Mapped[int] = mapped_column(Integer, default=6)
    priority_streak_cap: Mapped[int] = mapped_column(Integer, default=2)
    wait_target_minutes: Mapped[int] = mapped_column(Integer, default=20)
    last_purge_at: Mapped[datetime | None]
    # Bumped by every write that changes the queue: desks poll this one cheap row.
    queue_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("retention_months > 0", name="retention_positive"),
        CheckConstraint("priority_streak_cap >= 0", name="streak_cap_not_negative"),
    )


class Desk(Base):
    """A reception counter or a mediation office."""

    __tablename__ = "desk"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default=DeskKind.RECEPTION)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Public-screen mode (names hidden on the queue) is remembered per desk.
    public_screen: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("office_id", "name"),
        one_of("kind", DeskKind),
    )


class Staff(Base):
    """Someone who works at the office and signs in at a desk."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("office_id", "display_name"),
        one_of("role", Role),
    )


class Visitor(Base):
    """A person with a named file; identity is optional and erased on withdrawal or retention."""

    __tablename__ = "visitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(35))
    needs: Mapped[list[str]] = mapped_column(default=list)
    commune: Mapped[str | None] = mapped_column(String(120))
    # Folded, sorted name tokens ("dupont helene moreau"): what the search index reads.
    search_key: Mapped[str] = mapped_column(String(300), default="", index=True)
    # National significant digits of the phone ("0612345678"), for searching by digits.
    phone_digits: Mapped[str | None] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    anonymised_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name="birth_year_plausible",
        ),
        Index("ix_visitor_office_activity", "office_id", "last_activity_at"),
    )


class Consent(Base):
    """A consent the visitor gave (keep a file, share with a partner), and its withdrawal."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitor.id"), index=True)
    scope: Mapped[str] = mapped_column(String(24))
    given_at: Mapped[datetime]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text_version_hash: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None]

    __table_args__ = (one_of("scope", ConsentScope),)


class Visit(Base):
    """One person's passage at the office, from arrival to close; anonymous when no visitor."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    day: Mapped[date] = mapped_column(Date)
    ticket_number: Mapped[int] = mapped_column(Integer)
    ticket_code: Mapped[str] = mapped_column(String(16))
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"), index=True)
    # Set when the visitor checked in for an appointment (an R- ticket).
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), index=True)
    age_band: Mapped[str | None] = mapped_column(String(16))
    gender: Mapped[str] = mapped_column(String(16), default=Gender.NOT_GIVEN)
    commune: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(16), default=VisitSource.WALK_IN)
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NONE)
    needs: Mapped[list[str]] = mapped_column(default=list)
    interpreter_language: Mapped[str | None] = mapped_column(String(35))
    first_motif_id: Mapped[int | None] = mapped_column(ForeignKey("motif.id"))
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.WAITING)
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    arrived_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Written by the status changes (visits.transition_visit) for the statistics: seconds
    # from the arrival to the first call (NULL: never called), and seconds spent
    # in_progress summed over the listenings that ended (NULL: none yet).
    waited_seconds: Mapped[float | None] = mapped_column(Float)
    listened_seconds: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint("office_id", "day", "ticket_code"),
        Index("ix_visit_office_day_status", "office_id", "day", "status"),
        one_of("status", VisitStatus),
        one_of("source", VisitSource),
        one_of("priority", Priority),
        one_of("gender", Gender),
        one_of("age_band", AgeBand),
        CheckConstraint("ticket_number > 0", name="ticket_number_positive"),
    )


class VisitEvent(Base):
    """A status change of a visit: gives waiting, walking, listening and holding times."""

    __tablename__ = "visit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed below, with the status and id.
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="RESTRICT"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"))
    at: Mapped[datetime]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        # The office's calls, latest first: the queue's priority streak reads back from the
        # latest one to the last regular call.
        Index("ix_visit_event_office_status", "office_id", "to_status", "id"),
        # A visit's events by status: whether a call came after the visit was seen once.
        Index("ix_visit_event_visit_status", "visit_id", "to_status"),
        one_of("from_status", VisitStatus),
        one_of("to_status", VisitStatus),
    )


class Demand(Base):
    """One request of a visit: motif, partner, register, level of help, outcome, short note."""

    __tablename__ = "demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    motif_id: Mapped[int] = mapped_column(ForeignKey("motif.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    register_code: Mapped[str] = mapped_column(ForeignKey("register.code"))
    level: Mapped[str] = mapped_column(String(16), default=HelpLevel.INFORM)
    outcome: Mapped[str | None] = mapped_column(String(16))
    # The appointment this demand was oriented to, when its outcome is "appointment".
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # The visit's local day, copied for the statistics (a period's demands by index).
    day: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_demand_office_day", "office_id", "day"),
        one_of("level", HelpLevel),
        one_of("outcome", Outcome),
    )


class Relay(Base):
    """A hand-over to a partner (passer le relais), followed up until confirmed or closed."""

    __tablename__ = "relay"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    shared_details: Mapped[str | None] = mapped_column(Text)
    share_consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    sent_at: Mapped[datetime]
    follow_up_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RelayStatus.OPEN)
    refusal_reason: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None]
    # The local day of the demand's visit, copied for the statistics.
    day: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_relay_office_status_follow_up", "office_id", "status", "follow_up_on"),
        Index("ix_relay_office_day", "office_id", "day"),
        one_of("mode", RelayMode),
        one_of("status", RelayStatus),
        one_of("refusal_reason", RefusalReason),
        CheckConstraint(
            "status <> 'refused' OR refusal_reason IS NOT NULL", name="refusal_has_reason"
        ),
        CheckConstraint(
            "shared_details IS NULL OR share_consent_id IS NOT NULL",
            name="sharing_needs_consent",
        ),
    )


class Appointment(Base):
    """A booked time with a mediator of the office or at a partner's on-site session."""

    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    motif_id: Mapped[int | None] = mapped_column(ForeignKey("motif.id"))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    place: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default=AppointmentStatus.BOOKED)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_appointment_office_starts", "office_id", "starts_at"),
        Index("ix_appointment_staff_starts", "staff_id", "starts_at"),
        one_of("status", AppointmentStatus),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("staff_id IS NOT NULL OR partner_id IS NOT NULL", name="with_someone"),
    )


class Partner(Base):
    """An organisation the office orients people to (CAF, EDF, La Poste, a social landlord…)."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    network_code: Mapped[str | None] = mapped_column(String(64))
    thematiques: Mapped[list[str]] = mapped_column(default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))
    opening_hours: Mapped[str | None] = mapped_column(Text)
    what_to_bring: Mapped[str | None] = mapped_column(Text)
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(32), default="local")

    __table_args__ = (UniqueConstraint("office_id", "code"),)


class Thematique(Base):
    """A data·inclusion category or sub-category (national taxonomy), loaded from its package."""

    __tablename__ = "thematique"

    code: Mapped[str] = mapped_column(String(160), primary_key=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("thematique.code"))
    label: Mapped[str] = mapped_column(String(200))


class Register(Base):
    """One of the 8 registers of intervention of the social mediator (AFNOR XP X60-600)."""

    __tablename__ = "register"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))


class Motif(Base):
    """A reason for coming, counted under a data·inclusion thématique."""

    __tablename__ = "motif"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    thematique_code: Mapped[str] = mapped_column(ForeignKey("thematique.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """An append-only record of who did what to which file (data protection, DESIGN §6)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str | None] = mapped_column(String(48))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class TicketCounter(Base):
    """The last ticket number given per office, day and series; locked while a ticket is drawn."""

    __tablename__ = "ticket_counter"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    series: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


# PostgreSQL compares the tokens byte-wise ("C"), whatever the database's locale: a prefix is
# then exactly a range of the index (a locale's collation may sort "ch" after "h", or ignore
# some letters). SQLite's default BINARY collation already does so.
SEARCH_TOKEN_TYPE = String(64).with_variant(String(64, collation="C"), "postgresql")


class VisitorSearchToken(Base):
    """One searchable word of a visitor's file: what the search as you type reads.

    A folded name part ("helene", "dupont"), a compound joined up ("dupontmoreau", "ndiaye"),
    the national phone digits or the birth year; rewritten whenever one of them changes and
    removed when the file is merged or anonymised (pimms_tui.domain.search_index).
    """

    __tablename__ = "visitor_search_token"

    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitor.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(SEARCH_TOKEN_TYPE, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="RESTRICT"))

    __table_args__ = (
        # Prefix look-ups are ranges of this index; it covers the visitor id too.
        Index("ix_visitor_search_token_office_token", "office_id", "token", "visitor_id"),
        {"sqlite_with_rowid": False},
    )


# --- The journal is append-only ---------------------------------------------------------------


class AuditIsAppendOnly(Exception):
    """Raised when code tries to change or delete a journal entry (the database refuses too)."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """No flush may update or delete an AuditEntry: entries are only ever added."""
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, AuditEntry):
            raise AuditIsAppendOnly("audit_entry is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    """No ORM UPDATE or DELETE statement may name the journal."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise AuditIsAppendOnly("audit_entry is append-only")
