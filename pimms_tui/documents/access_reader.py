"""Words, dates and names as the reader of a right-of-access file reads them.

The file is written for the person it is about, in their language when their file names one
the office writes in (French or English; else the office's, French), whatever the language of
the desk that printed it. Instants are shown in the office's time zone, to the minute.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime

from pimms_tui import i18n

DEFAULT_LANGUAGE = "fr"
_BABEL = {"fr": "fr_FR", "en": "en_GB"}
# "7 décembre 2026 à 10 h 32", "7 December 2026, 10:32".
_WHEN = {"fr": "d MMMM y 'à' H 'h' mm", "en": "d MMMM y, HH:mm"}
_TIME = {"fr": "H 'h' mm", "en": "HH:mm"}
_FILE_TIME = "%Y-%m-%d-%H%M"
# What a visitor's "language" field may hold for the languages the file can be written in.
_SPOKEN = {
    "en": {"en", "eng", "english", "anglais", "inglés", "ingles"},
    "fr": {"fr", "fra", "fre", "french", "francais", "français"},
}


def reader_language(data: Mapping[str, Any]) -> str:
    """The language to write the file in: the person's when French or English, else French."""
    said = str((data.get("identity") or {}).get("language") or "").strip().casefold()
    said = "".join(c for c in unicodedata.normalize("NFKD", said) if not unicodedata.combining(c))
    base = said.replace("_", "-").split("-")[0]
    for language, names in _SPOKEN.items():
        plain = {
            "".join(c for c in unicodedata.normalize("NFKD", n) if not unicodedata.combining(c))
            for n in names
        }
        if said in plain or base in plain:
            return language
    return DEFAULT_LANGUAGE


def _instant(value: Any) -> datetime | None:
    """An instant from the export's ISO text (naive ones are UTC), or None if it is not one."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) > 10:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class Reader:
    """Translates and formats for one reader: a language and the office's time zone."""

    def __init__(
        self,
        language: str,
        timezone: str = "Europe/Paris",
        motifs: Mapping[str, str] | None = None,
    ) -> None:
        self.language = language if language in _BABEL else DEFAULT_LANGUAGE
        # The English label of each reason for coming, by its French one (the export's).
        self.motifs = dict(motifs or {}) if self.language == "en" else {}
        self.zone = ZoneInfo(timezone)
        self.locale = Locale.parse(_BABEL[self.language])
        self._translations = i18n.translations(self.language)

    def t(self, message: str, **params: object) -> str:
        """A msgid in the reader's language, its placeholders filled."""
        text = self._translations.gettext(message)
        if not params:
            return text
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return message.format(**params)

    def word(self, labels: Mapping[Any, str], code: Any) -> str:
        """The reader's word for a stored code; an unknown code is shown without underscores."""
        if code in (None, ""):
            return ""
        label = labels.get(code)
        if label is None:
            return str(code).replace("_", " ")
        return self.t(label) if label else ""

    def motif(self, label_fr: Any) -> Any:
        """A reason for coming in the reader's language, when the reference list has it."""
        return self.motifs.get(label_fr, label_fr) if isinstance(label_fr, str) else label_fr

    def local(self, value: Any) -> datetime | None:
        """An instant of the export in the office's time zone (None if it is not one)."""
        instant = _instant(value)
        return instant.astimezone(self.zone) if instant is not None else None

    def when(self, value: Any) -> str:
        """A date and time, local, to the minute ("7 décembre 2026 à 10 h 32")."""
        instant = self.local(value)
        if instant is None:
            return self.day(value)
        return format_datetime(instant, _WHEN[self.language], locale=self.locale)

    def time(self, value: Any) -> str:
        """A time of day, local ("10 h 32", "10:32")."""
        instant = self.local(value)
        if instant is None:
            return str(value or "")
        return format_datetime(instant, _TIME[self.language], locale=self.locale)

    def day(self, value: Any) -> str:
        """A calendar day ("7 décembre 2026"); text that is no date is shown as it is."""
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value[:10])
            except ValueError:
                return str(value)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return format_date(value, "long", locale=self.locale)
        return str(value or "")

    def file_time(self, instant: datetime) -> str:
        """The local time in a file name ("2026-12-07-1032")."""
        return instant.astimezone(self.zone).strftime(_FILE_TIME)

    def language_name(self, value: Any) -> str:
        """A language by its name in the reader's language ("ro" → "roumain"); free text as is."""
        text = str(value or "").strip()
        code = text.replace("_", "-").split("-")[0].casefold()
        if 2 <= len(code) <= 3 and code.isascii() and code.isalpha():
            name = self.locale.languages.get(code)
            if name:
                return str(name)
        return text
