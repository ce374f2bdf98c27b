"""The agenda: a day or a week of appointments, of everyone or of one person, and arrivals.

Checking a person in (``i``) gives them an R- ticket in the shared queue, ahead of walk-ins
when the appointment is due. Booking (``b``) finds a visitor as you type (or none: an
anonymous appointment), then a free slot. Refusals are written in the status line.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Select, Static

from pimms_tui.db.enums import AppointmentStatus
from pimms_tui.domain.agenda import AgendaPerson, week_start
from pimms_tui.domain.appointments import AppointmentView
from pimms_tui.domain.queue import Ticket
from pimms_tui.errors import PimmsError
from pimms_tui.i18n import N_, _, format_date, format_duration, format_time, ngettext
from pimms_tui.labels import APPOINTMENT_STATUS_LABELS, word

from .booking import BookingForm
from .errors import refusal_text
from .literal import clean
from .slots import person_from_key
from .worklist import WorklistScreen, at_cursor, motif_text, visitor_name, with_whom

# How each status looks in the agenda: what is still to come stands out, the rest fades.
STATUS_STYLES = {
    AppointmentStatus.BOOKED: "",
    AppointmentStatus.ARRIVED: "bold green",
    AppointmentStatus.CANCELLED: "dim strike",
}


class AgendaScreen(WorklistScreen):
    """The office's appointments, by day or week."""

    CSS_PATH = ["worklist.tcss", "agenda.tcss"]
    BINDINGS = [
        Binding("i", "check_in", N_("Check in"), id="agenda_check_in"),
        Binding("b", "book", N_("Book…"), id="agenda_book"),
        Binding("x", "cancel_appointment", N_("Cancel"), id="agenda_cancel"),
        Binding("n", "no_show", N_("No-show"), id="agenda_no_show"),
        Binding("e", "excused", N_("Excused"), id="agenda_excused"),
        Binding("w", "toggle_week", N_("Day / week"), id="agenda_week"),
        # Priority: the table would otherwise take the arrows to move between columns. Out of
        # the footer, which they would lead (priority keys come first): the help and the
        # title line show them.
        Binding(
            "left", "previous", N_("Previous"), id="agenda_previous", priority=True, show=False
        ),
        Binding("right", "next", N_("Next"), id="agenda_next", priority=True, show=False),
        Binding("t", "today", N_("Today"), id="agenda_today"),
        Binding("escape", "back", N_("Back"), id="agenda_back"),
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self._start_day = day
        self.day = day or date.min
        self.week_mode = False
        self.rows: list[tuple[date, AppointmentView]] = []
        self._reading: tuple[date, bool, int | None, int | None] | None = None

    def compose(self) -> ComposeResult:
        """Whom and when on top, the appointments, the status line."""
        yield Header()
        yield from self.compose_banner()
        with Horizontal(id="agenda-bar"):
            yield Select[str]([], prompt=_("everyone"), id="agenda-person")
            yield Static("", id="agenda-title", markup=False)
        yield DataTable(id="agenda", cursor_type="row", zebra_stripes=True)
        yield from self.compose_status()
        yield Footer()

    def on_mount(self) -> None:
        """Today by default; the people for the selector; focus on the table."""
        self.sub_title = _("Agenda")
        self.day = self._start_day or self.use_cases.today()
        self.set_columns()
        self.query_one("#agenda", DataTable).focus()
        self.load_people()

    def on_screen_resume(self) -> None:
        """Read the agenda each time the screen shows (others book and check in too)."""
        self.refresh_lists()

    # Loading ------------------------------------------------------------------------------

    def load_people(self) -> None:
        """Read who has an agenda off the UI thread."""
        self.in_background(
            self.use_cases.agenda.people, self.show_people, group="agenda-people", exclusive=False
        )

    def show_people(self, people: list[AgendaPerson]) -> None:
        """Fill the selector: mediators, then partner sessions."""
        self.query_one("#agenda-person", Select).set_options(
            [(person_label(person), person.key) for person in people]
        )

    @on(Select.Changed, "#agenda-person")
    def person_changed(self) -> None:
        """Show the chosen person's agenda."""
        self.refresh_lists()

    def refresh_lists(self) -> None:
        """Read the day or week shown again."""
        staff_id, partner_id = person_from_key(self.query_one("#agenda-person", Select).value)
        self.load_agenda(self.shown_start(), self.week_mode, staff_id, partner_id)

    def shown_start(self) -> date:
        """The first day shown: the day, or the Monday of its week."""
        return week_start(self.day) if self.week_mode else self.day

    def load_agenda(
        self, start: date, week: bool, staff_id: int | None, partner_id: int | None
    ) -> None:
        """Read the appointments off the UI thread (a newer read replaces this one; the same
        read asked twice at once — the screen resumed and a booking moved it — runs once)."""
        asked = (start, week, staff_id, partner_id)
        if asked == self._reading:
            return
        self._reading = asked
        agenda = self.use_cases.agenda

        def read() -> dict[date, list[AppointmentView]]:
            if week:
                return agenda.week(start, staff_id=staff_id, partner_id=partner_id)
            return {start: agenda.day(start, staff_id=staff_id, partner_id=partner_id)}

        def forget(*_why: object) -> None:  # not read: the next ask reads again
            if self._reading == asked:
                self._reading = None

        self.in_background(
            read,
            lambda days: self.show_agenda(start, week, days),
            group="agenda-load",
            refused=forget,
            failed=forget,
        )

    def show_agenda(self, start: date, week: bool, days: dict[date, list[AppointmentView]]) -> None:
        """Draw the appointments, keeping the cursor on the same one."""
        self._reading = None
        if (start, week) != (self.shown_start(), self.week_mode):
            return  # the user moved on meanwhile; that read is on its way
        table = self.query_one("#agenda", DataTable)
        selected = self.selected()
        timezone = self.office.timezone
        table.clear()
        self.rows = [(day, view) for day, views in days.items() for view in views]
        for day, view in self.rows:
            style = STATUS_STYLES.get(AppointmentStatus(view.status), "dim")
            cells: list[Any] = [Text(format_date(day, "EEE d MMM"))] if self.week_mode else []
            cells += [
                Text(format_time(view.starts_at, timezone), style="bold"),
                Text(format_duration(timedelta(minutes=view.duration_minutes))),
                with_whom(view),
                visitor_name(view.visitor_first_name, view.visitor_last_name),
                motif_text(view.motif_label_fr, view.motif_label_en),
                Text(word(APPOINTMENT_STATUS_LABELS, view.status), style=style),
            ]
            table.add_row(*cells, key=str(view.id))
        for index, (_day, view) in enumerate(self.rows):
            if selected is not None and view.id == selected.id:
                table.move_cursor(row=index)
        self.query_one("#agenda-title", Static).update(self.title_text(len(self.rows)))

    def title_text(self, count: int) -> str:
        """What is shown: the day (or week) and how many appointments."""
        if self.week_mode:
            shown = _("Week of {day}").format(day=format_date(week_start(self.day), "long"))
        else:
            shown = format_date(self.day, "full")
            if self.day == self.use_cases.today():
                shown = _("{day} (today)").format(day=shown)
        arrows = _("←/→ week before/after") if self.week_mode else _("←/→ day before/after")
        return (
            ngettext(
                "{shown} — {count} appointment", "{shown} — {count} appointments", count
            ).format(shown=shown, count=count)
            + "   "
            + arrows
        )

    def set_columns(self) -> None:
        """The columns of the day view, with the day first in the week view."""
        table = self.query_one("#agenda", DataTable)
        table.clear(columns=True)
        columns = [("day", _("Day"), 11)] if self.week_mode else []
        columns += [
            ("time", _("Time"), 6),
            ("duration", _("Length"), 8),
            ("with", _("With"), 24),
            ("visitor", _("Visitor"), 24),
            ("motif", _("Reason"), 20),
            ("status", _("Status"), 10),
        ]
        for key, title, width in columns:
            table.add_column(title, key=key, width=width)
        self.rows = []

    def selected(self) -> AppointmentView | None:
        """The appointment under the cursor."""
        row = at_cursor(self.query_one("#agenda", DataTable), self.rows)
        return row[1] if row is not None else None

    # Moving -------------------------------------------------------------------------------

    def move_to(self, day: date) -> None:
        """Show another day (or its week)."""
        self.day = day
        self.refresh_lists()

    def action_previous(self) -> None:
        """The day (or week) before."""
        self.move_to(self.day - timedelta(days=7 if self.week_mode else 1))

    def action_next(self) -> None:
        """The day (or week) after."""
        self.move_to(self.day + timedelta(days=7 if self.week_mode else 1))

    def action_today(self) -> None:
        """Back to today."""
        self.move_to(self.use_cases.today())

    def action_toggle_week(self) -> None:
        """Switch between the day and its week."""
        self.week_mode = not self.week_mode
        self.set_columns()
        self.refresh_lists()

    def action_back(self) -> None:
        """Back to where the agenda was opened from."""
        self.leave()

    # Acting on an appointment -------------------------------------------------------------

    def action_check_in(self) -> None:
        """The person arrived: an R- ticket in the queue."""
        appointment = self.selected()
        if appointment is None:
            return
        agenda, actor, at = self.use_cases.agenda, self.actor, self.container.clock.now()
        self.say("")
        self.in_background(
            lambda: agenda.check_in(appointment.id, actor, at=at),
            self.checked_in,
            group="agenda-check-in",
            exclusive=False,
            saving=True,
            refused=self.check_in_refused,
        )

    def checked_in(self, ticket: Ticket) -> None:
        """Say which ticket the person has (a notice, and the status line); read again."""
        if ticket.position is not None:
            text = _("Checked in: ticket {ticket}, number {position} in the queue.").format(
                ticket=ticket.ticket_code, position=ticket.position
            )
        else:
            text = _("Checked in: ticket {ticket}.").format(ticket=ticket.ticket_code)
        self.app.notify(text, markup=False)
        self.say(text)
        self.refresh_lists()

    def check_in_refused(self, refusal: PimmsError) -> None:
        """Cancelled, already checked in, another day…: say why in the status line."""
        self.say(refusal_text(refusal) or "", refused=True)
        self.refresh_lists()

    def action_cancel_appointment(self) -> None:
        """Cancel the selected appointment (its time is free again)."""
        self.change_status("cancel", _("cancelled"))

    def action_no_show(self) -> None:
        """The person did not come."""
        self.change_status("mark_no_show", _("no-show"))

    def action_excused(self) -> None:
        """The person let the office know they could not come."""
        self.change_status("mark_excused", _("excused"))

    def change_status(self, operation: str, done: str) -> None:
        """Run one of the agenda's status changes on the selected appointment."""
        appointment = self.selected()
        if appointment is None:
            return
        agenda = self.use_cases.agenda
        actor = self.actor
        timezone = self.office.timezone

        def job() -> str:
            getattr(agenda, operation)(appointment.id, actor)
            return _("Appointment at {time}: {status}.").format(
                time=format_time(appointment.starts_at, timezone), status=done
            )

        self.act(job)

    def action_book(self) -> None:
        """Book an appointment on the day shown (or later), with the person selected."""
        key = self.query_one("#agenda-person", Select).value
        day = max(self.day, self.use_cases.today())
        self.app.push_screen(BookingForm(day, key if isinstance(key, str) else None), self.booked)

    def booked(self, view: AppointmentView | None) -> None:
        """Show the day of the appointment just booked."""
        if view is None:
            return
        timezone = self.office.timezone
        self.say(
            _("Appointment booked on {day} at {time}.").format(
                day=format_date(self.office.local_day(view.starts_at), "full"),
                time=format_time(view.starts_at, timezone),
            )
        )
        self.move_to(self.office.local_day(view.starts_at))


def person_label(person: AgendaPerson) -> str:
    """A mediator's name, or "Permanence : <partner>"."""
    if person.kind == "partner":
        return clean(_("Partner session: {name}").format(name=person.name), 60)
    return clean(person.name, 60)
