"""The home screen: the office's live queue, shared by every desk, and the keys to move it."""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.exc import DBAPIError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from pimms_tui.db.enums import VisitStatus
from pimms_tui.domain.access import REFUSALS, Permission
from pimms_tui.domain.errors import DomainError
from pimms_tui.domain.followups import FollowUpCounts
from pimms_tui.domain.queue import QueueEntry
from pimms_tui.i18n import N_, _

from .errors import refusal_text
from .literal import clean
from .queue_menu import HomeMenu
from .queue_rows import elsewhere_text, more_below_text, queue_row, queue_summary

MAX_BACKOFF_SECONDS = 5.0
# Follow-up counts move without the queue (time passes): read again this often.
COUNTS_REFRESH_SECONDS = 60.0


@dataclass
class QueueLoaded(Message):
    """A fresh view of the queue, read in a worker."""

    revision: int
    entries: list[QueueEntry]
    follow_ups: FollowUpCounts | None = None


class QueueScreen(HomeMenu):
    """The live queue of the day."""

    BINDINGS = [
        Binding("a", "arrival", N_("Arrival"), id="arrival"),
        Binding("n", "call_next", N_("Call next"), id="call_next"),
        Binding("enter", "open_selected", N_("Call / open"), id="open_selected"),
        Binding("s", "start", N_("Listen"), id="start"),
        Binding("r", "recall", N_("Recall"), id="recall"),
        Binding("b", "put_back", N_("Put back in queue"), id="put_back"),
        Binding("x", "no_show", N_("Mark absent"), id="no_show"),
        Binding("l", "left", N_("Mark left"), id="left"),
        Binding("t", "transfer", N_("Transfer"), id="transfer"),
        Binding("p", "toggle_public", N_("Public screen"), id="toggle_public"),
        Binding("f", "followups", N_("Follow-ups"), id="followups"),
        Binding("g", "agenda", N_("Agenda"), id="agenda"),
        Binding("e", "staff", N_("Staff"), id="staff"),
        Binding("m", "statistics", N_("Statistics"), id="statistics"),
        Binding("j", "journal", N_("Journal"), id="journal"),
        Binding("o", "settings", N_("Settings"), id="settings"),
    ]
    ACTION_PERMISSIONS: ClassVar[dict[str, Permission]] = {
        "start": Permission.ORIENT,
        "followups": Permission.FOLLOW_UP,
        "staff": Permission.STAFF,
        "statistics": Permission.STATISTICS,
        "journal": Permission.AUDIT,
        "settings": Permission.SETTINGS,
    }

    def __init__(self) -> None:
        super().__init__()
        self.revision: int | None = None
        self.entries: list[QueueEntry] = []
        self._polling = False
        self._follow: int | None = None  # the visit the cursor should move to once shown
        self._counts_at = 0.0
        self.follow_ups: FollowUpCounts | None = None
        self._retry_at = 0.0
        self._backoff = 0.0

    def compose(self) -> ComposeResult:
        """Header, banner, the table, a status line and the footer."""
        yield Header()
        yield from self.compose_banner()
        yield Static("", id="queue-summary", markup=False)
        table: DataTable[Any] = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="queue-more", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Set up the columns and start watching the queue."""
        table = self.query_one("#queue", DataTable)
        # Fixed widths: the layout does not jump as rows come and go, and long names are cut
        # with an ellipsis instead of pushing the status off screen.
        for key, title, width in (
            ("ticket", _("Ticket"), 6),
            ("name", _("Name"), 22),
            ("wait", _("Waiting"), 9),
            ("motif", _("Reason"), 24),
            ("needs", _("Priority, needs"), 20),
            ("status", _("Status"), 12),
            ("desk", _("Desk"), 12),
        ):
            table.add_column(title, key=key, width=width)
        desk = self.session.desk
        self.set_class(bool(desk and desk.public_screen), "-public")
        self.set_interval(self.container.settings.queue_poll_seconds, self.poll)
        self.set_interval(15, self.render_queue)
        for measure in ("scroll_y", "virtual_size", "size"):  # rows come, scroll or resize
            self.watch(table, measure, self.show_rows_below, init=False)
        self.poll(force=True)

    # Watching -----------------------------------------------------------------------------

    def poll(self, force: bool = False) -> None:
        """Look at the queue's revision; reload only when another desk changed something."""
        if self._polling or time.monotonic() < self._retry_at:
            return
        self._polling = True
        key = object()  # the read is timed like every call (a silent network shows)
        self.desk_app.call_started(key, write=False)
        self.load_queue(force, key)

    # A @work rather than ``in_background``: the poll must release its guard and back off on
    # a failed read whatever the outcome (read, refused, database away), which the helper's
    # answer and refusal callbacks do not cover (an outage goes to the app's handler only).
    @work(thread=True, group="poll", exit_on_error=False)
    def load_queue(self, force: bool, key: object) -> None:
        """Read the revision marker, and the whole queue only if it moved."""
        answered = False
        try:
            queue = self.use_cases.queue
            revision = queue.revision()
            counts_due = time.monotonic() >= self._counts_at
            if force or revision != self.revision or counts_due:
                # Follow-up counts move without the queue (time passes): every minute too.
                counts = self.use_cases.followups.counts()
                self._counts_at = time.monotonic() + COUNTS_REFRESH_SECONDS
                self.post_message(QueueLoaded(revision, queue.today(), counts))
            answered = True
            self.app.call_from_thread(self._poll_succeeded)
        except DBAPIError:
            self.app.call_from_thread(self._poll_failed)
            raise
        finally:
            self._polling = False
            with suppress(RuntimeError):  # the desk was closed meanwhile
                self.app.call_from_thread(self.desk_app.call_ended, key, answered=answered)

    def _poll_succeeded(self) -> None:
        self._backoff = 0.0
        self._retry_at = 0.0

    def _poll_failed(self) -> None:
        self._backoff = min(MAX_BACKOFF_SECONDS, max(0.5, self._backoff * 2))
        self._retry_at = time.monotonic() + self._backoff

    @on(QueueLoaded)
    def show_queue(self, message: QueueLoaded) -> None:
        """Keep the new view and draw it."""
        self.revision = message.revision
        self.entries = message.entries
        self.follow_ups = message.follow_ups or self.follow_ups
        self.render_queue()

    def render_queue(self) -> None:
        """Draw the table from the last view, keeping the cursor on the same visit."""
        table = self.query_one("#queue", DataTable)
        selected = self._follow or self.selected_visit_id()
        table.clear()
        now = self.use_cases.now()
        public = self.public_screen
        for entry in self.entries:
            table.add_row(*queue_row(entry, now, public), key=str(entry.visit_id))
        if selected is not None:
            for index, entry in enumerate(self.entries):
                if entry.visit_id == selected:
                    table.move_cursor(row=index)
                    if self._follow == selected:
                        self._follow = None
        desk = self.session.desk.name if self.session.desk else ""
        office = self.session.office.name if self.session.office else ""
        follow_ups = self.follow_ups if self.role_allows(Permission.FOLLOW_UP) else None
        summary = queue_summary(self.entries, office, desk, follow_ups)
        self.query_one("#queue-summary", Static).update(summary)
        self.call_after_refresh(self.show_rows_below)

    def show_rows_below(self) -> None:
        """Under the table, how many rows are out of sight below (a new arrival, say)."""
        table = self.query_one("#queue", DataTable)
        line = self.query_one("#queue-more", Static)
        below = round(table.max_scroll_y - table.scroll_y)  # one line a row
        line.update(more_below_text(below, self.entries[-below:]) if below else "")
        if line.display != (below > 0):
            line.display = below > 0
            self.call_after_refresh(self.show_rows_below)  # the table is a line shorter, or taller

    @property
    def public_screen(self) -> bool:
        """Whether names are hidden on this desk."""
        return self.has_class("-public")

    def selected_visit_id(self) -> int | None:
        """The visit under the cursor, read from the row drawn there: while a newer view is
        drawn, its entries are sorted anew and the same index may be another visitor."""
        table = self.query_one("#queue", DataTable)
        if not 0 <= table.cursor_row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return int(key) if key is not None else None

    def selected_entry(self) -> QueueEntry | None:
        """The entry under the cursor."""
        visit_id = self.selected_visit_id()
        return next((e for e in self.entries if e.visit_id == visit_id), None)

    # Actions -------------------------------------------------------------------------------

    def action_toggle_public(self) -> None:
        """Hide or show names (public-facing screen); the desk remembers the choice."""
        self.toggle_class("-public")
        self.render_queue()
        if self.session.desk is not None:
            uses, public = self.use_cases, self.public_screen
            self.in_background(
                lambda: uses.set_public_screen(public), group="desk-setting", exclusive=False
            )

    def action_call_next(self) -> None:
        """Call the next visitor to this desk."""
        self.run_queue_action("call_next")

    @on(DataTable.RowSelected, "#queue")
    def row_chosen(self) -> None:
        """Enter on a row (the table takes the key before the screen's binding)."""
        self.action_open_selected()

    def action_open_selected(self) -> None:
        """Call the selected visitor, start listening, or reopen their listening screen.

        A visitor called to, or seen at, another desk is that desk's: the key says so rather
        than take them over (the recall is refused for the same reason).
        """
        entry = self.selected_entry()
        if entry is None:
            return
        if entry.status == VisitStatus.WAITING:
            self.run_queue_action("call", entry.visit_id)
        elif not self.role_allows(Permission.ORIENT):
            # Listening and orienting are the mediators' (the domain refuses it anyway).
            self.notify(_(REFUSALS[Permission.ORIENT]), severity="warning")
        elif self.refused_as_elsewhere(entry):
            return
        elif entry.status == VisitStatus.CALLED:
            self.run_queue_action("start", entry.visit_id)
        elif entry.status == VisitStatus.IN_PROGRESS:
            self.open_listening(entry.visit_id)

    def action_start(self) -> None:
        """Start listening to the visitor under the cursor, or say why not.

        With no visitor under the cursor, the one called to this desk. A visitor being seen
        here: their listening screen. The domain refuses the rest (waiting, closed…) in words.
        """
        entry = self.selected_entry() or next(
            (e for e in self.entries if e.status == VisitStatus.CALLED and self.is_here(e)), None
        )
        if entry is None or self.refused_as_elsewhere(entry):
            return
        if entry.status == VisitStatus.IN_PROGRESS:
            self.open_listening(entry.visit_id)
        else:
            self.run_queue_action("start", entry.visit_id)

    def is_here(self, entry: QueueEntry) -> bool:
        """Whether the visit is at this desk (called here, or seen here)."""
        return self.session.desk is not None and entry.desk_id == self.session.desk.id

    def refused_as_elsewhere(self, entry: QueueEntry) -> bool:
        """Say so when the visitor was called to, or is seen at, another desk (True)."""
        said = None if self.is_here(entry) else elsewhere_text(entry)
        if said is not None:
            self.notify(said, severity="warning", markup=False)
        return said is not None

    def action_recall(self) -> None:
        """Call the selected visitor again."""
        self._on_selected("recall")

    def action_put_back(self) -> None:
        """Put the selected visitor back in the queue at their place."""
        self._on_selected("put_back")

    def action_no_show(self) -> None:
        """Mark the selected visitor absent after being called."""
        self._on_selected("mark_no_show")

    def _on_selected(self, action: str) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.run_queue_action(action, entry.visit_id)

    def run_queue_action(self, action: str, *args: int) -> None:
        """Run one queue operation, unless another one still waits for the database.

        The waiting one will be done when the database returns; a second press meanwhile
        (the desk sees nothing happen) must not call a second visitor.
        """
        if self.desk_app.waiting_saves:
            self.notify(_("Saving: waiting for the database. What you typed is kept."))
            return
        queue, actor, at = self.use_cases.queue, self.actor, self.container.clock.now()
        if action == "call_next":
            self.in_background(
                lambda: queue.call_next(actor, at=at),  # the key's time, kept through retries
                lambda entry: self._called(entry, actor.desk_name),
                **self._queue_action,
            )
        elif action == "transfer":
            visit_id, desk, staff = args
            self.in_background(
                lambda: queue.transfer(visit_id, desk or None, staff or None, actor, at=at),
                lambda _entry: self._acted(
                    _("Transferred: same ticket, now waiting for its new desk.")
                ),
                **self._queue_action,
            )
        else:
            operation = getattr(queue, action)
            visit_id = args[0]
            self.in_background(
                lambda: operation(visit_id, actor, at=at),
                lambda entry: self._acted(
                    _done_text(action, entry), listen=visit_id if action == "start" else None
                ),
                **self._queue_action,
            )

    @property
    def _queue_action(self) -> dict[str, Any]:
        """How every queue operation runs: saved through an outage, refusals told."""
        return {
            "group": "queue-action",
            "exclusive": False,
            "saving": True,
            "refused": self._action_refused,
        }

    def _called(self, entry: QueueEntry | None, desk: str) -> None:
        self._follow = entry.visit_id if entry else None
        if entry is None:
            self._acted(_("Nobody is waiting."))
        else:
            text = _("Ticket {ticket} is called to {desk}.")
            self._acted(text.format(ticket=entry.ticket_code, desk=clean(desk)))

    def _acted(self, text: str, *, listen: int | None = None) -> None:
        """After a queue operation: the listening screen or a notice, and a fresh queue."""
        if listen is not None:
            self.open_listening(listen)
        self.poll(True)
        if text:
            self.notify(text)

    def _action_refused(self, refusal: DomainError) -> None:
        """Another desk was first, say: read the queue again and tell why."""
        self.poll(True)
        self.notify(refusal_text(refusal) or "", severity="warning")


def _done_text(action: str, entry: QueueEntry | None) -> str:
    """What a queue operation did, when the queue alone does not make it plain."""
    if action == "mark_left" and entry is not None:
        return _("{ticket}: left without being seen").format(ticket=entry.ticket_code)
    return ""
