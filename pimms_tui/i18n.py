"""The one place that loads translations and formats dates, durations and numbers.

Catalogues are the ``.po`` files under ``locales/`` (domain ``pimms``), read with Babel and
compiled in memory on first use: a plain install is fully translated with no build step.
Code and msgids are English; French is the default language.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_time as _babel_time
from babel.dates import format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

DOMAIN = "pimms"
LANGUAGES = ("fr", "en")
_BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

_active_language = "fr"


def catalogue_path(language: str) -> str:
    """Where the ``.po`` catalogue of a language is, inside the installed package."""
    return str(files("pimms_tui.locales") / language / "LC_MESSAGES" / f"{DOMAIN}.po")


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled translations of a language (English falls back to the msgids)."""
    path = files("pimms_tui.locales") / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def activate(language: str) -> None:
    """Make ``language`` the language of every message and format from now on."""
    global _active_language
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    translations(language)
    _active_language = language


def active_language() -> str:
    """The language in use."""
    return _active_language


def babel_locale() -> Locale:
    """The Babel locale of the active language."""
    return Locale.parse(_BABEL_LOCALES[_active_language])


def _(message: str) -> str:
    """Translate a message into the active language."""
    return translations(_active_language).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message that depends on a count."""
    return translations(_active_language).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a message for extraction where it cannot be translated yet (module constants)."""
    return message


def translate(message: str, params: dict[str, object] | None = None) -> str:
    """Translate a domain msgid and fill in its parameters."""
    text = _(message)
    return text.format(**params) if params else text


def label(label_fr: str, label_en: str) -> str:
    """Pick the label of reference data (stored in both languages) for the active language."""
    return label_fr if _active_language == "fr" else label_en


def format_datetime(instant: datetime, timezone: str = "Europe/Paris") -> str:
    """A date and time, short, in the office's timezone ("02/03/2026 10:05")."""
    return _babel_datetime(instant, "short", tzinfo=ZoneInfo(timezone), locale=babel_locale())


def format_time(instant: datetime, timezone: str = "Europe/Paris") -> str:
    """A time of day in the office's timezone ("10:05")."""
    return _babel_time(instant, "short", tzinfo=ZoneInfo(timezone), locale=babel_locale())


def format_date(day: date, style: str = "medium") -> str:
    """A calendar day ("2 mars 2026")."""
    return _babel_date(day, style, locale=babel_locale())


def format_duration(delta: timedelta) -> str:
    """A duration, short, to the minute ("12 min", "1 h 05 min")."""
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)

    def short(amount: int, unit: str) -> str:
        return format_timedelta(
            timedelta(**{unit: amount}), format="short", locale=babel_locale(), granularity="minute"
        )

    if hours == 0:
        return short(minutes, "minutes")
    if minutes == 0:
        return short(hours, "hours")
    return f"{short(hours, 'hours')} {short(minutes, 'minutes')}"


def format_ago(delta: timedelta) -> str:
    """How long ago, in words ("il y a 12 minutes")."""
    return format_timedelta(
        -delta, add_direction=True, threshold=1.0, locale=babel_locale(), granularity="minute"
    )


def format_number(value: float) -> str:
    """A number with the locale's separators ("1 234,5")."""
    return format_decimal(value, locale=babel_locale())


def format_share(value: float) -> str:
    """A share as a percentage ("12 %")."""
    return format_percent(value, locale=babel_locale())
