"""The desk's two ways to find files: search as you type, and the likely duplicates of a new one.

Results come in three tiers, each filled only while there is room: every word equal to a
token, then every word starting one, then one typo away in a name word of four letters or
more. Within a tier, the most recently seen come first (``last_activity_at``, which every
arrival moves), then the newest file. Anonymised and merged files are never found.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from pimms_tui.db.normalise import name_tokens, phone_digits
from pimms_tui.db.search_index import MAX_TOKEN_LENGTH, name_part_tokens

from ..validation import FieldError, normalise_phone
from .lookup import Lookup
from .query import (
    MIN_PHONE_DIGITS,
    YEARS,
    QueryWord,
    VisitorMatch,
    WordMatch,
    parse_query,
    word_matches,
)
from .statements import VISITOR, typo_tokens

DUPLICATES_LIMIT = 8


def search_visitors(session: Session, office_id: int, text: str, limit: int) -> list[VisitorMatch]:
    """Visitors matching what was typed: name parts in any order, phone digits, birth year.

    Exact matches come first, then prefixes, then one typo away.
    """
    words = parse_query(text)
    if not words or limit < 1:
        return []
    exact = word_matches(words, exact=True)
    prefix = word_matches(words, exact=False)
    lookup = Lookup(session, office_id, limit)
    lookup.find(prefix, tiers=[exact] if exact != prefix else [])
    if lookup.room > 0:
        # Every file matching by prefix is found: now those one typo away, a typed
        # compound taken part by part (the typo is in one of them).
        parts = [
            part
            for word in words
            for part in ([QueryWord("name", p) for p in word.parts] or [word])
        ]
        typos = typo_tokens(lookup.connection, office_id, parts)
        if typos:
            lookup.find(
                [
                    WordMatch(m.prefix, m.tokens + typos.get(i, ()), m.name)
                    for i, m in enumerate(word_matches(parts, exact=False))
                ]
            )
    return lookup.matches()


def likely_duplicates(
    session: Session,
    office_id: int,
    first_name: str | None,
    last_name: str | None,
    phone: str | None,
    birth_year: int | str | None,
) -> list[VisitorMatch]:
    """Open files that are probably this person: the same name, and the same phone or year.

    Names compare as the search folds them, in any order and with compounds joined up
    ("N'Diaye" is "Ndiaye"); a file has the same name when each name part of either
    person is a name part, or a compound, of the other.
    """
    keys = {"".join(name_tokens(part))[:MAX_TOKEN_LENGTH] for part in (first_name, last_name)}
    keys.discard("")
    same: list[ColumnElement[bool]] = []
    digits = _phone_key(phone)
    if digits:
        same.append(VISITOR.c.phone_digits == digits)
    year = _year_key(birth_year)
    if year is not None:
        same.append(VISITOR.c.birth_year == year)
    if not keys or not same:
        return []
    forms = {*name_part_tokens(first_name), *name_part_tokens(last_name)}
    lookup = Lookup(session, office_id, DUPLICATES_LIMIT, also=[or_(*same)])
    lookup.find([WordMatch(tokens=(key,), name=True) for key in sorted(keys)])
    lookup.rows = [
        row
        for row in lookup.rows
        if all(
            "".join(name_tokens(part))[:MAX_TOKEN_LENGTH] in forms
            for part in (row[1], row[2])
            if name_tokens(part)
        )
    ]
    return lookup.matches()


def similar_names(
    session: Session, office_id: int, first_name: str | None, last_name: str | None
) -> list[VisitorMatch]:
    """Open files whose name is what was typed, a fragment of it or one typo away.

    The check every new file gets, whatever else was typed: "zoe lefev" finds Zoé Lefèvre
    (the search's own tiers: exact, then prefixes, then typos). Digits typed in a name are
    left out: only names are compared here.
    """
    words = [
        word
        for part in (first_name, last_name)
        for word in (part or "").split()
        if not any(c.isdigit() for c in word)
    ]
    if not words:
        return []
    return search_visitors(session, office_id, " ".join(words), DUPLICATES_LIMIT)


def _phone_key(phone: str | None) -> str | None:
    """The national digits of a typed phone (as the file would store them), if any."""
    if not phone or not phone.strip():
        return None
    try:
        return phone_digits(normalise_phone(phone))
    except FieldError:
        digits = phone_digits(phone)
        return digits if len(digits) >= MIN_PHONE_DIGITS else None


def _year_key(birth_year: int | str | None) -> int | None:
    """A plausible birth year from typed text or an int, else None."""
    if isinstance(birth_year, str):
        text = birth_year.strip()
        birth_year = int(text) if text.isascii() and text.isdigit() else None
    return birth_year if birth_year is not None and birth_year in YEARS else None
