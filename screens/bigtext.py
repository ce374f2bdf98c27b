"""Ticket codes drawn large enough to read across a desk (5 lines of block characters)."""

from __future__ import annotations

_GLYPHS = {
    "0": ("███", "█ █", "█ █", "█ █", "███"),
    "1": (" █ ", "██ ", " █ ", " █ ", "███"),
    "2": ("███", "  █", "███", "█  ", "███"),
    "3": ("███", "  █", " ██", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"),
    "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"),
    "7": ("███", "  █", " █ ", " █ ", " █ "),
    "8": ("███", "█ █", "███", "█ █", "███"),
    "9": ("███", "█ █", "███", "  █", "███"),
    "-": ("   ", "   ", "███", "   ", "   "),
    "A": ("███", "█ █", "███", "█ █", "█ █"),
    "R": ("██ ", "█ █", "██ ", "█ █", "█ █"),
}
_UNKNOWN = ("   ", " ▄ ", "   ", " ▄ ", "   ")


def big_text(code: str) -> str:
    """Five lines spelling ``code`` in block characters (letters outside A/R shown as dots)."""
    glyphs = [_GLYPHS.get(char.upper(), _UNKNOWN) for char in code]
    return "\n".join("  ".join(glyph[row] for glyph in glyphs) for row in range(5))
