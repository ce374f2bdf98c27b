"""Printable documents handed to the visitor: the referral slip and the appointment card.

Both are in French (the office's public language) and hold only what the visitor needs: the
referral slip gives the partner's address, phone, hours and what to bring, never the note, the
reason typed by the mediator or the details shared with the partner; the appointment card
gives the date and time in the office's time zone, with whom, where, and how to reach the
office. The visitor is named by first name only, and only when the visit is named.

PDFs are written with fpdf2. A Unicode TrueType font is looked for among the usual system
fonts (DejaVu Sans, Noto Sans, Liberation Sans, Arial…); characters the font lacks print as
"?". When no such font is found (a bare machine), the PDF uses fpdf2's built-in Helvetica,
which only knows Latin-1: text is then transliterated (accents kept where Latin-1 has them,
"œ" → "oe", "’" → "'", anything else → "?"). Nothing about a visitor is ever interpreted as
markup, and control and bidirectional-override characters are dropped before printing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from fpdf import FPDF

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import AppointmentStatus
from pimms_tui.db.models import Appointment, Demand, Office, Partner, Relay, Staff, Visit, Visitor

from .clock import Clock
from .errors import DomainError, NotFound
from .messages import N_
from .offices import OfficeInfo
from .validation import format_phone

LOCALE = "fr_FR"
RELAY_UNKNOWN = N_("This relay does not exist.")
APPOINTMENT_UNKNOWN = N_("This appointment does not exist.")
APPOINTMENT_CANCELLED = N_("This appointment was cancelled: there is no card to print.")

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


# --- Content ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlipContent:
    """What a printed document says: a title, labelled lines, and the office's footer."""

    title: str
    lines: tuple[tuple[str, str], ...]
    footer: tuple[str, ...]


def slip_text(content: SlipContent) -> str:
    """The document as plain text (a fallback when printing fails, and what tests read)."""
    parts = [content.title, "=" * len(content.title), ""]
    # As in the PDF: control and bidi-override characters typed in a name are dropped.
    parts += [
        f"{label} : {printable(value)}" if label else printable(value)
        for label, value in content.lines
    ]
    if content.footer:
        parts += ["", *content.footer]
    return "\n".join(parts) + "\n"


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    return format_phone(value) if value.startswith("+") else value


def _present(pairs: Iterable[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    """The labelled lines that have a value."""
    return tuple((label, value.strip()) for label, value in pairs if value and value.strip())


# --- Service ---------------------------------------------------------------------------------


class SlipService:
    """Builds the referral slip and the appointment card, as text or as a PDF file."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        office: OfficeInfo,
        *,
        font_path: Path | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.office = office
        self.font_path = font_path

    # Referral slip ------------------------------------------------------------------------

    def referral_slip_content(self, relay_id: int) -> SlipContent:
        """The referral slip of a relay: the partner's details and the office's."""
        with self.database.read() as session:
            row = session.execute(
                select(Relay.sent_at, Partner, Visitor.first_name, Visitor.anonymised_at)
                .join(Partner, Partner.id == Relay.partner_id)
                .join(Demand, Demand.id == Relay.demand_id)
                .join(Visit, Visit.id == Demand.visit_id)
                .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
                .where(Relay.id == relay_id, Relay.office_id == self.office.id)
            ).one_or_none()
            if row is None:
                raise NotFound(RELAY_UNKNOWN)
            sent_at, partner, first_name, anonymised_at = row
            footer = self._footer(session)
        zone = ZoneInfo(self.office.timezone)
        day = format_date(sent_at.astimezone(zone).date(), format="full", locale=LOCALE)
        lines = _present(
            [
                ("Date", day),
                ("Pour", first_name if anonymised_at is None else None),
                ("Vous êtes orienté·e vers", partner.name),
                ("Adresse", partner.address),
                ("Téléphone", _phone(partner.phone)),
                ("E-mail", partner.email),
                ("Horaires", partner.opening_hours),
                ("À apporter", partner.what_to_bring),
            ]
        )
        return SlipContent(title="Fiche de liaison", lines=lines, footer=footer)

    def referral_slip_text(self, relay_id: int) -> str:
        """The referral slip as plain text."""
        return slip_text(self.referral_slip_content(relay_id))

    def referral_slip(self, relay_id: int, output_dir: Path) -> Path:
        """Write the referral slip of a relay as a PDF in ``output_dir``; its path."""
        content = self.referral_slip_content(relay_id)
        return self._write(content, Path(output_dir) / f"fiche-de-liaison-{relay_id}.pdf")

    # Appointment card ---------------------------------------------------------------------

    def appointment_card_content(self, appointment_id: int) -> SlipContent:
        """The appointment card: when (French long form, office time), with whom, where."""
        with self.database.read() as session:
            row = session.execute(
                select(
                    Appointment,
                    Staff.display_name,
                    Partner.name,
                    Visitor.first_name,
                    Visitor.anonymised_at,
                )
                .outerjoin(Staff, Staff.id == Appointment.staff_id)
                .outerjoin(Partner, Partner.id == Appointment.partner_id)
                .outerjoin(Visitor, Visitor.id == Appointment.visitor_id)
                .where(Appointment.id == appointment_id, Appointment.office_id == self.office.id)
            ).one_or_none()
            if row is None:
                raise NotFound(APPOINTMENT_UNKNOWN)
            appointment, staff_name, partner_name, first_name, anonymised_at = row
            if appointment.status == AppointmentStatus.CANCELLED:
                raise DomainError(APPOINTMENT_CANCELLED)
            office_address = session.execute(
                select(Office.address).where(Office.id == self.office.id)
            ).scalar_one_or_none()
            footer = self._footer(session, cancel_hint=True)
        zone = ZoneInfo(self.office.timezone)
        when = format_datetime(
            appointment.starts_at, "EEEE d MMMM y 'à' HH:mm", tzinfo=zone, locale=LOCALE
        )
        with_whom = [staff_name, f"permanence {partner_name}" if partner_name else None]
        lines = _present(
            [
                ("Pour", first_name if anonymised_at is None else None),
                ("Le", when[:1].upper() + when[1:]),
                ("Durée", _duration(appointment.duration_minutes)),
                ("Avec", ", ".join(w for w in with_whom if w)),
                ("Lieu", appointment.place or office_address or self.office.name),
            ]
        )
        return SlipContent(title="Rendez-vous", lines=lines, footer=footer)

    def appointment_card_text(self, appointment_id: int) -> str:
        """The appointment card as plain text."""
        return slip_text(self.appointment_card_content(appointment_id))

    def appointment_card(self, appointment_id: int, output_dir: Path) -> Path:
        """Write the appointment card as a PDF in ``output_dir``; its path."""
        content = self.appointment_card_content(appointment_id)
        return self._write(content, Path(output_dir) / f"rendez-vous-{appointment_id}.pdf")

    # Internals ----------------------------------------------------------------------------

    def _footer(self, session: Session, *, cancel_hint: bool = False) -> tuple[str, ...]:
        row = session.execute(
            select(Office.name, Office.address, Office.phone).where(Office.id == self.office.id)
        ).one()
        lines = [f"Remis par : {row.name}"]
        if row.address:
            lines.append(row.address)
        phone = _phone(row.phone)
        if phone:
            lines.append(f"Téléphone : {phone}")
        if cancel_hint:
            lines.append("En cas d’empêchement, merci de prévenir le PIMMS.")
        return tuple(lines)

    def _write(self, content: SlipContent, path: Path) -> Path:
        """Render to a temporary file beside ``path`` and move it in place (no half file)."""
        data = render_pdf(content, font_path=self.font_path, created_at=self.clock.now())
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".slip-", suffix=".pdf")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


# --- PDF -------------------------------------------------------------------------------------


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


def printable(text: str) -> str:
    """Text without control, format (bidi overrides, zero-width) or lone surrogate characters."""
    kept: list[str] = []
    for char in text:
        if char in "\n\t":
            kept.append(" " if char == "\t" else char)
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            continue
        kept.append(char)
    return "".join(kept)


def to_latin1(text: str) -> str:
    """A Latin-1 rendering: accents kept where Latin-1 has them, others folded, else "?"."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", printable(text)).translate(_LATIN1_STANDINS):
        if ord(char) < 256:
            out.append(char)
            continue
        if unicodedata.combining(char):
            continue  # a combining mark on a letter already written
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
        for char in unicodedata.normalize("NFC", printable(text)):
            if char == "\n" or ord(char) in self.glyphs:
                out.append(char)
            elif unicodedata.combining(char):
                continue
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
