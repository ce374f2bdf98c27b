"""The one place that loads translations and formats dates, durations and numbers.

Catalogues are the ``.po`` files under ``locales/`` (domain ``pimms``), read with Babel and
compiled in memory on first use: a plain install is fully translated with no build step.
Code and msgids are English; French is the default language.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
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

log = logging.getLogger("pimms.i18n")
_active_language = "fr"


def _catalogue(language: str) -> Traversable:
    """The ``.po`` file of a language, as a package resource."""
    return files("pimms_tui.locales") / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_path(language: str) -> str:
    """Where the ``.po`` catalogue of a language is, inside the installed package."""
    return str(_catalogue(language))


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled translations of a language (a missing catalogue falls back to the msgids)."""
    path = _catalogue(language)
    if not path.is_file():
        return gettext.NullTranslations()
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    except Exception:
        # A broken catalogue must not stop the desk (nor print over the screen, as Babel's
        # lenient reader does): show the English msgids instead.
        log.exception("the %s catalogue %s cannot be read", language, path)
        return gettext.NullTranslations()


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
    return _locale(_active_language)


@cache
def _locale(language: str) -> Locale:
    """The Babel locale of a language, parsed once."""
    return Locale.parse(_BABEL_LOCALES[language])


def _(message: str) -> str:
    """Translate a message into the active language."""
    return translations(_active_language).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message that depends on a count."""
    return translations(_active_language).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a message for extraction where it cannot be translated yet (module constants)."""
    return message


def translate(message: str, params: Mapping[str, object] | None = None) -> str:
    """Translate a domain msgid and fill in its parameters."""
    text = _(message)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A translation with a wrong placeholder: the English text is better than a crash.
        log.error("bad placeholders in the translation of %r: %r", message, text)
        return message.format(**params)


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
    """A duration, short, to the minute ("12 min", "1 h 5 min"); negative counts as zero."""
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
    """How long ago, in words ("il y a 12 minutes"; under a minute, "à l'instant")."""
    if timedelta(0) <= delta < timedelta(minutes=1):
        return _("just now")
    return format_timedelta(
        -delta, add_direction=True, threshold=1.0, locale=babel_locale(), granularity="minute"
    )


def format_number(value: float) -> str:
    """A number with the locale's separators ("1 234,5")."""
    return format_decimal(value, locale=babel_locale())


def format_share(value: float) -> str:
    """A share as a percentage ("12 %")."""
    return format_percent(value, locale=babel_locale())
