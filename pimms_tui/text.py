"""The one policy for text typed by or about a visitor: data, never a command to a terminal.

Every view, input, log line and document passes such text through here. What acts on a
terminal or reorders the text around it is dropped: C0 and C1 controls (ESC sequences start
with one), lone surrogates, line and paragraph separators, and format characters (bidi
overrides and isolates, zero-width spaces), except the zero-width joiner and non-joiner that
shape emoji and some scripts. Square brackets and the like stay: the views show text with
markup off, so they are harmless there.

Three places apply it: what is typed or pasted into a field (``typed``: nothing else
changes, so typing stays natural); what the domain saves, whatever the caller (``one_line``
for a name or a place, ``multiline`` for a note); and the last step before the terminal
(``for_terminal``: the text of every cell the screen draws, whatever a widget was given).
"""

from __future__ import annotations

import unicodedata

# Zero-width joiner and non-joiner shape emoji and some scripts: keep them.
KEPT_FORMAT = frozenset({"\u200c", "\u200d"})
_BREAKING = ("Cc", "Zl", "Zp")


def is_hidden(char: str) -> bool:
    """Whether a character would act on a terminal or on the text around it rather than show."""
    category = unicodedata.category(char)
    return category in ("Cc", "Zl", "Zp", "Cs") or (category == "Cf" and char not in KEPT_FORMAT)


def one_line(value: str | None, max_length: int | None = None) -> str:
    """A single line: controls and separators become spaces, hidden characters go, runs of
    spaces fold into one; cut to ``max_length`` with an ellipsis."""
    if not value:
        return ""
    kept: list[str] = []
    for char in value:
        if unicodedata.category(char) in _BREAKING:
            kept.append(" ")
        elif not is_hidden(char):
            kept.append(char)
    line = " ".join("".join(kept).split())
    if max_length is None or len(line) <= max_length:
        return line
    return line[: max_length - 1] + "…"


def multiline(value: str | None) -> str:
    """Text that may keep its line breaks (a note, a document's body): a tab becomes a space,
    a carriage return or any other hidden character goes."""
    if not value:
        return ""
    kept: list[str] = []
    for char in value.replace("\r\n", "\n"):
        if char == "\n":
            kept.append(char)
        elif char == "\t":
            kept.append(" ")
        elif not is_hidden(char):
            kept.append(char)
    return "".join(kept)


def escaped(value: str) -> str:
    """Text with every hidden character (line breaks too) written as a visible escape
    (``\\x1b``, ``\\u202e``), for exports where what was stored must stay recoverable."""
    out: list[str] = []
    for char in value:
        if is_hidden(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def typed(value: str | None, *, keep_newlines: bool = False) -> str:
    """Text typed or pasted into a field, less what would act on a terminal: controls and
    separators become spaces (line breaks stay only with ``keep_newlines``), other hidden
    characters go, and nothing else changes, so spaces stay where they were typed."""
    if not value:
        return ""
    if value.isprintable():  # the usual case, checked at C speed
        return value
    kept: list[str] = []
    for char in value.replace("\r\n", "\n") if keep_newlines else value:
        if char == "\n" and keep_newlines:
            kept.append(char)
        elif unicodedata.category(char) in _BREAKING:
            kept.append(" ")
        elif not is_hidden(char):
            kept.append(char)
    return "".join(kept)


def for_terminal(value: str) -> str:
    """The text of a cell about to be drawn, without anything a terminal would obey.

    Every hidden character is dropped, line breaks and tabs too: they take no cell, so the
    screen's layout (computed with them counted as zero width) stays exactly the same.
    """
    if value.isprintable():
        return value
    return "".join(char for char in value if not is_hidden(char))
