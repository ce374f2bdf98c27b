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


def keys_markdown() -> str:
    """The README's table of keys, from the same bindings the footer and help use (English)."""
    from pimms_tui.app import PimmsApp

    from .agenda import AgendaScreen
    from .arrival import ArrivalScreen
    from .audit import JournalScreen
    from .confirm import ConfirmModal
    from .followups import FollowUpsScreen
    from .forms import FormModal
    from .listening import ListeningScreen
    from .orientation import RelayForm
    from .queue import QueueScreen
    from .search import SearchScreen
    from .signin import SignInScreen
    from .staff import StaffScreen
    from .stats import StatsScreen
    from .visitor_file import VisitorFileScreen
    from .visitor_form import NewVisitorForm

    sections: list[tuple[str, type[Any]]] = [
        ("Queue", QueueScreen),
        ("Arrival", ArrivalScreen),
        ("Listening", ListeningScreen),
        ("Search", SearchScreen),
        ("Visitor file", VisitorFileScreen),
        ("Follow-ups", FollowUpsScreen),
        ("Agenda", AgendaScreen),
        ("Sign-in", SignInScreen),
        ("Staff", StaffScreen),
        ("Statistics", StatsScreen),
        ("New visitor file", NewVisitorForm),
        ("Relay", RelayForm),
        ("Journal", JournalScreen),
        ("Confirmation", ConfirmModal),
        ("Forms", FormModal),
        ("Everywhere", PimmsApp),
    ]
    lines = ["| screen | key | action |", "|---|---|---|"]
    for title, node in sections:
        for binding in node.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                keys = " / ".join(f"`{k.strip()}`" for k in binding.key.split(","))
                lines.append(f"| {title} | {keys} | {binding.description} |")
    lines.append("| Arrival | `1`…`9` | on the reason list: issue the ticket with that reason |")
    lines.append(
        "| Orientation | `1`…`5` | resolved, finish alone, come back, relay, appointment |"
    )
    return "\n".join(lines)
