"""The demo stays coherent from one launch to the next.

``pimms --demo`` starts at 10:30 of the demo day; a later launch on the same day goes on after
what the earlier runs recorded: an arrival registered in the first run is in the past of the
second (its waiting time grows from its arrival, never from a clock set back before it), and
the journal written across both runs is in time order.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pimms_tui.application import UseCases
from pimms_tui.cli.desk import open_demo
from pimms_tui.db.enums import Role, VisitStatus
from pimms_tui.db.models import AuditEntry, Staff
from pimms_tui.demo import demo_morning, demo_pins
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.settings import load_settings


def launch() -> UseCases:
    """What ``pimms --demo`` opens before it shows the sign-in screen."""
    return open_demo(load_settings(demo=True))


def sign_in(services: UseCases, role: Role) -> None:
    """Sign in with the demo's PIN of an account of ``role`` (the journal records it)."""
    office = services.session.office
    assert office is not None
    database = services.container.database
    pins = demo_pins(database, office.id)
    with database.read() as session:
        staff_id = next(
            sid
            for sid in session.scalars(
                select(Staff.id).where(Staff.office_id == office.id, Staff.role == role)
            )
            if sid in pins
        )
    services.session.staff = services.sign_in(staff_id, pins[staff_id])


def test_a_second_launch_goes_on_after_the_first() -> None:
    first = launch()
    try:
        morning = demo_morning(datetime.now(UTC))
        assert morning <= first.now() < morning + timedelta(minutes=1)
        time.sleep(1.5)  # the first run lives a little before the arrival
        sign_in(first, Role.RECEPTION)
        ticket = first.queue.register_arrival(ArrivalRequest(), first.session.actor)
        (arrival,) = [e for e in first.queue.today() if e.visit_id == ticket.visit_id]
        arrived_at = arrival.arrived_at
    finally:
        first.container.close()

    second = launch()
    try:
        now = second.now()
        assert now > arrived_at, f"the second run starts at {now}, before the arrival"
        assert now - arrived_at < timedelta(minutes=1)  # it goes on, it does not jump ahead
        sign_in(second, Role.MEDIATOR)
        (waiting,) = [e for e in second.queue.today() if e.visit_id == ticket.visit_id]
        assert waiting.status == VisitStatus.WAITING
        assert second.now() - waiting.arrived_at > timedelta(0)  # waited, not "from the future"
        # Everything recorded in both runs is in time order: the journal reads as it happened.
        with second.container.database.read() as session:
            entries = list(session.execute(select(AuditEntry.id, AuditEntry.at)))
        assert len(entries) >= 2
        by_id = [at for _id, at in sorted(entries)]
        assert by_id == sorted(by_id)
    finally:
        second.container.close()
