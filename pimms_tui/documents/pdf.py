"""Printing a document on an A4 page with fpdf2, whatever the visitor's name holds.

A Unicode TrueType font is looked for among the usual system fonts (DejaVu Sans, Noto Sans,
Liberation Sans, Arial…); characters the font lacks print as "?". When no such font is found
(a bare machine), the PDF uses fpdf2's built-in Helvetica, which only knows Latin-1: text is
then transliterated (accents kept where Latin-1 has them, "œ" → "oe", "’" → "'", anything
else → "?"). Nothing is ever interpreted as markup, and text goes through
:func:`pimms_tui.text.multiline` first (controls and bidi overrides dropped).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import unicodedata
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pimms_tui.text import KEPT_FORMAT, multiline

from .slips import SlipContent

if TYPE_CHECKING:
    from fpdf import FPDF

# Where a Unicode TrueType font usually is (Debian/Ubuntu, Fedora, Arch, Alpine, macOS,
# Windows); the first one found is used.
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/google-noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
)
_WINDOWS_FONTS = ("DejaVuSans.ttf", "arial.ttf", "segoeui.ttf")
_BOLD_NAMES = {
    "DejaVuSans.ttf": "DejaVuSans-Bold.ttf",
    "NotoSans-Regular.ttf": "NotoSans-Bold.ttf",
    "LiberationSans-Regular.ttf": "LiberationSans-Bold.ttf",
    "Arial.ttf": "Arial Bold.ttf",
    "arial.ttf": "arialbd.ttf",
    "segoeui.ttf": "segoeuib.ttf",
}
_UNICODE_FAMILY = "pimms-sans"
_CORE_FAMILY = "helvetica"

# Latin-1 stand-ins for common characters outside it (used only without a Unicode font).
_LATIN1_STANDINS = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
        "€": "EUR",
        "•": "-",
        "\u202f": " ",
        "\u2009": " ",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
    }
)


@cache
def find_unicode_font() -> Path | None:
    """A Unicode TrueType font of this machine, or None (then Latin-1 Helvetica is used)."""
    candidates = [Path(p) for p in FONT_CANDIDATES]
    windows = os.environ.get("WINDIR")
    if windows:
        candidates += [Path(windows) / "Fonts" / name for name in _WINDOWS_FONTS]
    # matplotlib, when installed, ships DejaVu Sans (found without importing it).
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        candidates.append(
            Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        )
    return next((c for c in candidates if c.is_file()), None)


def _bold_variant(regular: Path) -> Path | None:
    name = _BOLD_NAMES.get(regular.name)
    if name is None:
        return None
    bold = regular.with_name(name)
    return bold if bold.is_file() else None


def to_latin1(text: str) -> str:
    """A Latin-1 rendering: accents kept where Latin-1 has them, others folded, else "?"."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", multiline(text)).translate(_LATIN1_STANDINS):
        if ord(char) < 256:
            out.append(char)
            continue
        if unicodedata.combining(char) or char in KEPT_FORMAT:
            continue  # a combining mark on a letter already written; a joiner Latin-1 lacks
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


class _Writer:
    """Puts sanitised text on an fpdf2 page with a Unicode font, or Latin-1 Helvetica."""

    def __init__(self, pdf: FPDF, font_path: Path | None) -> None:
        self.pdf = pdf
        self.family = _CORE_FAMILY
        self.glyphs: frozenset[int] | None = None
        if font_path is not None:
            try:
                pdf.add_font(_UNICODE_FAMILY, "", str(font_path))
                pdf.add_font(_UNICODE_FAMILY, "B", str(_bold_variant(font_path) or font_path))
            except Exception:  # an unreadable font must not stop the printing
                return
            self.family = _UNICODE_FAMILY
            if importlib.util.find_spec("uharfbuzz") is not None:
                # Right-to-left and joined scripts (Arabic, Hebrew…) shape properly when the
                # optional uharfbuzz is installed; without it they print unshaped, never fail.
                with contextlib.suppress(Exception):
                    pdf.set_text_shaping(True)
            font = pdf.fonts[_UNICODE_FAMILY]
            from fpdf.fonts import TTFFont

            if isinstance(font, TTFFont):
                self.glyphs = frozenset(c for c, g in font.cmap.items() if g != ".notdef")

    def clean(self, text: str) -> str:
        if self.glyphs is None:
            return to_latin1(text)
        out: list[str] = []
        for char in unicodedata.normalize("NFC", multiline(text)):
            if char == "\n" or ord(char) in self.glyphs:
                out.append(char)
            elif unicodedata.combining(char) or char in KEPT_FORMAT:
                continue  # a mark on a letter already written; a joiner the font lacks
            else:
                base = "".join(
                    c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
                )
                known = base and all(ord(c) in self.glyphs for c in base)
                out.append(base if known else "?")
        return "".join(out)

    def text(self, text: str, *, size: float = 11, bold: bool = False, gap: float = 1.5) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(
            0,
            size * 0.5,
            self.clean(text),
            align="L",
            markdown=False,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.pdf.ln(gap)


def render_pdf(
    content: SlipContent, *, font_path: Path | None = None, created_at: datetime | None = None
) -> bytes:
    """The document as PDF bytes (A4); ``font_path`` None looks for a system Unicode font."""
    from fpdf import FPDF  # loaded when a slip is printed, not at every start (~250 ms)

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_creator("pimms-tui")
    pdf.set_title(content.title)  # never the visitor's name: file metadata travels
    if created_at is not None:
        pdf.set_creation_date(created_at)
    writer = _Writer(pdf, font_path or find_unicode_font())
    pdf.add_page()
    writer.text(content.title, size=20, bold=True, gap=6)
    for label, value in content.lines:
        writer.text(label, size=9, bold=True, gap=0.5)
        writer.text(value, size=12, gap=3)
    if content.footer:
        pdf.ln(6)
        pdf.set_draw_color(160, 160, 160)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(3)
        for line in content.footer:
            writer.text(line, size=10, gap=0.5)
    return bytes(pdf.output())
