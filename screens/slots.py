"""The free-slot finder shared by the booking dialogs: with whom, which day, then a free slot.

A subclass yields ``compose_slot_finder`` inside its own ``compose`` (its own fields around
it, or between whom and the day) and says in ``book`` what booking the chosen slot means.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from pimms_tui.domain.appointments import Slot
from pimms_tui.i18n import _, format_date, format_time, label

from .booking_summary import BookingSummaryModal
from .fields import SafeInput
from .forms import FormModal, parse_day
from .literal import clean, literal

# The words a day can be typed as, besides a date or +N: the weekdays (the next one after
# today), tomorrow and today, in French and in English, accents optional.
WEEKDAYS = (
    ("lundi", "lun", "monday", "mon"),
    ("mardi", "mar", "tuesday", "tue"),
    ("mercredi", "mer", "wednesday", "wed"),
    ("jeudi", "jeu", "thursday", "thu"),
    ("vendredi", "ven", "friday", "fri"),
    ("samedi", "sam", "saturday", "sat"),
    ("dimanche", "dim", "sunday", "sun"),
)
DAY_WORDS = {"aujourd'hui": 0, "auj": 0, "today": 0, "demain": 1, "tomorrow": 1}


def read_day(text: str, today: date) -> date | None:
    """The day typed: a date, +N, a weekday (the next one after today), demain/tomorrow."""
    word = text.strip().lower().replace("’", "'").rstrip(".")
    if word in DAY_WORDS:
        return today + timedelta(days=DAY_WORDS[word])
    for weekday, names in enumerate(WEEKDAYS):
        if word in names:
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return parse_day(text, today)


def person_from_key(key: object) -> tuple[int | None, int | None]:
    """(staff id, partner id) from a selector value ("staff:3", "partner:7", or blank)."""
    if isinstance(key, str):
        kind, _sep, ident = key.partition(":")
        if ident.isdigit():
            return (int(ident), None) if kind == "staff" else (None, int(ident))
    return None, None


class SlotFinderForm(FormModal):
    """A dialog that lists the free slots of a day, with someone or anyone, and books one.

    The list only ever shows the slots of the day the field reads: a day typed (or refused)
    empties it until Enter lists that day's. Enter on a slot shows what will be booked, and
    books on a second Enter.
    """

    # Where the focus starts when the dialog opens.
    FIRST_FIELD = "#day"

    def __init__(self) -> None:
        super().__init__()
        self.slots: list[Slot] = []
        self._focus_slots = False
        self._listed: tuple[date, tuple[int | None, int | None]] | None = None

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
        yield Label(_("Day: dd/mm/yyyy, +1, or a weekday — Enter: its free slots"))
        yield SafeInput(format_date(day, "short"), id="day", max_length=12)
        yield Static("", id="day-meaning", markup=False)
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

    def typed_day(self) -> tuple[date | None, str]:
        """The day the field reads, or None and why it is refused."""
        today = self.use_cases.today()
        text = self.query_one("#day", Input).value
        day = read_day(text, today)
        if day is None:
            return None, _("Not a day: type dd/mm/yyyy, +1, or a weekday (lundi…).")
        if day < today:
            return None, _("{day} is past: choose today or later.").format(
                day=format_date(day, "full")
            )
        return day, ""

    @on(Input.Changed, "#day")
    def day_typed(self, event: Input.Changed) -> None:
        """Say at once which day is meant ("+1 → mardi 8 décembre"); a day other than the
        one listed empties the slots, which are then never those of another day."""
        day, refusal = self.typed_day()
        meaning = self.query_one("#day-meaning", Static)
        if day is None:
            meaning.update(refusal if event.value.strip() else "")
            meaning.add_class("field-error")
        else:
            meaning.update(f"{event.value.strip()} → {format_date(day, 'full')}")
            meaning.remove_class("field-error")
        if self._listed is None or day != self._listed[0]:
            self.say("")  # what was said of the day before (past, no slot) is no longer so
        if self._listed is not None and day != self._listed[0]:
            self.clear_slots()

    def clear_slots(self) -> None:
        """No slot listed (the day changed or was refused)."""
        self.slots = []
        self._listed = None
        self.query_one("#slots", OptionList).clear_options()

    @on(Select.Changed, "#whom")
    def find_slots(self) -> None:
        """Look for free slots on the day typed; a refused day empties the list, says why."""
        day, refusal = self.typed_day()
        if day is None:
            self.clear_slots()
            self._focus_slots = False
            self.say(refusal)
            self.query_one("#day", Input).focus()
            return
        self.say("")
        self.load_slots(day, person_from_key(self.query_one("#whom", Select).value))

    def load_slots(self, day: date, whom: tuple[int | None, int | None]) -> None:
        """Free slots, and who they are with, off the UI thread (the latest search wins)."""
        uses = self.use_cases

        def read() -> tuple[list[Slot], dict[int, str]]:
            slots = uses.appointments.free_slots(day, staff_id=whom[0], partner_id=whom[1])
            return slots, {s.id: s.display_name for s in uses.catalogue().staff}

        self.in_background(read, lambda found: self.show_slots(day, whom, found), group="slots")

    def show_slots(
        self,
        day: date,
        whom: tuple[int | None, int | None],
        found: tuple[list[Slot], dict[int, str]],
    ) -> None:
        """List the slots, or say there are none (an answer for a day no longer typed is
        dropped)."""
        if self.typed_day()[0] != day:
            return
        slots, staff = found
        self.slots = slots
        self._listed = (day, whom)
        options = self.query_one("#slots", OptionList)
        options.clear_options()
        timezone = self.office_timezone()
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
        """Enter on a slot: what will be booked, to confirm."""
        self.confirm(self.slots[int(str(event.option.id))])

    def action_save(self) -> None:
        """Ctrl+S: what booking the highlighted slot will make, to confirm."""
        highlighted = self.query_one("#slots", OptionList).highlighted
        if highlighted is None or not 0 <= highlighted < len(self.slots):
            self.say(_("Choose a free slot."))
            return
        self.confirm(self.slots[highlighted])

    def ready(self) -> bool:
        """Whether the dialog knows enough to book (a subclass says what is missing)."""
        return True

    def summary_party(self) -> tuple[int | None, int | None, int | None]:
        """(visitor, reason, demand) the booking is for, as the summary reads them: the
        dialog's ``visitor_id`` (a file's) or ``demand_id`` (listening's), and its reason."""
        motif = next((s.value for s in self.query("#motif").results(Select)), None)
        visitor_id, demand_id = getattr(self, "visitor_id", None), getattr(self, "demand_id", None)
        return (
            visitor_id if isinstance(visitor_id, int) else None,
            motif if isinstance(motif, int) else None,
            demand_id if isinstance(demand_id, int) else None,
        )

    def confirm(self, slot: Slot) -> None:
        """Read what booking ``slot`` makes, show it; book only when confirmed."""
        if not self.ready():
            return
        visitor_id, motif_id, demand_id = self.summary_party()
        appointments = self.use_cases.appointments
        timezone = self.office_timezone()

        def ask(summary: Any) -> None:
            self.app.push_screen(
                BookingSummaryModal(summary, timezone),
                lambda yes: self.book(slot) if yes else self.back_to_slots(),
            )

        self.in_background(
            lambda: appointments.summary(
                slot, visitor_id=visitor_id, motif_id=motif_id, demand_id=demand_id
            ),
            ask,
            group="booking-summary",
        )

    def back_to_slots(self) -> None:
        """Esc on the summary: nothing booked, the slots again."""
        self.say(_("Nothing booked: choose a slot."))
        self.query_one("#slots", OptionList).focus()

    def office_timezone(self) -> str:
        """The office's time zone."""
        office = self.session.office
        return office.timezone if office else "Europe/Paris"

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
