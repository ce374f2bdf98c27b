"""SQLAlchemy models of the front desk (DESIGN §4): offices, people, visits and what follows them.

Every operational row carries ``office_id`` so that one PostgreSQL database can serve a network.
Closed sets of values are checked by the database too, so no front end can store a stray status.
One module per part of the schema; every model is importable from here.
"""

from .audit import AuditChain, AuditEntry, AuditIsAppendOnly
from .base import NAMING_CONVENTION, Base, office_fk, one_of
from .erasures import DocumentFile, Erasure, ErasureKind
from .office import Desk, Office, Staff
from .people import SEARCH_TOKEN_TYPE, Consent, Visitor, VisitorSearchToken
from .reference import Motif, Partner, Register, Thematique
from .visits import Appointment, Demand, Relay, TicketCounter, Visit, VisitEvent

__all__ = [
    "NAMING_CONVENTION",
    "SEARCH_TOKEN_TYPE",
    "Appointment",
    "AuditChain",
    "AuditEntry",
    "AuditIsAppendOnly",
    "Base",
    "Consent",
    "Demand",
    "Desk",
    "DocumentFile",
    "Erasure",
    "ErasureKind",
    "Motif",
    "Office",
    "Partner",
    "Register",
    "Relay",
    "Staff",
    "Thematique",
    "TicketCounter",
    "Visit",
    "VisitEvent",
    "Visitor",
    "VisitorSearchToken",
    "office_fk",
    "one_of",
]
