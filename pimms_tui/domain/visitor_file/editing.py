"""Changing a visitor's file: identity fields checked, the guarded write, a visit started."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pimms_tui.db.enums import Need, VisitStatus
from pimms_tui.db.models import Visit, Visitor
from pimms_tui.db.normalise import phone_digits, search_key
from pimms_tui.db.search_index import index_visitor
from pimms_tui.text import one_line

from .. import audit
from ..actors import Actor
from ..errors import Conflict, DomainError
from ..validation import FieldError, normalise_phone, validate_birth_year, validate_email
from .reading import check_open, find_visitor, identity_of
from .values import (
    ALREADY_IN_QUEUE,
    FILE_MERGED_AWAY,
    LANGUAGE_TOO_LONG,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    NEED_UNKNOWN,
    IdentityChanges,
    StaleFile,
)

MAX_NAME_LENGTH = 120
MAX_LANGUAGE_LENGTH = 35
_OPEN_VISIT_STATUSES = (
    VisitStatus.WAITING.value,
    VisitStatus.CALLED.value,
    VisitStatus.IN_PROGRESS.value,
)


def save_identity(
    session: Session,
    office_id: int,
    visitor_id: int,
    expected_version: int,
    values: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> Visitor:
    """Write checked identity ``values`` if nobody changed the file since ``expected_version``.

    One guarded ``UPDATE … WHERE id = ? AND version = ?``: a stale version raises
    :class:`StaleFile` with the current identity and writes nothing. The search follows the
    new name and phone in the same write; the edit is journalled (which fields changed, not
    their values). Returns the visitor row as saved.
    """
    visitor = find_visitor(session, office_id, visitor_id)
    check_open(visitor)
    if visitor.merged_into_id is not None:
        raise DomainError(FILE_MERGED_AWAY)
    if visitor.version != expected_version:
        raise StaleFile(identity_of(visitor))
    first_name = values.get("first_name", visitor.first_name)
    if not first_name:
        raise FieldError("first_name", NAME_REQUIRED)
    # The search columns follow the name and the phone, in the same guarded write.
    last_name = values.get("last_name", visitor.last_name)
    phone = values.get("phone", visitor.phone)
    # The journal names the fields whose value changed, not every field of the form.
    changed = sorted(field for field, value in values.items() if getattr(visitor, field) != value)
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
        current = find_visitor(session, office_id, visitor_id, refresh=True)
        check_open(current)
        raise StaleFile(identity_of(current))
    index_visitor(session, visitor_id)  # the search follows the new name and phone
    visitor = find_visitor(session, office_id, visitor_id, refresh=True)
    audit.record(
        session,
        actor,
        audit.Action.FILE_EDITED,
        at=now,
        entity="visitor",
        entity_id=visitor_id,
        office_id=office_id,
        fields=changed,  # which fields changed, never their values (minimal data)
        version=visitor.version,
    )
    return visitor


def check_can_queue(session: Session, office_id: int, visitor_id: int, today: date) -> None:
    """Refuse a visit from the file for an erased or merged file, or someone already in the
    queue ``today`` (the office's day): the Conflict names their ticket."""
    visitor = find_visitor(session, office_id, visitor_id)
    check_open(visitor)
    if visitor.merged_into_id is not None:
        raise DomainError(FILE_MERGED_AWAY)
    waiting = session.execute(
        select(Visit.ticket_code)
        .where(
            Visit.visitor_id == visitor_id,
            Visit.office_id == office_id,
            Visit.day == today,
            Visit.status.in_(_OPEN_VISIT_STATUSES),
        )
        .limit(1)
    ).scalar_one_or_none()
    if waiting is not None:
        raise Conflict(ALREADY_IN_QUEUE, ticket=waiting)


def _text(value: str, field: str, max_length: int, message: str = NAME_TOO_LONG) -> str | None:
    """One line of text, spaces collapsed, None when empty; too long → FieldError."""
    cleaned = one_line(value)  # no control or bidi character is ever stored
    if len(cleaned) > max_length:
        raise FieldError(field, message, {"max": str(max_length)})
    return cleaned or None


def identity_values(changes: IdentityChanges, this_year: int) -> dict[str, Any]:
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
