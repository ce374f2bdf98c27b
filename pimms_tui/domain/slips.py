"""What a referral slip and an appointment card may say, read from the database.

The rules of what a visitor is handed: the referral slip gives the partner's address, phone,
hours and what to bring, never the note, the reason typed by the mediator or the details
shared with the partner; the appointment card gives when, with whom and where. The visitor is
named by first name only, and only while the file is not anonymised. A cancelled appointment
has no card. Rendering (text, PDF) lives in :mod:`pimms_tui.documents.slips`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimms_tui.db.enums import AppointmentStatus
from pimms_tui.db.models import Appointment, Demand, Office, Partner, Relay, Staff, Visit, Visitor

from .errors import DomainError, NotFound
from .messages import N_

RELAY_UNKNOWN = N_("This relay does not exist.")
APPOINTMENT_UNKNOWN = N_("This appointment does not exist.")
APPOINTMENT_CANCELLED = N_("This appointment was cancelled: there is no card to print.")


@dataclass(frozen=True)
class OfficeContact:
    """How the visitor reaches the office that hands the document over."""

    name: str
    address: str | None
    phone: str | None


@dataclass(frozen=True)
class ReferralSlipFacts:
    """What a referral slip may show: the partner's public details, never the relay's texts."""

    sent_at: datetime
    first_name: str | None  # None once the file is anonymised
    partner_name: str
    address: str | None
    phone: str | None
    email: str | None
    opening_hours: str | None
    what_to_bring: str | None
    office: OfficeContact


@dataclass(frozen=True)
class AppointmentCardFacts:
    """What an appointment card may show: when, how long, with whom, where."""

    starts_at: datetime
    duration_minutes: int
    first_name: str | None  # None once the file is anonymised
    staff_name: str | None
    partner_name: str | None
    place: str  # the appointment's place, else the office's address, else its name
    office: OfficeContact


def office_contact(session: Session, office_id: int) -> OfficeContact:
    """The office's name, address and phone."""
    row = session.execute(
        select(Office.name, Office.address, Office.phone).where(Office.id == office_id)
    ).one()
    return OfficeContact(name=row.name, address=row.address, phone=row.phone)


def referral_slip_facts(session: Session, office_id: int, relay_id: int) -> ReferralSlipFacts:
    """The referral slip of one of the office's relays; NotFound otherwise."""
    row = session.execute(
        select(Relay.sent_at, Partner, Visitor.first_name, Visitor.anonymised_at)
        .join(Partner, Partner.id == Relay.partner_id)
        .join(Demand, Demand.id == Relay.demand_id)
        .join(Visit, Visit.id == Demand.visit_id)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .where(Relay.id == relay_id, Relay.office_id == office_id)
    ).one_or_none()
    if row is None:
        raise NotFound(RELAY_UNKNOWN)
    sent_at, partner, first_name, anonymised_at = row
    return ReferralSlipFacts(
        sent_at=sent_at,
        first_name=first_name if anonymised_at is None else None,
        partner_name=partner.name,
        address=partner.address,
        phone=partner.phone,
        email=partner.email,
        opening_hours=partner.opening_hours,
        what_to_bring=partner.what_to_bring,
        office=office_contact(session, office_id),
    )


def appointment_card_facts(
    session: Session, office_id: int, office_name: str, appointment_id: int
) -> AppointmentCardFacts:
    """The card of one of the office's appointments; refused once it is cancelled."""
    row = session.execute(
        select(
            Appointment,
            Staff.display_name,
            Partner.name,
            Visitor.first_name,
            Visitor.anonymised_at,
        )
        .outerjoin(Staff, Staff.id == Appointment.staff_id)
        .outerjoin(Partner, Partner.id == Appointment.partner_id)
        .outerjoin(Visitor, Visitor.id == Appointment.visitor_id)
        .where(Appointment.id == appointment_id, Appointment.office_id == office_id)
    ).one_or_none()
    if row is None:
        raise NotFound(APPOINTMENT_UNKNOWN)
    appointment, staff_name, partner_name, first_name, anonymised_at = row
    if appointment.status == AppointmentStatus.CANCELLED:
        raise DomainError(APPOINTMENT_CANCELLED)
    office = office_contact(session, office_id)
    return AppointmentCardFacts(
        starts_at=appointment.starts_at,
        duration_minutes=appointment.duration_minutes,
        first_name=first_name if anonymised_at is None else None,
        staff_name=staff_name,
        partner_name=partner_name,
        place=appointment.place or office.address or office_name,
        office=office,
    )
