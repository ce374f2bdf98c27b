"""Text typed by or about a visitor, made safe to show: data, never markup or control codes."""

from __future__ import annotations

import unicodedata

from rich.text import Text

# Zero-width joiner and non-joiner shape emoji and some scripts: keep them; drop other
# format characters (bidi overrides included) so a name cannot reorder what surrounds it.
_KEPT_FORMAT = {"\u200c", "\u200d"}


def clean(value: str | None, max_length: int = 80) -> str:
    """A single line without control or bidi-override characters, cut to ``max_length``."""
    if not value:
        return ""
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category == "Cf" and char not in _KEPT_FORMAT:
            continue
        else:
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if len(line) <= max_length else line[: max_length - 1] + "…"


def literal(value: str | None, max_length: int = 80, style: str = "") -> Text:
    """A Rich Text shown exactly as typed (square brackets included), never as markup."""
    return Text(clean(value, max_length), style=style, no_wrap=True, overflow="ellipsis")
