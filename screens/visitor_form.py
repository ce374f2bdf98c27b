"""Opening a named file at arrival: identity, contact, likely duplicates, and the consent.

Before a file is opened, the files that are probably the same person (the same name with
the same phone or birth year, or a name of which what was typed is a fragment or one typo
away) are listed in the form: Enter on one uses that file instead, Ctrl+S again opens a new
file anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.application.visitors import LikelyDuplicates
from pimms_tui.domain.consent import KEEP_FILE_TEXT_EN, KEEP_FILE_TEXT_FR
from pimms_tui.domain.visitors import NewVisitor
from pimms_tui.i18n import N_, _, active_language

from .fields import SafeInput
from .forms import FormModal
from .visitor_match import match_label

if TYPE_CHECKING:
    from pimms_tui.domain.visitors import VisitorMatch


class NewVisitorForm(FormModal):
    """First name (required), last name, phone, e-mail, birth year, commune, consent."""

    CSS_PATH = "visitor_form.tcss"
    BINDINGS = [
        Binding(
            "f6", "consent_language", N_("Consent text: French / English"), id="consent_language"
        )
    ]

    def __init__(self, typed: str = "") -> None:
        super().__init__()
        self.typed = typed
        # The duplicates shown: saving the same particulars again opens a new file anyway.
        self.shown: LikelyDuplicates | None = None
        # The file this form opened (None when an existing file was chosen instead).
        self.opened: VisitorMatch | None = None

    def compose(self) -> ComposeResult:
        """The fields; what was typed in the search becomes the first guess of the name."""
        first, _sep, last = self.typed.strip().partition(" ")
        letters = not any(c.isdigit() for c in self.typed)
        self.consent_language = "fr" if active_language() == "fr" else "en"
        consent = KEEP_FILE_TEXT_FR if self.consent_language == "fr" else KEEP_FILE_TEXT_EN
        with VerticalScroll(classes="dialog form"):
            yield Static(_("New visitor file"), classes="title")
            yield Label(_("First name"))
            yield SafeInput(first if letters else "", id="first-name", max_length=120)
            yield Label(_("Last name (optional)"))
            yield SafeInput(last if letters else "", id="last-name", max_length=120)
            yield Label(_("Phone (optional)"))
            yield SafeInput("" if letters else self.typed.strip(), id="phone", max_length=32)
            yield Label(_("E-mail (optional)"))
            yield SafeInput(id="email", max_length=254)
            yield Label(_("Year of birth (optional)"))
            yield SafeInput(id="birth-year", max_length=4, restrict=r"[0-9]*")
            yield Label(_("Commune (optional)"))
            yield SafeInput(id="commune", max_length=120)
            with Vertical(id="duplicates"):
                yield Static(_("This person may already have a file:"), classes="duplicates-title")
                yield OptionList(id="duplicate-list")
                yield Static(
                    _("Enter: use this file · Ctrl+S: open a new file anyway"), classes="hint"
                )
            yield Static(consent, classes="consent-text", markup=False)
            yield Checkbox(_("The visitor agrees (read the text above to them)"), id="consent")
            yield from self.compose_error()
            yield Static(_("Ctrl+S: save · Esc: cancel"), classes="hint")

    def action_consent_language(self) -> None:
        """Show the consent text in the other language (both versions are recorded)."""
        self.consent_language = "en" if self.consent_language == "fr" else "fr"
        text = KEEP_FILE_TEXT_FR if self.consent_language == "fr" else KEEP_FILE_TEXT_EN
        self.query_one(".consent-text", Static).update(text)

    def on_mount(self) -> None:
        """Start on the first name; no duplicates shown yet."""
        self.query_one("#duplicates").display = False
        self.query_one("#first-name", Input).focus()

    def typed_visitor(self) -> NewVisitor:
        """The form as typed."""

        def value(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        return NewVisitor(
            first_name=value("first-name"),
            last_name=value("last-name"),
            phone=value("phone"),
            email=value("email"),
            birth_year=value("birth-year"),
            commune=value("commune"),
            keep_file_consent=self.query_one("#consent", Checkbox).value,
        )

    def action_save(self) -> None:
        """Check the fields, then show likely duplicates once; save when there are none
        (or when the same particulars are saved again: a new file anyway)."""
        data = self.typed_visitor()
        visitors, actor = self.use_cases.visitors, self.actor
        anyway = self.shown is not None and self.shown.shown_for(data)
        self.save_in_worker(lambda: visitors.new_visitor(data, actor, despite_duplicates=anyway))

    def saved(self, result: Any) -> None:
        """Close with the new file, or list the likely duplicates and wait."""
        if isinstance(result, LikelyDuplicates):
            self.show_duplicates(result)
        else:
            self.opened = result
            self.dismiss(result)

    def show_duplicates(self, found: LikelyDuplicates) -> None:
        """The files that are probably this person, the first one highlighted."""
        self.shown = found
        options = self.query_one("#duplicate-list", OptionList)
        options.clear_options()
        for match in found.matches:
            options.add_option(Option(match_label(match), id=str(match.id)))
        options.highlighted = 0
        box = self.query_one("#duplicates")
        box.display = True
        options.focus()
        box.scroll_visible()

    @on(OptionList.OptionSelected, "#duplicate-list")
    def duplicate_chosen(self, event: OptionList.OptionSelected) -> None:
        """Use the existing file instead of opening a new one."""
        shown = self.shown.matches if self.shown is not None else []
        chosen = next((m for m in shown if str(m.id) == event.option.id), None)
        if chosen is not None:
            self.dismiss(chosen)
