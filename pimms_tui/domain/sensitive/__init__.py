"""The "never stored" guard: no NIR, bank account, card number, card code or password in a note.

CNIL guidance for social mediators: a visitor's online-account passwords, social security
number, bank account and card numbers and card codes are never written down. Numbers are
recognised by their check digits (NIR key, IBAN and RIB mod-97, Luhn with an issuer prefix),
however their digits are grouped, and by the words before them where the digits alone cannot
decide (``numbers``); secrets by the French phrases that introduce them (``secrets``). Phone
numbers, dates, amounts and the references of a desk (delivery points, tax, CAF, contract,
invoice and file numbers) pass, and so does a mention that a password was forgotten or reset.
The labelled corpus of desk notes in the tests holds the guard to its promise (recall and
false refusals), and ``bench/note_guard.py`` reports the figures.
"""

from dataclasses import dataclass

from pimms_tui.domain.messages import N_
from pimms_tui.errors import PimmsError

from .checksums import (
    IBAN_LENGTHS,
    card_issuer,
    iban_is_valid,
    luhn_is_valid,
    nir_body_is_plausible,
    nir_is_valid,
    rib_is_valid,
)
from .numbers import number_findings
from .secrets import secret_findings

NIR_MESSAGE = N_(
    "Never store a social security number (NIR) in a note: CNIL guidance for mediators."
)
IBAN_MESSAGE = N_(
    "Never store a bank account number (IBAN) in a note: CNIL guidance for mediators."
)
RIB_MESSAGE = N_("Never store a bank account number (RIB) in a note: CNIL guidance for mediators.")
CARD_MESSAGE = N_("Never store a payment card number in a note: CNIL guidance for mediators.")
PIN_MESSAGE = N_("Never store a card's secret code in a note: CNIL guidance for mediators.")
PASSWORD_MESSAGE = N_(
    "Never store a password or secret code in a note: CNIL guidance for mediators."
)
REFUSED_MESSAGE = N_(
    "This note cannot be saved: it contains data that must never be stored. {reasons}"
)

_MESSAGES = {
    "nir": NIR_MESSAGE,
    "iban": IBAN_MESSAGE,
    "rib": RIB_MESSAGE,
    "card": CARD_MESSAGE,
    "pin": PIN_MESSAGE,
    "password": PASSWORD_MESSAGE,
}
# Which kind a span is reported as when several read it (a NIR that also passes Luhn).
_PRIORITY = {"nir": 0, "iban": 1, "rib": 2, "pin": 3, "password": 4, "card": 5}
KINDS = tuple(_MESSAGES)

__all__ = [
    "CARD_MESSAGE",
    "IBAN_LENGTHS",
    "IBAN_MESSAGE",
    "KINDS",
    "NIR_MESSAGE",
    "PASSWORD_MESSAGE",
    "PIN_MESSAGE",
    "REFUSED_MESSAGE",
    "RIB_MESSAGE",
    "SensitiveDataError",
    "SensitiveFinding",
    "card_issuer",
    "check_free_text",
    "find_sensitive",
    "iban_is_valid",
    "luhn_is_valid",
    "nir_body_is_plausible",
    "nir_is_valid",
    "rib_is_valid",
]


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


def find_sensitive(text: str) -> list[SensitiveFinding]:
    """Every never-stored item in text, in reading order; overlapping readings are one item."""
    found = [*number_findings(text), *secret_findings(text)]
    found.sort(key=lambda item: (item[0], _PRIORITY[item[2]], -item[1]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if any(k_start <= start < k_end for k_start, k_end, _ in kept):
            continue  # starts inside an item already kept: the same item, read another way
        kept.append((start, end, kind))
    return [SensitiveFinding(kind, start, end, _MESSAGES[kind]) for start, end, kind in kept]


def check_free_text(text: str) -> None:
    """Raise SensitiveDataError if text holds anything that must never be stored."""
    findings = find_sensitive(text)
    if findings:
        raise SensitiveDataError(findings)
