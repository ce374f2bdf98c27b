"""A desk as a separate process for tests/test_crash.py: a burst of arrivals and state changes,
each printed once the domain call returned (what a screen would have confirmed).

    python tests/crash_desk.py URL OFFICE_CODE DESK_NAME SEED HOLD_AFTER

After HOLD_AFTER confirmations it calls one more visitor, prints ``holding <visit>``, and goes
on registering arrivals without pause until killed (or until 200 more).
"""

from __future__ import annotations

import random
import sys

from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Outcome, Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.catalog import list_motifs, list_registers
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import ensure_desk, find_office
from pimms_tui.domain.orientation import DemandInput
from pimms_tui.domain.queue import ArrivalRequest


def say(*words: object) -> None:
    """One confirmed change, on its own line, flushed at once."""
    print(*words, flush=True)


def main() -> None:
    """Work until killed."""
    url, code, desk_name, seed, hold_after = sys.argv[1:6]
    rng = random.Random(int(seed))
    database = Database.from_url(url)
    with database.write() as session:
        office = find_office(session, code)
        assert office is not None
        desk = ensure_desk(session, office.id, desk_name)
        motif = list_motifs(session)[0].id
        register = list_registers(session)[0].code
    clock = SystemClock()
    queue = QueueService(database, clock, office)
    orientation = OrientationService(database, clock, office)
    actor = Actor(office.id, desk.id, desk_name=desk_name, role=Role.MANAGER)
    say("ready")
    confirmed = 0
    called: list[int] = []
    while confirmed < int(hold_after):
        roll = rng.random()
        if roll < 0.45 or (not called and roll < 0.7):
            ticket = queue.register_arrival(ArrivalRequest(motif_id=motif), actor)
            say("status", ticket.visit_id, "waiting")
        elif not called:
            entry = queue.call_next(actor)
            if entry is None:
                continue
            called.append(entry.visit_id)
            say("status", entry.visit_id, "called")
        else:
            visit_id = called.pop()
            queue.start(visit_id, actor)
            say("status", visit_id, "in_progress")
            demand = orientation.add_demand(
                visit_id, DemandInput(motif, None, register, "inform", "Note"), actor
            )
            say("demand", demand.id, "none")
            orientation.set_outcome(demand.id, Outcome.RESOLVED.value, actor)
            say("demand", demand.id, Outcome.RESOLVED.value)
            orientation.close_visit(visit_id, actor)
            say("status", visit_id, "done")
        confirmed += 1
    entry = None
    while entry is None:
        ticket = queue.register_arrival(ArrivalRequest(motif_id=motif), actor)
        say("status", ticket.visit_id, "waiting")
        entry = queue.call_next(actor)
    say("holding", entry.visit_id, "called")
    for _ in range(200):
        ticket = queue.register_arrival(ArrivalRequest(motif_id=motif), actor)
        say("status", ticket.visit_id, "waiting")


if __name__ == "__main__":
    main()
