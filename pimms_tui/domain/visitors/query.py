"""What a search asks: the words typed, each word's match on the token index, typo variants.

What is typed is cut into words: a name word matches a visitor's token it starts (any order,
accents and case ignored), phone digits match the start of the phone, and a year from 1900
to 2100 the birth year.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_

from pimms_tui.db.normalise import name_tokens, phone_digits
from pimms_tui.db.search_index import MAX_TOKEN_LENGTH

# Fewer phone digits than this match too many files to be worth showing.
MIN_PHONE_DIGITS = 4
# Shorter name words are never matched with a typo ("le" would find half the office).
MIN_FUZZY_LENGTH = 4
YEARS = range(1900, 2101)

_NUMERIC_WORD = re.compile(r"[\d+().\-/]+")


@dataclass(frozen=True)
class VisitorMatch:
    """A search result: enough to tell two people apart, nothing more."""

    id: int
    first_name: str | None
    last_name: str | None
    birth_year: int | None
    commune: str | None
    last_visit_on: date | None


# --- What was typed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryWord:
    """One word of a search: a name part, phone digits or a birth year, already normalised."""

    kind: str  # "name", "phone" or "year"
    text: str
    # The parts of a compound typed whole ("bonnet", "de" for "Bonnet-de"), else empty.
    parts: tuple[str, ...] = ()


def parse_query(text: str) -> list[QueryWord]:
    """Cut a search into words; runs of digits ("06 12 34") make one phone fragment.

    A compound typed whole ("N'Diaye", "Dupont-Moreau") is one word, joined up as indexed.
    Phone fragments shorter than :data:`MIN_PHONE_DIGITS` are dropped while being typed.
    """
    words: list[QueryWord] = []
    numbers: list[str] = []

    def flush_numbers() -> None:
        if numbers:
            digits = phone_digits(" ".join(numbers))[:MAX_TOKEN_LENGTH]
            numbers.clear()
            if len(digits) == 4 and int(digits) in YEARS:
                words.append(QueryWord("year", digits))
            elif len(digits) >= MIN_PHONE_DIGITS:
                words.append(QueryWord("phone", digits))

    for raw in text.split():
        if _NUMERIC_WORD.fullmatch(raw) and any(ch.isdigit() for ch in raw):
            numbers.append(raw)
            continue
        flush_numbers()
        parts = name_tokens(raw)
        joined = "".join(parts)[:MAX_TOKEN_LENGTH]
        if joined:
            words.append(QueryWord("name", joined, tuple(parts) if len(parts) > 1 else ()))
    flush_numbers()
    return list(dict.fromkeys(words))


@dataclass(frozen=True)
class WordMatch:
    """What one word asks of a visitor: a token starting with ``prefix`` or among ``tokens``
    (``name``: the word is a name word, so it is in the pair tokens too)."""

    prefix: str | None = None
    tokens: tuple[str, ...] = ()
    name: bool = False

    def parts(
        self, column: ColumnElement[str], anchor: ColumnElement[bool]
    ) -> list[ColumnElement[bool]]:
        """The alternatives, each one range or one equality of an index led by ``anchor``.

        Kept apart rather than OR-ed: each is then one plain index look-up on both engines.
        """
        parts: list[ColumnElement[bool]] = []
        if self.prefix is not None:
            upper = _after_prefix(self.prefix)
            bounds = [column >= self.prefix] + ([column < upper] if upper is not None else [])
            parts.append(and_(anchor, *bounds))
        if len(self.tokens) == 1:
            parts.append(and_(anchor, column == self.tokens[0]))
        elif self.tokens:
            parts.append(and_(anchor, column.in_(self.tokens)))
        return parts


def _after_prefix(prefix: str) -> str | None:
    """The least string greater than every string starting with ``prefix`` (code-point order)."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored: skip over them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


def word_matches(words: Sequence[QueryWord], *, exact: bool) -> list[WordMatch]:
    """What each word asks of a visitor to be an exact, or a prefix, match (a year is exact)."""
    return [
        WordMatch(tokens=(word.text,), name=word.kind == "name")
        if exact or word.kind == "year"
        else WordMatch(prefix=word.text, name=word.kind == "name")
        for word in words
    ]


def one_typo_variants(word: str) -> set[str]:
    """Every string one deletion, insertion, substitution or swap away from ``word``."""
    letters = set(string.ascii_lowercase) | set(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    variants = {head + tail[1:] for head, tail in splits if tail}
    variants |= {head + tail[1] + tail[0] + tail[2:] for head, tail in splits if len(tail) > 1}
    variants |= {head + c + tail[1:] for head, tail in splits if tail for c in letters}
    variants |= {head + c + tail for head, tail in splits for c in letters}
    variants.discard(word)
    return {v[:MAX_TOKEN_LENGTH] for v in variants}
