"""Dialogs of the visitor file: edit the identity, start a visit, book, record an outcome.

Each one saves through a use case off the UI thread (``FormModal.save_in_worker``): a refusal
is shown in the dialog and what was typed stays in place. The follow-up of a relay is the
dialog the follow-up list uses too (``relay_news.RelayFollowUpForm``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from pimms_tui.db.enums import AppointmentStatus, Need
from pimms_tui.domain.appointments import AppointmentView, Slot
from pimms_tui.domain.catalog import MotifInfo
from pimms_tui.domain.visitor_file import (
    Identity,
    IdentityChanges,
    StaleFile,
)
from pimms_tui.i18n import N_, _, format_datetime, label
from pimms_tui.labels import (
    APPOINTMENT_STATUS_LABELS,
    NEED_LABELS,
    word,
)

from .fields import SafeInput
from .forms import FormModal, choose_by_digit
from .literal import clean, literal
from .slots import SlotFinderForm

if TYPE_CHECKING:
    from pimms_tui.application import DeskSession

STYLESHEET = "visitor_file.tcss"


APPOINTMENT_OUTCOMES = (
    AppointmentStatus.SEEN,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.EXCUSED,
    AppointmentStatus.CANCELLED,
)
# The identity fields of the edit form: (field, label msgid, max length).
IDENTITY_FIELDS = (
    ("first_name", N_("First name"), 120),
    ("last_name", N_("Last name"), 120),
    ("phone", N_("Phone"), 32),
    ("email", N_("E-mail"), 254),
    ("birth_year", N_("Year of birth"), 4),
    ("commune", N_("Commune"), 120),
    ("language", N_("Language"), 35),
)


def office_timezone(session: DeskSession) -> str:
    """The office's timezone, for times shown."""
    return session.office.timezone if session.office else "Europe/Paris"


def shown_value(identity: Identity, field: str) -> str:
    """An identity field as the form shows it (phone formatted, year as text)."""
    if field == "phone":
        return identity.phone_display or ""
    value = getattr(identity, field)
    return "" if value is None else str(value)


def needs_text(needs: tuple[str, ...] | list[str]) -> str:
    """Needs in words."""
    return ", ".join(word(NEED_LABELS, need) for need in needs)


# --- Identity ------------------------------------------------------------------------------


class IdentityForm(FormModal):
    """The identity, pre-filled; saved over the version shown, or compared when it changed."""

    CSS_PATH = STYLESHEET

    def __init__(self, visitor_id: int, identity: Identity) -> None:
        super().__init__()
        self.visitor_id = visitor_id
        self.identity = identity
        self.version = identity.version

    def compose(self) -> ComposeResult:
        """The fields with the current values, then the needs."""
        with VerticalScroll(classes="dialog form", id="identity-form"):
            yield Static(_("Identity and contact"), classes="title")
            for field, text, max_length in IDENTITY_FIELDS:
                yield Label(_(text))
                yield SafeInput(
                    shown_value(self.identity, field),
                    id=field.replace("_", "-"),
                    max_length=max_length,
                    restrict=r"[0-9]*" if field == "birth_year" else None,
                )
            with Horizontal(id="needs"):
                for need in Need:
                    yield Checkbox(
                        word(NEED_LABELS, need.value),
                        need.value in self.identity.needs,
                        id=f"need-{need.value}",
                    )
            yield from self.compose_error()
            yield Static("", id="other-version")
            yield Static(_("Ctrl+S: save · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start on the first name; no comparison yet."""
        self.query_one("#other-version").display = False
        self.query_one("#first-name", Input).focus()

    def typed(self, field: str) -> str:
        """What the field holds now."""
        return self.query_one(f"#{field.replace('_', '-')}", Input).value

    def typed_needs(self) -> tuple[str, ...]:
        """The needs ticked."""
        return tuple(n.value for n in Need if self.query_one(f"#need-{n.value}", Checkbox).value)

    def action_save(self) -> None:
        """Save everything shown, over the version the form last knew."""
        changes = IdentityChanges(
            first_name=self.typed("first_name"),
            last_name=self.typed("last_name"),
            phone=self.typed("phone"),
            email=self.typed("email"),
            birth_year=self.typed("birth_year"),
            commune=self.typed("commune"),
            language=self.typed("language"),
            needs=self.typed_needs(),
        )
        service = self.use_cases.visitor_file
        actor = self.actor
        version = self.version
        self.save_in_worker(
            lambda: service.update_identity(self.visitor_id, version, changes, actor)
        )

    def show_refusal(self, refusal: BaseException) -> None:
        """Another desk saved first: show its version beside what was typed, keep the typing.

        The next save goes over that version.
        """
        super().show_refusal(refusal)
        if isinstance(refusal, StaleFile):
            self.take_their_version(refusal.current)

    def take_their_version(self, theirs: Identity) -> None:
        """Fields left untouched here take the other desk's values; typed ones are kept."""
        for field, _text, _max in IDENTITY_FIELDS:
            if self.typed(field) == shown_value(self.identity, field):
                self.query_one(f"#{field.replace('_', '-')}", Input).value = shown_value(
                    theirs, field
                )
        if set(self.typed_needs()) == set(self.identity.needs):
            for need in Need:
                checkbox = self.query_one(f"#need-{need.value}", Checkbox)
                checkbox.value = need.value in theirs.needs
        self.identity = theirs
        self.version = theirs.version
        comparison = self.query_one("#other-version", Static)
        comparison.update(self.comparison(theirs))
        comparison.display = True
        comparison.scroll_visible()

    def comparison(self, theirs: Identity) -> Text:
        """Field by field: what was typed here and what the other desk saved."""
        width = 22
        text = Text()
        text.append(
            _(
                "Fields you had not changed now show their version. Ctrl+S saves what the form "
                "shows over theirs; Esc drops your changes."
            )
            + "\n\n"
        )
        text.append(" " * 16 + _("Yours").ljust(width) + "  " + _("Other desk") + "\n", "bold")
        rows = [(field, _(name)) for field, name, _max in IDENTITY_FIELDS]
        for field, name in rows:
            mine, other = clean(self.typed(field), width), clean(shown_value(theirs, field), width)
            self._comparison_row(text, name, mine, other, width)
        self._comparison_row(
            text, _("Needs"), needs_text(self.typed_needs()), needs_text(theirs.needs), width
        )
        return text

    @staticmethod
    def _comparison_row(text: Text, name: str, mine: str, other: str, width: int) -> None:
        style = "bold yellow" if " ".join(mine.split()) != " ".join(other.split()) else ""
        text.append(clean(name, 15).ljust(16))
        text.append(clean(mine, width).ljust(width) + "  ", style)
        text.append(clean(other, width) + "\n", style)

    def has_content(self) -> bool:
        """Something was changed from what the form showed."""
        return any(
            self.typed(field) != shown_value(self.identity, field)
            for field, _text, _max in IDENTITY_FIELDS
        ) or set(self.typed_needs()) != set(self.identity.needs)


# --- A visit from the file -------------------------------------------------------------------


class VisitMotifChooser(FormModal):
    """The reason for coming: a digit or Enter puts the visitor in the queue."""

    CSS_PATH = STYLESHEET

    def __init__(self, visitor_id: int, name: str) -> None:
        super().__init__()
        self.visitor_id = visitor_id
        self.name_shown = name
        self.motifs: list[MotifInfo] = []

    def compose(self) -> ComposeResult:
        """The numbered motifs."""
        with Vertical(classes="dialog"):
            yield Static(_("New visit"), classes="title")
            yield Static(literal(self.name_shown, 60, "bold"))
            yield Label(_("Reason for coming — press its number, or Enter"))
            yield OptionList(id="visit-motifs")
            yield from self.compose_error()

    def on_mount(self) -> None:
        """Number the motifs 1–9 and focus them."""
        self.motifs = self.use_cases.catalogue().motifs
        options = self.query_one("#visit-motifs", OptionList)
        for index, motif in enumerate(self.motifs, start=1):
            prefix = f"{index} · " if index <= 9 else "    "
            options.add_option(
                Option(Text(prefix + label(motif.label_fr, motif.label_en)), id=str(motif.id))
            )
        options.highlighted = 0
        options.focus()

    def on_key(self, event: Key) -> None:
        """A digit picks a motif."""
        options = self.query_one("#visit-motifs", OptionList)
        index = choose_by_digit(event, options, min(9, len(self.motifs)))
        if index is not None:
            self.start(self.motifs[index].id)

    @on(OptionList.OptionSelected, "#visit-motifs")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """Enter picks the highlighted motif."""
        self.start(int(str(event.option.id)))

    def action_save(self) -> None:
        """Ctrl+S takes the highlighted motif."""
        highlighted = self.query_one("#visit-motifs", OptionList).highlighted
        if highlighted is not None and highlighted < len(self.motifs):
            self.start(self.motifs[highlighted].id)

    def start(self, motif_id: int) -> None:
        """Put the visitor in the queue."""
        service = self.use_cases.visitor_file
        actor = self.actor
        at = self.container.clock.now()  # the key's time, kept through retries
        self.save_in_worker(lambda: service.start_visit(self.visitor_id, motif_id, actor, at=at))

    def has_content(self) -> bool:
        """Nothing typed here."""
        return False


# --- An appointment from the file ------------------------------------------------------------


class FileAppointmentForm(SlotFinderForm):
    """An appointment for the visitor: with whom, which day, a reason, then a free slot."""

    CSS_PATH = STYLESHEET

    def __init__(self, visitor_id: int) -> None:
        super().__init__()
        self.visitor_id = visitor_id

    def compose(self) -> ComposeResult:
        """Whom, the reason, the day, the free slots."""
        reason = (
            Label(_("Reason (optional)")),
            Select(self.motif_options(), prompt=_("none"), id="motif"),
        )
        with VerticalScroll(classes="dialog form"):
            yield Static(_("Book an appointment"), classes="title")
            yield from self.compose_slot_finder(self.use_cases.today(), between=reason)
            yield from self.compose_error()
            yield Static(
                _("Enter on a slot: see it, Enter again: book and print the card · Esc: cancel"),
                classes="hint",
            )

    def book(self, slot: Slot) -> None:
        """Book the chosen slot and print the card."""
        motif = self.query_one("#motif", Select).value
        motif_id = motif if isinstance(motif, int) else None
        uses, actor = self.use_cases, self.actor

        self.save_in_worker(
            lambda: uses.appointments.book(self.visitor_id, slot, motif_id, actor),
            then=lambda booked: str(
                uses.slips.appointment_card(booked.id, uses.container.documents_dir)
            ),
        )


# --- Follow-ups ------------------------------------------------------------------------------


class AppointmentOutcomeChooser(FormModal):
    """What became of a past appointment ("à renseigner"): seen, no-show, excused, cancelled."""

    CSS_PATH = STYLESHEET

    def __init__(self, appointment: AppointmentView) -> None:
        super().__init__()
        self.appointment = appointment

    def compose(self) -> ComposeResult:
        """The appointment and the four outcomes."""
        appointment = self.appointment
        with Vertical(classes="dialog"):
            yield Static(_("Outcome of an appointment"), classes="title")
            details = Text(format_datetime(appointment.starts_at, office_timezone(self.session)))
            details.append(" · ")
            details.append_text(
                literal(appointment.staff_name or appointment.partner_name or "", 40)
            )
            yield Static(details)
            yield OptionList(
                *[
                    Option(f"{index} · {word(APPOINTMENT_STATUS_LABELS, status)}", id=status.value)
                    for index, status in enumerate(APPOINTMENT_OUTCOMES, start=1)
                ],
                id="appointment-outcomes",
            )
            yield from self.compose_error()

    def on_mount(self) -> None:
        """Focus the outcomes."""
        self.query_one("#appointment-outcomes", OptionList).focus()

    def on_key(self, event: Key) -> None:
        """A digit records that outcome."""
        options = self.query_one("#appointment-outcomes", OptionList)
        index = choose_by_digit(event, options, len(APPOINTMENT_OUTCOMES))
        if index is not None:
            self.record(APPOINTMENT_OUTCOMES[index])

    @on(OptionList.OptionSelected, "#appointment-outcomes")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """Enter records the highlighted outcome."""
        self.record(APPOINTMENT_OUTCOMES[event.option_index])

    def record(self, status: AppointmentStatus) -> None:
        """Record the outcome."""
        service = self.use_cases.followups
        actor = self.actor
        appointment_id = self.appointment.id
        self.save_in_worker(lambda: service.record_appointment(appointment_id, status, actor))

    def has_content(self) -> bool:
        """Nothing typed here."""
        return False
