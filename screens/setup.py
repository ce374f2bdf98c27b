"""First run: the office's name, asked once; then the queue."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, Static

from pimms_tui.i18n import _

from .base import DeskScreen


class OfficeSetupScreen(DeskScreen):
    """Asks for the office's name on an empty database."""

    def compose(self) -> ComposeResult:
        """A short welcome and one field."""
        yield from self.compose_banner()
        with Vertical(id="setup"):
            yield Static(_("Welcome. This database has no office yet."), classes="title")
            yield Label(_("Name of the office (for example: PIMMS Dijon Centre)"))
            yield Input(id="office-name", max_length=200)
            yield Static("", id="setup-error", classes="field-error", markup=False)
        yield Footer()

    @on(Input.Submitted, "#office-name")
    def submit(self, event: Input.Submitted) -> None:
        """Create the office if the name is not empty."""
        name = event.value.strip()
        if not name:
            self.query_one("#setup-error", Static).update(_("Please type the office's name."))
            return
        self.create_office(name)

    @work(thread=True, exclusive=True, group="setup", exit_on_error=False)
    def create_office(self, name: str) -> None:
        """Create the office off the UI thread, then open the queue."""
        self.services.setup_office(name)
        self.app.call_from_thread(self.open_queue)

    def open_queue(self) -> None:
        """Replace this screen by the queue."""
        from .queue import QueueScreen

        self.app.switch_screen(QueueScreen())
