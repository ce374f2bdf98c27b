"""The visitor search index: the words a file can be found by, kept beside the visitor row.

Each visitor has a few rows in ``visitor_search_token``: the folded parts of each name
("helene", "dupont", "moreau"), each compound name joined up from every part on
("dupontmoreau"; "delafontaine" and "lafontaine"; "ndiaye" for N'Diaye), the national phone
digits ("0612345678") and the birth year ("1985"). Searching is then a handful of range
look-ups on one index, the same on SQLite and PostgreSQL.

Each pair of name tokens is a token too, in both orders ("~helene dupont", "~dupont helene"):
a common first name and the first letter of a common last name ("Sophie B") are then one
range of the index rather than two broad words to intersect. The mark ``~`` sorts after
every letter and digit, so that no word's range ever meets a pair.

Whatever changes a visitor's name, phone or birth year, or merges or anonymises the file,
calls :func:`index_visitor` in the same transaction (:func:`forget_visitors` for many files
anonymised at once): an anonymised file must keep no fragment of its name, phone or year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import Session

from .models import Visitor, VisitorSearchToken
from .normalise import name_tokens

# Longer tokens are cut (both when indexed and when searched): a prefix this long is enough.
MAX_TOKEN_LENGTH = 64
# Leads a pair token; sorts after the letters and digits that start the other tokens.
PAIR_MARK = "~"


def name_part_tokens(part: str | None) -> list[str]:
    """The tokens of one name part: its words, then each run of words to the end joined up."""
    words = name_tokens(part)
    joined = ["".join(words[start:]) for start in range(len(words) - 1)]
    return [token[:MAX_TOKEN_LENGTH] for token in (*words, *joined)]


def contact_tokens(phone_digits: str | None, birth_year: int | None) -> list[str]:
    """The tokens of the phone digits and of the birth year."""
    tokens = [phone_digits[:MAX_TOKEN_LENGTH]] if phone_digits else []
    return tokens + ([str(birth_year)] if birth_year is not None else [])


def pair_token(first: str, second: str) -> str:
    """The token of two name tokens, in that order (cut like every token)."""
    return f"{PAIR_MARK}{first} {second}"[:MAX_TOKEN_LENGTH]


def pair_fits(first: str, second: str) -> bool:
    """Whether the pair token of ``first`` and ``second`` is whole (not cut)."""
    return len(PAIR_MARK) + len(first) + 1 + len(second) <= MAX_TOKEN_LENGTH


def pair_tokens(first_name: str | None, last_name: str | None) -> set[str]:
    """Every ordered pair of a visitor's name tokens, as tokens."""
    words = {*name_part_tokens(first_name), *name_part_tokens(last_name)}
    return {pair_token(a, b) for a in words for b in words if a != b}


def search_tokens(
    first_name: str | None,
    last_name: str | None,
    phone_digits: str | None,
    birth_year: int | None,
) -> set[str]:
    """Every word token a visitor with these particulars is found by (pairs apart)."""
    return {
        *name_part_tokens(first_name),
        *name_part_tokens(last_name),
        *contact_tokens(phone_digits, birth_year),
    }


def all_tokens(
    first_name: str | None,
    last_name: str | None,
    phone_digits: str | None,
    birth_year: int | None,
) -> set[str]:
    """The word tokens and the pair tokens of a visitor: every row of its index."""
    return search_tokens(first_name, last_name, phone_digits, birth_year) | pair_tokens(
        first_name, last_name
    )


def token_rows(visitor_id: int, office_id: int, tokens: Iterable[str]) -> list[dict[str, object]]:
    """The rows to insert for a visitor's tokens."""
    return [
        {"visitor_id": visitor_id, "token": token, "office_id": office_id}
        for token in sorted(tokens)
    ]


def index_visitor(session: Session, visitor_id: int) -> None:
    """Rewrite the search tokens of a visitor from its row as it stands in this transaction.

    Call it after creating a file or changing its name, phone or birth year, and after
    merging or anonymising it: a merged or anonymised file keeps no token, so the search
    can never find it.
    """
    row = session.execute(
        select(
            Visitor.office_id,
            Visitor.first_name,
            Visitor.last_name,
            Visitor.phone_digits,
            Visitor.birth_year,
            Visitor.anonymised_at,
            Visitor.merged_into_id,
        ).where(Visitor.id == visitor_id)
    ).one_or_none()
    session.execute(delete(VisitorSearchToken).where(VisitorSearchToken.visitor_id == visitor_id))
    if row is None or row.anonymised_at is not None or row.merged_into_id is not None:
        return
    tokens = all_tokens(row.first_name, row.last_name, row.phone_digits, row.birth_year)
    if tokens:
        session.execute(insert(VisitorSearchToken), token_rows(visitor_id, row.office_id, tokens))


def forget_visitors(session: Session, visitor_ids: Sequence[int] | Select[tuple[int]]) -> None:
    """Remove the search tokens of many files at once (a purge anonymising them in bulk).

    ``visitor_ids`` is a list of ids or a SELECT of ids, run inside the DELETE.
    """
    session.execute(
        delete(VisitorSearchToken).where(VisitorSearchToken.visitor_id.in_(visitor_ids))
    )
