"""Finding a visitor's file: results as you type, Enter opens the file, F4 opens a new one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pimms_tui.domain.visitors import VisitorMatch
from pimms_tui.i18n import N_, _

from .base import DeskScreen
from .fields import SafeInput
from .visitor_file import VisitorFileScreen
from .visitor_form import NewVisitorForm
from .visitor_match import match_label


class SearchScreen(DeskScreen):
    """One field; the matching visitors below it, showing only what tells them apart."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="search_back"),
        Binding("f4", "new_visitor", N_("New visitor"), id="search_new_visitor"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.matches: list[VisitorMatch] = []
        self._search_generation = 0

    def compose(self) -> ComposeResult:
        """The search field, the results, a line for messages."""
        yield Header()
        yield from self.compose_banner()
        with Vertical(id="search"):
            yield Static(_("Find a visitor file"), classes="title")
            yield Label(_("Name (any order, part of it) or phone digits — ↓ or Enter: open"))
            yield SafeInput(id="search-text", max_length=80)
            yield OptionList(id="search-results")
            yield Static("", id="search-message", classes="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Cursor in the field."""
        self.query_one("#search-results").display = False
        self.query_one("#search-text", Input).focus()

    def on_screen_resume(self) -> None:
        """Back from a file: search again (a name may have changed), cursor in the field."""
        super().on_screen_resume()
        text = self.query_one("#search-text", Input).value.strip()
        if text:
            self._search_generation += 1
            self.search(text, self._search_generation)

    @on(Input.Changed, "#search-text")
    def text_changed(self, event: Input.Changed) -> None:
        """Search as the name or phone is typed; a newer keystroke supersedes older queries."""
        self._search_generation += 1
        text = event.value.strip()
        if not text:
            self.show_matches([], self._search_generation, "")
            return
        self.search(text, self._search_generation)

    def search(self, text: str, generation: int) -> None:
        """Run the search off the UI thread; a newer keystroke supersedes this one (its
        worker is cancelled, and a late answer is dropped by its generation)."""
        visitors = self.use_cases.visitors
        self.in_background(
            lambda: visitors.search(text),
            lambda matches: self.show_matches(matches, generation, text),
            group="file-search",
        )

    def show_matches(self, matches: list[VisitorMatch], generation: int, text: str) -> None:
        """Show the results of the latest search only."""
        if generation != self._search_generation:
            return
        self.matches = matches
        options = self.query_one("#search-results", OptionList)
        options.clear_options()
        for match in matches:
            options.add_option(Option(match_label(match), id=str(match.id)))
        options.display = bool(matches)
        if matches:
            options.highlighted = 0
        self.say(_("Nobody found. F4 opens a new file.") if text and not matches else "")

    def say(self, text: str) -> None:
        """A line under the results."""
        self.query_one("#search-message", Static).update(text)

    def on_key(self, event: Key) -> None:
        """↓ from the field goes to the results."""
        focused = self.focused
        if (
            event.key == "down"
            and isinstance(focused, Input)
            and focused.id == "search-text"
            and self.matches
        ):
            self.query_one("#search-results", OptionList).focus()
            event.stop()

    @on(Input.Submitted, "#search-text")
    def text_submitted(self) -> None:
        """Enter in the field opens the first result."""
        if self.matches:
            self.open_file(self.matches[0].id)
        elif self.query_one("#search-text", Input).value.strip():
            self.say(_("Nobody found. F4 opens a new file."))

    @on(OptionList.OptionSelected, "#search-results")
    def result_chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on a result opens that file."""
        if event.option.id is not None:
            self.open_file(int(event.option.id))

    def open_file(self, visitor_id: int) -> None:
        """Show the visitor's file over the search (Esc comes back here)."""
        self.app.push_screen(VisitorFileScreen(visitor_id))

    def action_new_visitor(self) -> None:
        """Open a new named file (with consent), then show it."""

        def created(match: VisitorMatch | None) -> None:
            if match is not None:
                self.open_file(match.id)

        typed = self.query_one("#search-text", Input).value
        self.app.push_screen(NewVisitorForm(typed), created)

    def action_back(self) -> None:
        """Back to where the search was opened from."""
        self.leave()
