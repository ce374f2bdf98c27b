"""Text typed by or about a visitor, as Rich text shown literally (the policy: pimms_tui.text)."""

from __future__ import annotations

from rich.text import Text

from pimms_tui.text import one_line


def clean(value: str | None, max_length: int = 80) -> str:
    """A single line without control or bidi characters, cut to ``max_length``."""
    return one_line(value, max_length)


def literal(value: str | None, max_length: int = 80, style: str = "") -> Text:
    """A Rich Text shown exactly as typed (square brackets included), never as markup."""
    return Text(clean(value, max_length), style=style, no_wrap=True, overflow="ellipsis")
