"""What the follow-up and agenda screens share: actions reported in a status line, names.

Their actions run off the UI thread (``in_background``); the outcome — done, or refused by a
rule (another desk was first, a cancelled appointment…) — is written in the screen's status
line rather than in a popup, and the lists are read again. Other failures go to the app's
one handler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from pimms_tui.domain.appointments import AppointmentView
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.i18n import _, label

from .base import DeskScreen
from .errors import refusal_text
from .forms import refusal_as_value
from .literal import literal

ACTION_GROUP = "worklist-action"
_Row = TypeVar("_Row")


def visitor_name(first_name: str | None, last_name: str | None, max_length: int = 40) -> Text:
    """A visitor's name shown literally, or "anonyme" when there is none."""
    name = " ".join(part for part in (first_name, last_name) if part)
    if not name:
        return Text(_("anonymous"), style="italic")
    return literal(name, max_length)


def motif_text(label_fr: str | None, label_en: str | None, max_length: int = 30) -> Text:
    """A reason for coming in the active language (empty when none)."""
    if not label_fr or not label_en:
        return Text("")
    return literal(label(label_fr, label_en), max_length)


def with_whom(appointment: AppointmentView) -> Text:
    """The mediator, or the partner's session, the appointment is with."""
    if appointment.staff_name:
        return literal(appointment.staff_name, 30)
    if appointment.partner_name:
        return literal(_("Partner session: {name}").format(name=appointment.partner_name), 30)
    return Text("")


def at_cursor(table: DataTable[Any], rows: Sequence[_Row]) -> _Row | None:
    """The row under a table's cursor, from the list the table was drawn from."""
    if not rows or not 0 <= table.cursor_row < len(rows):
        return None
    return rows[table.cursor_row]


class WorklistScreen(DeskScreen):
    """A screen of lists whose actions report in a status line and then reload the lists."""

    @property
    def office(self) -> OfficeInfo:
        """The office this terminal serves (these screens open once it exists)."""
        office = self.session.office
        assert office is not None
        return office

    def compose_status(self) -> ComposeResult:
        """The status line: what the last action did, or why it was refused."""
        yield Static("", id="status-line", classes="status-line", markup=False)

    def say(self, text: str, *, refused: bool = False) -> None:
        """Write in the status line (in the refusal colour when ``refused``)."""
        line = self.query_one("#status-line", Static)
        line.update(text)
        line.set_class(refused, "-refused")

    def act(self, job: Callable[[], str]) -> None:
        """Run ``job`` off the UI thread (retried through an outage); its result is the
        sentence for the status line, and a refusal is written there in the refusal colour."""
        self.say("")
        self.in_background(refusal_as_value(job), self.acted, group=ACTION_GROUP, saving=True)

    def acted(self, outcome: tuple[str | None, BaseException | None]) -> None:
        """Say what was done, or why it was refused; read the lists again either way."""
        text, refusal = outcome
        if refusal is not None:
            self.say(refusal_text(refusal) or "", refused=True)
        else:
            self.say(text or "")
        self.refresh_lists()

    def refresh_lists(self) -> None:
        """Read the lists again (each screen says how)."""
        raise NotImplementedError
