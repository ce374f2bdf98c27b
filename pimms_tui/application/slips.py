"""Printing the referral slip and the appointment card: read the facts, render, write the file.

Each file written is listed with the person it concerns, so that it is deleted with them or
after the office's document retention (:mod:`.document_files`).
"""

from __future__ import annotations

from pathlib import Path

from pimms_tui.db.engine import Database
from pimms_tui.documents import slips as documents
from pimms_tui.documents.files import write_private
from pimms_tui.documents.pdf import render_pdf
from pimms_tui.documents.slips import SlipContent, slip_text
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.document_registry import (
    DocumentKind,
    appointment_visitor,
    relay_visitor,
)
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.slips import appointment_card_facts, referral_slip_facts

from .document_files import DocumentFiles


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
        self.documents = DocumentFiles(database, clock)

    # Referral slip ------------------------------------------------------------------------

    def referral_slip_content(self, relay_id: int) -> SlipContent:
        """The referral slip of a relay: the partner's details and the office's."""
        with self.database.read() as session:
            facts = referral_slip_facts(session, self.office.id, relay_id)
        return documents.referral_slip(facts, self.office.timezone)

    def referral_slip_text(self, relay_id: int) -> str:
        """The referral slip as plain text."""
        return slip_text(self.referral_slip_content(relay_id))

    def referral_slip(self, relay_id: int, output_dir: Path) -> Path:
        """Write the referral slip of a relay as a PDF in ``output_dir``; its path."""
        content = self.referral_slip_content(relay_id)
        path = self._write(content, Path(output_dir) / f"fiche-de-liaison-{relay_id}.pdf")
        with self.database.read() as session:
            visitor_id = relay_visitor(session, relay_id)
        self.documents.listed(self.office.id, visitor_id, DocumentKind.REFERRAL_SLIP, path)
        return path

    # Appointment card ---------------------------------------------------------------------

    def appointment_card_content(self, appointment_id: int) -> SlipContent:
        """The appointment card: when (French long form, office time), with whom, where."""
        with self.database.read() as session:
            facts = appointment_card_facts(
                session, self.office.id, self.office.name, appointment_id
            )
        return documents.appointment_card(facts, self.office.timezone)

    def appointment_card_text(self, appointment_id: int) -> str:
        """The appointment card as plain text."""
        return slip_text(self.appointment_card_content(appointment_id))

    def appointment_card(self, appointment_id: int, output_dir: Path) -> Path:
        """Write the appointment card as a PDF in ``output_dir``; its path."""
        content = self.appointment_card_content(appointment_id)
        path = self._write(content, Path(output_dir) / f"rendez-vous-{appointment_id}.pdf")
        with self.database.read() as session:
            visitor_id = appointment_visitor(session, appointment_id)
        self.documents.listed(self.office.id, visitor_id, DocumentKind.APPOINTMENT_CARD, path)
        return path

    def _write(self, content: SlipContent, path: Path) -> Path:
        """Render, then write the file (0600, never half-written)."""
        data = render_pdf(content, font_path=self.font_path, created_at=self.clock.now())
        return write_private(path, data)
