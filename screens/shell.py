"""What the screens need of the application: its use cases, who works here, the banner.

The composition root (``pimms_tui.app``) subclasses ``DeskShell`` and wires the screens and the
global keys; the screens only ever see this class, so no screen imports the app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from rich.console import RenderableType
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from textual import on
from textual.app import App
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from pimms_tui.application import Container, DeskSession, UseCases
from pimms_tui.db.resilience import CommitUncertain
from pimms_tui.domain.staff import StaffAccount
from pimms_tui.i18n import N_, _
from pimms_tui.log_privacy import describe
from pimms_tui.text import one_line, typed

from .errors import refusal_text
from .output import safe_update
from .waiting import Wait, Waits

log = logging.getLogger("pimms")

# How often the desk looks at the calls under way (the banner's promise is two seconds).
WAIT_CHECK_SECONDS = 0.1
WAIT_TEXTS = {
    Wait.WAITING: N_("Waiting for the database…"),
    Wait.BUSY: N_("Another desk is saving: waiting for its turn. What you type is kept."),
    Wait.DOWN: N_("The database does not answer: retrying. What you type is kept."),
}


class DatabaseBanner(Static):
    """A line on top of a screen while the desk waits for the database (hidden otherwise)."""

    def __init__(self) -> None:
        super().__init__("", id="database-banner", markup=False)

    def on_mount(self) -> None:
        """Say the wait under way when the screen opens during one."""
        app = self.app
        if isinstance(app, DeskShell) and app.wait_level:
            self.update(_(WAIT_TEXTS[app.wait_level]))


@dataclass
class DatabaseWaitChanged(Message):
    """Sent to every screen when what the desk says about the database changes."""

    level: Wait
    text: str


class DeskShell(App[None]):
    """One terminal's desk: the use cases over its container and its desk session."""

    def __init__(self, container: Container, session: DeskSession) -> None:
        super().__init__()
        self.container = container
        self.session = session
        self.use_cases = UseCases(container, session)
        self.database_down = False  # the banner shows (a lock waited on, or no database)
        self.waits = Waits()
        self.wait_level = Wait.NONE
        self._wait_timer: Timer | None = None
        self._probing = False

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
            # The database goes on asking the server; the outcome is told when it answers,
            # and until then every save is refused (no second copy of this one).
            log.warning("commit not confirmed yet: %s", describe(error))
            self.notify(
                _(
                    "The database has not confirmed the last save yet: it is being checked and "
                    "you will be told. Do not save it again."
                ),
                severity="error",
                timeout=30,
            )

            def told(committed: bool) -> None:
                if committed:
                    said = _("The database confirmed the last save: it was made.")
                else:
                    said = _("The last save was not made: do it again.")
                self.notify(said, severity="information" if committed else "warning", timeout=30)

            def settled(outcome: Future[bool]) -> None:
                if threading.get_ident() == self._thread_id:
                    told(outcome.result())
                else:
                    self.call_from_thread(told, outcome.result())

            if not getattr(error.settlement, "pimms_told", False):  # told once per save
                setattr(error.settlement, "pimms_told", True)  # noqa: B010
                error.settlement.add_done_callback(settled)
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
        """A call failed for want of the database (``down``), or one answered (not ``down``).

        The banner itself follows every call under way (see ``show_waits``): it shows when a
        call fails or waits two seconds, and goes only when the waiting calls answered.
        """
        self.waits.outage = down
        self.show_waits()

    @property
    def waiting_saves(self) -> set[Hashable]:
        """The writes under way (a queue key pressed again meanwhile must not write twice)."""
        return {key for key, call in self.waits.calls.items() if call.write}

    def call_started(self, key: Hashable, *, write: bool) -> None:
        """A screen asked the database something: the wait is timed from now."""
        self.waits.start(key, write=write)
        if self._wait_timer is None:
            self._wait_timer = self.set_interval(WAIT_CHECK_SECONDS, self.show_waits)

    def call_failed_try(self, key: Hashable, error: BaseException) -> None:
        """A try of a retried write failed (no database, or a lock): the banner at once."""
        self.waits.failed_try(key, error)
        self.show_waits()

    def call_ended(self, key: Hashable, *, answered: bool) -> None:
        """A call returned: ``answered`` (even with a refusal), or failed for want of the
        database (the banner stays until a call answers)."""
        self.waits.end(key, answered=answered)
        self.show_waits()

    def show_waits(self) -> None:
        """Show on every screen what the calls under way say: nothing, waiting, the banner.

        "The database is back." is said only when the banner for a database away ends,
        which only an answer can do (a waiting call, or the next one, went through).
        """
        if self.waits.wants_probe():
            self._probe()
        level = self.waits.level()
        if self.wait_level == Wait.DOWN and level == Wait.BUSY:
            level = Wait.DOWN  # the first answer after silence: not yet a lock to speak of
        if level == self.wait_level:
            return
        previous, self.wait_level = self.wait_level, level
        self.database_down = level >= Wait.BUSY
        for screen in self.screen_stack:
            self.show_wait_on(screen)
        if previous == Wait.DOWN and level < Wait.BUSY:
            self.notify(_("The database is back."), severity="information")

    def show_wait_on(self, screen: Screen[Any]) -> None:
        """Put the current wait on one screen: its banner's class and words, a form's line."""
        level = self.wait_level
        screen.set_class(level >= Wait.BUSY, "-database-down")
        screen.set_class(level == Wait.WAITING, "-database-waiting")
        text = _(WAIT_TEXTS[level]) if level else ""
        for banner in screen.query(DatabaseBanner):
            banner.update(text)
        screen.post_message(DatabaseWaitChanged(level, text))

    def _probe(self) -> None:
        """Ask the database a quick question apart: answered, a waiting write waits on a
        lock; no answer, the database is away (the banner says which)."""
        if self._probing:
            return
        self._probing = True
        database = self.container.database

        def ask() -> None:
            answered = False
            try:
                with database.read() as session:
                    session.execute(text("SELECT 1"))
                answered = True
            except DBAPIError:
                answered = False
            finally:
                with suppress(RuntimeError):  # the desk was closed meanwhile
                    self.call_from_thread(self._probed, answered)

        # A plain daemon thread: a question lost on a silent network must not hold the exit.
        threading.Thread(target=ask, name="pimms-database-probe", daemon=True).start()

    def _probed(self, answered: bool) -> None:
        self._probing = False
        if answered:
            self.waits.reachable()
        self.show_waits()
