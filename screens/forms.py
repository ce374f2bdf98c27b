"""The base of the desk's dialogs: a save in a worker, refusals shown in the form, a day typed.

Each form saves in a worker and closes only when the domain accepted the save; a refusal is
shown next to the form and everything typed stays in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from pimms_tui.i18n import N_, _

from .base import DeskModal, save_through_outage
from .errors import refusal_field, refusal_text

DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d/%m")


def parse_day(text: str, today: date) -> date | None:
    """A day typed as 15/03/2026, 15/03 (this year), 2026-03-15, or +14 (days from today)."""
    text = text.strip()
    if text.startswith("+") and text[1:].isdigit():
        return today + timedelta(days=int(text[1:]))
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return parsed.replace(year=today.year) if fmt == "%d/%m" else parsed
    return None


class FormModal(DeskModal):
    """A dialog whose save runs in a worker; refusals are shown in the form, content kept."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="form_save"),
        Binding("escape", "cancel", N_("Cancel"), id="form_cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._leave_armed = False
        self._saving = False

    def compose_error(self) -> ComposeResult:
        """The line where refusals appear."""
        yield Static("", classes="field-error form-error", markup=False)

    def say(self, text: str) -> None:
        """Show a message in the form, scrolled into view (a long form scrolls)."""
        line = self.query_one(".form-error", Static)
        line.update(text)
        if text:
            line.scroll_visible()

    def save_in_worker(
        self, job: Callable[[], Any], then: Callable[[Any], Any] | None = None
    ) -> None:
        """Run ``job`` off the UI thread; close with its result when it succeeds.

        ``job`` is one write, retried while the database is away (the form stays open with
        what was typed); ``then`` (printing a slip, say) runs on its result once it is saved,
        so that a failure there never writes twice. A second Ctrl+S while a save waits for the
        database is not a second save.
        """
        if self._saving:
            self.say(_("Saving: waiting for the database. What you typed is kept."))
            return
        self.say("")
        self._saving = True
        self.run_save(job, then)

    @work(thread=True, group="form-save", exit_on_error=False)
    def run_save(self, job: Callable[[], Any], then: Callable[[Any], Any] | None) -> Any:
        """The save itself."""
        result = save_through_outage(self, job)
        return save_through_outage(self, lambda: then(result)) if then else result

    @on(Worker.StateChanged)
    def save_finished(self, event: Worker.StateChanged) -> None:
        """Close on success; show the reason on a refusal."""
        if event.worker.group != "form-save":
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._saving = False
        if event.state == WorkerState.SUCCESS:
            self.saved(event.worker.result)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            text = refusal_text(event.worker.error)
            if text is not None:
                event.prevent_default()  # shown here rather than as a notice
                self.say(text)
                field = refusal_field(event.worker.error)
                for widget in self.query(f"#{field.replace('_', '-')}") if field else ():
                    widget.focus()

    def saved(self, result: Any) -> None:
        """What happens after a successful save (close by default)."""
        self.dismiss(result)

    def has_content(self) -> bool:
        """Whether cancelling would drop something typed."""
        return any(i.value.strip() for i in self.query(Input))

    def action_cancel(self) -> None:
        """Close; a second Esc is needed when something was typed."""
        if self.has_content() and not self._leave_armed:
            self._leave_armed = True
            self.say(_("Press Esc again to close without saving (what you typed is dropped)."))
            return
        self.dismiss(None)

    def on_input_changed(self) -> None:
        """Typing again disarms the second Esc."""
        self._leave_armed = False
