"""One journal entry read in full: every detail on its own line, wrapped, nothing cut."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from pimms_tui.domain.journal import JournalEntry
from pimms_tui.i18n import N_, _

from .base import DeskModal
from .journal_sentences import entry_lines


def entry_text(entry: JournalEntry, timezone: str) -> Text:
    """The entry's lines as Rich text shown literally (labels in bold)."""
    text = Text()
    for index, (label, value) in enumerate(entry_lines(entry, timezone)):
        if index:
            text.append("\n")
        text.append(_("{label}:").format(label=label), style="bold")
        text.append(" " + value)
    return text


class JournalEntryDialog(DeskModal):
    """The entry under the cursor of the journal, in full."""

    BINDINGS = [Binding("escape,enter,q", "close", N_("Close"), id="entry_close")]

    def __init__(self, entry: JournalEntry, timezone: str) -> None:
        super().__init__()
        self.entry = entry
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        """A title and the lines, scrolling when the terminal is small."""
        with Vertical(id="journal-entry", classes="dialog"):
            yield Static(_("Journal entry n° {id}").format(id=self.entry.id), classes="title")
            with VerticalScroll(id="journal-entry-lines"):
                yield Static(entry_text(self.entry, self.timezone), id="journal-entry-text")
            yield Static(_("Esc or Enter closes."), markup=False)

    def action_close(self) -> None:
        """Back to the journal."""
        self.dismiss(None)
