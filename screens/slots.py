"""The free-slot finder shared by the booking dialogs: with whom, which day, then a free slot.

A subclass yields ``compose_slot_finder`` inside its own ``compose`` (its own fields around
it, or between whom and the day) and says in ``book`` what booking the chosen slot means.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from pimms_tui.domain.appointments import Slot
from pimms_tui.i18n import _, format_date, format_time, label

from .fields import SafeInput
from .forms import FormModal, parse_day
from .literal import clean, literal


def person_from_key(key: object) -> tuple[int | None, int | None]:
    """(staff id, partner id) from a selector value ("staff:3", "partner:7", or blank)."""
    if isinstance(key, str):
        kind, _sep, ident = key.partition(":")
        if ident.isdigit():
            return (int(ident), None) if kind == "staff" else (None, int(ident))
    return None, None


class SlotFinderForm(FormModal):
    """A dialog that lists the free slots of a day, with someone or anyone, and books one."""

    # Where the focus starts when the dialog opens.
    FIRST_FIELD = "#day"

    def __init__(self) -> None:
        super().__init__()
        self.slots: list[Slot] = []
        self._focus_slots = False

    def whom_options(self) -> list[tuple[str, str]]:
        """The "with whom" choices: mediators, then partner sessions."""
        catalog = self.use_cases.catalogue()
        whom = [(clean(s.display_name, 60), f"staff:{s.id}") for s in catalog.staff]
        whom += [
            (clean(_("Partner session: {name}").format(name=p.name), 60), f"partner:{p.id}")
            for p in catalog.partners
        ]
        return whom

    def motif_options(self) -> list[tuple[str, int]]:
        """The reasons an appointment can be given."""
        motifs = self.use_cases.catalogue().motifs
        return [(clean(label(m.label_fr, m.label_en), 60), m.id) for m in motifs]

    def compose_slot_finder(
        self, day: date, *, whom: str | None = None, between: Iterable[Widget] = ()
    ) -> ComposeResult:
        """With whom (``whom`` chosen if it is one of them), ``between``, the day, its slots."""
        options = self.whom_options()
        yield Label(_("With"))
        if whom is not None and any(key == whom for _name, key in options):
            yield Select(options, prompt=_("any mediator"), id="whom", value=whom)
        else:
            yield Select(options, prompt=_("any mediator"), id="whom")
        yield from between
        yield Label(_("Day (dd/mm/yyyy, or +1 for tomorrow) — Enter shows the free slots"))
        yield SafeInput(format_date(day, "short"), id="day", max_length=12)
        yield OptionList(id="slots")

    def on_mount(self) -> None:
        """Start on the first field and show the day's slots already."""
        self.query_one(self.FIRST_FIELD).focus()
        self.find_slots()

    @on(Input.Submitted, "#day")
    def day_submitted(self) -> None:
        """Enter on the day: its slots, and the focus on them."""
        self._focus_slots = True
        self.find_slots()

    @on(Select.Changed, "#whom")
    def find_slots(self) -> None:
        """Look for free slots on the day typed."""
        today = self.use_cases.today()
        day = parse_day(self.query_one("#day", Input).value, today)
        if day is None:
            self.say(_("The day is not valid: type it as dd/mm/yyyy."))
            return
        if day < today:
            self.say(_("This day is past: choose today or later."))
            return
        self.say("")
        self.load_slots(day, person_from_key(self.query_one("#whom", Select).value))

    def load_slots(self, day: date, whom: tuple[int | None, int | None]) -> None:
        """Free slots, and who they are with, off the UI thread (the latest search wins)."""
        uses = self.use_cases

        def read() -> tuple[list[Slot], dict[int, str]]:
            slots = uses.appointments.free_slots(day, staff_id=whom[0], partner_id=whom[1])
            return slots, {s.id: s.display_name for s in uses.catalogue().staff}

        self.in_background(read, self.show_slots, group="slots")

    def show_slots(self, found: tuple[list[Slot], dict[int, str]]) -> None:
        """List the slots, or say there are none."""
        slots, staff = found
        self.slots = slots
        options = self.query_one("#slots", OptionList)
        options.clear_options()
        office = self.session.office
        timezone = office.timezone if office else "Europe/Paris"
        for index, slot in enumerate(slots):
            who = staff.get(slot.staff_id or -1, "")
            text = format_time(slot.starts_at, timezone) + ("  " + who if who else "")
            options.add_option(Option(literal(text, 60), id=str(index)))
        if slots:
            options.highlighted = 0
            if self._focus_slots:
                options.focus()
        else:
            self.say(_("No free slot that day: try another day or another person."))
        self._focus_slots = False

    @on(OptionList.OptionSelected, "#slots")
    def slot_chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on a slot books it."""
        self.book(self.slots[int(str(event.option.id))])

    def action_save(self) -> None:
        """Ctrl+S: book the highlighted slot."""
        highlighted = self.query_one("#slots", OptionList).highlighted
        if highlighted is None or not 0 <= highlighted < len(self.slots):
            self.say(_("Choose a free slot."))
            return
        self.book(self.slots[highlighted])

    def book(self, slot: Slot) -> None:
        """Book ``slot`` (each dialog says for whom and what is printed)."""
        raise NotImplementedError

    def saved(self, result: Any) -> None:
        """Say where the card is, then close."""
        self.app.notify(_("Appointment booked. Card: {path}").format(path=result), timeout=10)
        self.dismiss(result)

    def has_content(self) -> bool:
        """The day is pre-filled: nothing is lost by leaving."""
        return False
