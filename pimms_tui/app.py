"""The Textual application shell: wires services, screens and global keys; nothing else.

Screens run domain calls in thread workers; a worker's failure lands here, in one place:
a refused rule becomes a short notice, a lost database a banner with automatic retries,
anything else a logged error and an apology — never a traceback on screen.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType

from pimms_tui import screens
from pimms_tui.application import Container, DeskSession
from pimms_tui.domain import access
from pimms_tui.domain.staff import StaffAccount
from pimms_tui.i18n import N_, _
from pimms_tui.screens.base import guard_option_list_paging, translate_bindings
from pimms_tui.screens.shell import DeskShell

log = logging.getLogger("pimms")
# screens/ is installed as pimms_tui.screens: find its stylesheet wherever that is.
STYLESHEET = Path(screens.__file__).resolve().parent / "app.tcss"


class PimmsApp(DeskShell):
    """The front desk of one terminal."""

    CSS_PATH = STYLESHEET
    TITLE = "PIMMS"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), id="quit", priority=True),
        Binding("f1,question_mark", "help", N_("Help"), id="help"),
        Binding("ctrl+f,slash", "search", N_("Find a visitor"), id="search"),
        Binding("ctrl+l", "switch_user", N_("Lock / change user"), id="switch_user", priority=True),
    ]
    # Keys of the whole desk that some roles may not use: hidden for them, and refused with
    # the reason when pressed (screens/base.py, ``refused_key``).
    ACTION_PERMISSIONS: ClassVar[dict[str, access.Permission]] = {
        "search": access.Permission.FILES,
    }
    # How often the idle lock looks at the time since the last key (seconds).
    IDLE_CHECK_SECONDS = 1.0

    def __init__(self, container: Container, session: DeskSession) -> None:
        super().__init__(container, session)
        guard_option_list_paging()
        translate_bindings(self)
        self.last_activity = container.clock.now()

    def on_mount(self) -> None:
        """Open the queue, or the first-run setup when the database has no office yet."""
        from pimms_tui.screens.setup import OfficeSetupScreen
        from pimms_tui.screens.signin import SignInScreen

        self.title = _("PIMMS — front desk")
        self.set_interval(self.IDLE_CHECK_SECONDS, self.lock_when_idle)
        if self.session.office is None:
            self.push_screen(OfficeSetupScreen())
        elif self.session.staff is not None:
            self.enter_as(self.session.staff)
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

        self.session.staff = account
        self.last_activity = self.container.clock.now()
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

        if self.session.staff is None or isinstance(self.screen, SignInScreen):
            return
        self.clear_notifications()
        self.push_screen(SignInScreen(locked_for=self.session.staff if idle else None))

    def lock_when_idle(self) -> None:
        """Lock the desk once nobody has typed for the configured time (0: never)."""
        minutes = self.container.settings.idle_lock_minutes
        if minutes <= 0 or self.session.staff is None:
            return
        if self.container.clock.now() - self.last_activity >= timedelta(minutes=minutes):
            self.lock(idle=True)

    async def on_event(self, event: events.Event) -> None:
        """Every key and click counts as activity for the idle lock."""
        if isinstance(event, events.Key | events.MouseDown):
            self.last_activity = self.container.clock.now()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Searching opens visitor files: only for the roles that see files."""
        permission = self.ACTION_PERMISSIONS.get(action)
        if permission is not None:
            staff = self.session.staff
            return staff is not None and access.allows(staff.role, permission)
        return True

    def action_help(self) -> None:
        """Show the keys of the current screen that this person may use."""
        from pimms_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_search(self) -> None:
        """Find a visitor's file, from anywhere (once the office exists)."""
        from pimms_tui.screens.search import SearchScreen
        from pimms_tui.screens.signin import SignInScreen

        if isinstance(self.screen, SignInScreen) or self.session.staff is None:
            return
        if self.session.office is not None and not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())


def make_app(container: Container, session: DeskSession) -> PimmsApp:
    """Build the application over a ready container and desk session (tests build their own)."""
    return PimmsApp(container, session)


def keys_markdown() -> str:
    """The README's table of keys, from the same bindings the footer and help use (English)."""
    from pimms_tui.screens.agenda import AgendaScreen
    from pimms_tui.screens.arrival import ArrivalScreen
    from pimms_tui.screens.audit import JournalScreen
    from pimms_tui.screens.confirm import ConfirmModal
    from pimms_tui.screens.followups import FollowUpsScreen
    from pimms_tui.screens.forms import FormModal
    from pimms_tui.screens.listening import ListeningScreen
    from pimms_tui.screens.orientation import RelayForm
    from pimms_tui.screens.queue import QueueScreen
    from pimms_tui.screens.search import SearchScreen
    from pimms_tui.screens.signin import SignInScreen
    from pimms_tui.screens.staff import StaffScreen
    from pimms_tui.screens.stats import StatsScreen
    from pimms_tui.screens.visitor_file import VisitorFileScreen
    from pimms_tui.screens.visitor_form import NewVisitorForm

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
