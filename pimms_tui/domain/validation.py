"""Validation of the fields typed at the desk: phone numbers, e-mail addresses, birth years,
and the short texts checked as a whole (an arrival's commune and interpreter language)."""

import re
import unicodedata

import phonenumbers

from pimms_tui.domain.messages import N_
from pimms_tui.errors import PimmsError
from pimms_tui.text import is_hidden, one_line

PHONE_INVALID = N_(
    "This phone number is not valid: check the digits, or start a foreign number with its + prefix."
)
EMAIL_INVALID = N_("This e-mail address is not valid: it should look like name@example.fr.")
BIRTH_YEAR_INVALID = N_("Enter a year of birth between {min} and {max}.")
CONTROL_CHARACTER = N_(
    "This text holds an invisible control character (from a paste?): clear the field and "
    "type it again."
)
TEXT_TOO_LONG = N_("This text is too long ({max} characters at most).")

FIRST_BIRTH_YEAR = 1900
MAX_EMAIL_LENGTH = 254
MAX_EMAIL_LOCAL_LENGTH = 64

# Country calling codes dialled in the French national plan (metropole and overseas
# departments): shown as "06 12 34 56 78" or "0692 12 34 56" rather than with a + prefix.
_FRENCH_CALLING_CODES = frozenset({33, 262, 269, 590, 594, 596})
# What a typed phone number may contain; phonenumbers would otherwise read letters as digits.
_PHONE_CHARACTERS = re.compile(r"[0-9+()\s.\-/]+")
_LABEL = r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?"
_EMAIL = re.compile(
    r"(?P<local>[^@\s\"(),:;<>\[\]\\]+)"
    rf"@(?P<domain>(?:{_LABEL}\.)+[^\W\d_](?:[^\W_]|-)*[^\W_])"
)


class FieldError(PimmsError, ValueError):
    """A value refused for one field, with an English msgid and its format parameters."""

    def __init__(self, field: str, message: str, params: dict[str, str] | None = None) -> None:
        """Keep the field name, msgid and parameters; str() gives the English text."""
        super().__init__(message, params, field=field)


def normalise_phone(raw: str, default_region: str = "FR") -> str:
    """The E.164 form of a phone number typed at the desk; FieldError if it is not valid."""
    text = raw.strip()
    if not text or not _PHONE_CHARACTERS.fullmatch(text) or not any(ch.isdigit() for ch in text):
        raise FieldError("phone", PHONE_INVALID)
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise FieldError("phone", PHONE_INVALID) from error
    if not phonenumbers.is_valid_number(number):
        raise FieldError("phone", PHONE_INVALID)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def format_phone(e164: str) -> str:
    """A stored E.164 number for display: national for French numbers, else international."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164  # displaying must never fail; show what is stored
    if number.country_code in _FRENCH_CALLING_CODES:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))


def validate_email(raw: str) -> str:
    """A syntactically valid e-mail address, stripped, with its domain lower-cased."""
    text = raw.strip()
    match = _EMAIL.fullmatch(text)
    if (
        match is None
        or has_control_character(text)
        or any(is_hidden(char) for char in text)  # a bidi override, a zero-width space
        or len(text) > MAX_EMAIL_LENGTH
        or len(match.group("local")) > MAX_EMAIL_LOCAL_LENGTH
        or ".." in text
        or match.group("local").startswith(".")
        or match.group("local").endswith(".")
    ):
        raise FieldError("email", EMAIL_INVALID)
    return f"{match.group('local')}@{match.group('domain').lower()}"


def validate_birth_year(raw: str | int, today_year: int) -> int:
    """A year of birth between 1900 and the current year, from typed text or an int."""
    error = FieldError(
        "birth_year", BIRTH_YEAR_INVALID, {"min": str(FIRST_BIRTH_YEAR), "max": str(today_year)}
    )
    if isinstance(raw, bool):
        raise error
    if isinstance(raw, str):
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise error
        year = int(text)
    else:
        year = raw
    if not FIRST_BIRTH_YEAR <= year <= today_year:
        raise error
    return year


def has_control_character(value: str) -> bool:
    """Whether ``value`` holds a control character (NUL, ESC, DEL, C1…) other than the tab
    and line breaks that typing or pasting may bring: PostgreSQL cannot store a NUL at all,
    and none of them belongs in a name, a place or a language."""
    return any(unicodedata.category(char) == "Cc" and char not in "\t\n\r" for char in value)


def check_line(raw: str | None, field: str, max_length: int) -> str | None:
    """A short text checked as a whole, spaces folded, None when empty; a FieldError on
    ``field`` when it holds a control character or is longer than its column.

    The refusal comes before any statement: bad input is a message at the field, never a
    database error (which the desk would take for an outage).
    """
    if raw is None:
        return None
    if has_control_character(raw):
        raise FieldError(field, CONTROL_CHARACTER)
    cleaned = one_line(raw)  # tabs and line breaks folded, bidi and format characters gone
    if len(cleaned) > max_length:
        raise FieldError(field, TEXT_TOO_LONG, {"max": str(max_length)})
    return cleaned or None
