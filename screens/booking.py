"""Booking from the agenda: find the visitor as you type (or none: anonymous), then a slot."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from pimms_tui.domain.appointments import AppointmentView, Slot
from pimms_tui.domain.visitors import VisitorMatch
from pimms_tui.i18n import _

from .fields import SafeInput
from .literal import clean
from .slots import SlotFinderForm
from .worklist import visitor_name


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
            yield SafeInput(id="visitor-search", max_length=80)
            yield OptionList(id="visitor-matches")
            yield Static(self.visitor_line(), id="visitor-chosen")
            yield from self.compose_slot_finder(self.day, whom=self.person_key, between=reason)
            yield from self.compose_error()
            yield Static(
                _("Enter on a slot: see it, Enter again: book and print the card · Esc: cancel"),
                classes="hint",
            )

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

    def search_visitors(self, text: str) -> None:
        """Find visitors off the UI thread (a newer search replaces this one; the answer is
        shown only if the text is still the one typed)."""
        visitors = self.use_cases.visitors
        self.in_background(
            lambda: visitors.search(text),
            lambda matches: self.show_matches(text, matches),
            group="visitor-search",
        )

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

    def ready(self) -> bool:
        """A name typed must be a visitor picked in the list (or cleared: anonymous)."""
        if self.visitor is None and self.query_one("#visitor-search", Input).value.strip():
            self.say(_("Pick the visitor in the list, or clear the name for an anonymous one."))
            self.query_one("#visitor-search", Input).focus()
            return False
        return True

    def summary_party(self) -> tuple[int | None, int | None, int | None]:
        """The visitor picked (or nobody) and the reason chosen."""
        motif = self.query_one("#motif", Select).value
        visitor_id = self.visitor.id if self.visitor is not None else None
        return visitor_id, motif if isinstance(motif, int) else None, None

    def book(self, slot: Slot) -> None:
        """Book for the chosen visitor, or anonymously, and print the card, as from listening."""
        if not self.ready():
            return
        visitor_id, motif_id, _demand = self.summary_party()
        uses, actor = self.use_cases, self.actor

        def print_card(booked: AppointmentView) -> tuple[AppointmentView, str]:
            path = uses.slips.appointment_card(booked.id, uses.container.documents_dir)
            return booked, str(path)

        # The forms' shared save (screens/forms.py), not ``in_background`` directly: a slot
        # refused by a field rule (FieldError, not a DomainError) is shown at the field.
        self.save_in_worker(
            lambda: uses.appointments.book(visitor_id, slot, motif_id, actor), then=print_card
        )

    def saved(self, result: Any) -> None:
        """Say where the card is, then close with the appointment: the agenda shows its day."""
        booked, path = result
        self.app.notify(_("Appointment booked. Card: {path}").format(path=path), timeout=10)
        self.dismiss(booked)

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
