"""A change made at one desk reaches the others: through ``revision()``, and on the queue screen.

Each desk has its own Database (its own engine and connections) on the same database, as two
terminals would. The timing of this is measured by ``bench/propagation.py``; here only that it
happens, that an unchanged queue keeps its revision, and that an idle app redraws by itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from pimms_tui.app import make_app
from pimms_tui.application import Container, DeskSession
from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.settings import Settings

from .uikit import signed_in_account

APP_WAIT_S = 3.0
PAUSE_S = 0.05


def url_of(database: Database) -> str:
    """The URL another desk would open, password included."""
    return database.engine.url.render_as_string(hide_password=False)


def desk_actor(database: Database, office: OfficeInfo, name: str) -> Actor:
    """Who works at the named desk (created on first use)."""
    with database.write() as session:
        desk = ensure_desk(session, office.id, name)
    return Actor(office_id=office.id, desk_id=desk.id, desk_name=desk.name, role=Role.MANAGER)


@pytest.fixture
def other_desk(database: Database) -> Iterator[Database]:
    """A second terminal's own engine on the same database."""
    other = Database.from_url(url_of(database))
    yield other
    other.dispose()


def codes(service: QueueService) -> list[str]:
    """The ticket codes a desk sees today."""
    return [entry.ticket_code for entry in service.today()]


def test_arrival_at_one_desk_moves_the_revision_seen_by_another(
    database: Database, other_desk: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Desk A registers; desk B's revision moves and its today() has the ticket."""
    desk_a = QueueService(database, clock, office)
    desk_b = QueueService(other_desk, clock, office)
    actor_a = desk_actor(database, office, "Desk A")
    before = desk_b.revision()
    assert desk_b.revision() == before, "nothing changed: the revision must stay put"

    ticket = desk_a.register_arrival(ArrivalRequest(), actor_a)

    after = desk_b.revision()
    assert after != before
    assert ticket.ticket_code in codes(desk_b)
    assert desk_b.revision() == after, "reading the queue is not a change"
    assert desk_a.revision() == after


def test_every_arrival_moves_the_revision_again(
    database: Database, other_desk: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Each write gives a new revision: a desk that polls never misses the second one."""
    desk_a = QueueService(database, clock, office)
    desk_b = QueueService(other_desk, clock, office)
    actor_a = desk_actor(database, office, "Desk A")
    seen = {desk_b.revision()}
    tickets = []
    for _ in range(3):
        tickets.append(desk_a.register_arrival(ArrivalRequest(), actor_a).ticket_code)
        revision = desk_b.revision()
        assert revision not in seen
        seen.add(revision)
    assert set(tickets) <= set(codes(desk_b))


def test_a_call_at_another_desk_moves_the_revision(
    database: Database, other_desk: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """Not only arrivals: a call made at desk B is seen by desk A too."""
    desk_a = QueueService(database, clock, office)
    desk_b = QueueService(other_desk, clock, office)
    ticket = desk_a.register_arrival(ArrivalRequest(), desk_actor(database, office, "Desk A"))
    before = desk_a.revision()

    called = desk_b.call_next(desk_actor(other_desk, office, "Desk B"))

    assert called is not None and called.ticket_code == ticket.ticket_code
    assert desk_a.revision() != before
    status = {e.ticket_code: e.status for e in desk_a.today()}[ticket.ticket_code]
    assert status == called.status


def table_codes(table: DataTable[object]) -> list[str]:
    """The ticket column of the queue table, as text."""
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


async def test_idle_app_shows_an_arrival_made_at_another_desk(
    sqlite_database: Database, clock: FixedClock
) -> None:
    """The queue screen redraws on its own (polling) when another desk issues a ticket."""
    with sqlite_database.write() as session:
        office = create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
        desk = ensure_desk(session, office.id, "Accueil")
    container = Container(
        settings=Settings(queue_poll_seconds=0.05), database=sqlite_database, clock=clock
    )
    session = DeskSession(
        office=office, desk=desk, staff=signed_in_account(sqlite_database, office, Role.RECEPTION)
    )
    other = Database.from_url(url_of(sqlite_database))
    try:
        app = make_app(container, session)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await wait_for_table(pilot)
            assert table_codes(table) == []
            remote = QueueService(other, clock, office)
            ticket = remote.register_arrival(
                ArrivalRequest(), desk_actor(other, office, "Guichet 2")
            )
            waited = 0.0
            while ticket.ticket_code not in table_codes(table) and waited < APP_WAIT_S:
                await pilot.pause(PAUSE_S)
                waited += PAUSE_S
            assert ticket.ticket_code in table_codes(table), (
                f"the queue did not show {ticket.ticket_code} within {APP_WAIT_S} s"
            )
    finally:
        other.dispose()


async def wait_for_table(pilot: Pilot[None]) -> DataTable[object]:
    """The queue table once the queue screen is up and has done its first load."""
    waited = 0.0
    while waited < APP_WAIT_S:
        screen = pilot.app.screen
        tables = screen.query("#queue")
        if tables and getattr(screen, "revision", None) is not None:
            table = tables.first()
            assert isinstance(table, DataTable)
            return table
        await pilot.pause(PAUSE_S)
        waited += PAUSE_S
    raise AssertionError(f"the queue screen did not load within {APP_WAIT_S} s")
