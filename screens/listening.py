"""Écoute: the visitor's header, their prior orientations, and the demands of this visit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from pimms_tui.db.enums import Outcome
from pimms_tui.domain.orientation import ListeningView
from pimms_tui.i18n import N_, _, format_date, format_datetime, label
from pimms_tui.labels import (
    APPOINTMENT_STATUS_LABELS,
    LEVEL_LABELS,
    NEED_LABELS,
    OUTCOME_LABELS,
    RELAY_STATUS_LABELS,
    word,
)

from .base import DeskScreen
from .errors import refusal_text
from .forms import refusal_as_value
from .literal import clean, literal
from .orientation import FOLLOW_ON_FORMS, DemandForm, OutcomeChooser


class ListeningScreen(DeskScreen):
    """Listening and orientation of one visit."""

    BINDINGS = [
        Binding("d", "add_demand", N_("Add demand"), id="add_demand"),
        Binding("o", "orient", N_("Orientation"), id="orient"),
        Binding("delete", "remove_demand", N_("Remove demand"), id="remove_demand"),
        Binding("c", "close_visit", N_("Close visit"), id="close_visit"),
        Binding("escape", "back", N_("Back to the queue"), id="listening_back"),
    ]

    def __init__(self, visit_id: int) -> None:
        super().__init__()
        self.visit_id = visit_id
        self.view: ListeningView | None = None

    def compose(self) -> ComposeResult:
        """Header line, demands on the left, history on the right."""
        yield Header()
        yield from self.compose_banner()
        yield Static("", id="visit-header")
        with Horizontal(id="listening"):
            with Vertical(id="demands-pane"):
                yield Static(_("Demands of this visit"), classes="title")
                table: DataTable[Any] = DataTable(id="demands", cursor_type="row")
                yield table
                yield Static("", id="listening-error", classes="field-error", markup=False)
            with VerticalScroll(id="prior-pane"):
                yield Static(_("Prior orientations"), classes="title")
                yield Static("", id="prior")
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then the data."""
        table = self.query_one("#demands", DataTable)
        for key, title, width in (  # fixed widths: see the queue screen
            ("position", "#", 2),
            ("motif", _("Reason"), 18),
            ("partner", _("Partner"), 12),
            ("level", _("Level"), 10),
            ("outcome", _("Orientation"), 16),
            ("note", _("Note"), 20),
        ):
            table.add_column(title, key=key, width=width)
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read the visit off the UI thread (the latest reading wins)."""
        orientation, actor, visit_id = self.use_cases.orientation, self.actor, self.visit_id
        self.in_background(
            lambda: orientation.listening(visit_id, actor), self.show, group="listening"
        )

    def show(self, view: ListeningView) -> None:
        """Draw the header, the demands and the history."""
        self.view = view
        header = view.header
        name = (
            literal(" ".join(p for p in (header.first_name, header.last_name) if p), 60)
            if not header.anonymous
            else Text(_("anonymous"), style="italic")
        )
        line = Text.assemble((header.ticket_code + "  ", "bold"), name)
        needs = [word(NEED_LABELS, n) for n in header.needs]
        if header.interpreter_language:
            needs.append(clean(header.interpreter_language, 20))
        if needs:
            line.append("  · " + ", ".join(needs))
        if not header.anonymous:
            consent = (
                _("file kept with consent")
                if header.keep_file_consent
                else _("no consent recorded")
            )
            line.append("  · " + consent, style="dim")
        self.query_one("#visit-header", Static).update(line)

        table = self.query_one("#demands", DataTable)
        row = table.cursor_row
        table.clear()
        for demand in view.demands:
            outcome = word(OUTCOME_LABELS, demand.outcome) if demand.outcome else _("— to orient —")
            table.add_row(
                Text(str(demand.position)),
                literal(label(demand.motif_label_fr, demand.motif_label_en), 30),
                literal(demand.partner_name or "", 25),
                Text(word(LEVEL_LABELS, demand.level)),
                Text(outcome, style="" if demand.outcome else "bold yellow"),
                literal(demand.note or "", 40),
                key=str(demand.id),
            )
        if view.demands:
            table.move_cursor(row=min(max(row, 0), len(view.demands) - 1))
        self.query_one("#prior", Static).update(self.prior_text(view))

    def prior_text(self, view: ListeningView) -> Text:
        """The visitor's history: open relays, upcoming appointments, latest demands."""
        prior = view.prior
        text = Text()
        if view.header.anonymous:
            text.append(_("Anonymous visit: no history."), style="dim")
            return text
        if prior.open_relays:
            text.append(_("Open relays") + "\n", style="bold")
            for relay in prior.open_relays:
                text.append("• ")
                text.append_text(literal(relay.partner_name, 30))
                text.append(
                    " — "
                    + word(RELAY_STATUS_LABELS, relay.status)
                    + " — "
                    + _("follow-up {day}").format(day=format_date(relay.follow_up_on))
                    + "\n"
                )
        if prior.upcoming_appointments:
            text.append(_("Upcoming appointments") + "\n", style="bold")
            for appointment in prior.upcoming_appointments:
                who = appointment.staff_name or appointment.partner_name or ""
                text.append("• " + format_datetime(appointment.starts_at, self.timezone) + " ")
                text.append_text(literal(who, 30))
                text.append(" — " + word(APPOINTMENT_STATUS_LABELS, appointment.status) + "\n")
        if prior.demands:
            text.append(_("Latest demands") + "\n", style="bold")
            for demand in prior.demands:
                text.append("• " + format_date(demand.day, "short") + " ")
                text.append_text(literal(label(demand.motif_label_fr, demand.motif_label_en), 30))
                if demand.partner_name:
                    text.append(" · ")
                    text.append_text(literal(demand.partner_name, 25))
                text.append(" → " + word(OUTCOME_LABELS, demand.outcome) + "\n")
        if not text.plain:
            text.append(_("First visit: no history yet."), style="dim")
        return text

    @property
    def timezone(self) -> str:
        """The office's timezone."""
        return self.session.office.timezone if self.session.office else "Europe/Paris"

    def selected_demand_id(self) -> int | None:
        """The demand under the cursor."""
        if self.view is None or not self.view.demands:
            return None
        row = self.query_one("#demands", DataTable).cursor_row
        if 0 <= row < len(self.view.demands):
            return self.view.demands[row].id
        return None

    def say(self, text: str) -> None:
        """A message under the demands."""
        self.query_one("#listening-error", Static).update(text)

    # Actions ---------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#demands")
    def row_chosen(self) -> None:
        """Enter on a demand (the table takes the key before the screen's binding)."""
        self.action_orient()

    def action_add_demand(self) -> None:
        """Open the demand form."""
        self.say("")
        self.app.push_screen(DemandForm(self.visit_id), self.after_form)

    def action_orient(self) -> None:
        """Choose the orientation of the selected demand."""
        demand_id = self.selected_demand_id()
        if demand_id is None:
            self.say(_("Add a demand first (key d)."))
            return
        self.say("")
        self.app.push_screen(
            OutcomeChooser(demand_id), lambda result: self.after_outcome(demand_id, result)
        )

    def after_outcome(self, demand_id: int, result: object) -> None:
        """The outcome is chosen: a relay or an appointment opens its form (whose save redraws
        the screen too); a simple outcome is saved already."""
        if isinstance(result, Outcome) and result in FOLLOW_ON_FORMS:
            self.app.push_screen(FOLLOW_ON_FORMS[result](demand_id), self.after_form)
        else:
            self.after_form(result)

    def after_form(self, _result: object) -> None:
        """A form closed: show what it saved."""
        self.reload()

    def action_remove_demand(self) -> None:
        """Remove the selected demand (only while it has no orientation)."""
        demand_id = self.selected_demand_id()
        if demand_id is not None:
            orientation, actor = self.use_cases.orientation, self.actor
            self.write(lambda: orientation.remove_demand(demand_id, actor), self.reload)

    def action_close_visit(self) -> None:
        """Close the visit; refused while a demand has no orientation."""
        orientation, actor, visit_id = self.use_cases.orientation, self.actor, self.visit_id
        self.write(lambda: orientation.close_visit(visit_id, actor), self.closed)

    def closed(self) -> None:
        """The visit is closed: back to the queue."""
        self.notify(_("Visit closed."))
        self.leave()

    def write(self, job: Callable[[], None], done: Callable[[], None]) -> None:
        """Run a write off the UI thread (retried through an outage); a refusal is shown
        here rather than as a notice."""
        self.say("")

        def answered(outcome: tuple[None, BaseException | None]) -> None:
            _nothing, refusal = outcome
            if refusal is not None:
                self.say(refusal_text(refusal) or "")
            else:
                done()

        self.in_background(
            refusal_as_value(job), answered, group="listening-write", exclusive=False, saving=True
        )

    def action_back(self) -> None:
        """Back to the queue; the visit stays in progress at this desk."""
        self.leave()
