"""Opening a named file at arrival: identity, contact, and the visitor's consent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Label, Static

from pimms_tui.domain.consent import KEEP_FILE_TEXT_EN, KEEP_FILE_TEXT_FR
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.i18n import _, active_language

from .orientation import FormModal


class NewVisitorForm(FormModal):
    """First name (required), last name, phone, e-mail, birth year, commune, consent."""

    def __init__(self, typed: str = "") -> None:
        super().__init__()
        self.typed = typed

    def compose(self) -> ComposeResult:
        """The fields; what was typed in the search becomes the first guess of the name."""
        first, _sep, last = self.typed.strip().partition(" ")
        letters = not any(c.isdigit() for c in self.typed)
        consent = KEEP_FILE_TEXT_FR if active_language() == "fr" else KEEP_FILE_TEXT_EN
        with VerticalScroll(classes="dialog form"):
            yield Static(_("New visitor file"), classes="title")
            yield Label(_("First name"))
            yield Input(first if letters else "", id="first-name", max_length=120)
            yield Label(_("Last name (optional)"))
            yield Input(last if letters else "", id="last-name", max_length=120)
            yield Label(_("Phone (optional)"))
            yield Input("" if letters else self.typed.strip(), id="phone", max_length=32)
            yield Label(_("E-mail (optional)"))
            yield Input(id="email", max_length=254)
            yield Label(_("Year of birth (optional)"))
            yield Input(id="birth-year", max_length=4, restrict=r"[0-9]*")
            yield Label(_("Commune (optional)"))
            yield Input(id="commune", max_length=120)
            yield Static(consent, classes="consent-text", markup=False)
            yield Checkbox(_("The visitor agrees (read the text above to them)"), id="consent")
            yield from self.compose_error()
            yield Static(_("Ctrl+S: save · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start on the first name."""
        self.query_one("#first-name", Input).focus()

    def action_save(self) -> None:
        """Open the file (the domain checks every field and the consent)."""

        def value(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        data = NewVisitor(
            first_name=value("first-name"),
            last_name=value("last-name"),
            phone=value("phone"),
            email=value("email"),
            birth_year=value("birth-year"),
            commune=value("commune"),
            keep_file_consent=self.query_one("#consent", Checkbox).value,
        )
        services = self.services
        self.save_in_worker(
            lambda: create_visitor(services.database, data, services.actor, services.clock.now())
        )
