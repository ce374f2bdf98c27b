"""A commit whose answer was lost is settled as soon as the server answers, and a second press
meanwhile saves nothing twice (PostgreSQL: SQLite has no lost commit answers).

The network is a TCP proxy: it forwards the COMMIT, then goes silent (the server commits,
its answer is swallowed), then is cut (refused), then comes back. Real settings throughout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Visit
from pimms_tui.db.resilience import CommitUncertain, is_outage, run_until_saved
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest

from .conftest import POSTGRES_SKIP_REASON, POSTGRES_URL
from .netproxy import Proxy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason=POSTGRES_SKIP_REASON),
]


class Desk:
    """One desk whose network to the server is a proxy the test breaks."""

    def __init__(self, database: Database, clock: FixedClock) -> None:
        url = make_url(database.engine.url.render_as_string(hide_password=False))
        self.proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
        far = url.set(host="127.0.0.1", port=self.proxy.port)
        self.database = Database.from_url(far.render_as_string(hide_password=False))
        with database.write() as session:
            office: OfficeInfo = create_office(
                session, name="PIMMS Test", code="TEST", now=clock.now()
            )
            desk = ensure_desk(session, office.id, "Guichet 1")
        self.actor = Actor(office.id, desk.id, role=Role.MANAGER)
        self.queue = QueueService(self.database, clock, office)

    def arrival(self) -> Any:
        return self.queue.register_arrival(ArrivalRequest(), self.actor)

    def close(self) -> None:
        self.database.dispose()
        self.proxy.close()


@pytest.fixture
def desk(database: Database, clock: FixedClock) -> Iterator[Desk]:
    if database.is_sqlite:
        pytest.skip("a commit's answer is lost on a network: PostgreSQL only")
    control = Desk(database, clock)
    yield control
    control.close()


def visits(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Visit)) or 0)


def test_a_save_whose_commit_answer_is_lost_ends_as_soon_as_the_server_answers(
    desk: Desk, database: Database
) -> None:
    """The answer to COMMIT is swallowed, then the network is cut for a while: the save keeps
    waiting (it used to give up with "check it before saving again") and ends with its
    ticket within seconds of the network's return, written once."""
    desk.arrival()  # connected, and A-001 taken
    desk.proxy.freeze_after = b"COMMIT"
    outcome: list[Any] = []
    tries: list[BaseException] = []
    saver = threading.Thread(
        target=lambda: outcome.append(run_until_saved(desk.arrival, on_outage=tries.append)),
        daemon=True,
    )
    saver.start()
    assert desk.proxy.lost.wait(5)
    time.sleep(6)  # the watchdog gave up on the answer; the server cannot be asked
    desk.proxy.cut()
    time.sleep(3)
    assert saver.is_alive() and not outcome
    assert visits(database) == 2  # the server did commit it
    desk.proxy.restore()
    back = time.monotonic()
    saver.join(15)
    assert outcome, "the save did not end once the server answered"
    print(f"settled {time.monotonic() - back:.2f} s after the network came back")
    assert time.monotonic() - back < 3.0
    assert outcome[0].ticket_code == "A-002"
    assert len(tries) == 1  # told once (the banner) while the server could not be asked
    assert not isinstance(tries[0], CommitUncertain)
    assert visits(database) == 2
    assert desk.arrival().ticket_code == "A-003"


def test_a_doubtful_save_left_behind_is_settled_and_not_made_twice(
    desk: Desk, database: Database
) -> None:
    """The person stops waiting while the commit is in doubt: the desk says so, a second
    press meanwhile is refused (it created a duplicate visit before), and the outcome is
    known — committed — as soon as the server answers, in the background."""
    desk.arrival()
    desk.proxy.freeze_after = b"COMMIT"
    stop = threading.Event()
    errors: list[BaseException] = []

    def first_press() -> None:
        try:
            run_until_saved(desk.arrival, should_stop=stop.is_set)
        except BaseException as error:
            errors.append(error)

    saver = threading.Thread(target=first_press, daemon=True)
    saver.start()
    assert desk.proxy.lost.wait(5)
    time.sleep(6)
    desk.proxy.cut()
    stop.set()  # the person leaves the form
    saver.join(10)
    assert len(errors) == 1 and isinstance(errors[0], CommitUncertain)
    settlement = errors[0].settlement
    assert not settlement.done()
    assert not is_outage(errors[0])  # never retried blindly
    # The same key again, while in doubt: refused, nothing written.
    desk.proxy.restore()
    desk.proxy.freeze()  # the network is silent again: the server still cannot be asked
    with pytest.raises(CommitUncertain):
        run_until_saved(desk.arrival, should_stop=lambda: True)
    assert visits(database) == 2
    desk.proxy.restore()
    back = time.monotonic()
    assert settlement.result(timeout=10) is True
    print(f"settled in the background {time.monotonic() - back:.2f} s after the return")
    assert time.monotonic() - back < 3.0
    assert visits(database) == 2
    assert desk.arrival().ticket_code == "A-003"  # and the desk goes on


async def test_at_the_desk_a_call_whose_commit_answer_is_lost_ends_with_the_called_ticket(
    database: Database, clock: FixedClock
) -> None:
    """The desk presses "call next"; the answer to its COMMIT is lost, then the network is
    cut: the banner shows while the server cannot be asked, and once it answers the desk
    says which ticket it called (it used to say "check it before saving again", and a second
    press called a second visitor)."""
    if database.is_sqlite:
        pytest.skip("a commit's answer is lost on a network: PostgreSQL only")
    from sqlalchemy import select as select_

    from pimms_tui.db.enums import VisitStatus

    from .uikit import build_app, settle

    with database.write() as session:
        office = create_office(session, name="PIMMS Test", code="TEST", now=clock.now())
        other = ensure_desk(session, office.id, "Accueil")
    direct = QueueService(database, clock, office)
    for _ in range(2):
        direct.register_arrival(ArrivalRequest(), Actor(office.id, other.id, role=Role.MANAGER))
    url = make_url(database.engine.url.render_as_string(hide_password=False))
    with Proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        far = Database.from_url(
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        )
        try:
            app = build_app(far, clock, office)
            async with app.run_test(size=(130, 40)) as pilot:
                await settle(pilot)
                proxy.freeze_after = b"COMMIT"
                await pilot.press("n")
                await until(pilot, lambda: app.database_down)  # after the watchdog's 5 s
                proxy.cut()
                await pilot.pause(2)
                await pilot.press("n")  # again, while in doubt: not a second call
                await pilot.pause(0.5)
                proxy.restore()
                await until(pilot, lambda: not app.waiting_saves)
                await pilot.pause(0.3)
                said = " ".join(str(n.message) for n in app._notifications)
                assert "A-001" in said
        finally:
            far.dispose()
    with database.read() as session:
        statuses = list(
            session.execute(select_(Visit.ticket_code, Visit.status).order_by(Visit.id))
        )
    assert statuses == [("A-001", VisitStatus.CALLED), ("A-002", VisitStatus.WAITING)]


async def until(pilot: Any, condition: Any, seconds: float = 20.0) -> None:
    """Let the app run until ``condition()`` (a save may be pending: no waiting on workers)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)
