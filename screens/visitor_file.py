"""The visitor's file: identity and consent, what is open (pinned on top), then the history.

Everything about the visitor is shown literally (names, notes, partners' names). Opening the
file is audited by the domain; the screen only asks for it off the UI thread.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from pimms_tui.domain.access import Permission
from pimms_tui.domain.queue import Ticket
from pimms_tui.domain.visitor_file import VisitorFile
from pimms_tui.i18n import N_, _, format_date, format_datetime
from pimms_tui.labels import APPOINTMENT_STATUS_LABELS, word

from .base import DeskScreen
from .confirm import ConfirmModal
from .file_forms import (
    STYLESHEET,
    AppointmentOutcomeChooser,
    FileAppointmentForm,
    IdentityForm,
    VisitMotifChooser,
    office_timezone,
)
from .file_view import appointment_who, header_text, relay_who, timeline_text
from .literal import clean
from .rectify import RectifyForm
from .relay_news import RelayFollowUpForm

RELAY_KEY = "relay:"
# Keys that only some roles see: action -> the permission it needs.
ERASURE_CONSEQUENCE = N_(
    "Name, contact and notes are erased for good; visits and demands stay as anonymous counts."
)
TO_FILL_IN_KEY = "to-fill-in:"
UPCOMING_KEY = "upcoming:"


class VisitorFileScreen(DeskScreen):
    """One visitor's file, for the mediator."""

    CSS_PATH = STYLESHEET
    BINDINGS = [
        Binding("e", "edit", N_("Edit identity"), id="file_edit"),
        Binding("v", "start_visit", N_("New visit"), id="file_visit"),
        Binding("r", "book", N_("Appointment"), id="file_book"),
        Binding("f", "follow_up", N_("Follow-up"), id="file_follow_up"),
        Binding("w", "withdraw", N_("Withdraw consent"), id="file_withdraw"),
        Binding("x", "erase", N_("Erase on request"), id="file_erase"),
        Binding("n", "rectify", N_("Correct a note"), id="file_rectify"),
        Binding("a", "export", N_("Export (right of access)"), id="file_export"),
        Binding("j", "accesses", N_("Who opened this file"), id="file_accesses"),
        Binding("escape", "back", N_("Back"), id="file_back"),
    ]
    ACTION_PERMISSIONS: ClassVar[dict[str, Permission]] = {
        "follow_up": Permission.FOLLOW_UP,
        "rectify": Permission.ORIENT,
        "erase": Permission.ERASE,
        "export": Permission.EXPORT,
        "accesses": Permission.AUDIT,
    }

    def __init__(self, visitor_id: int) -> None:
        super().__init__()
        self.visitor_id = visitor_id
        self.file: VisitorFile | None = None

    def compose(self) -> ComposeResult:
        """Who on top, what is open below it, then the history."""
        yield Header()
        yield from self.compose_banner()
        yield Static(_("Opening the file…"), id="file-header")
        yield Static("", id="file-notice", markup=False)
        with Vertical(id="open-pane"):
            yield Static(_("Open items"), classes="title")
            table: DataTable[Any] = DataTable(id="open-items", cursor_type="row")
            yield table
            yield Static(_("Nothing open."), id="nothing-open", markup=False)
        with VerticalScroll(id="timeline-pane"):
            yield Static(_("History"), classes="title")
            yield Static("", id="timeline")
        yield Static("", id="file-message", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then the file."""
        table = self.query_one("#open-items", DataTable)
        for key, title, width in (
            ("kind", _("What"), 14),
            ("when", _("When"), 22),
            ("who", _("With"), 36),
            ("state", _("State"), 32),
        ):
            table.add_column(title, key=key, width=width)
        table.display = False
        self.query_one("#nothing-open").display = False
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Open the file off the UI thread (the use case records who opened it)."""
        files, visitor_id, actor = self.use_cases.visitor_file, self.visitor_id, self.actor
        self.in_background(lambda: files.open(visitor_id, actor), self.show, group="visitor-file")

    @property
    def timezone(self) -> str:
        """The office's timezone."""
        return office_timezone(self.session)

    # Drawing ----------------------------------------------------------------------------------

    def show(self, file: VisitorFile) -> None:
        """Draw the header, the open items and the history."""
        self.file = file
        self.visitor_id = file.visitor_id
        self.query_one("#file-header", Static).update(header_text(file))
        notice = self.query_one("#file-notice", Static)
        if file.merged_from is not None:
            notice.update(
                _("File n° {old} was merged into this one: it is shown instead.").format(
                    old=file.merged_from
                )
            )
        notice.display = file.merged_from is not None
        self.show_open_items(file)
        self.query_one("#timeline", Static).update(timeline_text(file, self.timezone))

    def show_open_items(self, file: VisitorFile) -> None:
        """Relays to follow up, appointments to fill in, upcoming appointments."""
        table = self.query_one("#open-items", DataTable)
        row = table.cursor_row
        table.clear()
        pinned = file.pinned
        for open_relay in pinned.relays:
            relay = open_relay.relay
            due = _("follow-up {day}").format(day=format_date(relay.follow_up_on, "short"))
            table.add_row(
                Text(_("Relay")),
                Text(due, style="bold red" if open_relay.overdue else ""),
                relay_who(open_relay),
                Text(
                    _("overdue: record the news") if open_relay.overdue else _("awaiting news"),
                    style="bold red" if open_relay.overdue else "",
                ),
                key=f"{RELAY_KEY}{relay.id}",
            )
        for appointment in pinned.to_fill_in:
            table.add_row(
                Text(_("Appointment")),
                Text(format_datetime(appointment.starts_at, self.timezone)),
                appointment_who(appointment),
                Text(_("outcome missing"), style="bold yellow"),
                key=f"{TO_FILL_IN_KEY}{appointment.id}",
            )
        for appointment in pinned.upcoming:
            table.add_row(
                Text(_("Appointment")),
                Text(format_datetime(appointment.starts_at, self.timezone)),
                appointment_who(appointment),
                Text(word(APPOINTMENT_STATUS_LABELS, appointment.status)),
                key=f"{UPCOMING_KEY}{appointment.id}",
            )
        table.display = not pinned.empty
        self.query_one("#nothing-open").display = pinned.empty
        if pinned.empty and (self.focused is None or self.focused is table):
            self.query_one("#timeline-pane").focus()  # the history scrolls with the keys
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def say(self, text: str) -> None:
        """A message at the bottom."""
        self.query_one("#file-message", Static).update(text)

    # Actions ----------------------------------------------------------------------------------

    def action_edit(self) -> None:
        """Edit the identity, over the version shown."""
        if self.file is None:
            return
        self.say("")
        self.app.push_screen(IdentityForm(self.file.visitor_id, self.file.identity), self.edited)

    def edited(self, result: VisitorFile | None) -> None:
        """The saved file comes back from the form: show it."""
        if result is not None:
            self.show(result)
            self.notify(_("File saved."))

    def action_rectify(self) -> None:
        """Correct or erase a note kept on the person (whatever the visit's state)."""
        if self.file is None:
            return
        self.say("")
        self.app.push_screen(RectifyForm(self.file.visitor_id), self.rectified)

    def rectified(self, result: bool | None) -> None:
        """A correction saved: show the file as it is now."""
        if result:
            self.notify(_("Note corrected."))
            self.reload()

    def action_start_visit(self) -> None:
        """Put the visitor in the queue: pick the reason for coming."""
        if self.file is None:
            return
        self.say("")
        chooser = VisitMotifChooser(self.file.visitor_id, self.file.identity.full_name)
        self.app.push_screen(chooser, self.visit_started)

    def visit_started(self, ticket: Ticket | None) -> None:
        """Say which ticket was given, and refresh the history."""
        if ticket is None:
            return
        self.notify(
            _("Ticket {ticket} — place {position} in the queue.").format(
                ticket=ticket.ticket_code, position=ticket.position or "–"
            ),
            timeout=10,
        )
        self.reload()

    def action_book(self) -> None:
        """Book an appointment for the visitor."""
        if self.file is None:
            return
        self.say("")
        self.app.push_screen(FileAppointmentForm(self.file.visitor_id), self.after_form)

    def action_follow_up(self) -> None:
        """Record the news of the selected relay, or the outcome of a past appointment."""
        file = self.file
        if file is None:
            return
        key = self.selected_key()
        if key is not None and key.startswith(RELAY_KEY):
            relay_id = int(key.removeprefix(RELAY_KEY))
            chosen = next((r for r in file.pinned.relays if r.relay.id == relay_id), None)
            if chosen is not None:
                self.say("")
                self.app.push_screen(RelayFollowUpForm(chosen), self.after_form)
                return
        if key is not None and key.startswith(TO_FILL_IN_KEY):
            appointment_id = int(key.removeprefix(TO_FILL_IN_KEY))
            appointment = next((a for a in file.pinned.to_fill_in if a.id == appointment_id), None)
            if appointment is not None:
                self.say("")
                self.app.push_screen(AppointmentOutcomeChooser(appointment), self.after_form)
                return
        self.say(_("Select an open relay or an appointment to fill in, then press f."))

    @on(DataTable.RowSelected, "#open-items")
    def row_chosen(self) -> None:
        """Enter on an open item: its follow-up."""
        self.action_follow_up()

    def selected_key(self) -> str | None:
        """The key of the open item under the cursor."""
        table = self.query_one("#open-items", DataTable)
        if not table.row_count:
            return None
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    def after_form(self, result: object) -> None:
        """A dialog saved something: read the file again."""
        if result is not None:
            self.reload()

    def action_back(self) -> None:
        """Back to the search (or wherever the file was opened from)."""
        self.leave()

    # Rights -----------------------------------------------------------------------------------

    def action_withdraw(self) -> None:
        """The visitor withdraws consent: confirm, then erase the identity and the notes."""
        if self.file is None:
            return
        self.say("")
        question = _("Withdraw the consent of {name}?").format(
            name=clean(self.file.identity.full_name, 60)
        )
        self.app.push_screen(ConfirmModal(question, _(ERASURE_CONSEQUENCE)), self.withdraw_answer)

    def withdraw_answer(self, yes: bool | None) -> None:
        """Withdraw when confirmed."""
        if yes:
            self.run_erasure(withdrawal=True)

    def action_erase(self) -> None:
        """Erase the file on the visitor's request (managers): confirm first."""
        if self.file is None:
            return
        self.say("")
        question = _("Erase the file of {name} on their request?").format(
            name=clean(self.file.identity.full_name, 60)
        )
        self.app.push_screen(ConfirmModal(question, _(ERASURE_CONSEQUENCE)), self.erase_answer)

    def erase_answer(self, yes: bool | None) -> None:
        """Erase when confirmed."""
        if yes:
            self.run_erasure(withdrawal=False)

    def run_erasure(self, withdrawal: bool) -> None:
        """Withdraw or erase off the UI thread, then leave the file (nothing is left to show)."""
        rights, visitor_id, actor = self.use_cases.rights, self.visitor_id, self.actor

        def erase() -> None:
            if withdrawal:
                rights.withdraw_consent(visitor_id, actor)
            else:
                rights.erase(visitor_id, actor)

        self.in_background(
            erase, lambda _done: self.erased(withdrawal), group="file-rights", exclusive=False
        )

    def erased(self, withdrawal: bool) -> None:
        """Say what happened and close the file."""
        self.notify(
            _("Consent withdrawn: the identity and notes are erased.")
            if withdrawal
            else _("File erased: the identity and notes are gone; anonymous counts remain.")
        )
        self.app.pop_screen()

    def action_export(self) -> None:
        """Write everything held on the visitor (text and JSON) to the documents folder."""
        if self.file is not None:
            self.say("")
            self.run_export(self.file.visitor_id)

    def run_export(self, visitor_id: int) -> None:
        """The export, off the UI thread."""
        rights, actor, container = self.use_cases.rights, self.actor, self.container
        self.in_background(
            lambda: rights.export(visitor_id, actor, container.documents_dir, fmt="text"),
            lambda files: self.say(
                _("Export written: {readable} and {machine}").format(
                    readable=files.readable, machine=files.machine
                )
            ),
            group="file-rights",
            exclusive=False,
        )

    def action_accesses(self) -> None:
        """Every journal entry about this file: who opened, edited, exported it."""
        from .audit import JournalScreen

        if self.file is not None:
            self.app.push_screen(JournalScreen(visitor_id=self.file.visitor_id))
