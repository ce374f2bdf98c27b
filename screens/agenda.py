"""The agenda: a day or a week of appointments, of everyone or of one person, and arrivals.

Checking a person in (``i``) gives them an R- ticket in the shared queue, ahead of walk-ins
when the appointment is due. Booking (``b``) finds a visitor as you type (or none: an
anonymous appointment), then a free slot. Refusals are written in the status line.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.enums import AppointmentStatus
from pimms_tui.domain.agenda import AgendaPerson, week_start
from pimms_tui.domain.appointments import AppointmentView, Slot
from pimms_tui.domain.visitors import VisitorMatch
from pimms_tui.i18n import N_, _, format_date, format_duration, format_time, ngettext
from pimms_tui.labels import APPOINTMENT_STATUS_LABELS, word

from .literal import clean
from .slots import SlotFinderForm, person_from_key
from .worklist import WorklistScreen, at_cursor, motif_text, visitor_name, with_whom

if TYPE_CHECKING:
    pass

# How each status looks in the agenda: what is still to come stands out, the rest fades.
STATUS_STYLES = {
    AppointmentStatus.BOOKED: "",
    AppointmentStatus.ARRIVED: "bold green",
    AppointmentStatus.CANCELLED: "dim strike",
}


class AgendaLoaded(Message):
    """The appointments of the day or week shown, read in a worker."""

    def __init__(self, start: date, week: bool, days: dict[date, list[AppointmentView]]) -> None:
        super().__init__()
        self.start = start
        self.week = week
        self.days = days


class PeopleLoaded(Message):
    """Who has an agenda, for the selector."""

    def __init__(self, people: list[AgendaPerson]) -> None:
        super().__init__()
        self.people = people


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
        self.day = self._start_day or self.today()
        self.set_columns()
        self.query_one("#agenda", DataTable).focus()
        self.load_people()

    def on_screen_resume(self) -> None:
        """Read the agenda each time the screen shows (others book and check in too)."""
        self.refresh_lists()

    def today(self) -> date:
        """The office's day now."""
        return self.office.local_day(self.use_cases.now())

    # Loading ------------------------------------------------------------------------------

    @work(thread=True, group="agenda-people", exit_on_error=False)
    def load_people(self) -> None:
        """Read who has an agenda off the UI thread."""
        self.post_message(PeopleLoaded(self.use_cases.agenda.people()))

    @on(PeopleLoaded)
    def show_people(self, message: PeopleLoaded) -> None:
        """Fill the selector: mediators, then partner sessions."""
        self.query_one("#agenda-person", Select).set_options(
            [(person_label(person), person.key) for person in message.people]
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

    @work(thread=True, exclusive=True, group="agenda-load", exit_on_error=False)
    def load_agenda(
        self, start: date, week: bool, staff_id: int | None, partner_id: int | None
    ) -> None:
        """Read the appointments off the UI thread."""
        agenda = self.use_cases.agenda
        if week:
            days = agenda.week(start, staff_id=staff_id, partner_id=partner_id)
        else:
            days = {start: agenda.day(start, staff_id=staff_id, partner_id=partner_id)}
        self.post_message(AgendaLoaded(start, week, days))

    @on(AgendaLoaded)
    def show_agenda(self, message: AgendaLoaded) -> None:
        """Draw the appointments, keeping the cursor on the same one."""
        if (message.start, message.week) != (self.shown_start(), self.week_mode):
            return  # the user moved on meanwhile; that read is on its way
        table = self.query_one("#agenda", DataTable)
        selected = self.selected()
        timezone = self.office.timezone
        table.clear()
        self.rows = [(day, view) for day, views in message.days.items() for view in views]
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
            if self.day == self.today():
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
        self.move_to(self.today())

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
        agenda = self.use_cases.agenda
        actor = self.actor

        def job() -> str:
            ticket = agenda.check_in(appointment.id, actor)
            if ticket.position is not None:
                text = _("Checked in: ticket {ticket}, number {position} in the queue.").format(
                    ticket=ticket.ticket_code, position=ticket.position
                )
            else:
                text = _("Checked in: ticket {ticket}.").format(ticket=ticket.ticket_code)
            self.app.call_from_thread(self.app.notify, text, markup=False)
            return text

        self.act(job)

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
        day = max(self.day, self.today())
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


class BookingForm(SlotFinderForm):
    """Book from the agenda: the visitor (or nobody: anonymous), whom, the reason, a slot."""

    FIRST_FIELD = "#visitor-search"

    def __init__(self, day: date, person_key: str | None = None) -> None:
        super().__init__()
        self.day = day
        self.person_key = person_key
        self.visitor: VisitorMatch | None = None
        self.matches: list[VisitorMatch] = []

    def compose(self) -> ComposeResult:
        """Visitor search, whom, reason, day and its free slots."""
        reason = (
            Label(_("Reason (optional)")),
            Select(self.motif_options(), prompt=_("no reason given"), id="motif"),
        )
        with VerticalScroll(id="booking", classes="dialog form"):
            yield Static(_("Book an appointment"), classes="title")
            yield Label(_("Visitor: name or phone (empty: anonymous)"))
            yield Input(id="visitor-search", max_length=80)
            yield OptionList(id="visitor-matches")
            yield Static(self.visitor_line(), id="visitor-chosen")
            yield from self.compose_slot_finder(self.day, whom=self.person_key, between=reason)
            yield from self.compose_error()
            yield Static(_("Enter on a slot: book · Esc: cancel"), classes="hint")

    # The visitor ----------------------------------------------------------------------------

    def visitor_line(self) -> Text:
        """Whom the appointment is for, as chosen so far."""
        who = (
            visitor_name(self.visitor.first_name, self.visitor.last_name, 60)
            if self.visitor is not None
            else Text(_("anonymous"), style="italic")
        )
        return Text.assemble(_("For:") + " ", who)

    @on(Input.Changed, "#visitor-search")
    def search_changed(self, event: Input.Changed) -> None:
        """Search as the name is typed; the choice is dropped when the text changes."""
        self.visitor = None
        self.query_one("#visitor-chosen", Static).update(self.visitor_line())
        text = event.value.strip()
        if text:
            self.search_visitors(text)
        else:
            self.show_matches("", [])

    @work(thread=True, exclusive=True, group="visitor-search", exit_on_error=False)
    def search_visitors(self, text: str) -> None:
        """Find visitors off the UI thread."""
        office = self.session.office
        assert office is not None
        matches = VisitorService(self.container.database, office.id).search(text)
        self.app.call_from_thread(self.show_matches, text, matches)

    def show_matches(self, text: str, matches: list[VisitorMatch]) -> None:
        """List the visitors found for the text still typed."""
        if text != self.query_one("#visitor-search", Input).value.strip():
            return
        self.matches = matches
        options = self.query_one("#visitor-matches", OptionList)
        options.clear_options()
        for index, match in enumerate(matches):
            options.add_option(Option(match_label(match), id=str(index)))
        if matches:
            options.highlighted = 0
        elif text:
            self.say(_("Nobody found: check the spelling, or leave empty for anonymous."))
            return
        self.say("")

    @on(Input.Submitted, "#visitor-search")
    def search_submitted(self) -> None:
        """Enter: to the list of matches, or on to the day when booking anonymously."""
        if self.matches:
            self.query_one("#visitor-matches", OptionList).focus()
        elif not self.query_one("#visitor-search", Input).value.strip():
            self.query_one("#day", Input).focus()

    @on(OptionList.OptionSelected, "#visitor-matches")
    def visitor_chosen(self, event: OptionList.OptionSelected) -> None:
        """This is the visitor; on to the day."""
        self.visitor = self.matches[int(str(event.option.id))]
        self.query_one("#visitor-chosen", Static).update(self.visitor_line())
        self.say("")
        self.query_one("#day", Input).focus()

    # The booking ----------------------------------------------------------------------------

    def book(self, slot: Slot) -> None:
        """Book for the chosen visitor, or anonymously when no name is typed."""
        if self.visitor is None and self.query_one("#visitor-search", Input).value.strip():
            self.say(_("Pick the visitor in the list, or clear the name for an anonymous one."))
            self.query_one("#visitor-search", Input).focus()
            return
        motif = self.query_one("#motif", Select).value
        visitor_id = self.visitor.id if self.visitor is not None else None
        motif_id = motif if isinstance(motif, int) else None
        uses, actor = self.use_cases, self.actor
        self.save_in_worker(lambda: uses.appointments.book(visitor_id, slot, motif_id, actor))

    def saved(self, result: Any) -> None:
        """Close with the appointment booked: the agenda shows its day."""
        self.dismiss(result)

    def has_content(self) -> bool:
        """A name typed or a reason chosen would be lost (the day is pre-filled)."""
        return bool(self.query_one("#visitor-search", Input).value.strip()) or isinstance(
            self.query_one("#motif", Select).value, int
        )


def match_label(match: VisitorMatch) -> Text:
    """A visitor found: name, birth year and commune, enough to tell two people apart."""
    text = visitor_name(match.first_name, match.last_name, 40)
    extra = [str(match.birth_year)] if match.birth_year else []
    if match.commune:
        extra.append(clean(match.commune, 30))
    if extra:
        text.append("  · " + " · ".join(extra), style="dim")
    return text
