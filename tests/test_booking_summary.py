"""Booking says what it will book, lists only the slots of the day typed, and prints the card.

Enter on a slot shows a summary (for whom, with whom, the day in words, where, why) and books
only on a second Enter; Esc on it books nothing. The day field says at once which day it reads
("+1 → mardi 3 mars 2026", "lundi"), a refused day empties the slots and says why at the
field, and booking from the agenda prints the same appointment card as from listening.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from pimms_tui.application.appointments import AppointmentService
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Appointment, DocumentFile
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.screens.agenda import AgendaScreen
from pimms_tui.screens.booking import BookingForm
from pimms_tui.screens.booking_summary import BookingSummaryModal
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.slots import read_day

from .bookingkit import arrive, listen_with_one_demand
from .followkit import add_staff, add_visitor, motif_id
from .uikit import build_app, screen_text, settle, table_text, wait_for

SIZE = (120, 40)
MONDAY = date(2026, 3, 2)  # the test clock's day


def appointments(database: Database) -> list[Appointment]:
    with database.read() as session:
        return list(session.scalars(select(Appointment)))


async def open_booking(pilot: Pilot[Any]) -> BookingForm:
    """The agenda, then b: the booking dialog, its focus on the visitor's name."""
    app = pilot.app
    await settle(pilot)
    app.push_screen(AgendaScreen())
    await settle(pilot)
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, BookingForm))
    await settle(pilot)
    form = app.screen
    assert isinstance(form, BookingForm)
    return form


async def type_day(pilot: Pilot[Any], text: str) -> None:
    """Empty the day field (it has the focus) and type ``text``."""
    await pilot.press("end", *["backspace"] * 12, *text)
    await settle(pilot)


async def test_enter_on_a_slot_shows_the_summary_and_books_on_the_second_enter(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """b, Enter (anonymous), Enter (the day's slots), Enter: a summary, nothing booked; Esc:
    back to the slots, nothing booked; Enter, Enter: booked, and its card printed."""
    database, office = sqlite_database, sqlite_office
    add_staff(database, office, "Karim")
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_booking(pilot)
        await pilot.press("enter")  # no name: anonymous, on to the day
        await pilot.press("enter")  # the day's free slots, focused
        await wait_for(pilot, lambda: form.slots)
        await pilot.press("enter")  # the first slot: what will be booked
        await wait_for(pilot, lambda: isinstance(app.screen, BookingSummaryModal))
        shown = screen_text(pilot)
        assert "Réserver ce rendez-vous" in shown, shown
        assert "lundi 2 mars 2026" in shown  # the day in words
        assert "Karim" in shown and "anonyme" in shown and "motif non précisé" in shown
        assert appointments(database) == []

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form
        assert isinstance(app.focused, OptionList) and app.focused.id == "slots"
        assert "Rien n'a été réservé" in screen_text(pilot)
        assert appointments(database) == []

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingSummaryModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AgendaScreen))
        await settle(pilot)
    (booked,) = appointments(database)
    assert booked.status == "booked" and booked.visitor_id is None
    card = app.container.documents_dir / f"rendez-vous-{booked.id}.pdf"
    assert card.read_bytes().startswith(b"%PDF")
    with database.read() as session:  # listed, to be deleted after the office's retention
        kinds = list(session.scalars(select(DocumentFile.kind)))
    assert kinds == ["appointment_card"]


async def test_the_day_field_says_which_day_and_a_refused_day_lists_no_slot(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """+1 reads « mardi 3 mars 2026 » at once, lundi the next Monday; a past day or a word
    that is no day empties the slots and says why; Enter then books nothing."""
    database, office = sqlite_database, sqlite_office
    add_staff(database, office, "Karim")
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_booking(pilot)
        await pilot.press("enter")  # to the day
        await wait_for(pilot, lambda: form.slots)  # today's slots, listed on opening
        slots = form.query_one("#slots", OptionList)
        assert slots.option_count > 0

        await type_day(pilot, "+1")
        assert "+1 → mardi 3 mars 2026" in screen_text(pilot)
        assert slots.option_count == 0  # today's slots are not under tomorrow's date
        await type_day(pilot, "lundi")
        assert "lundi → lundi 9 mars 2026" in screen_text(pilot)

        await type_day(pilot, "01/03/2026")
        assert "dimanche 1 mars 2026 est passé" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert slots.option_count == 0 and form.slots == []
        assert isinstance(app.focused, Input) and app.focused.id == "day"
        await type_day(pilot, "bientôt")
        await pilot.press("enter")
        await settle(pilot)
        assert "Ce n'est pas un jour" in screen_text(pilot)
        assert slots.option_count == 0
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BookingForm)

        await type_day(pilot, "+1")
        assert "Ce n'est pas un jour" not in screen_text(pilot)  # said of the day before
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.slots)
        assert all(s.starts_at.date() == date(2026, 3, 3) for s in form.slots)
    assert appointments(database) == []


def test_read_day_understands_weekdays_and_words() -> None:
    """The weekday is the next one after today, in French or English; the rest as before."""
    assert read_day("lundi", MONDAY) == date(2026, 3, 9)
    assert read_day("Mardi", MONDAY) == date(2026, 3, 3)
    assert read_day("sun", MONDAY) == date(2026, 3, 8)
    assert read_day("demain", MONDAY) == date(2026, 3, 3)
    assert read_day("aujourd’hui", MONDAY) == MONDAY
    assert read_day("+7", MONDAY) == date(2026, 3, 9)
    assert read_day("15/03/2026", MONDAY) == date(2026, 3, 15)
    assert read_day("someday", MONDAY) is None


def test_summary_names_the_visitor_the_mediator_and_the_reason(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """What the summary reads, and that reading it books nothing (both engines)."""
    mediator = add_staff(database, office, "Karim")
    visitor = add_visitor(database, office, clock, "Awa", "Diallo")
    service = AppointmentService(database, clock, office)
    slot = service.free_slots(MONDAY, staff_id=mediator)[0]
    summary = service.summary(slot, visitor_id=visitor, motif_id=motif_id(database))
    assert (summary.visitor_first_name, summary.visitor_last_name) == ("Awa", "Diallo")
    assert summary.staff_name == "Karim" and summary.partner_name is None
    assert summary.motif_label_fr and summary.motif_label_en
    assert summary.starts_at == slot.starts_at and summary.place
    assert not summary.anonymous
    assert service.summary(slot).anonymous
    assert appointments(database) == []


async def test_the_summary_from_listening_names_the_visitor_and_the_demands_reason(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """n, s, d (first reason), o 5, Enter on a slot: the summary names the visitor being
    listened to and the demand's reason; Esc books nothing; Enter, Enter books it."""
    database, office = sqlite_database, sqlite_office
    add_staff(database, office, "Karim")
    arrive(database, office, clock, "Zénobie")
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await listen_with_one_demand(pilot)
        reason = table_text(pilot, "#demands")[0][1]
        await pilot.press("o", "5")
        await settle(pilot)
        await pilot.press("tab", "enter")  # the first free slot today
        await wait_for(pilot, lambda: isinstance(app.screen, BookingSummaryModal))
        summary = str(app.screen.query_one("#booking-summary", Static).render())
        assert "Zénobie Quintal" in summary and "Karim" in summary
        assert reason.rstrip("…") in summary
        await pilot.press("escape")
        await settle(pilot)
        assert appointments(database) == []
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingSummaryModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListeningScreen))
    (booked,) = appointments(database)
    assert booked.visitor_id is not None and booked.status == "booked"
