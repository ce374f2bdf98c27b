"""The follow-up and agenda screens driven by keys, checked against the database."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Appointment
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.screens.agenda import AgendaScreen
from pimms_tui.screens.booking import BookingForm
from pimms_tui.screens.followups import FollowUpsScreen, RefusalReasonModal

from .followkit import (
    add_appointment,
    add_relay,
    add_staff,
    add_visitor,
    appointment_row,
    paris,
    relay_row,
)
from .uikit import build_app, screen_text, settle, table_text

SIZE = (120, 40)
TODAY = date(2026, 3, 2)


async def test_follow_up_screen_records_news_by_keys(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """c confirms the first relay; r then 3 refuses the next as not eligible; tab, s: seen."""
    database, office = sqlite_database, sqlite_office
    visitor = add_visitor(database, office, clock, "[bold]Awa", "Diallo")
    late = add_relay(database, office, clock, follow_up_on=TODAY - timedelta(days=9))
    due = add_relay(database, office, clock, follow_up_on=TODAY, visitor_id=visitor)
    stale = add_relay(database, office, clock, follow_up_on=TODAY - timedelta(days=31))
    mediator = add_staff(database, office, "Karim")
    past = add_appointment(
        database, office, starts_at=paris(TODAY - timedelta(days=1), 14), staff_id=mediator
    )
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(FollowUpsScreen())
        await settle(pilot)
        rows = table_text(pilot, "#relays")
        assert [row[1] for row in rows] == ["9 jours", "aujourd'hui"]
        assert rows[1][4] == "[bold]Awa Diallo"  # a name is data, never markup
        assert "1 relais sans nouvelles depuis 30 jours a expiré." in screen_text(pilot)
        assert "Rendez-vous à renseigner (1)" in screen_text(pilot)

        await pilot.press("c")
        await settle(pilot)
        assert relay_row(database, late).status == "confirmed"
        assert "confirmé" in screen_text(pilot)
        assert len(table_text(pilot, "#relays")) == 1

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RefusalReasonModal)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpsScreen)
        relay = relay_row(database, due)
        assert (relay.status, relay.refusal_reason) == ("refused", "not_eligible")
        assert "non éligible" in screen_text(pilot)
        assert table_text(pilot, "#relays") == []

        await pilot.press("s")  # the relay list has the focus: not an appointment key
        await settle(pilot)
        assert appointment_row(database, past).status == "booked"
        await pilot.press("tab", "s")
        await settle(pilot)
        assert appointment_row(database, past).status == "seen"
        assert table_text(pilot, "#appointments") == []
    assert relay_row(database, stale).status == "expired"


async def test_follow_up_screen_postpones_and_shows_refusals_inline(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """p with the default +7 postpones; a relay closed meanwhile is refused in the status line."""
    database, office = sqlite_database, sqlite_office
    first = add_relay(database, office, clock, follow_up_on=TODAY - timedelta(days=2))
    second = add_relay(database, office, clock, follow_up_on=TODAY)
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(FollowUpsScreen())
        await settle(pilot)
        await pilot.press("p", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpsScreen)
        assert relay_row(database, first).follow_up_on == TODAY + timedelta(days=7)
        assert "reportée" in screen_text(pilot)

        # Another desk records news of the remaining relay before this one does.
        from pimms_tui.application.followups import FollowUpService

        FollowUpService(database, clock, office).record_relay(
            second, "unreachable", app.session.actor
        )
        await pilot.press("c")
        await settle(pilot)
        assert "déjà été enregistré comme injoignable" in screen_text(pilot)
        assert relay_row(database, second).status == "unreachable"
        assert table_text(pilot, "#relays") == []
        assert not app._notifications  # in the status line, not a popup


async def test_agenda_checks_a_person_in_by_keys(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """i on the appointment gives an R- ticket that the queue puts before earlier walk-ins."""
    database, office = sqlite_database, sqlite_office
    mediator = add_staff(database, office, "Karim")
    visitor = add_visitor(database, office, clock, "Awa", "Diallo")
    appointment = add_appointment(
        database, office, starts_at=paris(TODAY, 10, 15), staff_id=mediator, visitor_id=visitor
    )
    add_appointment(
        database, office, starts_at=paris(TODAY + timedelta(days=1), 9), staff_id=mediator
    )
    queue = QueueService(database, clock, office)
    app = build_app(database, clock, office)
    queue.register_arrival(ArrivalRequest(), app.session.actor)
    clock.advance(minutes=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AgendaScreen())
        await settle(pilot)
        rows = table_text(pilot, "#agenda")
        assert rows == [["10:15", "30\xa0min", "Karim", "Awa Diallo", "", "prévu"]]
        assert "aujourd'hui" in screen_text(pilot)

        await pilot.press("i")
        await settle(pilot)
        assert "R-001" in screen_text(pilot)
        assert table_text(pilot, "#agenda")[0][5] == "arrivé"

        await pilot.press("i")  # twice: refused, with the ticket already given
        await settle(pilot)
        assert "déjà" in screen_text(pilot) and "R-001" in screen_text(pilot)

        await pilot.press("right")
        await settle(pilot)
        assert len(table_text(pilot, "#agenda")) == 1
        await pilot.press("w")
        await settle(pilot)
        assert len(table_text(pilot, "#agenda")) == 2
        await pilot.press("t", "w")
        await settle(pilot)
        assert len(table_text(pilot, "#agenda")) == 1

    waiting = sorted(
        (e for e in queue.today() if e.status == "waiting"), key=lambda e: e.position or 0
    )
    assert [e.ticket_code for e in waiting] == ["R-001", "A-001"]
    assert appointment_row(database, appointment).status == "arrived"


async def test_agenda_books_for_a_visitor_found_by_name(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """b, a name, Enter twice, Enter on the day and on the first slot: booked for them."""
    database, office = sqlite_database, sqlite_office
    mediator = add_staff(database, office, "Karim")
    visitor = add_visitor(database, office, clock, "Awa", "Diallo")
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AgendaScreen())
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BookingForm)
        await pilot.press(*"dial")
        await settle(pilot)
        await pilot.press("enter", "enter")  # to the matches, pick the first
        await settle(pilot)
        assert "Awa Diallo" in screen_text(pilot)
        await pilot.press("enter")  # the day: its slots, focused
        await settle(pilot)
        await pilot.press("enter")  # the first free slot: what will be booked
        await settle(pilot)
        await pilot.press("enter")  # confirmed
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen), screen_text(pilot)
        assert table_text(pilot, "#agenda")[0][2:4] == ["Karim", "Awa Diallo"]
    with database.read() as session:
        booked = session.scalars(select(Appointment)).one()
    assert (booked.visitor_id, booked.staff_id, booked.status) == (visitor, mediator, "booked")
    assert booked.starts_at >= clock.now()
