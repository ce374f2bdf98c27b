"""The French catalogue covers every string of the code, and translations keep placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pimms_tui import i18n

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def code_messages() -> set[str]:
    """Every msgid marked in the package, screens and db (as pybabel extract finds them)."""
    found: set[str] = set()
    for folder in ("pimms_tui", "screens", "db"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.update(message if isinstance(message, tuple) else (message,))
    return {m for m in found if m}


def catalogue(language: str):  # type: ignore[no-untyped-def]
    """The catalogue of a language, parsed."""
    with open(ROOT / "locales" / language / "LC_MESSAGES" / "pimms.po", "rb") as handle:
        return read_po(handle, locale=language)


def test_every_string_is_translated_in_french() -> None:
    """No msgid of the code is missing, empty or fuzzy in the French catalogue."""
    french = catalogue("fr")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in french
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    plural_ids = {m.id[1] for m in french if isinstance(m.id, tuple)}
    missing = sorted(code_messages() - translated - plural_ids)
    assert missing == [], f"{len(missing)} strings untranslated in French: {missing[:20]}"


def test_translations_keep_their_placeholders() -> None:
    """A translation names the same {placeholders} as its msgid, so formatting never fails."""
    wrong = []
    for message in catalogue("fr"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append(ids[0])
    assert wrong == []


def test_english_catalogue_exists_and_falls_back_to_msgids() -> None:
    """English is served from its catalogue, falling back to the (English) msgids."""
    assert (ROOT / "locales" / "en" / "LC_MESSAGES" / "pimms.po").is_file()
    i18n.activate("en")
    try:
        assert i18n._("anonymous") == "anonymous"
    finally:
        i18n.activate("fr")
    assert i18n._("anonymous") == "anonyme"
