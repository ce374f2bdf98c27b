"""Opening a named file: the particulars checked, the consent recorded, the file indexed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope
from pimms_tui.db.models import Consent, Visitor
from pimms_tui.db.normalise import phone_digits, search_key
from pimms_tui.db.search_index import index_visitor
from pimms_tui.text import one_line

from .. import audit
from ..access import Permission, require
from ..actors import Actor
from ..consent import KEEP_FILE_TEXT_HASH
from ..messages import N_
from ..validation import FieldError, normalise_phone, validate_birth_year, validate_email
from .query import VisitorMatch


@dataclass(frozen=True)
class NewVisitor:
    """What the desk types to open a named file; only the first name is required."""

    first_name: str
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    birth_year: str | None = None
    commune: str | None = None
    keep_file_consent: bool = False


@dataclass(frozen=True)
class CheckedVisitor:
    """A new visitor's particulars, every field checked and cleaned."""

    first_name: str
    last_name: str | None
    phone: str | None
    email: str | None
    birth_year: int | None
    commune: str | None


NAME_REQUIRED = N_("Type at least the first name.")
CONSENT_REQUIRED = N_(
    "A named file needs the visitor's consent. Without it, register an anonymous visit."
)
MAX_NAME_LENGTH = 120


def _name(value: str | None, field: str) -> str | None:
    cleaned = one_line(value)  # no control or bidi character is ever stored
    if len(cleaned) > MAX_NAME_LENGTH:
        raise FieldError(
            field,
            N_("This name is too long ({max} characters at most)."),
            {"max": str(MAX_NAME_LENGTH)},
        )
    return cleaned or None


def check_new_visitor(data: NewVisitor, now: datetime) -> CheckedVisitor:
    """Check every field of a new file (not the consent); FieldError names the first bad one."""
    first_name = _name(data.first_name, "first_name")
    if not first_name:
        raise FieldError("first_name", NAME_REQUIRED)
    last_name = _name(data.last_name, "last_name")
    phone = normalise_phone(data.phone) if data.phone and data.phone.strip() else None
    email = validate_email(data.email) if data.email and data.email.strip() else None
    birth_year = (
        validate_birth_year(data.birth_year, now.year)
        if data.birth_year and data.birth_year.strip()
        else None
    )
    commune = _name(data.commune, "commune")
    return CheckedVisitor(first_name, last_name, phone, email, birth_year, commune)


def check_consent(data: NewVisitor) -> None:
    """Refuse a named file without the visitor's consent (FieldError on the consent box)."""
    if not data.keep_file_consent:
        raise FieldError("consent", CONSENT_REQUIRED)


def open_named_file(
    session: Session, checked: CheckedVisitor, actor: Actor, now: datetime
) -> VisitorMatch:
    """Write a new file, its search tokens and the consent to keep it (journalled)."""
    visitor = Visitor(
        office_id=actor.office_id,
        first_name=checked.first_name,
        last_name=checked.last_name,
        phone=checked.phone,
        phone_digits=phone_digits(checked.phone) if checked.phone else None,
        email=checked.email,
        birth_year=checked.birth_year,
        commune=checked.commune,
        search_key=search_key(checked.first_name, checked.last_name),
        created_at=now,
        last_activity_at=now,
    )
    session.add(visitor)
    session.flush()
    index_visitor(session, visitor.id)
    session.add(
        Consent(
            office_id=actor.office_id,
            visitor_id=visitor.id,
            scope=ConsentScope.KEEP_FILE,
            given_at=now,
            staff_id=actor.staff_id,
            text_version_hash=KEEP_FILE_TEXT_HASH,
        )
    )
    audit.record(
        session,
        actor,
        audit.Action.CONSENT_GIVEN,
        at=now,
        entity="visitor",
        entity_id=visitor.id,
        scope=ConsentScope.KEEP_FILE.value,
        text_version_hash=KEEP_FILE_TEXT_HASH,
    )
    return VisitorMatch(
        visitor.id, checked.first_name, checked.last_name, checked.birth_year, checked.commune, None
    )


def create_visitor(
    database: Database, data: NewVisitor, actor: Actor, now: datetime
) -> VisitorMatch:
    """Open a named file with the visitor's recorded consent; every field checked first.

    No look for duplicates: the desk's use case does that first (``VisitorService``); this is
    the rule it ends with, and what set-up code calls directly.
    """
    require(actor, Permission.IDENTITY)
    checked = check_new_visitor(data, now)
    check_consent(data)
    with database.write() as session:
        return open_named_file(session, checked, actor, now)
