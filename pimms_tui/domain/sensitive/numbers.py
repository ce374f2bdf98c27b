"""Numbers a note must never hold: NIR (with or without its key), IBAN, RIB and card numbers.

A candidate is a run of digit and letter tokens chained by nothing or one space, dot or dash,
however the digits are grouped. A run cut in the usual places (NIR 1 85 05 78 006 084 36,
card 4-4-4-4, RIB 5-5-11-2, IBAN by fours) is checked wherever it stands; a NIR or a card
grouped otherwise only when it stands alone (no digit group chained before or after it), so that
phone numbers and references written side by side never add up to one. The words just
before a number weigh where its check digits alone cannot decide: a 13-digit number is a NIR
without its key after "sécu" or "NIR", never after "fiscal" or "PDL"; a Luhn-valid number
is a card with an issuer prefix, and after "CB" or "carte bancaire" with any prefix; typed in
one piece straight after a reference label ("contrat n° ", "client EDF : ") it is that
reference.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from .checksums import (
    IBAN_LENGTHS,
    card_issuer,
    iban_is_valid,
    luhn_is_valid,
    nir_body_is_plausible,
    nir_is_valid,
    rib_is_valid,
)
from .folding import fold

_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+")
_JOINER = re.compile(r"[ \u00a0\u202f.\-]")
_MAX_CANDIDATE = 34  # the longest IBAN

# Where a separator may fall in the usual groupings of each kind (positions in the bare number).
_NIR_BREAKS = frozenset({1, 3, 5, 7, 8, 10, 13})  # 8: overseas "971 05"
_NIR_BODY_BREAKS = frozenset({1, 3, 5, 7, 8, 10})
_CARD_BREAKS = (frozenset({4, 8, 12, 16}), frozenset({4, 10}))
_RIB_BREAKS = frozenset({5, 10, 21})

# Words before a number (within a few words) that say what it is.
_CONTEXT_WINDOW = 40
_NIR_CONTEXT = re.compile(
    r"\b(?:nir|secu|securite\s+sociale|s\.s|ss|nss|insee|vitale|ameli|cpam|immatriculation"
    r"|num(?:ero)?\s+social)\b"
)
_TAX_CONTEXT = re.compile(r"\b(?:fiscal|fiscale|spi|impots?|dgfip|avis|numero\s+fiscal|nif)\b")
_CARD_CONTEXT = re.compile(
    r"\b(?:cb|carte\s+(?:bancaire|bleue|de\s+credit|de\s+paiement|visa|mastercard)|visa"
    r"|mastercard|master\s+card|amex|maestro|carte\s+(?:n|no|num)\b)"
)
_REFERENCE_CONTEXT = re.compile(
    r"\b(?:pdl|prm|pce|contrat|facture|fact|ref|reference|dossier|colis|suivi|client|abonne"
    r"|compteur|allocataire|fiscal|spi|avis|siret|siren|commande|quittance|police|sinistre"
    r"|bordereau|recommande|lr|ar|cheque|chq)\b(?:\s+[a-z]+)?"
    r"(?:\s*(?:n°|no|nº|num|numero|:|#|=|-|de|du))*\s*$"
)


@dataclass(frozen=True)
class _Candidate:
    """A run of chained tokens: its text without separators, span and separator positions."""

    bare: str
    start: int
    end: int
    breaks: frozenset[int]
    all_digits: bool
    after_plus: bool
    alone: bool  # no digit token chained just before or just after it


def _chains(text: str) -> Iterator[list[re.Match[str]]]:
    """Yield the maximal chains of tokens joined by nothing or by one separator."""
    chain: list[re.Match[str]] = []
    for token in _TOKEN.finditer(text):
        if chain:
            gap = text[chain[-1].end() : token.start()]
            if gap and not _JOINER.fullmatch(gap):
                yield chain
                chain = []
        chain.append(token)
    if chain:
        yield chain


def _candidates(text: str) -> Iterator[_Candidate]:
    """Yield every run of consecutive chained tokens up to the length of the longest IBAN."""
    for chain in _chains(text):
        for first in range(len(chain)):
            bare = ""
            breaks: set[int] = set()
            all_digits = True
            start = chain[first].start()
            after_plus = start > 0 and text[start - 1] == "+"
            digit_before = first > 0 and chain[first - 1].group().isdigit()
            for index in range(first, len(chain)):
                token = chain[index]
                if index > first and token.start() > chain[index - 1].end():
                    breaks.add(len(bare))
                bare += token.group()
                all_digits = all_digits and token.group().isdigit()
                if len(bare) > _MAX_CANDIDATE:
                    break
                digit_after = index + 1 < len(chain) and chain[index + 1].group().isdigit()
                yield _Candidate(
                    bare.upper(),
                    start,
                    token.end(),
                    frozenset(breaks),
                    all_digits,
                    after_plus,
                    not digit_before and not digit_after,
                )


def _before(text: str, start: int) -> str:
    """The folded words just before a position (the context of a number)."""
    return fold(text[max(0, start - _CONTEXT_WINDOW) : start])


def _last(pattern: re.Pattern[str], context: str) -> int:
    """Where the last match of pattern ends in context, -1 without one."""
    ends = [match.end() for match in pattern.finditer(context)]
    return ends[-1] if ends else -1


def _says_nir(context: str) -> bool:
    """Whether the words before a number name a social-security number, not a tax one."""
    nir = _last(_NIR_CONTEXT, context)
    return nir >= 0 and nir > _last(_TAX_CONTEXT, context)


def _says_card(context: str) -> bool:
    """Whether the words before a number name a payment card."""
    return _last(_CARD_CONTEXT, context) >= 0


def _says_reference(context: str) -> bool:
    """Whether the number is introduced as a reference ("contrat n° ", "PDL : ")."""
    return _REFERENCE_CONTEXT.search(context) is not None


def _grouped(candidate: _Candidate, allowed: frozenset[int]) -> bool:
    """Cut in the usual places for its kind, or standing alone however it is cut."""
    return candidate.breaks <= allowed or candidate.alone


def _nir_kind(candidate: _Candidate, text: str) -> str | None:
    """A NIR with its key (any grouping), or without it when so grouped or so named."""
    bare = candidate.bare
    if len(bare) == 15 and _grouped(candidate, _NIR_BREAKS) and nir_is_valid(bare):
        return "nir"
    if len(bare) == 13 and nir_body_is_plausible(bare):
        context = _before(text, candidate.start)
        if _says_nir(context) and candidate.alone:
            return "nir"
        usual = candidate.breaks <= _NIR_BODY_BREAKS and len(candidate.breaks) >= 4
        if usual and candidate.alone and _last(_TAX_CONTEXT, context) < 0:
            return "nir"
    return None


def _card_kind(candidate: _Candidate, text: str) -> str | None:
    """A Luhn-valid number with an issuer's prefix and length, unless named a reference."""
    bare = candidate.bare
    if not candidate.all_digits or not 12 <= len(bare) <= 19 or not luhn_is_valid(bare):
        return None
    if not any(candidate.breaks <= allowed for allowed in _CARD_BREAKS):
        cuts = [0, *sorted(candidate.breaks), len(bare)]
        # Otherwise grouped, a card stands alone in groups of 3 or more (pairs are phones).
        if not candidate.alone or min(b - a for a, b in pairwise(cuts)) < 3:
            return None
    context = _before(text, candidate.start)
    named = _says_card(context)
    if card_issuer(bare, broad=named) is None:
        return None
    if not named and not candidate.breaks and _says_reference(context):
        return None  # "facture n° 4970..." typed in one piece is that reference
    return "card"


def number_kind(candidate: _Candidate, text: str) -> str | None:
    """The kind of never-stored number this candidate is, if any."""
    bare = candidate.bare
    if bare[:2].isalpha():
        by_fours = all(position % 4 == 0 for position in candidate.breaks)
        known = bare[:2] in IBAN_LENGTHS  # a country we know the length of: any grouping
        return "iban" if (by_fours or known) and iban_is_valid(bare) else None
    if candidate.after_plus:  # "+33 6 ..." is a phone number, never a card or a NIR
        return None
    if len(bare) == 23 and candidate.breaks <= _RIB_BREAKS and rib_is_valid(bare):
        return "rib"
    return _nir_kind(candidate, text) or _card_kind(candidate, text)


def number_findings(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, kind) of every never-stored number in text."""
    for candidate in _candidates(text):
        kind = number_kind(candidate, text)
        if kind is not None:
            yield candidate.start, candidate.end, kind
