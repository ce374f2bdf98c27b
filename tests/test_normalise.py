"""Tests of the name and phone search keys."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimms_tui.db.normalise import fold, name_tokens, phone_digits, search_key


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Hélène Dupont-Moreau", "helene dupont moreau"),
        ("Nguyễn", "nguyen"),
        ("N'Diaye", "n diaye"),
        ("N’Diaye", "n diaye"),
        ("Œuvray", "oeuvray"),
        ("Lætitia", "laetitia"),
        ("Đorđe Łukasz Øberg", "dorde lukasz oberg"),
        ("Straße", "strasse"),
        ("J.-P.  Müller\t", "j p muller"),
        ("  ÇA   VA  ", "ca va"),
        ("", ""),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    """Case, accents, apostrophes, hyphens, dots and extra spaces are folded away."""
    assert fold(raw) == folded


def test_name_tokens_keep_order_and_drop_duplicates() -> None:
    """Tokens come in the order of the parts, each once, skipping missing parts."""
    assert name_tokens("Jean-Pierre", None, "", "Jean Dupont") == ["jean", "pierre", "dupont"]
    assert name_tokens() == []
    assert name_tokens(None, "  ") == []


@pytest.mark.parametrize(
    ("parts", "tokens"),
    [
        (("Jean", "de La Fontaine"), ["jean", "de", "la", "fontaine"]),
        (("Jeanne", "d'Arc"), ["jeanne", "d", "arc"]),
        (("Marine", "Le Pen"), ["marine", "le", "pen"]),
        (("Karim", "Ben Salah"), ["karim", "ben", "salah"]),
        (("Vincent", "van Gogh"), ["vincent", "van", "gogh"]),
        (("Otto", "von Bismarck"), ["otto", "von", "bismarck"]),
        (("Yasmine", "El Amrani"), ["yasmine", "el", "amrani"]),
    ],
)
def test_name_tokens_keep_particles(parts: tuple[str, str], tokens: list[str]) -> None:
    """Particles stay searchable tokens."""
    assert name_tokens(*parts) == tokens


def test_name_tokens_ignore_emoji_and_punctuation() -> None:
    """Symbols are not tokens; letters of any script are."""
    assert name_tokens("Zoé 🙂", "(née Martin)") == ["zoe", "nee", "martin"]
    assert name_tokens("محمد", "عبد الله") == ["محمد", "عبد", "الله"]


def test_search_key_is_order_and_accent_blind() -> None:
    """The key is the same whichever way round and however accented the name is typed."""
    assert search_key("Hélène", "Dupont-Moreau") == "dupont helene moreau"
    assert search_key("Dupont Moreau", "HELENE") == search_key("Hélène", "Dupont-Moreau")
    assert search_key(None, "N'Diaye") == "diaye n"
    assert search_key(None, None) == ""


@pytest.mark.parametrize(
    ("fragment", "digits"),
    [
        ("+33612", "0612"),
        ("0612", "0612"),
        ("+33 6 12 34 56 78", "0612345678"),
        ("0033 6 12", "0612"),
        ("+33 (0)6 12", "0612"),
        ("06.12.34", "061234"),
        ("+44 20 7946", "44207946"),
        ("٠٦١٢", "0612"),
        ("", ""),
        ("abc", ""),
    ],
)
def test_phone_digits(fragment: str, digits: str) -> None:
    """Only digits remain, and the French international prefix becomes the trunk 0."""
    assert phone_digits(fragment) == digits


def test_phone_digits_compare_equal_across_prefixes() -> None:
    """A number typed with +33 or with 0 gives the same key."""
    assert phone_digits("+33612") == phone_digits("0612") == phone_digits("0033612")


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_any_text_folds_without_crashing(text: str) -> None:
    """Emoji, right-to-left and control characters never crash and fold idempotently."""
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded
    for token in name_tokens(text, text):
        assert token and " " not in token
    assert all(ch.isdigit() for ch in phone_digits(text))
    search_key(text, None)


@pytest.mark.parametrize("text", ["🙂🙂", "שלום עולם", "‏مرحبا‎", "\x1b[31mred\x00"])
def test_unusual_scripts(text: str) -> None:
    """Non-Latin and control input is handled."""
    assert isinstance(fold(text), str)
    assert isinstance(search_key(text, text), str)
