"""Check digits of the numbers a note must never hold: NIR key, IBAN and RIB mod-97, Luhn.

Each check is the one the number's issuer uses; the card check also asks for an issuer
prefix and length, so that a reference passing Luhn by chance (one in ten) is not a card.
"""

import re

_NIR_SHAPE = re.compile(r"[1-478][0-9]{2}(?:0[1-9]|1[0-2]|[2-9][0-9])(?:[0-9]{2}|2[AB])[0-9]{8}")
# A NIR body without its key: born in the 20th or 21st century, month 01-12 or 20 and over
# (unknown month), a department or overseas code, then commune and order numbers.
_NIR_BODY_SHAPE = re.compile(
    r"[12][0-9]{2}(?:0[1-9]|1[0-2]|[2-9][0-9])(?:0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|9[78])[0-9]{6}"
)
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
# French bank codes run from 10000 to 49999 (a RIB never starts like a phone number, with 0).
_RIB_SHAPE = re.compile(r"[1-4][0-9]{9}[0-9A-Z]{11}[0-9]{2}")
_CORSICA = {"2A": "19", "2B": "18"}  # the key of a Corsican NIR counts 2A as 19, 2B as 18

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


def nir_is_valid(number: str) -> bool:
    """Whether a 15-character NIR (Corsican 2A/2B allowed) has the right shape and key."""
    number = number.upper()
    if not _NIR_SHAPE.fullmatch(number):
        return False
    body = number[:5] + _CORSICA.get(number[5:7], number[5:7]) + number[7:13]
    return 97 - int(body) % 97 == int(number[13:])


def nir_body_is_plausible(number: str) -> bool:
    """Whether 13 characters read as a NIR without its key (sex, year, month, place, order)."""
    number = number.upper()
    return len(number) == 13 and _NIR_BODY_SHAPE.fullmatch(number) is not None


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


def _rib_digit(char: str) -> str:
    """A RIB account character as a digit (A and J are 1, B K S are 2, and so on)."""
    if char.isdigit():
        return char
    return str(((ord(char) - ord("A")) % 9 + 1 + (ord(char) >= ord("S"))) % 10)


def rib_is_valid(rib: str) -> bool:
    """Whether 23 characters are a French RIB (bank 5, branch 5, account 11, key 2) with its key."""
    rib = rib.upper()
    if not _RIB_SHAPE.fullmatch(rib):
        return False
    bank, branch = int(rib[:5]), int(rib[5:10])
    account = int("".join(_rib_digit(ch) for ch in rib[10:21]))
    return 97 - (89 * bank + 15 * branch + 3 * account) % 97 == int(rib[21:])


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


def card_issuer(digits: str, *, broad: bool = False) -> str | None:
    """The network of a card number by its prefix and length (CB cards are Visa or Mastercard).

    ``broad`` also admits the other networks (Maestro, Discover, UnionPay: prefixes 50 and
    56 to 69, 12 to 19 digits), for a number the note itself calls a card.
    """
    length = len(digits)
    if digits.startswith("4") and length in (13, 16, 19):
        return "visa"
    if length == 16 and ("51" <= digits[:2] <= "55" or "2221" <= digits[:4] <= "2720"):
        return "mastercard"
    if length == 15 and digits[:2] in ("34", "37"):
        return "amex"
    if broad and 12 <= length <= 19 and (digits[:2] == "50" or "56" <= digits[:2] <= "69"):
        return "other"
    return None
