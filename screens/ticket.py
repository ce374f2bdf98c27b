"""The ticket just issued at an arrival, in block letters."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.widgets import Footer, Static

from pimms_tui.domain.queue import Ticket
from pimms_tui.i18n import N_, _

from .base import DeskScreen
from .bigtext import big_text


class TicketScreen(DeskScreen):
    """The ticket just issued, large; any key returns to the queue."""

    BINDINGS = [Binding("escape,enter,space", "close", N_("Back to the queue"), id="ticket_close")]

    def __init__(self, ticket: Ticket) -> None:
        super().__init__()
        self.ticket = ticket

    def compose(self) -> ComposeResult:
        """The code in block letters, and the place in the queue."""
        with Vertical(id="ticket"):
            yield Static(_("Ticket"), classes="title")
            yield Static(big_text(self.ticket.ticket_code), id="ticket-big", markup=False)
            yield Static(self.ticket.ticket_code, id="ticket-code", markup=False)
            position = self.ticket.position or 0
            yield Static(
                _("Place in the queue: {position}").format(position=position), markup=False
            )
        yield Footer()

    def action_close(self) -> None:
        """Back to the queue."""
        self.leave()

    def on_key(self, event: Key) -> None:
        """Any other key also returns to the queue, and is not lost on the way."""
        if event.key not in ("escape", "enter", "space"):
            self.leave()
