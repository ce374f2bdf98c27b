"""Choosing the desk or mediator a visitor is transferred to (same ticket)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.domain.catalog import StaffInfo
from pimms_tui.domain.offices import DeskInfo
from pimms_tui.i18n import N_, _

from .base import DeskModal
from .literal import literal


@dataclass(frozen=True)
class TransferTarget:
    """Where a visitor is sent: a desk, or a mediator wherever they sit."""

    kind: str  # "desk" or "staff"
    id: int


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
        """Read the office's desks and mediators off the UI thread, then list them."""
        uses = self.use_cases
        self.in_background(
            lambda: (uses.desks(), uses.catalogue().mediators),
            lambda found: self.show_targets(*found),
            group="transfer-targets",
        )

    def show_targets(self, desks: list[DeskInfo], staff: list[StaffInfo]) -> None:
        """Every desk but this one, then the mediators."""
        options = self.query_one("#desks", OptionList)
        own = self.session.desk.id if self.session.desk else None
        for desk in desks:
            if desk.id != own:
                options.add_option(Option(literal(desk.name, 40), id=f"desk:{desk.id}"))
        for person in staff:
            label = literal(_("Mediator: {name}").format(name=person.display_name), 50)
            options.add_option(Option(label, id=f"staff:{person.id}"))
        options.highlighted = 0 if options.option_count else None
        options.focus()

    @on(OptionList.OptionSelected, "#desks")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Return the chosen target: ("desk" or "staff", its id)."""
        kind, _sep, ident = str(event.option.id).partition(":")
        self.dismiss(TransferTarget(kind, int(ident)))

    def action_cancel(self) -> None:
        """Close without transferring."""
        self.dismiss(None)
