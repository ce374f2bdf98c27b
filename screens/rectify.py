"""Correct or erase a note kept on a visitor (rectification), from their file.

Every note, relay reason and shared details kept on the visitor is listed, newest visit first,
whatever the visit's state or the demand's outcome. Enter on one puts it in the text field;
Enter there saves the correction (through the note guard); an empty field erases the text.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.domain.orientation.rectification import StoredText
from pimms_tui.i18n import N_, _, format_date

from .fields import SafeInput
from .file_forms import STYLESHEET
from .forms import FormModal
from .literal import clean, literal

FIELD_LABELS = {
    "note": N_("note of demand {position}"),
    "reason": N_("relay reason of demand {position}"),
    "shared_details": N_("details shared with the partner, demand {position}"),
}
MAX_SHOWN = 1000


def choice_text(stored: StoredText) -> Text:
    """Where the text is kept, then the text itself, literally."""
    where = _(FIELD_LABELS[stored.field]).format(position=stored.position)
    text = Text(f"{format_date(date.fromisoformat(stored.visit_day), 'short')} · ")
    text.append(stored.ticket_code + " · " + where + " : « ")
    text.append_text(literal(stored.text, 70, "italic"))
    text.append(" »")
    return text


class RectifyForm(FormModal):
    """Choose a stored note, then correct it or empty it to erase it."""

    CSS_PATH = STYLESHEET

    def __init__(self, visitor_id: int) -> None:
        super().__init__()
        self.visitor_id = visitor_id
        self.texts: list[StoredText] = []
        self.chosen: StoredText | None = None

    def compose(self) -> ComposeResult:
        """The stored texts, then the field where the chosen one is corrected."""
        with Vertical(classes="dialog"):
            yield Static(_("Correct or erase a note"), classes="title")
            yield Label(_("Choose the text to correct, then Enter"))
            yield OptionList(id="rectify-choices")
            yield Label(_("Corrected text — leave empty to erase it; Enter saves"))
            yield SafeInput(id="rectify-text", max_length=MAX_SHOWN)
            yield from self.compose_error()

    def on_mount(self) -> None:
        """Read the stored texts off the UI thread."""
        self.query_one("#rectify-text", Input).disabled = True
        service, visitor_id, actor = self.use_cases.orientation, self.visitor_id, self.actor
        self.in_background(
            lambda: service.stored_texts(visitor_id, actor), self.listed, group="rectify-list"
        )

    def listed(self, texts: list[StoredText]) -> None:
        """One option per stored text; none: say so."""
        self.texts = texts
        options = self.query_one("#rectify-choices", OptionList)
        options.clear_options()
        for index, stored in enumerate(texts):
            options.add_option(Option(choice_text(stored), id=str(index)))
        if texts:
            options.highlighted = 0
            options.focus()
        else:
            self.say(_("No note is kept on this person."))

    @on(OptionList.OptionSelected, "#rectify-choices")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """The chosen text goes into the field, to be corrected."""
        self.chosen = self.texts[int(str(event.option.id))]
        field = self.query_one("#rectify-text", Input)
        field.disabled = False
        field.value = clean(self.chosen.text, MAX_SHOWN)
        field.focus()
        self.say("")

    @on(Input.Submitted, "#rectify-text")
    def submitted(self) -> None:
        """Enter in the field saves."""
        self.action_save()

    def action_save(self) -> None:
        """Save the corrected text (empty: erase it)."""
        if self.chosen is None:
            return
        stored, actor, service = self.chosen, self.actor, self.use_cases.orientation
        text = self.query_one("#rectify-text", Input).value
        target = (stored.entity, stored.entity_id, stored.field)

        def save() -> bool:
            service.rectify(target, text, actor)
            return True

        self.save_in_worker(save)

    def show_refusal(self, refusal: BaseException) -> None:
        """The refusal under the field, which keeps the focus and what was typed."""
        super().show_refusal(refusal)
        self.query_one("#rectify-text", Input).focus()
