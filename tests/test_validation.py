"""Tests of field validation: phones, e-mail addresses and birth years."""

import pytest

from pimms_tui.domain.validation import (
    BIRTH_YEAR_INVALID,
    EMAIL_INVALID,
    PHONE_INVALID,
    FieldError,
    format_phone,
    normalise_phone,
    validate_birth_year,
    validate_email,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("01 42 68 53 00", "+33142685300"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  +49 30 901820  ", "+4930901820"),
    ],
)
def test_normalise_phone_accepts_french_and_foreign(raw: str, e164: str) -> None:
    """French numbers with or without prefix, and foreign ones with theirs, become E.164."""
    assert normalise_phone(raw) == e164


def test_normalise_phone_uses_default_region() -> None:
    """A number without prefix is read in the office's region."""
    assert normalise_phone("0692 12 34 56", default_region="RE") == "+262692123456"


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "06 12 34 56", "061234567890", "12", "1-800-FLOWERS", "0612345678abc", "+", "abc"],
)
def test_normalise_phone_refuses_invalid(raw: str) -> None:
    """Empty, short, long or lettered numbers are refused with the phone message."""
    with pytest.raises(FieldError) as caught:
        normalise_phone(raw)
    assert caught.value.field == "phone"
    assert caught.value.message == PHONE_INVALID
    assert caught.value.params == {}
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+33612345678", "06 12 34 56 78"),
        ("+33142685300", "01 42 68 53 00"),
        ("+262692123456", "0692 12 34 56"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+4930901820", "+49 30 901820"),
        ("not a number", "not a number"),
    ],
)
def test_format_phone(e164: str, shown: str) -> None:
    """French numbers show nationally, foreign ones internationally; junk is shown as is."""
    assert format_phone(e164) == shown


def test_format_round_trip() -> None:
    """A formatted French number normalises back to the same E.164."""
    assert normalise_phone(format_phone("+33612345678")) == "+33612345678"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" Jean.Dupont@Exemple.FR ", "Jean.Dupont@exemple.fr"),
        ("a@b.fr", "a@b.fr"),
        ("prenom.nom+caf@mairie-lyon.gouv.fr", "prenom.nom+caf@mairie-lyon.gouv.fr"),
        ("élise@café.fr", "élise@café.fr"),
    ],
)
def test_validate_email_accepts(raw: str, clean: str) -> None:
    """Ordinary addresses are kept, stripped, with a lower-case domain."""
    assert validate_email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "jean.dupont",
        "jean@dupont",
        "jean dupont@mail.fr",
        "jean@@mail.fr",
        "jean@mail..fr",
        "@mail.fr",
        "jean@.fr",
        "jean@-mail.fr",
        "jean@mail.f",
        ".jean@mail.fr",
        "jean.@mail.fr",
        "a" * 65 + "@mail.fr",
        "a@" + "b" * 250 + ".fr",
    ],
)
def test_validate_email_refuses(raw: str) -> None:
    """Malformed or overlong addresses are refused with the e-mail message."""
    with pytest.raises(FieldError) as caught:
        validate_email(raw)
    assert caught.value.field == "email"
    assert caught.value.message == EMAIL_INVALID


@pytest.mark.parametrize(("raw", "year"), [("1985", 1985), (" 1900 ", 1900), (2025, 2025)])
def test_validate_birth_year_accepts(raw: str | int, year: int) -> None:
    """Years from 1900 to this year, typed or given as int, are accepted."""
    assert validate_birth_year(raw, today_year=2025) == year


@pytest.mark.parametrize(
    "raw", ["1899", "2026", "", "  ", "85", "19 85", "abcd", "-1985", 1899, 2026, True]
)
def test_validate_birth_year_refuses(raw: str | int) -> None:
    """Out-of-range or non-numeric years are refused with the range in the params."""
    with pytest.raises(FieldError) as caught:
        validate_birth_year(raw, today_year=2025)
    error = caught.value
    assert error.field == "birth_year"
    assert error.message == BIRTH_YEAR_INVALID
    assert error.params == {"min": "1900", "max": "2025"}
    assert str(error) == "Enter a year of birth between 1900 and 2025."
