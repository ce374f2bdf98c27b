"""Visitors as the desk finds them: search as you type, and what tells two people apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, or_, select

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope
from pimms_tui.db.models import Consent, Visit, Visitor

from .actors import Actor
from .consent import KEEP_FILE_TEXT_HASH
from .messages import N_
from .normalise import fold, phone_digits, search_key
from .validation import FieldError, normalise_phone, validate_birth_year, validate_email

MIN_PHONE_DIGITS = 2


@dataclass(frozen=True)
class VisitorMatch:
    """A search result: enough to tell two people apart, nothing more."""

    id: int
    first_name: str | None
    last_name: str | None
    birth_year: int | None
    commune: str | None
    last_visit_on: date | None


def search_query(text: str, office_id: int | None, limit: int) -> Select[Visitor] | None:
    """The query for a fragment: every name token as a word prefix, or phone digits."""
    digits = phone_digits(text)
    letters = fold("".join(c for c in text if not c.isdigit()))
    query = select(Visitor).where(Visitor.anonymised_at.is_(None), Visitor.merged_into_id.is_(None))
    if office_id is not None:
        query = query.where(Visitor.office_id == office_id)
    if letters:
        # search_key is space-joined sorted tokens: a token prefix starts the key or follows
        # a space, so "hel dup" finds "dupont helene" whatever the order.
        for token in letters.split():
            pattern = token.replace("%", "").replace("_", "")
            query = query.where(
                or_(
                    Visitor.search_key.like(f"{pattern}%"),
                    Visitor.search_key.like(f"% {pattern}%"),
                )
            )
        if digits:
            query = query.where(
                or_(Visitor.birth_year == int(digits[:4]), Visitor.phone_digits.like(f"%{digits}%"))
            )
    elif len(digits) >= MIN_PHONE_DIGITS:
        conditions: list[ColumnElement[bool]] = [Visitor.phone_digits.like(f"{digits}%")]
        if len(digits) == 4:
            conditions.append(Visitor.birth_year == int(digits))
        query = query.where(or_(*conditions))
    else:
        return None
    return query.order_by(Visitor.search_key, Visitor.id).limit(limit)


class VisitorService:
    """Finding visitors of an office."""

    def __init__(self, database: Database, office_id: int) -> None:
        self.database = database
        self.office_id = office_id

    def search(self, text: str, limit: int = 8) -> list[VisitorMatch]:
        """Visitors matching a name fragment (any order, accents ignored) or phone digits."""
        query = search_query(text, self.office_id, limit)
        if query is None:
            return []
        with self.database.read() as session:
            visitors = session.scalars(query).all()
            ids = [v.id for v in visitors]
            rows = session.execute(
                select(Visit.visitor_id, func.max(Visit.day))
                .where(Visit.visitor_id.in_(ids))
                .group_by(Visit.visitor_id)
            )
            last_visits = {visitor_id: day for visitor_id, day in rows}
        return [
            VisitorMatch(
                id=v.id,
                first_name=v.first_name,
                last_name=v.last_name,
                birth_year=v.birth_year,
                commune=v.commune,
                last_visit_on=last_visits.get(v.id),
            )
            for v in visitors
        ]


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


NAME_REQUIRED = N_("Type at least the first name.")
CONSENT_REQUIRED = N_(
    "A named file needs the visitor's consent. Without it, register an anonymous visit."
)
MAX_NAME_LENGTH = 120


def _name(value: str | None, field: str) -> str | None:
    cleaned = " ".join((value or "").split())
    if len(cleaned) > MAX_NAME_LENGTH:
        raise FieldError(
            field,
            N_("This name is too long ({max} characters at most)."),
            {"max": str(MAX_NAME_LENGTH)},
        )
    return cleaned or None


def create_visitor(
    database: Database, data: NewVisitor, actor: Actor, now: datetime
) -> VisitorMatch:
    """Open a named file with the visitor's recorded consent; every field checked first."""
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
    if not data.keep_file_consent:
        raise FieldError("consent", CONSENT_REQUIRED)
    with database.write() as session:
        visitor = Visitor(
            office_id=actor.office_id,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            phone_digits=phone_digits(phone) if phone else None,
            email=email,
            birth_year=birth_year,
            commune=commune,
            search_key=search_key(first_name, last_name),
            created_at=now,
            last_activity_at=now,
        )
        session.add(visitor)
        session.flush()
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
    return VisitorMatch(visitor.id, first_name, last_name, birth_year, commune, None)
