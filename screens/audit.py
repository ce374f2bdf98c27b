"""The manager's journal: who did what, at which desk, when — newest first, with filters.

The same screen, opened from a visitor's file, lists that file's entries only ("who opened
this file"). Entries hold ids and counts, never a visitor's name; each reads as a sentence
in the interface's language (screens/journal_sentences.py), and Enter opens one in full.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from pimms_tui.domain.journal import JournalEntry, JournalFilter, JournalPeople
from pimms_tui.i18n import N_, _, format_datetime

from .base import DeskScreen
from .confirm import STYLESHEET
from .fields import SafeInput
from .forms import parse_day
from .journal_entry import JournalEntryDialog
from .journal_sentences import ACTION_LABELS, action_label, entry_sentence
from .literal import literal


class JournalScreen(DeskScreen):
    """The office's journal (filters on top), or one visitor file's entries."""

    CSS_PATH = STYLESHEET
    BINDINGS = [
        Binding("ctrl+r", "apply", N_("Apply filters"), id="journal_apply"),
        Binding("escape", "back", N_("Back"), id="journal_back"),
    ]

    def __init__(self, visitor_id: int | None = None) -> None:
        super().__init__()
        self.visitor_id = visitor_id
        self.entries: dict[str, JournalEntry] = {}

    def compose(self) -> ComposeResult:
        """Filters (not for one file), the list, a message line."""
        yield Header()
        yield from self.compose_banner()
        if self.visitor_id is None:
            title = _("Journal")
        else:
            title = _("Who opened file n° {id}").format(id=self.visitor_id)
        yield Static(title, id="journal-title", markup=False)
        with Horizontal(id="journal-filters"):
            actions = [(action_label(a), a) for a in ACTION_LABELS]
            yield Select[str](actions, prompt=_("every action"), id="filter-action")
            yield Select[int]([], prompt=_("all staff"), id="filter-staff")
            yield Select[int]([], prompt=_("all desks"), id="filter-desk")
            yield SafeInput(placeholder=_("file n°"), id="filter-visitor", restrict=r"[0-9]*")
            yield SafeInput(placeholder=_("from dd/mm/yyyy"), id="filter-since")
            yield SafeInput(placeholder=_("to dd/mm/yyyy"), id="filter-until")
        table: DataTable[Any] = DataTable(id="journal", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(_("Enter reads the entry under the cursor in full."), id="journal-hint")
        yield Static("", id="journal-message", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Columns, the people to filter by, then the entries."""
        table = self.query_one("#journal", DataTable)
        for key, title, width in (
            ("at", _("When"), 17),
            ("detail", _("What"), 44),
            ("staff", _("Staff"), 18),
            ("desk", _("Desk"), 14),
            ("file", _("File"), 7),
            ("action", _("Action"), 20),
        ):
            table.add_column(title, key=key, width=width)
        self.query_one("#journal-filters").display = self.visitor_id is None
        table.focus()
        if self.visitor_id is None:
            self.load_people()
        self.load()

    def load_people(self) -> None:
        """The staff and desks, for the filters, read off the UI thread."""
        uses, actor = self.use_cases, self.actor
        self.in_background(
            lambda: uses.journal_people(actor),
            self.show_people,
            group="journal-people",
            exclusive=False,
        )

    def show_people(self, people: JournalPeople) -> None:
        """Fill the staff and desk filters."""
        self.query_one("#filter-staff", Select).set_options(
            [(literal(name, 30), ident) for ident, name in people.staff]
        )
        self.query_one("#filter-desk", Select).set_options(
            [(literal(name, 30), ident) for ident, name in people.desks]
        )

    def current_filter(self) -> JournalFilter | None:
        """The filter as typed; None (with a message) when a date cannot be read."""
        if self.visitor_id is not None:
            return JournalFilter(visitor_id=self.visitor_id)
        action = self.query_one("#filter-action", Select).value
        staff = self.query_one("#filter-staff", Select).value
        desk = self.query_one("#filter-desk", Select).value
        visitor = self.query_one("#filter-visitor", Input).value.strip()
        zone = ZoneInfo(self.session.office.timezone if self.session.office else "UTC")
        today = self.use_cases.today()
        bounds: list[datetime | None] = []
        for field, extra in (("#filter-since", 0), ("#filter-until", 1)):
            typed = self.query_one(field, Input).value.strip()
            if not typed:
                bounds.append(None)
                continue
            day = parse_day(typed, today)
            if day is None:
                self.say(_("Type a day as 15/03/2026."))
                self.query_one(field, Input).focus()
                return None
            bounds.append(datetime.combine(day + timedelta(days=extra), time(), tzinfo=zone))
        return JournalFilter(
            action=action if isinstance(action, str) else None,
            staff_id=staff if isinstance(staff, int) else None,
            desk_id=desk if isinstance(desk, int) else None,
            visitor_id=int(visitor) if visitor else None,
            since=bounds[0],
            until=bounds[1],
        )

    def say(self, text: str) -> None:
        """A message under the list."""
        self.query_one("#journal-message", Static).update(text)

    def action_apply(self) -> None:
        """Read the journal again with the filters."""
        self.load()

    @on(Select.Changed)
    @on(Input.Submitted)
    def filter_changed(self) -> None:
        """A filter changed: read again."""
        self.load()

    def load(self) -> None:
        """Read the entries off the UI thread."""
        where = self.current_filter()
        if where is not None:
            self.say("")
            self.read_entries(where)

    def read_entries(self, where: JournalFilter) -> None:
        """The entries, newest first; a newer read replaces one still running."""
        uses, actor, visitor_id = self.use_cases, self.actor, self.visitor_id

        def read() -> list[JournalEntry]:
            if visitor_id is not None:
                return uses.file_accesses(visitor_id, actor)
            return uses.journal(actor, where)

        self.in_background(read, self.show_entries, group="journal")

    def show_entries(self, entries: list[JournalEntry]) -> None:
        """Fill the list."""
        table = self.query_one("#journal", DataTable)
        table.clear()
        timezone = self.timezone
        self.entries = {str(entry.id): entry for entry in entries}
        for entry in entries:
            table.add_row(
                Text(format_datetime(entry.at, timezone)),
                Text(entry_sentence(entry, timezone), no_wrap=True, overflow="ellipsis"),
                literal(entry.staff_name or "—", 18),
                literal(entry.desk_name or "—", 14),
                Text(str(entry.entity_id) if entry.entity == "visitor" else ""),
                Text(action_label(entry.action)),
                key=str(entry.id),
            )
        if not entries:
            self.say(_("No entry."))

    @property
    def timezone(self) -> str:
        """The office's time zone, for the times of the entries."""
        return self.session.office.timezone if self.session.office else "UTC"

    @on(DataTable.RowSelected, "#journal")
    def open_entry(self, event: DataTable.RowSelected) -> None:
        """Enter on an entry: read it in full."""
        entry = self.entries.get(str(event.row_key.value))
        if entry is not None:
            self.app.push_screen(JournalEntryDialog(entry, self.timezone))

    def action_back(self) -> None:
        """Back to where the journal was opened from."""
        self.app.pop_screen()
