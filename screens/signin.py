"""Signing in at the desk: pick one's name (type to filter), type one's PIN.

The same screen is the idle lock and the switch of user: it is a full, opaque screen pushed
over whatever was open, so nothing of a visitor shows while it is up, and the work below is
kept for whoever signs in again.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.db.engine import Database
from pimms_tui.domain.staff import StaffAccount
from pimms_tui.errors import PimmsError
from pimms_tui.i18n import N_, _, format_datetime, translate
from pimms_tui.labels import ROLE_LABELS, word

from .base import DeskScreen
from .fields import SafeInput
from .literal import clean


def folded(text: str) -> str:
    """Lower case without accents: « helene » finds « Hélène »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


PIN_NOTICE_SECONDS = 60  # the notice that someone else changed one's PIN stays this long


@dataclass(frozen=True)
class AccountsLoaded:
    """The accounts that can sign in, read off the UI thread."""

    accounts: list[StaffAccount]
    needs_first_manager: bool
    demo_pins: dict[int, str]


class SignInScreen(DeskScreen):
    """Choose one's name, then type one's PIN; errors in the form, in the user's language."""

    BINDINGS = [
        Binding("escape", "back", N_("Back to the names"), id="signin_back"),
    ]

    def __init__(self, locked_for: StaffAccount | None = None) -> None:
        super().__init__()
        self.locked_for = locked_for
        self.accounts: list[StaffAccount] = []
        self.chosen: StaffAccount | None = locked_for
        # On the lock, the PIN field takes digits only until a name is picked: letters are
        # someone else typing their name (see ``pin_typed``).
        self.name_picked = locked_for is None
        # In the demo, the PIN of each account the demo created (none for one added here).
        self.demo_pins: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        """Title, filter, names, PIN, the error line and, in the demo, the demo accounts."""
        yield from self.compose_banner()
        with Vertical(id="signin"):
            yield Static(self._title(), id="signin-title", classes="title", markup=False)
            yield Label(_("Your name (type to filter, then Enter)"))
            yield SafeInput(id="signin-filter", max_length=120)
            yield OptionList(id="signin-names")
            yield Label("", id="signin-chosen", markup=False)
            yield Label(_("PIN"))
            yield SafeInput(id="signin-pin", password=True, max_length=128)
            yield Static("", id="signin-error", classes="field-error", markup=False)
            yield Static("", id="signin-demo", markup=False)
        yield Footer()

    def _title(self) -> str:
        if self.locked_for is not None:
            return _("Desk locked. {name}, type your PIN to go on; or pick another name.").format(
                name=clean(self.locked_for.display_name)
            )
        return _("Sign in")

    def on_mount(self) -> None:
        """Read the accounts; the idle lock goes straight to the PIN."""
        self._show_chosen()
        if self.locked_for is not None:
            self.query_one("#signin-pin", Input).focus()
        else:
            self.query_one("#signin-filter", Input).focus()
        self.load_accounts()

    def load_accounts(self) -> None:
        """The list of names, off the UI thread."""
        staff = self.use_cases.staff_accounts
        demo = self.container.settings.demo
        database, office_id = self.container.database, staff.office_id

        def load() -> AccountsLoaded:
            pins = _demo_pins(database, office_id) if demo else {}
            return AccountsLoaded(staff.for_sign_in(), staff.needs_first_manager(), pins)

        self.in_background(
            load,
            self.show_accounts,
            group="signin-load",
        )

    def show_accounts(self, message: AccountsLoaded) -> None:
        """Fill the list; with no manager yet, the first-run form instead."""
        if message.needs_first_manager and self.locked_for is None:
            from .setup import OfficeSetupScreen

            self.app.switch_screen(OfficeSetupScreen())
            return
        self.accounts = message.accounts
        self.demo_pins = message.demo_pins
        self._fill(self.query_one("#signin-filter", Input).value)
        if self.container.settings.demo:
            self._show_demo_accounts()

    def _label(self, account: StaffAccount) -> str:
        text = f"{clean(account.display_name)} — {word(ROLE_LABELS, account.role)}"
        pin = self.demo_pins.get(account.id)
        if pin is not None:  # only the demo's own accounts: one added here has its own PIN
            text += "   " + _("demo PIN {pin}").format(pin=pin)
        return text

    def _fill(self, typed: str) -> None:
        names = self.query_one("#signin-names", OptionList)
        names.clear_options()
        wanted = folded(typed.strip())
        names.add_options(
            Option(self._label(a), id=str(a.id))
            for a in self.accounts
            if wanted in folded(a.display_name)
        )
        if names.option_count:
            names.highlighted = 0

    def _show_demo_accounts(self) -> None:
        from pimms_tui.demo import DEMO_PINS

        pins = " · ".join(
            _("{role}: {pin}").format(role=word(ROLE_LABELS, role), pin=pin)
            for role, pin in DEMO_PINS.items()
        )
        self.query_one("#signin-demo", Static).update(
            _("Demo accounts: pick any name; the PIN goes with the role ({pins}).").format(
                pins=pins
            )
        )

    def _show_chosen(self) -> None:
        chosen = self.chosen
        self.query_one("#signin-chosen", Label).update(
            _("Signing in as {name}").format(name=clean(chosen.display_name)) if chosen else ""
        )

    @on(Input.Changed, "#signin-filter")
    def filter_names(self, event: Input.Changed) -> None:
        """Narrow the list as the name is typed."""
        self._fill(event.value)

    @on(Input.Submitted, "#signin-filter")
    def take_highlighted(self) -> None:
        """Enter in the filter takes the first (highlighted) name."""
        names = self.query_one("#signin-names", OptionList)
        if names.highlighted is not None:
            self._choose(names.get_option_at_index(names.highlighted).id)
        else:
            self._say(_("No name matches: ask a manager to add your account."))

    @on(OptionList.OptionSelected, "#signin-names")
    def take_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a name."""
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        self.chosen = next((a for a in self.accounts if str(a.id) == option_id), None)
        self.name_picked = self.chosen is not None
        self._show_chosen()
        self._say("")
        if self.chosen is not None:
            self.query_one("#signin-pin", Input).focus()

    @on(Input.Changed, "#signin-pin")
    def pin_typed(self, event: Input.Changed) -> None:
        """On the lock, what is not a digit goes to the name filter: a colleague is typing
        their name, and nothing of it is tried as the previous person's PIN."""
        if self.name_picked or not event.value or event.value.isdigit():
            return
        typed = "".join(c for c in event.value if not c.isdigit())
        event.input.value = ""
        self.chosen = None
        self._show_chosen()
        names = self.query_one("#signin-filter", Input)
        names.value = typed
        names.cursor_position = len(typed)
        names.select_on_focus = False  # the next letters follow the first one
        names.focus()

    @on(Input.Submitted, "#signin-pin")
    def submit_pin(self, event: Input.Submitted) -> None:
        """Check the PIN in a worker (Argon2 takes a moment)."""
        if self.chosen is None:
            self._say(_("Choose your name first."))
            self.query_one("#signin-filter", Input).focus()
            return
        if not event.value:
            self._say(_("Type your PIN."))
            return
        self.check_pin(self.chosen.id, event.value)

    def check_pin(self, staff_id: int, pin: str) -> None:
        """Sign in off the UI thread, or say why not, next to the PIN."""
        uses = self.use_cases
        self.in_background(
            lambda: uses.sign_in(staff_id, pin),
            self._accepted,
            group="signin",
            refused=self._refused,
        )

    def _accepted(self, account: StaffAccount) -> None:
        # The screen may stay in a stack: no PIN is left in it.
        self.query_one("#signin-pin", Input).value = ""
        self.desk_app.enter_as(account)
        change = account.pin_change
        if change is not None:
            office = self.session.office
            self.app.notify(
                _(
                    "Your PIN was changed by {name} on {date}. If this was not agreed, "
                    "tell your manager."
                ).format(
                    name=clean(change.by),
                    date=format_datetime(change.at, office.timezone if office else "Europe/Paris"),
                ),
                title=_("Your PIN was changed"),
                severity="warning",
                timeout=PIN_NOTICE_SECONDS,
                markup=False,
            )

    def _refused(self, refusal: PimmsError) -> None:
        self._say(translate(refusal.message, refusal.params))
        pin = self.query_one("#signin-pin", Input)
        pin.value = ""
        pin.focus()

    def _say(self, text: str) -> None:
        self.query_one("#signin-error", Static).update(text)

    def action_back(self) -> None:
        """From the PIN back to the list of names."""
        self.query_one("#signin-pin", Input).value = ""
        self.query_one("#signin-filter", Input).focus()


def _demo_pins(database: Database, office_id: int) -> dict[int, str]:
    from pimms_tui.demo import demo_pins

    return demo_pins(database, office_id)
