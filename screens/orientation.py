"""Forms of the listening screen: a demand, its orientation, a relay, an appointment.

Each form saves off the UI thread and closes only when the rules accepted the save; a refusal
is shown next to the form and everything typed stays in place (see ``forms.FormModal``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from pimms_tui.db.enums import HelpLevel, Outcome, RelayMode
from pimms_tui.domain.appointments import Slot
from pimms_tui.domain.orientation import (
    DEFAULT_FOLLOW_UP_DAYS,
    SHARE_CONSENT_TEXT_EN,
    SHARE_CONSENT_TEXT_FR,
    DemandInput,
    RelayInput,
)
from pimms_tui.domain.reference import DEFAULT_REGISTER
from pimms_tui.i18n import N_, _, active_language, format_date, label
from pimms_tui.labels import LEVEL_LABELS, OUTCOME_LABELS, RELAY_MODE_LABELS, word

from .fields import SafeInput
from .forms import FormModal, parse_day
from .literal import literal
from .slots import SlotFinderForm


class DemandForm(FormModal):
    """A new demand: motif, partner, register, level of help, short note."""

    def __init__(self, visit_id: int) -> None:
        super().__init__()
        self.visit_id = visit_id

    def compose(self) -> ComposeResult:
        """The fields, in the order they are usually filled."""
        catalog = self.use_cases.catalogue()
        with VerticalScroll(classes="dialog form"):
            yield Static(_("New demand"), classes="title")
            yield Label(_("Reason"))
            yield Select(
                [(label(m.label_fr, m.label_en), m.id) for m in catalog.motifs],
                prompt=_("choose a reason"),
                id="motif",
            )
            yield Label(_("Partner concerned (optional)"))
            yield Select(
                [(literal(p.name, 60), p.id) for p in catalog.partners],
                prompt=_("none"),
                id="partner",
            )
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
            yield SafeInput(id="note", max_length=500)
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
        uses, actor = self.use_cases, self.actor
        self.save_in_worker(lambda: uses.orientation.add_demand(self.visit_id, data, actor))

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
        """Record simple outcomes; for a relay or an appointment, close with the outcome:
        the listening screen opens that form, so that its save redraws the screen too."""
        if outcome in FOLLOW_ON_FORMS:
            self.dismiss(outcome)
        else:
            uses, actor = self.use_cases, self.actor
            self.save_in_worker(
                lambda: uses.orientation.set_outcome(self.demand_id, outcome, actor)
            )

    def has_content(self) -> bool:
        """Nothing typed here."""
        return False


class RelayForm(FormModal):
    """Passer le relais: partner, mode, contact, reason, consent to share, follow-up date."""

    BINDINGS = [
        Binding("f6", "consent_language", N_("Consent text: French / English"), id="share_language")
    ]

    def __init__(self, demand_id: int) -> None:
        super().__init__()
        self.demand_id = demand_id
        self.consent_language = "fr"

    def consent_text(self) -> str:
        """The sharing consent in the language shown."""
        return SHARE_CONSENT_TEXT_FR if self.consent_language == "fr" else SHARE_CONSENT_TEXT_EN

    def action_consent_language(self) -> None:
        """Show the consent text in the other language (both versions are recorded)."""
        self.consent_language = "en" if self.consent_language == "fr" else "fr"
        self.query_one(".consent-text", Static).update(self.consent_text())

    def compose(self) -> ComposeResult:
        """The relay's fields."""
        catalog = self.use_cases.catalogue()
        today = self.use_cases.today()
        self.consent_language = "fr" if active_language() == "fr" else "en"
        consent_text = self.consent_text()
        with VerticalScroll(classes="dialog form"):
            yield Static(_("Relay to a partner"), classes="title")
            yield Label(_("Partner (type to search)"))
            yield Select(
                [(literal(p.name, 60), p.id) for p in catalog.partners],
                prompt=_("choose"),
                id="partner",
            )
            yield Label(_("How"))
            yield Select(
                [(word(RELAY_MODE_LABELS, m), m.value) for m in RelayMode],
                value=RelayMode.REFERRAL_SLIP.value,
                allow_blank=False,
                id="mode",
            )
            yield Label(_("Contact person at the partner (optional)"))
            yield SafeInput(id="contact", max_length=200)
            yield Label(_("Reason for the relay"))
            yield SafeInput(id="reason", max_length=500)
            yield Static(consent_text, classes="consent-text", markup=False)
            yield Checkbox(_("The visitor agrees to share these details"), id="consent")
            yield Label(_("Details shared with the partner (only with consent)"))
            yield SafeInput(id="shared", max_length=500)
            yield Label(
                _("Follow-up date (dd/mm/yyyy or +{days})").format(days=DEFAULT_FOLLOW_UP_DAYS)
            )
            yield SafeInput(
                format_date(today + timedelta(days=DEFAULT_FOLLOW_UP_DAYS), "short"),
                id="follow-up",
                max_length=12,
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
        today = self.use_cases.today()
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
        uses, actor = self.use_cases, self.actor

        self.save_in_worker(
            lambda: uses.orientation.relay(self.demand_id, data, actor),
            then=lambda relay: str(
                uses.slips.referral_slip(relay.id, uses.container.documents_dir)
            ),
        )

    def saved(self, result: Any) -> None:
        """Say where the slip is, then close."""
        self.app.notify(_("Relay recorded. Referral slip: {path}").format(path=result), timeout=10)
        self.dismiss(result)


class AppointmentForm(SlotFinderForm):
    """An appointment for the demand: with whom, which day, then a free slot."""

    def __init__(self, demand_id: int) -> None:
        super().__init__()
        self.demand_id = demand_id

    def compose(self) -> ComposeResult:
        """Whom, the day, the free slots."""
        with VerticalScroll(classes="dialog form"):
            yield Static(_("Appointment"), classes="title")
            yield from self.compose_slot_finder(self.use_cases.today())
            yield from self.compose_error()
            yield Static(
                _("Enter on a slot: see it, Enter again: book and print the card · Esc: cancel"),
                classes="hint",
            )

    def book(self, slot: Slot) -> None:
        """Book the chosen slot and print the card."""
        uses, actor = self.use_cases, self.actor

        def print_card(demand: Any) -> str:
            assert demand.appointment is not None
            return str(
                uses.slips.appointment_card(demand.appointment.id, uses.container.documents_dir)
            )

        self.save_in_worker(
            lambda: uses.orientation.book_appointment_for_demand(self.demand_id, slot, actor),
            then=print_card,
        )


# The outcomes that need a form of their own, opened by the screen that asked for the outcome.
FOLLOW_ON_FORMS: dict[Outcome, type[RelayForm] | type[AppointmentForm]] = {
    Outcome.RELAY: RelayForm,
    Outcome.APPOINTMENT: AppointmentForm,
}
