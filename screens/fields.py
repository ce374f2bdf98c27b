"""The app's text fields: what is typed, pasted or loaded into them never commands the terminal.

Textual's ``Input`` and ``TextArea`` keep whatever they are given and draw it raw: a name
stored with ``ESC ] 0 ;`` would retitle the window when the identity form shows it, and a
pasted ``ESC [ 2 J`` would clear the screen before anything is saved. These subclasses pass
every change through the one text policy (``pimms_tui.text.typed``): controls become spaces,
bidi and other format characters go, nothing else changes. Every screen uses them instead of
Textual's (``tests/test_control_characters.py`` checks that none is left).
"""

from __future__ import annotations

from textual.document._document import EditResult
from textual.document._edit import Edit
from textual.widgets import Input, TextArea

from pimms_tui.text import typed


class SafeInput(Input):
    """A one-line field: typed keys, pastes and values set by the program are all cleaned."""

    def validate_value(self, value: str) -> str:
        """Every value the field takes (a stored name loaded into a form, too)."""
        return typed(value)

    def replace(self, text: str, start: int, end: int) -> None:
        """Typing and pasting: clean the inserted text first, so the cursor lands after it."""
        super().replace(typed(text), start, end)


class SafeTextArea(TextArea):
    """A multi-line field (a note): the same policy, line breaks kept."""

    def edit(self, edit: Edit) -> EditResult:
        """Typing, pasting and program edits all come through here."""
        edit.text = typed(edit.text, keep_newlines=True)
        return super().edit(edit)

    def _set_document(self, text: str, language: str | None) -> None:
        """The text loaded at once (``load_text`` and the constructor)."""
        super()._set_document(typed(text, keep_newlines=True), language)
