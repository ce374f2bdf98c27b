"""The "never stored" guard: refuse notes holding a NIR, an IBAN, a card number or a password.

CNIL guidance for social mediators: a visitor's online-account passwords, social security
number, bank account and card numbers are never written down. Numbers are recognised by
their checksums (NIR key, IBAN mod-97, Luhn) and by the way people group their digits, so
phone numbers, dates, amounts and file references pass.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from pimms_tui.domain.messages import N_
from pimms_tui.errors import PimmsError

NIR_MESSAGE = N_(
    "Never store a social security number (NIR) in a note: CNIL guidance for mediators."
)
IBAN_MESSAGE = N_(
    "Never store a bank account number (IBAN) in a note: CNIL guidance for mediators."
)
CARD_MESSAGE = N_("Never store a payment card number in a note: CNIL guidance for mediators.")
PASSWORD_MESSAGE = N_(
    "Never store a password or secret code in a note: CNIL guidance for mediators."
)
REFUSED_MESSAGE = N_(
    "This note cannot be saved: it contains data that must never be stored. {reasons}"
)

_MESSAGES = {
    "nir": NIR_MESSAGE,
    "iban": IBAN_MESSAGE,
    "card": CARD_MESSAGE,
    "password": PASSWORD_MESSAGE,
}


@dataclass(frozen=True)
class SensitiveFinding:
    """One piece of never-stored data found in a text, with its span and the reason (msgid)."""

    kind: str
    start: int
    end: int
    message: str


class SensitiveDataError(PimmsError, ValueError):
    """Raised when a free text holds data that must never be stored."""

    def __init__(self, findings: list[SensitiveFinding]) -> None:
        """Keep the findings; the English message lists the distinct reasons."""
        self.findings = findings
        reasons = list(dict.fromkeys(finding.message for finding in findings))
        super().__init__(REFUSED_MESSAGE, {"reasons": " ".join(reasons)})


# --- Numbers -------------------------------------------------------------------------------

# A token is a run of ASCII digits or of ASCII letters; tokens are chained when they touch or
# are separated by one space, dot or dash (how people group the digits of a number).
_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+")
_JOINER = re.compile(r"[ \u00a0\u202f.\-]")
_MAX_CANDIDATE = 34  # the longest IBAN

# Where a separator may fall inside each kind of number (positions in the bare number).
_NIR_BREAKS = frozenset({1, 3, 5, 7, 8, 10, 13})  # 8: overseas "971 05"
_CARD_BREAKS = (frozenset({4, 8, 12, 16}), frozenset({4, 10}))
_NIR_SHAPE = re.compile(r"[1-478][0-9]{2}(?:0[1-9]|1[0-2]|[2-9][0-9])(?:[0-9]{2}|2[AB])[0-9]{8}")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")

# IBAN lengths of the countries a French office meets most; others must be 15 to 34 long.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MA": 28,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TN": 24,
    "TR": 26,
}


@dataclass(frozen=True)
class _Candidate:
    """A run of chained tokens: its text without separators, span and separator positions."""

    bare: str
    start: int
    end: int
    breaks: frozenset[int]
    all_digits: bool
    after_plus: bool


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
            for index in range(first, len(chain)):
                token = chain[index]
                if index > first and token.start() > chain[index - 1].end():
                    breaks.add(len(bare))
                bare += token.group()
                all_digits = all_digits and token.group().isdigit()
                if len(bare) > _MAX_CANDIDATE:
                    break
                yield _Candidate(
                    bare.upper(), start, token.end(), frozenset(breaks), all_digits, after_plus
                )


def nir_is_valid(number: str) -> bool:
    """Whether a 15-character NIR (Corsican 2A/2B allowed) has the right shape and key."""
    number = number.upper()
    if not _NIR_SHAPE.fullmatch(number):
        return False
    corsica = {"2A": "19", "2B": "18"}  # the key of a Corsican NIR counts 2A as 19, 2B as 18
    body = number[:5] + corsica.get(number[5:7], number[5:7]) + number[7:13]
    return 97 - int(body) % 97 == int(number[13:])


def iban_is_valid(iban: str) -> bool:
    """Whether a compact IBAN has a plausible length for its country and a valid mod-97 check."""
    iban = iban.upper()
    if not _IBAN_SHAPE.fullmatch(iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def luhn_is_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum used by payment cards."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _number_kind(candidate: _Candidate) -> str | None:
    """The kind of never-stored number this candidate is, if any."""
    bare = candidate.bare
    if bare[:2].isalpha():
        if all(position % 4 == 0 for position in candidate.breaks) and iban_is_valid(bare):
            return "iban"
        return None
    if candidate.after_plus:  # "+33 6 ..." is a phone number, never a card or a NIR
        return None
    if len(bare) == 15 and candidate.breaks <= _NIR_BREAKS and nir_is_valid(bare):
        return "nir"
    if (
        candidate.all_digits
        and 13 <= len(bare) <= 19
        and bare[0] in "23456"
        and any(candidate.breaks <= allowed for allowed in _CARD_BREAKS)
        and luhn_is_valid(bare)
    ):
        return "card"
    return None


# --- Passwords -----------------------------------------------------------------------------

_PASSWORD_KEYWORD = (
    r"\b(?:mots?[\s\-]+de[\s\-]+passe|mdps?|codes?[\s\-]+secrets?|codes?[\s\-]+confidentiels?"
    r"|passwords?|passwd|pwd)\b"
)
_SEPARATOR = r"(?:[:=]|\best\b|\bis\b|\bc'est\b)"
# Up to four words naming the account ("mot de passe du compte ameli") before a separator.
_QUALIFIER = r"(?:[ \t]+(?!(?:est|is|c'est)\b)[^\s:=.,;!?]+){1,4}?(?=[ \t]*" + _SEPARATOR + ")"
# Keyword, optional qualifier, then a value after a separator (line breaks allowed) or
# straight after the keyword on the same line.
_PASSWORD = re.compile(
    _PASSWORD_KEYWORD
    + f"(?P<qualifier>{_QUALIFIER})?"
    + rf"(?:(?P<separator>[ \t]*{_SEPARATOR}(?:[ \t]*[:=])?)\s*|[ \t]*)"
    + r"(?P<value>\S+)?"
)
_EDGE_PUNCTUATION = "\"'«»()[]{}.,;:!?"
# Words that follow "mot de passe" in ordinary notes and are never the password itself.
_NOT_A_VALUE_WORDS = """
    a au aux avec bien bloque change changer ce cet cette compte correct d dans de demande
    deja des doit du efface en encore envoye errone est et expire faux fois il incorrect
    inconnu invalide l la le les ma modifie modifier mon n ne necessaire non note nouveau
    nouvelle ok oublie oublies oubliee oubliees ou par pas perdu pour provisoire recu
    reinitialise reinitialiser reinitialisation renouvele requis sa sans se ses son sont sur
    temporaire toujours trop un une valide via vide y
    expired forgotten lost reset the to for of is
"""
_NOT_A_VALUE = frozenset(_NOT_A_VALUE_WORDS.split())


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """Lower-case, accent-free copy of text and, for each of its characters, the source index."""
    folded: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        decomposed = unicodedata.normalize("NFKD", char)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
        bare = bare.replace("’", "'") or " "
        folded.append(bare)
        positions.extend([index] * len(bare))
    positions.append(len(text))
    return "".join(folded), positions


def _looks_secret(value: str) -> bool:
    """Whether a word found without a separator looks like a password or a code."""
    if len(value) < 4:
        return False
    has_digit = any(ch.isdigit() for ch in value)
    has_symbol = any(not ch.isalnum() and ch not in "'-" for ch in value)
    inner_upper = any(ch.isupper() for ch in value[1:]) and any(ch.islower() for ch in value)
    return has_digit or has_symbol or inner_upper


def _password_findings(text: str) -> Iterator[tuple[int, int]]:
    """Yield the spans of password or secret-code mentions that carry an actual value."""
    folded, positions = _folded_with_positions(text)
    for match in _PASSWORD.finditer(folded):
        if match.group("value") is None:
            continue
        raw_start, raw_end = positions[match.start("value")], positions[match.end("value")]
        raw = text[raw_start:raw_end]
        value = raw.strip(_EDGE_PUNCTUATION)
        folded_value = match.group("value").strip(_EDGE_PUNCTUATION)
        if not value or folded_value in _NOT_A_VALUE:
            continue
        direct = match.group("separator") is not None and match.group("qualifier") is None
        # Punctuation at the edges of a value can be part of it ("00!!"): a direct value is
        # long enough counted whole, as long as it is not punctuation only ("...").
        if (direct and (len(value) >= 3 or len(raw) >= 4)) or _looks_secret(value):
            yield positions[match.start()], raw_end


# --- Public API ----------------------------------------------------------------------------


def find_sensitive(text: str) -> list[SensitiveFinding]:
    """Every never-stored item in text (NIR, IBAN, card number, password), in reading order."""
    found: list[tuple[int, int, str]] = []
    for candidate in _candidates(text):
        kind = _number_kind(candidate)
        if kind is not None:
            found.append((candidate.start, candidate.end, kind))
    found.extend((start, end, "password") for start, end in _password_findings(text))
    # A card-like run inside an IBAN, or a NIR that also passes Luhn, is one finding.
    priority = {"nir": 0, "iban": 1, "password": 2, "card": 3}
    found.sort(key=lambda item: (item[0], -item[1], priority[item[2]]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if any(k_start <= start and end <= k_end for k_start, k_end, _ in kept):
            continue
        kept.append((start, end, kind))
    return [SensitiveFinding(kind, start, end, _MESSAGES[kind]) for start, end, kind in kept]


def check_free_text(text: str) -> None:
    """Raise SensitiveDataError if text holds anything that must never be stored."""
    findings = find_sensitive(text)
    if findings:
        raise SensitiveDataError(findings)
