"""Visitors as the desk finds them: search as you type, and what tells two people apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from pimms_tui.db.engine import Database
from pimms_tui.db.models import Visit, Visitor

from .normalise import fold, phone_digits

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
            last_visits = (
                dict(
                    session.execute(
                        select(Visit.visitor_id, func.max(Visit.day))
                        .where(and_(Visit.visitor_id.in_(ids)))
                        .group_by(Visit.visitor_id)
                    ).tuples()
                )
                if ids
                else {}
            )
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
