"""Tests of the translations loader and of the Babel formats, in French and in English."""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from pimms_tui import i18n

# A Monday morning in March (winter time, UTC+1) and a day in July (summer time, UTC+2).
MARCH = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
JULY = datetime(2026, 7, 2, 9, 5, tzinfo=UTC)


def plain(text: str) -> str:
    """The text with Babel's no-break spaces made ordinary, for readable expectations."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture(autouse=True)
def restore_language() -> Iterator[None]:
    """Each test may switch language; the next one starts from the one before."""
    before = i18n.active_language()
    yield
    i18n.activate(before)


@pytest.fixture
def fake_catalogue(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Point the loader at a .po file of the test's own, with an empty cache before and after."""
    path = tmp_path / "pimms.po"
    with monkeypatch.context() as patch:
        patch.setattr(i18n, "_catalogue", lambda language: path if language == "fr" else tmp_path)
        i18n.translations.cache_clear()
        yield path
    i18n.translations.cache_clear()


def write_catalogue(path: Path, entries: dict[str, str]) -> None:
    """A French .po file with the given translations."""
    catalog = Catalog(locale="fr", domain="pimms")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.mark.parametrize(
    ("language", "minutes", "expected"),
    [
        ("fr", 0, "0 min"),
        ("fr", 1, "1 min"),
        ("fr", 12, "12 min"),
        ("fr", 60, "1 h"),
        ("fr", 65, "1 h 5 min"),
        ("fr", 125, "2 h 5 min"),
        ("en", 1, "1 min"),
        ("en", 12, "12 mins"),
        ("en", 60, "1 hr"),
        ("en", 65, "1 hr 5 mins"),
    ],
)
def test_format_duration(language: str, minutes: int, expected: str) -> None:
    """Waiting times are short and to the minute, in the active language."""
    i18n.activate(language)
    assert plain(i18n.format_duration(timedelta(minutes=minutes, seconds=59))) == expected


def test_format_duration_never_negative() -> None:
    """A clock a little ahead never shows a negative wait."""
    i18n.activate("fr")
    assert plain(i18n.format_duration(timedelta(minutes=-5))) == "0 min"


@pytest.mark.parametrize(
    ("language", "delta", "expected"),
    [
        ("fr", timedelta(minutes=12), "il y a 12 minutes"),
        ("fr", timedelta(minutes=1), "il y a 1 minute"),
        ("fr", timedelta(hours=2), "il y a 2 heures"),
        ("fr", timedelta(days=3), "il y a 3 jours"),
        ("en", timedelta(minutes=12), "12 minutes ago"),
        ("en", timedelta(hours=2), "2 hours ago"),
        ("en", timedelta(days=3), "3 days ago"),
    ],
)
def test_format_ago(language: str, delta: timedelta, expected: str) -> None:
    """How long ago, in words."""
    i18n.activate(language)
    assert plain(i18n.format_ago(delta)) == expected


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("delta", [timedelta(0), timedelta(seconds=30)])
def test_format_ago_just_now(language: str, delta: timedelta) -> None:
    """Under a minute is 'just now', never 'in 0 minutes'."""
    i18n.activate(language)
    text = i18n.format_ago(delta)
    assert text == i18n._("just now")
    assert "0" not in text


@pytest.mark.parametrize(
    ("language", "instant", "timezone", "expected"),
    [
        ("fr", MARCH, "Europe/Paris", "02/03/2026 10:05"),
        ("fr", JULY, "Europe/Paris", "02/07/2026 11:05"),
        ("en", MARCH, "Europe/Paris", "02/03/2026, 10:05"),
        ("fr", MARCH, "America/Cayenne", "02/03/2026 06:05"),
        ("fr", MARCH, "Indian/Reunion", "02/03/2026 13:05"),
    ],
)
def test_format_datetime(language: str, instant: datetime, timezone: str, expected: str) -> None:
    """Instants are shown in the office's timezone, summer time included."""
    i18n.activate(language)
    assert plain(i18n.format_datetime(instant, timezone)) == expected


@pytest.mark.parametrize(("language", "expected"), [("fr", "10:05"), ("en", "10:05")])
def test_format_time(language: str, expected: str) -> None:
    """A time of day in the office's timezone."""
    i18n.activate(language)
    assert i18n.format_time(MARCH) == expected


@pytest.mark.parametrize(("language", "expected"), [("fr", "2 mars 2026"), ("en", "2 Mar 2026")])
def test_format_date(language: str, expected: str) -> None:
    """A calendar day, with the month's name in the active language."""
    i18n.activate(language)
    assert i18n.format_date(date(2026, 3, 2)) == expected


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("fr", 1234.5, "1 234,5"),
        ("fr", 1234567, "1 234 567"),
        ("fr", 0, "0"),
        ("en", 1234.5, "1,234.5"),
        ("en", 1234567, "1,234,567"),
    ],
)
def test_format_number(language: str, value: float, expected: str) -> None:
    """Numbers with the locale's separators."""
    i18n.activate(language)
    assert plain(i18n.format_number(value)) == expected


@pytest.mark.parametrize(("language", "expected"), [("fr", "12 %"), ("en", "12%")])
def test_format_share(language: str, expected: str) -> None:
    """Shares as percentages."""
    i18n.activate(language)
    assert plain(i18n.format_share(0.12)) == expected


def test_activate_unknown_language() -> None:
    """Only French and English exist; asking for another changes nothing."""
    i18n.activate("en")
    with pytest.raises(ValueError, match="xx"):
        i18n.activate("xx")
    assert i18n.active_language() == "en"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_activate_known_language(language: str) -> None:
    """The active language and the Babel locale follow activate()."""
    i18n.activate(language)
    assert i18n.active_language() == language
    assert i18n.babel_locale().language == language


def test_missing_catalogue_falls_back_to_msgids(fake_catalogue: Path) -> None:
    """Without a .po file, every message is its English msgid."""
    assert not fake_catalogue.exists()
    translations = i18n.translations("fr")
    assert type(translations) is gettext.NullTranslations
    i18n.activate("fr")
    assert i18n._("Unknown option: {value}.") == "Unknown option: {value}."
    assert i18n.ngettext("{n} visit", "{n} visits", 2) == "{n} visits"


def test_missing_language_folder_falls_back_to_msgids() -> None:
    """A language without a folder under locales/ reads as English msgids."""
    assert not Path(i18n.catalogue_path("xx")).exists()
    assert i18n.translations("xx").gettext("Queue") == "Queue"


def test_catalogue_is_read_from_the_po_file(fake_catalogue: Path) -> None:
    """A .po file is compiled in memory; translated entries are used, the others fall back."""
    write_catalogue(fake_catalogue, {"Queue": "File d’attente", "Ticket {code}": "Ticket {code}"})
    i18n.activate("fr")
    assert i18n._("Queue") == "File d’attente"
    assert i18n._("Not in the catalogue") == "Not in the catalogue"


def test_broken_catalogue_falls_back_to_msgids(
    fake_catalogue: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """A catalogue that cannot be read is logged, and the desk still starts in English msgids."""
    fake_catalogue.write_bytes(b'msgid "Queue"\nmsgstr "File\n\x00garbage "unterminated')
    with caplog.at_level(logging.ERROR, logger="pimms"):
        translations = i18n.translations("fr")
    assert translations.gettext("Queue") == "Queue"
    assert "catalogue" in caplog.text
    assert capsys.readouterr().out == ""  # Babel's warnings would land on the screen


def test_translate_fills_the_parameters(fake_catalogue: Path) -> None:
    """translate() looks the msgid up, then fills its named parameters."""
    write_catalogue(fake_catalogue, {"Ticket {code} called at {desk}.": "Ticket {code} : {desk}."})
    i18n.activate("fr")
    params = {"code": "A-042", "desk": "Guichet 2"}
    assert i18n.translate("Ticket {code} called at {desk}.", params) == "Ticket A-042 : Guichet 2."
    i18n.activate("en")
    assert (
        i18n.translate("Ticket {code} called at {desk}.", params)
        == "Ticket A-042 called at Guichet 2."
    )


def test_translate_without_parameters() -> None:
    """Without parameters the text is returned as translated, braces untouched."""
    i18n.activate("en")
    assert i18n.translate("Nothing to fill") == "Nothing to fill"
    assert i18n.translate("Nothing to fill", {}) == "Nothing to fill"


def test_translate_survives_a_bad_translation(
    fake_catalogue: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A translation with a wrong placeholder gives the English text, and is logged."""
    write_catalogue(fake_catalogue, {"Ticket {code}": "Ticket {numero}"})
    i18n.activate("fr")
    with caplog.at_level(logging.ERROR, logger="pimms"):
        assert i18n.translate("Ticket {code}", {"code": "A-001"}) == "Ticket A-001"
    assert "Ticket {numero}" in caplog.text


def test_n_marks_without_translating() -> None:
    """N_ returns its argument: the translation happens where the text is shown."""
    assert i18n.N_("Queue") == "Queue"


@pytest.mark.parametrize(("language", "expected"), [("fr", "Énergie"), ("en", "Energy")])
def test_label_of_reference_data(language: str, expected: str) -> None:
    """Reference data stored in both languages shows the active one."""
    i18n.activate(language)
    assert i18n.label("Énergie", "Energy") == expected
