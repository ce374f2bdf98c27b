"""Choosing the desk a visitor is transferred to (same ticket)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.domain.offices import DeskInfo
from pimms_tui.i18n import N_, _

from .base import DeskModal
from .literal import literal


class TransferScreen(DeskModal):
    """A list of the office's other desks; Enter picks one, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="cancel_transfer")]

    def __init__(self, ticket: str) -> None:
        super().__init__()
        self.ticket = ticket

    def compose(self) -> ComposeResult:
        """Title and the desk list."""
        with Vertical(classes="dialog"):
            yield Static(
                _("Transfer ticket {ticket} to:").format(ticket=self.ticket), classes="title"
            )
            yield OptionList(id="desks")

    def on_mount(self) -> None:
        """Load the desks."""
        self.load_desks()

    @work(thread=True, exit_on_error=False)
    def load_desks(self) -> None:
        """Read the office's desks off the UI thread."""
        desks = self.services.desks()
        self.app.call_from_thread(self.show_desks, desks)

    def show_desks(self, desks: list[DeskInfo]) -> None:
        """Fill the list with every desk but this one."""
        options = self.query_one("#desks", OptionList)
        own = self.services.desk.id if self.services.desk else None
        for desk in desks:
            if desk.id != own:
                options.add_option(Option(literal(desk.name, 40), id=str(desk.id)))
        options.focus()

    @on(OptionList.OptionSelected, "#desks")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Return the chosen desk."""
        self.dismiss(int(event.option.id) if event.option.id else None)

    def action_cancel(self) -> None:
        """Close without transferring."""
        self.dismiss(None)
