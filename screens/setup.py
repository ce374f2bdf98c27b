"""First run: the office's name and its first manager (name and PIN), asked once; then the queue.

An office that exists without any manager able to sign in (a database from before staff
accounts) gets the same screen without the office's name.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, Static

from pimms_tui.db.enums import Role
from pimms_tui.domain.errors import DomainError
from pimms_tui.domain.staff import StaffAccount, check_pin_for
from pimms_tui.i18n import _, translate

from .base import DeskScreen
from .fields import SafeInput

FIELDS = ("#office-name", "#manager-name", "#manager-pin", "#manager-pin-again")


class OfficeSetupScreen(DeskScreen):
    """Asks for the office's name on an empty database, and for the first manager."""

    def compose(self) -> ComposeResult:
        """A short welcome and the fields, in the order they are typed."""
        new_office = self.session.office is None
        yield from self.compose_banner()
        with Vertical(id="setup"):
            if new_office:
                yield Static(_("Welcome. This database has no office yet."), classes="title")
                yield Label(_("Name of the office (for example: PIMMS Dijon Centre)"))
            else:
                yield Static(_("This office has no manager who can sign in yet."), classes="title")
            yield SafeInput(id="office-name", max_length=200, disabled=not new_office)
            yield Label(_("Your name, as the first manager (for example: Nadia R.)"))
            yield SafeInput(id="manager-name", max_length=120)
            yield Label(_("Your PIN: at least 12 characters (a passphrase, or 12 digits or more)"))
            yield SafeInput(id="manager-pin", password=True, max_length=128)
            yield Label(_("The same PIN again"))
            yield SafeInput(id="manager-pin-again", password=True, max_length=128)
            yield Static("", id="setup-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Hide the office's name when the office exists; start in the first field."""
        office_name = self.query_one("#office-name", Input)
        office_name.display = self.session.office is None
        first = "#office-name" if office_name.display else "#manager-name"
        self.query_one(first, Input).focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one, everything is checked and saved."""
        shown = [f for f in FIELDS if self.query_one(f, Input).display]
        current = f"#{event.input.id}"
        if current == "#office-name" and not event.value.strip():
            self._say(_("Please type the office's name."), current)
            return
        if current == "#manager-name" and not event.value.strip():
            self._say(_("Please type your name."), current)
            return
        self._say("")
        if current != shown[-1]:
            self.query_one(shown[shown.index(current) + 1], Input).focus()
            return
        self._check_and_create()

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _say(self, text: str, field: str | None = None) -> None:
        self.query_one("#setup-error", Static).update(text)
        if field:
            self.query_one(field, Input).focus()

    def _check_and_create(self) -> None:
        office = self._value("#office-name").strip()
        if self.session.office is None and not office:
            self._say(_("Please type the office's name."), "#office-name")
            return
        if not self._value("#manager-name").strip():
            self._say(_("Please type your name."), "#manager-name")
            return
        pin = self._value("#manager-pin")
        try:
            check_pin_for(Role.MANAGER, pin)
        except DomainError as refused:
            self._say(translate(refused.message, refused.params), "#manager-pin")
            return
        if pin != self._value("#manager-pin-again"):
            self.query_one("#manager-pin-again", Input).value = ""
            self._say(_("The two PINs differ: type it again."), "#manager-pin-again")
            return
        self._say("")
        self.create(office, self._value("#manager-name"), pin)

    def create(self, office: str, manager: str, pin: str) -> None:
        """Create the office (first run) and its manager off the UI thread, then sign in."""
        uses, new_office = self.use_cases, self.session.office is None

        def create_both() -> StaffAccount:
            if new_office:
                uses.setup_office(office)
            return uses.create_first_manager(manager, pin)

        self.in_background(
            create_both,
            self.desk_app.enter_as,
            group="setup",
            refused=lambda refusal: self._say(translate(refusal.message, refusal.params)),
        )
