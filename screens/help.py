"""The help screen (F1): every key of the screen below, generated from its bindings."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from pimms_tui.i18n import N_, _

from .base import DeskModal


def screen_keys(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(key, description) of the screen's bindings and the application's, in order."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for node in (screen, screen.app):
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.description and binding.key not in seen:
                    seen.add(binding.key)
                    rows.append((screen.app.get_key_display(binding), binding.description))
    return rows


class HelpScreen(DeskModal):
    """Lists the keys of the screen it was opened over."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", N_("Close"), id="close_help")]

    def __init__(self, over: Screen[Any]) -> None:
        super().__init__()
        self.over = over

    def compose(self) -> ComposeResult:
        """A title and a two-column table of keys."""
        with Vertical(id="help", classes="dialog"):
            yield Static(_("Keys of this screen"), classes="title")
            table: DataTable[Any] = DataTable(id="help-keys", cursor_type="row", show_cursor=False)
            table.add_columns(_("Key"), _("Action"))
            for key, description in screen_keys(self.over):
                table.add_row(Text(key, style="bold"), Text(description))
            yield table
            yield Static(_("Esc goes back one step; a form keeps what you typed."), markup=False)

    async def action_dismiss(self, result: Any = None) -> None:
        """Close the help."""
        self.dismiss(result)
