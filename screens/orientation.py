"""Forms of the listening screen: a demand, its orientation, a relay, an appointment.

Each form saves in a worker and closes only when the domain accepted the save; a refusal is
shown next to the form and everything typed stays in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from pimms_tui.db.enums import HelpLevel, Outcome, RelayMode
from pimms_tui.domain.appointments import Slot
from pimms_tui.domain.orientation import (
    SHARE_CONSENT_TEXT_EN,
    SHARE_CONSENT_TEXT_FR,
    DemandInput,
    RelayInput,
)
from pimms_tui.domain.reference import DEFAULT_REGISTER
from pimms_tui.i18n import N_, _, active_language, format_date, format_time, label

from .base import DeskModal
from .errors import refusal_field, refusal_text
from .labels import LEVEL_LABELS, OUTCOME_LABELS, RELAY_MODE_LABELS, word
from .literal import literal

DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d/%m")


def parse_day(text: str, today: date) -> date | None:
    """A day typed as 15/03/2026, 15/03 (this year), 2026-03-15, or +14 (days from today)."""
    text = text.strip()
    if text.startswith("+") and text[1:].isdigit():
        return today + timedelta(days=int(text[1:]))
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return parsed.replace(year=today.year) if fmt == "%d/%m" else parsed
    return None


class FormModal(DeskModal):
    """A dialog whose save runs in a worker; refusals are shown in the form, content kept."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="form_save"),
        Binding("escape", "cancel", N_("Cancel"), id="form_cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._leave_armed = False

    def compose_error(self) -> ComposeResult:
        """The line where refusals appear."""
        yield Static("", classes="field-error form-error", markup=False)

    def say(self, text: str) -> None:
        """Show a message in the form, scrolled into view (a long form scrolls)."""
        line = self.query_one(".form-error", Static)
        line.update(text)
        if text:
            line.scroll_visible()

    def save_in_worker(self, job: Callable[[], Any]) -> None:
        """Run ``job`` off the UI thread; close with its result when it succeeds."""
        self.say("")
        self.run_save(job)

    @work(thread=True, group="form-save", exit_on_error=False)
    def run_save(self, job: Callable[[], Any]) -> Any:
        """The save itself."""
        return job()

    @on(Worker.StateChanged)
    def save_finished(self, event: Worker.StateChanged) -> None:
        """Close on success; show the reason on a refusal."""
        if event.worker.group != "form-save":
            return
        if event.state == WorkerState.SUCCESS:
            self.saved(event.worker.result)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            text = refusal_text(event.worker.error)
            if text is not None:
                event.prevent_default()  # shown here rather than as a notice
                self.say(text)
                field = refusal_field(event.worker.error)
                for widget in self.query(f"#{field.replace('_', '-')}") if field else ():
                    widget.focus()

    def saved(self, result: Any) -> None:
        """What happens after a successful save (close by default)."""
        self.dismiss(result)

    def has_content(self) -> bool:
        """Whether cancelling would drop something typed."""
        return any(i.value.strip() for i in self.query(Input))

    def action_cancel(self) -> None:
        """Close; a second Esc is needed when something was typed."""
        if self.has_content() and not self._leave_armed:
            self._leave_armed = True
            self.say(_("Press Esc again to close without saving (what you typed is dropped)."))
            return
        self.dismiss(None)

    def on_input_changed(self) -> None:
        """Typing again disarms the second Esc."""
        self._leave_armed = False


class DemandForm(FormModal):
    """A new demand: motif, partner, register, level of help, short note."""

    def __init__(self, visit_id: int) -> None:
        super().__init__()
        self.visit_id = visit_id

    def compose(self) -> ComposeResult:
        """The fields, in the order they are usually filled."""
        catalog = self.services.catalog()
        with VerticalScroll(classes="dialog form"):
            yield Static(_("New demand"), classes="title")
            yield Label(_("Reason"))
            yield Select(
                [(label(m.label_fr, m.label_en), m.id) for m in catalog.motifs],
                prompt=_("choose a reason"),
                id="motif",
            )
            yield Label(_("Partner concerned (optional)"))
            yield Select([(p.name, p.id) for p in catalog.partners], prompt=_("none"), id="partner")
            yield Label(_("Register of intervention"))
            yield Select(
                [(label(r.label_fr, r.label_en), r.code) for r in catalog.registers],
                value=DEFAULT_REGISTER,
                allow_blank=False,
                id="register",
            )
            yield Label(_("Level of help"))
            yield Select(
                [(word(LEVEL_LABELS, level), level.value) for level in HelpLevel],
                value=HelpLevel.INFORM.value,
                allow_blank=False,
                id="level",
            )
            yield Label(_("Short note (no social security, bank or password data)"))
            yield Input(id="note", max_length=500)
            yield from self.compose_error()
            yield Static(_("Ctrl+S or Enter in the note: save · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start on the reason."""
        self.query_one("#motif", Select).focus()

    @on(Input.Submitted, "#note")
    def action_save(self) -> None:
        """Check the reason is chosen, then save."""
        motif = self.query_one("#motif", Select).value
        if not isinstance(motif, int):
            self.say(_("Choose the reason of the demand."))
            self.query_one("#motif", Select).focus()
            return
        partner = self.query_one("#partner", Select).value
        data = DemandInput(
            motif_id=motif,
            partner_id=partner if isinstance(partner, int) else None,
            register_code=str(self.query_one("#register", Select).value),
            level=str(self.query_one("#level", Select).value),
            note=self.query_one("#note", Input).value.strip() or None,
        )
        services = self.services
        self.save_in_worker(
            lambda: services.orientation.add_demand(self.visit_id, data, services.actor)
        )

    def has_content(self) -> bool:
        """A chosen reason counts as content too."""
        return super().has_content() or isinstance(self.query_one("#motif", Select).value, int)


class OutcomeChooser(FormModal):
    """The five orientations; a digit or Enter picks one."""

    def __init__(self, demand_id: int) -> None:
        super().__init__()
        self.demand_id = demand_id

    def compose(self) -> ComposeResult:
        """The list of outcomes."""
        with Vertical(classes="dialog"):
            yield Static(_("Orientation of this demand"), classes="title")
            yield OptionList(
                *[
                    Option(f"{index} · {word(OUTCOME_LABELS, outcome)}", id=outcome.value)
                    for index, outcome in enumerate(Outcome, start=1)
                ],
                id="outcomes",
            )
            yield from self.compose_error()

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one("#outcomes", OptionList).focus()

    def on_key(self, event: Any) -> None:
        """Digits pick an outcome directly."""
        character = getattr(event, "character", None)
        if character and character.isdigit() and 1 <= int(character) <= len(Outcome):
            event.stop()
            self.choose(list(Outcome)[int(character) - 1])

    @on(OptionList.OptionSelected, "#outcomes")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """Enter picks the highlighted outcome."""
        self.choose(Outcome(str(event.option.id)))

    def choose(self, outcome: Outcome) -> None:
        """Record simple outcomes; open the relay or appointment form for the others."""
        if outcome == Outcome.RELAY:
            self.app.switch_screen(RelayForm(self.demand_id))
        elif outcome == Outcome.APPOINTMENT:
            self.app.switch_screen(AppointmentForm(self.demand_id))
        else:
            services = self.services
            self.save_in_worker(
                lambda: services.orientation.set_outcome(self.demand_id, outcome, services.actor)
            )

    def has_content(self) -> bool:
        """Nothing typed here."""
        return False


class RelayForm(FormModal):
    """Passer le relais: partner, mode, contact, reason, consent to share, follow-up date."""

    def __init__(self, demand_id: int) -> None:
        super().__init__()
        self.demand_id = demand_id

    def compose(self) -> ComposeResult:
        """The relay's fields."""
        catalog = self.services.catalog()
        today = self.services.clock.now().date()
        consent_text = SHARE_CONSENT_TEXT_FR if active_language() == "fr" else SHARE_CONSENT_TEXT_EN
        with VerticalScroll(classes="dialog form"):
            yield Static(_("Relay to a partner"), classes="title")
            yield Label(_("Partner (type to search)"))
            yield Select(
                [(p.name, p.id) for p in catalog.partners], prompt=_("choose"), id="partner"
            )
            yield Label(_("How"))
            yield Select(
                [(word(RELAY_MODE_LABELS, m), m.value) for m in RelayMode],
                value=RelayMode.REFERRAL_SLIP.value,
                allow_blank=False,
                id="mode",
            )
            yield Label(_("Contact person at the partner (optional)"))
            yield Input(id="contact", max_length=200)
            yield Label(_("Reason for the relay"))
            yield Input(id="reason", max_length=500)
            yield Static(consent_text, classes="consent-text", markup=False)
            yield Checkbox(_("The visitor agrees to share these details"), id="consent")
            yield Label(_("Details shared with the partner (only with consent)"))
            yield Input(id="shared", max_length=500)
            yield Label(_("Follow-up date (dd/mm/yyyy or +14)"))
            yield Input(
                format_date(today + timedelta(days=14), "short"), id="follow-up", max_length=12
            )
            yield from self.compose_error()
            yield Static(_("Ctrl+S: save and print the slip · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start on the partner."""
        self.query_one("#partner", Select).focus()

    def action_save(self) -> None:
        """Check the form, then record the relay and print the slip."""
        partner = self.query_one("#partner", Select).value
        if not isinstance(partner, int):
            self.say(_("Choose the partner."))
            self.query_one("#partner", Select).focus()
            return
        today = self.services.clock.now().date()
        follow_up = parse_day(self.query_one("#follow-up", Input).value, today)
        if follow_up is None or follow_up < today:
            self.say(_("The follow-up date is not valid: type it as dd/mm/yyyy, from today on."))
            self.query_one("#follow-up", Input).focus()
            return
        data = RelayInput(
            partner_id=partner,
            mode=str(self.query_one("#mode", Select).value),
            contact=self.query_one("#contact", Input).value.strip() or None,
            reason=self.query_one("#reason", Input).value.strip() or None,
            shared_details=self.query_one("#shared", Input).value.strip() or None,
            share_consent=self.query_one("#consent", Checkbox).value,
            follow_up_on=follow_up,
        )
        services = self.services

        def relay_and_print() -> str:
            relay = services.orientation.relay(self.demand_id, data, services.actor)
            return str(services.slips.referral_slip(relay.id, services.documents_dir))

        self.save_in_worker(relay_and_print)

    def saved(self, result: Any) -> None:
        """Say where the slip is, then close."""
        self.app.notify(_("Relay recorded. Referral slip: {path}").format(path=result), timeout=10)
        self.dismiss(result)


class AppointmentForm(FormModal):
    """An appointment for the demand: with whom, which day, then a free slot."""

    def __init__(self, demand_id: int) -> None:
        super().__init__()
        self.demand_id = demand_id
        self.slots: list[Slot] = []

    def compose(self) -> ComposeResult:
        """Whom, the day, the free slots."""
        catalog = self.services.catalog()
        whom: list[tuple[str, str]] = [(s.display_name, f"staff:{s.id}") for s in catalog.staff]
        whom += [
            (_("Partner session: {name}").format(name=p.name), f"partner:{p.id}")
            for p in catalog.partners
        ]
        today = self.services.clock.now().date()
        with VerticalScroll(classes="dialog form"):
            yield Static(_("Appointment"), classes="title")
            yield Label(_("With"))
            yield Select(whom, prompt=_("any mediator"), id="whom")
            yield Label(_("Day (dd/mm/yyyy, or +1 for tomorrow) — Enter shows the free slots"))
            yield Input(format_date(today, "short"), id="day", max_length=12)
            yield OptionList(id="slots")
            yield from self.compose_error()
            yield Static(
                _("Enter on a slot: book and print the card · Esc: cancel"), classes="hint"
            )

    def on_mount(self) -> None:
        """Start on the day and show today's slots."""
        self.query_one("#day", Input).focus()
        self.find_slots()

    @on(Input.Submitted, "#day")
    @on(Select.Changed, "#whom")
    def find_slots(self) -> None:
        """Look for free slots on the day typed."""
        today = self.services.clock.now().date()
        day = parse_day(self.query_one("#day", Input).value, today)
        if day is None:
            self.say(_("The day is not valid: type it as dd/mm/yyyy."))
            return
        if day < today:
            self.say(_("This day is past: choose today or later."))
            return
        self.say("")
        self.load_slots(day, self.whom())

    def whom(self) -> tuple[int | None, int | None]:
        """(staff id, partner id) chosen."""
        value = self.query_one("#whom", Select).value
        if isinstance(value, str):
            kind, _sep, ident = value.partition(":")
            return (int(ident), None) if kind == "staff" else (None, int(ident))
        return None, None

    @work(thread=True, exclusive=True, group="slots", exit_on_error=False)
    def load_slots(self, day: date, whom: tuple[int | None, int | None]) -> None:
        """Free slots off the UI thread."""
        slots = self.services.appointments.free_slots(day, staff_id=whom[0], partner_id=whom[1])
        self.app.call_from_thread(self.show_slots, slots)

    def show_slots(self, slots: list[Slot]) -> None:
        """List the slots, or say there are none."""
        self.slots = slots
        options = self.query_one("#slots", OptionList)
        options.clear_options()
        timezone = self.services.office.timezone if self.services.office else "Europe/Paris"
        staff = {s.id: s.display_name for s in self.services.catalog().staff}
        for index, slot in enumerate(slots):
            who = staff.get(slot.staff_id or -1, "")
            text = format_time(slot.starts_at, timezone) + ("  " + who if who else "")
            options.add_option(Option(literal(text, 60), id=str(index)))
        if slots:
            options.highlighted = 0
        else:
            self.say(_("No free slot that day: try another day or another person."))

    @on(OptionList.OptionSelected, "#slots")
    def book(self, event: OptionList.OptionSelected) -> None:
        """Book the chosen slot and print the card."""
        slot = self.slots[int(str(event.option.id))]
        services = self.services

        def book_and_print() -> str:
            demand = services.orientation.book_appointment_for_demand(
                self.demand_id, slot, services.actor
            )
            assert demand.appointment is not None
            return str(
                services.slips.appointment_card(demand.appointment.id, services.documents_dir)
            )

        self.save_in_worker(book_and_print)

    def saved(self, result: Any) -> None:
        """Say where the card is, then close."""
        self.app.notify(_("Appointment booked. Card: {path}").format(path=result), timeout=10)
        self.dismiss(result)

    def has_content(self) -> bool:
        """The day is pre-filled: nothing is lost by leaving."""
        return False
