"""A yes-or-no question before something that cannot be undone (erasing a file)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from pimms_tui.i18n import N_, _

from .base import DeskModal

STYLESHEET = Path(__file__).resolve().parent / "rights.tcss"


class ConfirmModal(DeskModal):
    """Says what will happen; y confirms, n or Esc cancels (dismisses True or False)."""

    CSS_PATH = STYLESHEET
    BINDINGS = [
        Binding("y,o", "answer(True)", N_("Yes"), id="confirm_yes"),
        Binding("n,escape", "answer(False)", N_("No"), id="confirm_no"),
    ]

    def __init__(self, question: str, consequence: str) -> None:
        super().__init__()
        self.question = question
        self.consequence = consequence

    def compose(self) -> ComposeResult:
        """The question, what follows, and the keys."""
        with Vertical():
            yield Static(self.question, classes="title", markup=False)
            yield Static(self.consequence, markup=False)
            yield Static(_("y: yes · n or Esc: no"), classes="hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)
