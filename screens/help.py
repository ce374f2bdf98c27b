"""The help screen (F1): the keys of the screen below that this person may use, in words.

Generated from the bindings of the screen and the application, filtered through their
``check_action`` (what the role may not do is not listed); Textual's own keys (next field,
copy, the command palette) are named in the interface's language too.
"""

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

# Textual's own bindings (English descriptions in its source), named by their action.
SYSTEM_DESCRIPTIONS: dict[str, str] = {
    "app.focus_next": N_("Next field"),
    "app.focus_previous": N_("Previous field"),
    "screen.copy_text": N_("Copy the selected text"),
    "command_palette": N_("Command palette"),
    "app.command_palette": N_("Command palette"),
}


def screen_keys(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, description) of the bindings of the screen and the application that the
    signed-in person may use, each described in the interface's language: the screen's own
    keys first, then the desk's, then Textual's (next field, copy…); keys doing the same
    thing share a line ("f1, ?")."""
    app = screen.app
    own: dict[str, list[str]] = {}
    system: dict[str, list[str]] = {}
    seen: set[str] = set()
    for node in (screen, app):
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.key in seen or not binding.description:
                    continue
                target, action, parameters = app._parse_action(binding.action, node)
                if target.check_action(action, parameters) is False:
                    continue  # not for this role (or not here)
                seen.add(binding.key)
                builtin = SYSTEM_DESCRIPTIONS.get(binding.action)
                rows = own if builtin is None else system
                description = binding.description if builtin is None else _(builtin)
                rows.setdefault(description, []).append(app.get_key_display(binding))
    return [(", ".join(keys), text) for text, keys in (own | system).items()]


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

    def on_mount(self) -> None:
        """Fit the list to the terminal."""
        self.fit_list()

    def on_resize(self) -> None:
        """A small terminal: the list scrolls (arrows, Page Down), the hint stays visible."""
        self.fit_list()

    def fit_list(self) -> None:
        """The dialog takes 90% of the height; its frame, title and hint take 7 lines."""
        table = self.query_one("#help-keys", DataTable)
        table.styles.max_height = max(4, min(30, int(self.app.size.height * 0.9) - 7))
        table.focus()

    async def action_dismiss(self, result: Any = None) -> None:
        """Close the help."""
        self.dismiss(result)
