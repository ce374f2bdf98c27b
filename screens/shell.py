"""What the screens need of the application: its use cases, who works here, the banner.

The composition root (``pimms_tui.app``) subclasses ``DeskShell`` and wires the screens and the
global keys; the screens only ever see this class, so no screen imports the app.
"""

from __future__ import annotations

import logging

from rich.console import RenderableType
from sqlalchemy.exc import DBAPIError
from textual import on
from textual.app import App
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from pimms_tui.application import Container, DeskSession, UseCases
from pimms_tui.db.resilience import CommitUncertain
from pimms_tui.domain.staff import StaffAccount
from pimms_tui.i18n import _
from pimms_tui.log_privacy import describe
from pimms_tui.text import one_line, typed

from .errors import refusal_text
from .output import safe_update

log = logging.getLogger("pimms")


class DeskShell(App[None]):
    """One terminal's desk: the use cases over its container and its desk session."""

    def __init__(self, container: Container, session: DeskSession) -> None:
        super().__init__()
        self.container = container
        self.session = session
        self.use_cases = UseCases(container, session)
        self.database_down = False
        self.waiting_saves: set[int] = set()  # saves retried until the database is back

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        """Every screen update passes here on its way to the terminal (Textual has no public
        hook at that point): the text drawn loses any control or bidi character, whatever a
        widget was given, so data can never command the terminal (see ``screens.output``).
        A headless test app writes nothing, so it is spared the check."""
        super()._display(screen, renderable if self.is_headless else safe_update(renderable))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (screens' ``notify`` comes here too): its text may quote data, so it
        loses any control or bidi character before Textual draws it."""
        super().notify(
            typed(message, keep_newlines=True),
            title=typed(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def validate_title(self, title: str) -> str:
        """The header's title: one clean line, whatever it was made of."""
        return one_line(title)

    def validate_sub_title(self, sub_title: str) -> str:
        """The header's sub-title is the name of who is signed in: one clean line."""
        return one_line(sub_title)

    def enter_as(self, account: StaffAccount) -> None:
        """Give the desk to ``account`` (the composition root decides which screens)."""
        raise NotImplementedError

    @on(Worker.StateChanged)
    def handle_worker_failure(self, event: Worker.StateChanged) -> None:
        """The one place where a failed background call is turned into something readable.

        Screens forward their workers' state changes here (those messages do not bubble).
        """
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        refusal = refusal_text(error) if error is not None else None
        if refusal is not None:
            self.notify(refusal, severity="warning")
        elif isinstance(error, CommitUncertain):
            log.warning("commit not confirmed: %s", describe(error))
            self.notify(
                _("The database did not confirm the last save: check it before saving again."),
                severity="error",
                timeout=30,
            )
        elif isinstance(error, DBAPIError):
            log.warning("database unavailable: %s", describe(error))
            self.set_database_down(True)
        else:
            log.error("unexpected error in %s", event.worker.name, exc_info=error)
            self.notify(
                _("Sorry, something went wrong. Nothing was saved; try again."),
                severity="error",
            )

    def set_database_down(self, down: bool) -> None:
        """Show or hide the 'database unreachable' banner on every screen."""
        if down == self.database_down or (not down and self.waiting_saves):
            return  # a save still waiting says the database is not back yet
        self.database_down = down
        for screen in self.screen_stack:
            screen.set_class(down, "-database-down")
        if not down:
            self.notify(_("The database is back."), severity="information")

    def save_waiting(self, key: int, waiting: bool, answered: bool = False) -> None:
        """A save met an outage (banner on), or ended (``answered``: the database is back)."""
        if waiting:
            self.waiting_saves.add(key)
            self.set_database_down(True)
        elif key in self.waiting_saves:
            self.waiting_saves.discard(key)
            if answered and not self.waiting_saves:
                self.set_database_down(False)
