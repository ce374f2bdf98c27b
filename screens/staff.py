"""The office's staff accounts, for managers: add, new PIN, role, deactivate and reactivate.

The domain refuses every change to anyone but a manager; this screen is only reached by
managers (the queue hides its key for the other roles).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label, RadioButton, RadioSet, Static

from pimms_tui.db.enums import Role
from pimms_tui.domain.staff import StaffAccount
from pimms_tui.i18n import N_, _, format_time
from pimms_tui.labels import ROLE_LABELS, word

from .base import DeskScreen
from .fields import SafeInput
from .forms import FormModal
from .literal import clean


class StaffScreen(DeskScreen):
    """Everyone who works at the office, with what a manager can change."""

    BINDINGS = [
        Binding("a", "add", N_("Add a person"), id="staff_add"),
        Binding("p", "reset_pin", N_("New PIN"), id="staff_pin"),
        Binding("r", "role", N_("Change role"), id="staff_role"),
        Binding("d", "deactivate", N_("Deactivate"), id="staff_deactivate"),
        Binding("v", "reactivate", N_("Reactivate"), id="staff_reactivate"),
        Binding("escape", "back", N_("Back"), id="staff_back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.accounts: list[StaffAccount] = []

    def compose(self) -> ComposeResult:
        """The table of accounts."""
        yield Header()
        yield from self.compose_banner()
        with Vertical(id="staff"):
            yield Static(_("Staff of the office"), classes="title")
            table: DataTable[Any] = DataTable(id="staff-list", cursor_type="row")
            yield table
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then the accounts."""
        self.sub_title = _("Staff")
        table = self.query_one("#staff-list", DataTable)
        table.add_column(_("Name"), key="name", width=30)
        table.add_column(_("Role"), key="role", width=14)
        table.add_column(_("State"), key="state", width=30)
        self.load()

    def load(self) -> None:
        """Read the accounts off the UI thread (refused for anyone but a manager)."""
        staff, actor = self.use_cases.staff_accounts, self.actor
        self.in_background(lambda: staff.all(actor), self.show, group="staff-load")

    def show(self, accounts: list[StaffAccount]) -> None:
        """Draw the table, keeping the cursor's row."""
        table = self.query_one("#staff-list", DataTable)
        row = table.cursor_row
        table.clear()
        self.accounts = accounts
        now = self.use_cases.now()
        for account in self.accounts:
            if not account.active:
                state = _("deactivated")
            elif account.locked_at(now) and account.locked_until is not None:
                state = _("locked until {time}").format(
                    time=format_time(
                        account.locked_until,
                        self.session.office.timezone if self.session.office else "Europe/Paris",
                    )
                )
            else:
                state = _("active")
            table.add_row(
                clean(account.display_name),
                word(ROLE_LABELS, account.role),
                state,
                key=str(account.id),
            )
        if self.accounts:
            table.move_cursor(row=min(row, len(self.accounts) - 1))

    def selected(self) -> StaffAccount | None:
        """The account under the cursor."""
        table = self.query_one("#staff-list", DataTable)
        if not self.accounts or table.cursor_row < 0:
            return None
        return self.accounts[min(table.cursor_row, len(self.accounts) - 1)]

    def action_add(self) -> None:
        """A new account."""
        self.app.push_screen(StaffForm(), self.reload_if_saved)

    def action_reset_pin(self) -> None:
        """A new PIN for the selected person (it also lifts a lock-out)."""
        account = self.selected()
        if account is not None:
            self.app.push_screen(StaffForm(account), self.reload_if_saved)

    def reload_if_saved(self, saved: object) -> None:
        """After a form: read the accounts again if something was saved."""
        if saved:
            self.load()

    def action_role(self) -> None:
        """Another role for the selected person (a manager's needs a long PIN)."""
        account = self.selected()
        if account is not None:
            self.app.push_screen(RoleForm(account), self.reload_if_saved)

    def action_deactivate(self) -> None:
        """Close the selected account; it leaves the sign-in list."""
        account = self.selected()
        if account is not None and account.active:
            staff, actor, staff_id = self.use_cases.staff_accounts, self.actor, account.id
            self.change(lambda: staff.deactivate(staff_id, actor))

    def action_reactivate(self) -> None:
        """Open a deactivated account again, with the PIN it had."""
        account = self.selected()
        if account is not None and not account.active:
            staff, actor, staff_id = self.use_cases.staff_accounts, self.actor, account.id
            self.change(lambda: staff.reactivate(staff_id, actor))

    def change(self, job: Callable[[], StaffAccount]) -> None:
        """A change off the UI thread, then read again; refusals reach the app's handler
        as a notice."""
        self.in_background(job, lambda _account: self.load(), group="staff-change")

    def action_back(self) -> None:
        """Back to the queue."""
        self.app.pop_screen()


class PinPairForm(FormModal):
    """A form that ends with a PIN typed twice: Enter moves on, and saves from the last."""

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        """Enter moves on; on the last field it saves."""
        if event.input.id == "staff-pin-again":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        """Each form saves its own way."""
        raise NotImplementedError

    def typed_pin(self) -> str | None:
        """The PIN, when both fields agree; else None, the second field emptied and a word."""
        pin = self.query_one("#staff-pin", Input).value
        if pin != self.query_one("#staff-pin-again", Input).value:
            self.query_one("#staff-pin-again", Input).value = ""
            self.say(_("The two PINs differ: type it again."))
            return None
        return pin


class StaffForm(PinPairForm):
    """Add a person (name, role, PIN), or give an existing person a new PIN."""

    def __init__(self, account: StaffAccount | None = None) -> None:
        super().__init__()
        self.account = account

    def compose(self) -> ComposeResult:
        """Name and role for a new person; the PIN twice."""
        with Vertical(id="staff-form", classes="dialog"):
            if self.account is None:
                yield Static(_("Add a person"), classes="title")
                yield Label(_("Name"))
                yield SafeInput(id="staff-name", max_length=120)
                yield Label(_("Role"))
                with RadioSet(id="staff-role"):
                    # The usual addition first: it is pressed and highlighted on arrival.
                    for role in (Role.MEDIATOR, Role.RECEPTION, Role.MANAGER):
                        yield RadioButton(
                            word(ROLE_LABELS, role), value=role == Role.MEDIATOR, name=role.value
                        )
            else:
                yield Static(
                    _("New PIN for {name}").format(name=clean(self.account.display_name)),
                    classes="title",
                    markup=False,
                )
            yield Label(_("PIN: 4 to 8 digits, or a passphrase of 12 characters or more"))
            yield Static(
                _("A manager's PIN: at least 12 characters (a passphrase, or 12 digits or more)."),
                classes="hint",
            )
            yield SafeInput(id="staff-pin", password=True, max_length=128)
            yield Label(_("The same PIN again"))
            yield SafeInput(id="staff-pin-again", password=True, max_length=128)
            yield from self.compose_error()
            yield Static(_("Ctrl+S: save · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start in the first field."""
        first = "#staff-name" if self.account is None else "#staff-pin"
        self.query_one(first, Input).focus()

    def action_save(self) -> None:
        """Check the two PINs match, then save in a worker."""
        pin = self.typed_pin()
        if pin is None:
            return
        # The form's own save path (forms.py): one save at a time, retried through an outage,
        # a refusal shown in the form; the actor is read here, at the key press.
        staff, actor = self.use_cases.staff_accounts, self.actor
        if self.account is not None:
            staff_id = self.account.id
            self.save_in_worker(lambda: staff.set_pin(staff_id, pin, actor))
            return
        name = self.query_one("#staff-name", Input).value
        pressed = self.query_one("#staff-role", RadioSet).pressed_button
        role = Role(pressed.name) if pressed is not None and pressed.name else Role.MEDIATOR
        self.save_in_worker(lambda: staff.create(name, role, pin, actor))


class RoleForm(PinPairForm):
    """Another role for a colleague; becoming a manager takes a new, long PIN."""

    def __init__(self, account: StaffAccount) -> None:
        super().__init__()
        self.account = account

    def compose(self) -> ComposeResult:
        """The roles (the current one pressed), then the PIN a manager needs, twice."""
        with Vertical(id="staff-form", classes="dialog"):
            yield Static(
                _("Role of {name}").format(name=clean(self.account.display_name)),
                classes="title",
                markup=False,
            )
            with RadioSet(id="staff-role"):
                for role in (Role.RECEPTION, Role.MEDIATOR, Role.MANAGER):
                    yield RadioButton(
                        word(ROLE_LABELS, role), value=role == self.account.role, name=role.value
                    )
            yield Label(_("New PIN, to become a manager: at least 12 characters"))
            yield SafeInput(id="staff-pin", password=True, max_length=128)
            yield Label(_("The same PIN again"))
            yield SafeInput(id="staff-pin-again", password=True, max_length=128)
            yield from self.compose_error()
            yield Static(_("Ctrl+S: save · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start on the roles."""
        self.query_one("#staff-role", RadioSet).focus()

    def action_save(self) -> None:
        """Check the two PINs match, then save in a worker (the domain checks the rest)."""
        pin = self.typed_pin()
        if pin is None:
            return
        pressed = self.query_one("#staff-role", RadioSet).pressed_button
        role = Role(pressed.name) if pressed is not None and pressed.name else self.account.role
        staff, actor, staff_id = self.use_cases.staff_accounts, self.actor, self.account.id
        self.save_in_worker(lambda: staff.change_role(staff_id, role, actor, pin or None))
