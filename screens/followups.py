"""Suivi: relays to follow up with the partner, and past appointments "à renseigner".

Two lists, one focused at a time; the footer shows the keys of the focused one. News of a
relay (through the dialogs of ``relay_news``, shared with the visitor file) and outcomes of
appointments are recorded off the UI thread; what was done, or why it was refused (another
desk was first), is written in the status line, and the lists are read again.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import DescendantFocus
from textual.widgets import DataTable, Footer, Header, Static

from pimms_tui.db.enums import AppointmentStatus, RelayStatus
from pimms_tui.domain.appointments import AppointmentView
from pimms_tui.domain.followups import RelayFollowUp, RelayNews
from pimms_tui.i18n import N_, _, format_date, format_datetime, ngettext
from pimms_tui.labels import (
    APPOINTMENT_STATUS_LABELS,
    RELAY_MODE_LABELS,
    word,
)

from .literal import literal
from .relay_news import PostponeForm, RefusalReasonModal, relay_news_text
from .worklist import WorklistScreen, at_cursor, motif_text, visitor_name, with_whom

RELAY_ACTIONS = frozenset({"confirm", "refuse", "unreachable", "postpone"})
APPOINTMENT_ACTIONS = frozenset({"seen", "no_show", "excused", "cancelled"})
# Overdue for this many days: shown in the warning colour, then in the alarm colour.
LATE_DAYS = 7
VERY_LATE_DAYS = 21


def overdue_text(days: int) -> Text:
    """How late the follow-up is: "aujourd'hui", "3 jours", coloured as it gets late."""
    if days <= 0:
        return Text(_("today"))
    style = "bold red" if days >= VERY_LATE_DAYS else ("yellow" if days >= LATE_DAYS else "")
    return Text(ngettext("{count} day", "{count} days", days).format(count=days), style=style)


@dataclass(frozen=True)
class FollowUpLists:
    """Both lists as read, and how many relays expired on the way."""

    relays: list[RelayFollowUp]
    appointments: list[AppointmentView]
    expired: int


class FollowUpsScreen(WorklistScreen):
    """Relays due for follow-up and appointments to fill in."""

    CSS_PATH = ["worklist.tcss", "followups.tcss"]
    BINDINGS = [
        Binding("c", "confirm", N_("Confirmed"), id="relay_confirmed"),
        Binding("r", "refuse", N_("Refused…"), id="relay_refused"),
        Binding("u", "unreachable", N_("Unreachable"), id="relay_unreachable"),
        Binding("p", "postpone", N_("Postpone…"), id="relay_postpone"),
        Binding("s", "seen", N_("Seen"), id="appointment_seen"),
        Binding("n", "no_show", N_("No-show"), id="appointment_no_show"),
        Binding("e", "excused", N_("Excused"), id="appointment_excused"),
        Binding("x", "cancelled", N_("Cancelled"), id="appointment_cancelled"),
        Binding("tab", "switch_list", N_("Other list"), id="followups_switch"),
        Binding("escape", "back", N_("Back"), id="followups_back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.relays: list[RelayFollowUp] = []
        self.appointments: list[AppointmentView] = []
        self._loaded = False

    def compose(self) -> ComposeResult:
        """Both lists, one above the other, the relay's details and the status line."""
        yield Header()
        yield from self.compose_banner()
        with Vertical(id="relays-pane", classes="worklist-pane"):
            yield Static(_("Relays to follow up"), id="relays-title", classes="title")
            yield DataTable(id="relays", cursor_type="row", zebra_stripes=True)
            yield Static("", id="relay-detail")
        with Vertical(id="appointments-pane", classes="worklist-pane"):
            yield Static(_("Appointments to fill in"), id="appointments-title", classes="title")
            yield DataTable(id="appointments", cursor_type="row", zebra_stripes=True)
        yield from self.compose_status()
        yield Footer()

    def on_mount(self) -> None:
        """Columns (fixed widths: the layout does not jump), focus on the relays."""
        self.sub_title = _("Follow-up of relays and appointments")
        relays = self.query_one("#relays", DataTable)
        for key, title, width in (
            ("follow_up_on", _("Follow-up"), 10),
            ("overdue", _("Late by"), 11),
            ("partner", _("Partner"), 22),
            ("mode", _("How"), 16),
            ("visitor", _("Visitor"), 22),
            ("motif", _("Reason"), 20),
        ):
            relays.add_column(title, key=key, width=width)
        appointments = self.query_one("#appointments", DataTable)
        for key, title, width in (
            ("starts_at", _("When"), 17),
            ("with", _("With"), 22),
            ("visitor", _("Visitor"), 22),
            ("motif", _("Reason"), 20),
            ("status", _("Status"), 10),
        ):
            appointments.add_column(title, key=key, width=width)
        relays.focus()

    def on_screen_resume(self) -> None:
        """Read the lists each time the screen shows (others may have recorded meanwhile)."""
        self.refresh_lists()

    # Loading ------------------------------------------------------------------------------

    def refresh_lists(self) -> None:
        """Read both lists again, off the UI thread (the latest reading wins)."""
        service, actor = self.use_cases.followups, self.actor

        def read() -> FollowUpLists:
            expired = service.expire_overdue()  # what waited too long leaves the list first
            return FollowUpLists(
                service.relays_due(actor), service.appointments_to_fill_in(actor), expired
            )

        self.in_background(read, self.show_lists, group="followups-load")

    def show_lists(self, message: FollowUpLists) -> None:
        """Draw both lists, keeping each cursor near where it was."""
        self.relays = message.relays
        self.appointments = message.appointments
        timezone = self.office.timezone
        relays = self.query_one("#relays", DataTable)
        row = relays.cursor_row
        relays.clear()
        for relay in self.relays:
            relays.add_row(
                Text(format_date(relay.follow_up_on, "short")),
                overdue_text(relay.days_overdue),
                literal(relay.partner_name, 30),
                Text(word(RELAY_MODE_LABELS, relay.mode)),
                visitor_name(relay.visitor_first_name, relay.visitor_last_name),
                motif_text(relay.motif_label_fr, relay.motif_label_en),
                key=str(relay.id),
            )
        if self.relays:
            relays.move_cursor(row=min(max(row, 0), len(self.relays) - 1))
        appointments = self.query_one("#appointments", DataTable)
        row = appointments.cursor_row
        appointments.clear()
        for appointment in self.appointments:
            appointments.add_row(
                Text(format_datetime(appointment.starts_at, timezone)),
                with_whom(appointment),
                visitor_name(appointment.visitor_first_name, appointment.visitor_last_name),
                motif_text(appointment.motif_label_fr, appointment.motif_label_en),
                Text(word(APPOINTMENT_STATUS_LABELS, appointment.status)),
                key=str(appointment.id),
            )
        if self.appointments:
            appointments.move_cursor(row=min(max(row, 0), len(self.appointments) - 1))
        self.query_one("#relays-title", Static).update(
            _("Relays to follow up ({count})").format(count=len(self.relays))
        )
        self.query_one("#appointments-title", Static).update(
            _("Appointments to fill in ({count})").format(count=len(self.appointments))
        )
        self.show_relay_detail()
        if message.expired:
            self.say(
                ngettext(
                    "{count} relay without news for 30 days has expired.",
                    "{count} relays without news for 30 days have expired.",
                    message.expired,
                ).format(count=message.expired)
            )
        if not self._loaded:
            self._loaded = True
            if not self.relays and self.appointments:
                appointments.focus()

    @on(DataTable.RowHighlighted, "#relays")
    def show_relay_detail(self) -> None:
        """Under the relays: how to reach the partner, when it was sent, when it expires."""
        relay = self.selected_relay()
        detail = Text()
        if relay is not None:
            detail.append_text(literal(relay.partner_name, 40))
            if relay.partner_phone:
                detail.append(" — " + _("phone") + " ")
                detail.append_text(literal(relay.partner_phone, 20))
            if relay.contact:
                detail.append(" — " + _("contact") + " ")
                detail.append_text(literal(relay.contact, 40))
            detail.append(
                " — "
                + _("sent on {day}, expires on {expiry} without news").format(
                    day=format_date(self.office.local_day(relay.sent_at), "short"),
                    expiry=format_date(relay.expires_on, "short"),
                ),
                style="dim",
            )
        self.query_one("#relay-detail", Static).update(detail)

    # Selection and keys -------------------------------------------------------------------

    def selected_relay(self) -> RelayFollowUp | None:
        """The relay under the cursor."""
        return at_cursor(self.query_one("#relays", DataTable), self.relays)

    def selected_appointment(self) -> AppointmentView | None:
        """The appointment under the cursor."""
        return at_cursor(self.query_one("#appointments", DataTable), self.appointments)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Relay keys work on the relay list, appointment keys on the other one."""
        focused = self.focused.id if self.focused is not None else None
        if action in RELAY_ACTIONS:
            return focused == "relays"
        if action in APPOINTMENT_ACTIONS:
            return focused == "appointments"
        return True

    def on_descendant_focus(self, _event: DescendantFocus) -> None:
        """Show the keys of the list that took the focus."""
        self.refresh_bindings()

    def action_switch_list(self) -> None:
        """Go to the other list."""
        relays = self.query_one("#relays", DataTable)
        target = "#appointments" if self.focused is relays else "#relays"
        self.query_one(target, DataTable).focus()

    def action_back(self) -> None:
        """Back to where the screen was opened from."""
        self.leave()

    # Relays -------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        """The partner took the person in charge."""
        self.record_relay(RelayStatus.CONFIRMED)

    def action_unreachable(self) -> None:
        """Nobody could be reached to know."""
        self.record_relay(RelayStatus.UNREACHABLE)

    def record_relay(self, status: RelayStatus) -> None:
        """Record news of the selected relay, through the one use case."""
        relay = self.selected_relay()
        if relay is None:
            return
        service = self.use_cases.followups
        actor = self.actor

        def job() -> str:
            summary = service.record_news(relay.id, RelayNews(status), actor)
            return relay_news_text(relay.partner_name, summary)

        self.act(job)

    def action_refuse(self) -> None:
        """The partner did not take the person in charge: ask why."""
        relay = self.selected_relay()
        if relay is not None:
            self.app.push_screen(RefusalReasonModal(relay.id, relay.partner_name), self.dialog_done)

    def action_postpone(self) -> None:
        """Follow the selected relay up later."""
        relay = self.selected_relay()
        if relay is not None:
            self.app.push_screen(PostponeForm(relay.id, relay.partner_name), self.dialog_done)

    def dialog_done(self, result: str | None) -> None:
        """A dialog recorded something: say what, and read the lists again."""
        if result:
            self.say(result)
            self.refresh_lists()

    # Appointments -------------------------------------------------------------------------

    def action_seen(self) -> None:
        """The person was seen."""
        self.record_appointment(AppointmentStatus.SEEN)

    def action_no_show(self) -> None:
        """The person did not come."""
        self.record_appointment(AppointmentStatus.NO_SHOW)

    def action_excused(self) -> None:
        """The person let the office know they could not come."""
        self.record_appointment(AppointmentStatus.EXCUSED)

    def action_cancelled(self) -> None:
        """The appointment did not take place on the office's side."""
        self.record_appointment(AppointmentStatus.CANCELLED)

    def record_appointment(self, status: AppointmentStatus) -> None:
        """Record the outcome of the selected appointment in a worker."""
        appointment = self.selected_appointment()
        if appointment is None:
            return
        service = self.use_cases.followups
        actor = self.actor
        timezone = self.office.timezone

        def job() -> str:
            done = service.record_appointment(appointment.id, status, actor)
            return _("Appointment of {when}: {status}.").format(
                when=format_datetime(done.starts_at, timezone),
                status=word(APPOINTMENT_STATUS_LABELS, done.status),
            )

        self.act(job)
