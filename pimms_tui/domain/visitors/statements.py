"""The search's building blocks on the token index: probes, capped counts, typo look-ups.

Core tables rather than ORM entities: these statements are built at every keystroke. They
are range and equality look-ups only, the same statements on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import cast

from sqlalchemy import ColumnElement, Connection, String, Table, any_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from pimms_tui.db.models import Visit, Visitor, VisitorSearchToken

from .query import MIN_FUZZY_LENGTH, QueryWord, WordMatch, one_typo_variants

VISITOR = cast(Table, Visitor.__table__)
TOKEN = cast(Table, VisitorSearchToken.__table__)
COLUMNS = (
    VISITOR.c.id,
    VISITOR.c.first_name,
    VISITOR.c.last_name,
    VISITOR.c.birth_year,
    VISITOR.c.commune,
)
# The most recently seen first (every arrival moves ``last_activity_at``), then the newest.
ORDER = (VISITOR.c.last_activity_at.desc(), VISITOR.c.id.desc())
Result = tuple[int, str | None, str | None, int | None, str | None]


def has_token(visitor_id: ColumnElement[int], match: WordMatch) -> ColumnElement[bool]:
    """Whether the visitor has a token the word matches (probes of the token primary key).

    ``OFFSET 0`` keeps PostgreSQL from turning the probe into a join that reads every token
    of the word (its estimate of a prefix range can be far off): a probe per visitor is what
    makes a walk stop early and a look-up cost what its narrowest word costs.
    """
    token = TOKEN.alias()
    probes = [
        select(literal(1)).where(part).offset(0).exists()
        for part in match.parts(token.c.token, token.c.visitor_id == visitor_id)
    ]
    return or_(*probes) if len(probes) > 1 else probes[0]


def counted(parts: Sequence[ColumnElement[bool]], cap: int) -> ColumnElement[int]:
    """The tokens matching ``parts``, each part counted up to ``cap`` + 1 on the index."""
    capped = [
        select(func.count())
        .select_from(select(literal(1)).where(part).limit(cap + 1).subquery())
        .scalar_subquery()
        for part in parts
    ]
    return sum(capped[1:], capped[0])


def typo_tokens(
    connection: Connection, office_id: int, words: Sequence[QueryWord]
) -> dict[int, tuple[str, ...]]:
    """For each long enough name word (by position), the office's tokens one typo away that
    it is not already a prefix of."""
    variants = {
        position: {v for v in one_typo_variants(w.text) if not v.startswith(w.text)}
        for position, w in enumerate(words)
        if w.kind == "name" and len(w.text) >= MIN_FUZZY_LENGTH
    }
    candidates = sorted(set().union(*variants.values()))
    if not candidates:
        return {}
    if connection.dialect.name == "postgresql":
        # One array parameter: hundreds of bound values cost more than the look-ups.
        among = TOKEN.c.token == any_(literal(candidates, ARRAY(String)))
    else:
        among = TOKEN.c.token.in_(candidates)
    existing = set(
        connection.scalars(
            select(TOKEN.c.token).where(TOKEN.c.office_id == office_id, among).distinct()
        )
    )
    return {
        position: tuple(sorted(found))
        for position, options in variants.items()
        if (found := options & existing)
    }


def last_visits(connection: Connection, ids: Sequence[int]) -> dict[int, date]:
    """The day of each visitor's last visit, for those who came (one grouped query)."""
    if not ids:
        return {}
    visit = cast(Table, Visit.__table__)
    return {
        visitor_id: day
        for visitor_id, day in connection.execute(
            select(visit.c.visitor_id, func.max(visit.c.day))
            .where(visit.c.visitor_id.in_(ids))
            .group_by(visit.c.visitor_id)
        )
    }
