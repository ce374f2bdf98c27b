"""The Textual application shell: wires services, screens and global keys; nothing else.

Screens run domain calls in thread workers; a worker's failure lands here, in one place:
a refused rule becomes a short notice, a lost database a banner with automatic retries,
anything else a logged error and an apology — never a traceback on screen.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from sqlalchemy.exc import DBAPIError
from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from pimms_tui import screens
from pimms_tui.db.resilience import CommitUncertain
from pimms_tui.domain import access
from pimms_tui.domain.errors import DomainError
from pimms_tui.domain.staff import StaffAccount
from pimms_tui.i18n import N_, _, translate
from pimms_tui.screens.base import guard_option_list_paging, translate_bindings
from pimms_tui.services import Services

log = logging.getLogger("pimms")
# screens/ is installed as pimms_tui.screens: find its stylesheet wherever that is.
STYLESHEET = Path(screens.__file__).resolve().parent / "app.tcss"


class PimmsApp(App[None]):
    """The front desk of one terminal."""

    CSS_PATH = STYLESHEET
    TITLE = "PIMMS"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), id="quit", priority=True),
        Binding("f1,question_mark", "help", N_("Help"), id="help"),
        Binding("ctrl+f,slash", "search", N_("Find a visitor"), id="search"),
        Binding("ctrl+l", "switch_user", N_("Lock / change user"), id="switch_user", priority=True),
    ]
    # How often the idle lock looks at the time since the last key (seconds).
    IDLE_CHECK_SECONDS = 1.0

    def __init__(self, services: Services) -> None:
        super().__init__()
        guard_option_list_paging()
        translate_bindings(self)
        self.services = services
        self.database_down = False
        self.last_activity = services.clock.now()
        self.waiting_saves: set[int] = set()  # saves retried until the database is back

    def on_mount(self) -> None:
        """Open the queue, or the first-run setup when the database has no office yet."""
        from pimms_tui.screens.setup import OfficeSetupScreen
        from pimms_tui.screens.signin import SignInScreen

        self.title = _("PIMMS — front desk")
        self.set_interval(self.IDLE_CHECK_SECONDS, self.lock_when_idle)
        if self.services.office is None:
            self.push_screen(OfficeSetupScreen())
        elif self.services.staff is not None:
            self.enter_as(self.services.staff)
        else:
            self.push_screen(SignInScreen())

    # Who works at this desk -----------------------------------------------------------------

    def enter_as(self, account: StaffAccount) -> None:
        """Give the desk to ``account``: back to their own work, or a fresh queue.

        Each person has their own stack of screens (a Textual mode): the same person
        signing in again finds their work as they left it; someone else never sees it.
        """
        from pimms_tui.screens.queue import QueueScreen
        from pimms_tui.screens.signin import SignInScreen

        self.services.staff = account
        self.last_activity = self.services.clock.now()
        mode = f"staff-{account.id}"
        if mode not in self._modes:
            self.add_mode(mode, QueueScreen)
        if self.current_mode != mode:
            self.switch_mode(mode)
        # The sign-in screen left on top of this person's work when they stepped away.
        if isinstance(self.screen, SignInScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        self.sub_title = account.display_name

    def action_switch_user(self) -> None:
        """Lock the desk and let anyone sign in; the work below waits for its owner."""
        self.lock(idle=False)

    def lock(self, *, idle: bool) -> None:
        """Cover everything with the sign-in screen (nothing of a visitor shows)."""
        from pimms_tui.screens.signin import SignInScreen

        if self.services.staff is None or isinstance(self.screen, SignInScreen):
            return
        self.clear_notifications()
        self.push_screen(SignInScreen(locked_for=self.services.staff if idle else None))

    def lock_when_idle(self) -> None:
        """Lock the desk once nobody has typed for the configured time (0: never)."""
        minutes = self.services.settings.idle_lock_minutes
        if minutes <= 0 or self.services.staff is None:
            return
        if self.services.clock.now() - self.last_activity >= timedelta(minutes=minutes):
            self.lock(idle=True)

    async def on_event(self, event: events.Event) -> None:
        """Every key and click counts as activity for the idle lock."""
        if isinstance(event, events.Key | events.MouseDown):
            self.last_activity = self.services.clock.now()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Searching opens visitor files: only for the roles that see files."""
        if action == "search":
            staff = self.services.staff
            return staff is not None and access.allows(staff.role, access.Permission.FILES)
        return True

    def action_help(self) -> None:
        """Show every key of the current screen."""
        from pimms_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_search(self) -> None:
        """Find a visitor's file, from anywhere (once the office exists)."""
        from pimms_tui.screens.search import SearchScreen
        from pimms_tui.screens.signin import SignInScreen

        if isinstance(self.screen, SignInScreen) or self.services.staff is None:
            return
        if self.services.office is not None and not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    @on(Worker.StateChanged)
    def handle_worker_failure(self, event: Worker.StateChanged) -> None:
        """The one place where a failed background call is turned into something readable.

        Screens forward their workers' state changes here (those messages do not bubble).
        """
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, DomainError):
            self.notify(translate(error.message, error.params), severity="warning")
        elif isinstance(error, CommitUncertain):
            log.warning("commit not confirmed: %s", error)
            self.notify(
                _("The database did not confirm the last save: check it before saving again."),
                severity="error",
                timeout=30,
            )
        elif isinstance(error, DBAPIError):
            log.warning("database unavailable: %s", error)
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


def make_app(services: Services) -> PimmsApp:
    """Build the application over ready services (tests call this with their own)."""
    return PimmsApp(services)
