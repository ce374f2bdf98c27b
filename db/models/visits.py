"""Visits and what follows them: events, demands, relays, appointments, ticket counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import (
    AgeBand,
    AppointmentStatus,
    Gender,
    HelpLevel,
    Outcome,
    Priority,
    RefusalReason,
    RelayMode,
    RelayStatus,
    VisitSource,
    VisitStatus,
)
from .base import Base, office_fk, one_of


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


class TicketCounter(Base):
    """The last ticket number given per office, day and series; locked while a ticket is drawn."""

    __tablename__ = "ticket_counter"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    series: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
