"""The base of the desk's dialogs: a save off the UI thread, refusals shown in the form, a day.

Each form saves through ``in_background`` and closes only when the rules accepted the save; a
refusal is shown next to the form and everything typed stays in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Key
from textual.widgets import Input, OptionList, Static

from pimms_tui.errors import PimmsError
from pimms_tui.i18n import N_, _

from .base import DeskModal, Outcome
from .errors import refusal_field, refusal_text
from .shell import DatabaseWaitChanged

SAVE_GROUP = "form-save"
FOLLOW_ON_GROUP = "form-follow-on"  # what runs once saved: printing a slip, say
_T = TypeVar("_T")
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


def refusal_as_value(job: Callable[[], _T]) -> Callable[[], tuple[_T | None, BaseException | None]]:
    """``job`` returning ``(result, None)``, or ``(None, refusal)`` when a rule refused it.

    Every refusal the person can fix (a rule, a field, sensitive data in a free text) comes
    back to the UI thread as a value, to be shown where the person is looking; a failure
    (the database, a bug) still raises, for the app's one handler.
    """

    def attempt() -> tuple[_T | None, BaseException | None]:
        try:
            return Outcome(job(), None)
        except PimmsError as refusal:
            return Outcome(None, refusal)

    return attempt


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
        """Run ``job`` off the UI thread (``in_background``); close with its result when saved.

        ``job`` is one write, retried while the database is away (the form stays open with
        what was typed); ``then`` (printing a slip, say) runs on its result once it is saved,
        in a second call, so that a failure there never writes twice. A refusal is shown in
        the form. A second Ctrl+S while a save waits for the database is not a second save.
        """
        if self._saving:
            self.say(_("Saving: waiting for the database. What you typed is kept."))
            return
        self.say("")
        self._saving = True

        def answered(outcome: tuple[Any, BaseException | None]) -> None:
            result, refusal = outcome
            if refusal is not None:
                self._saving = False
                self.show_refusal(refusal)
            elif then is None:
                self._saving = False
                self.saved(result)
            else:
                self.in_background(
                    lambda: then(result),
                    self._finished,
                    group=FOLLOW_ON_GROUP,
                    saving=True,
                    failed=self._save_failed,
                )

        self.in_background(
            refusal_as_value(job),
            answered,
            group=SAVE_GROUP,
            saving=True,
            failed=self._save_failed,
        )

    def _save_failed(self) -> None:
        """A save that failed (not refused: the app's handler tells why) may be tried again."""
        self._saving = False

    def on_database_wait_changed(self, message: DatabaseWaitChanged) -> None:
        """A dialog covers the screen's banner: while its save waits, say it in the dialog."""
        if self._saving:
            self.say(message.text)

    def _finished(self, result: Any) -> None:
        self._saving = False
        self.saved(result)

    def show_refusal(self, refusal: BaseException) -> None:
        """Say why the save was refused, next to the form, and focus the field it names."""
        self.say(refusal_text(refusal) or "")
        field = refusal_field(refusal)
        for widget in self.query(f"#{field.replace('_', '-')}") if field else ():
            widget.focus()

    def saved(self, result: Any) -> None:
        """What happens after a successful save (close by default)."""
        self.dismiss(result)

    def has_content(self) -> bool:
        """Whether cancelling would drop something typed."""
        return any(i.value.strip() for i in self.query(Input))

    def action_cancel(self) -> None:
        """Close; a second Esc is needed when something was typed.

        A save under way is not dropped: it goes on once the dialog is closed, and the desk
        says when it is done (see ``run_in_background``).
        """
        if self._saving:
            self.notify(
                _("The save goes on: you will be told when the database has taken it."),
                timeout=10,
            )
            self.dismiss(None)
            return
        if self.has_content() and not self._leave_armed:
            self._leave_armed = True
            self.say(_("Press Esc again to close without saving (what you typed is dropped)."))
            return
        self.dismiss(None)

    def on_input_changed(self) -> None:
        """Typing again disarms the second Esc."""
        self._leave_armed = False


def choose_by_digit(event: Key, options: OptionList, count: int) -> int | None:
    """The 0-based choice a digit key makes on a focused list, or None."""
    character = event.character
    if options.has_focus and character and character.isdigit() and 1 <= int(character) <= count:
        event.stop()
        return int(character) - 1
    return None
