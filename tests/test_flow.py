"""The reception flow driven by keystrokes, as a receptionist and a mediator would.

Each test runs the real application over a SQLite database and checks what the screen shows
and what the database holds afterwards.
"""

from __future__ import annotations

from sqlalchemy import select

from pimms_tui.db.engine import Database
from pimms_tui.db.models import Appointment, Demand, Relay, Visit
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.screens.arrival import ArrivalScreen, TicketScreen
from pimms_tui.screens.listening import ListeningScreen
from pimms_tui.screens.queue import QueueScreen

from .uikit import add_mediator, build_app, screen_text, settle, table_text

SIZE = (120, 40)


def visits(database: Database) -> list[Visit]:
    """Every visit, oldest first."""
    with database.read() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def demands(database: Database) -> list[Demand]:
    """Every demand."""
    with database.read() as session:
        return list(session.scalars(select(Demand).order_by(Demand.id)))


async def arrive_anonymous(pilot, motif_digit: str = "1") -> str:  # type: ignore[no-untyped-def]
    """a, Enter, digit: an anonymous walk-in; returns the ticket code shown."""
    await pilot.press("a")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ArrivalScreen)
    await pilot.press("enter", motif_digit)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketScreen)
    code = pilot.app.screen.ticket.ticket_code
    assert code in screen_text(pilot)
    await pilot.press("escape")
    await settle(pilot)
    return code


async def call_and_listen(pilot) -> None:  # type: ignore[no-untyped-def]
    """n then s: call the next visitor and start listening."""
    await pilot.press("n")
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ListeningScreen)


async def add_demand(pilot, note: str = "") -> None:  # type: ignore[no-untyped-def]
    """d, pick the first reason, type the note, save."""
    await pilot.press("d")
    await settle(pilot)
    await pilot.press("enter", "down", "enter")  # open the reason list, first reason
    await pilot.press("tab", "tab", "tab", "tab")  # partner, register, level, note
    if note:
        await pilot.press(*note)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_anonymous_arrival_takes_three_keys(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """a, Enter, 1 issues A-001 and the queue shows it waiting."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        code = await arrive_anonymous(pilot)
        assert code == "A-001"
        assert isinstance(app.screen, QueueScreen)
        rows = table_text(pilot, "#queue")
        assert rows[0][0] == "A-001" and rows[0][1] == "anonyme"
    (visit,) = visits(sqlite_database)
    assert (visit.ticket_code, visit.status, visit.visitor_id) == ("A-001", "waiting", None)
    assert visit.first_motif_id is not None


async def test_flow_resolved_on_site(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Arrival, call, listen, one demand resolved on site, close: the visit is done."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await arrive_anonymous(pilot)
        await call_and_listen(pilot)
        await add_demand(pilot, note="Facture de mars")
        assert table_text(pilot, "#demands")[0][5] == "Facture de mars"
        await pilot.press("c")  # refused: the demand has no orientation yet
        await settle(pilot)
        assert "orientation" in screen_text(pilot).lower()
        assert isinstance(app.screen, ListeningScreen)
        await pilot.press("o", "1")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    (visit,) = visits(sqlite_database)
    assert visit.status == "done" and visit.finished_at is not None
    (demand,) = demands(sqlite_database)
    assert (demand.outcome, demand.note) == ("resolved", "Facture de mars")


async def test_flow_must_come_back(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A demand oriented 'must come back' closes the visit."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await arrive_anonymous(pilot, "3")
        await call_and_listen(pilot)
        await add_demand(pilot)
        await pilot.press("o", "3")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
    (demand,) = demands(sqlite_database)
    assert demand.outcome == "come_back"
    assert visits(sqlite_database)[0].status == "done"


async def test_flow_relay_prints_a_slip(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A relay to a partner records the relay with a follow-up in two weeks and a slip."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await arrive_anonymous(pilot)
        await call_and_listen(pilot)
        await add_demand(pilot)
        await pilot.press("o", "4")
        await settle(pilot)
        await pilot.press("enter", "down", "enter")  # first partner
        await pilot.press("tab", "tab")  # mode, contact
        await pilot.press(*"Mme Martin")
        await pilot.press("tab")
        await pilot.press(*"Dossier en attente")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ListeningScreen)
        await pilot.press("c")
        await settle(pilot)
    with sqlite_database.read() as session:
        relay = session.scalars(select(Relay)).one()
    assert relay.contact == "Mme Martin" and relay.reason == "Dossier en attente"
    assert relay.follow_up_on == clock.now().date().replace(day=16)
    assert relay.shared_details is None and relay.share_consent_id is None
    assert demands(sqlite_database)[0].outcome == "relay"
    assert visits(sqlite_database)[0].status == "done"


async def test_flow_appointment(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """An appointment books the first free slot with the mediator and orients the demand."""
    mediator = add_mediator(sqlite_database, sqlite_office)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await arrive_anonymous(pilot)
        await call_and_listen(pilot)
        await add_demand(pilot)
        await pilot.press("o", "5")
        await settle(pilot)
        await pilot.press("tab")  # from the day to the slot list (the day is today)
        await pilot.press("enter")  # what will be booked
        await settle(pilot)
        await pilot.press("enter")  # confirmed
        await settle(pilot)
        assert isinstance(app.screen, ListeningScreen), (app.focused, screen_text(pilot))
        await pilot.press("c")
        await settle(pilot)
    with sqlite_database.read() as session:
        appointment = session.scalars(select(Appointment)).one()
    assert appointment.staff_id == mediator and appointment.status == "booked"
    assert appointment.starts_at >= clock.now()
    (demand,) = demands(sqlite_database)
    assert (demand.outcome, demand.appointment_id) == ("appointment", appointment.id)


async def test_sensitive_note_is_refused_and_kept(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A note with a password is refused with the reason; the form keeps what was typed."""
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await arrive_anonymous(pilot)
        await call_and_listen(pilot)
        await add_demand(pilot, note="mdp : Soleil2024!")
        assert "ne peut pas" in screen_text(pilot) or "cannot" in screen_text(pilot)
        from textual.widgets import Input

        assert app.screen.query_one("#note", Input).value == "mdp : Soleil2024!"
    assert demands(sqlite_database) == []
