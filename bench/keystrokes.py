"""Counts the keys from the queue screen to an issued ticket, with the real app and the Pilot.

    python bench/keystrokes.py

Prints the keys pressed for an anonymous walk-in (reason included) and for a known visitor
(the name fragment, then the other keys), and checks each ticket is in the database.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

from pimms_tui.db.enums import Role

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pimms_tui import i18n
from pimms_tui.app import make_app
from pimms_tui.application import Container, DeskSession, UseCases
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Visit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import create_office, ensure_desk
from pimms_tui.domain.setup import prepare_database
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.screens.arrival import TicketScreen
from pimms_tui.settings import Settings


async def count_keys(
    container: Container, session: DeskSession, keys: list[str], typed: str = ""
) -> tuple[int, str]:
    """Press ``keys`` one at a time (after typing ``typed`` where the list says so)."""
    app = make_app(container, session)
    pressed = 0
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        for key in keys:
            if key == "<fragment>":
                await pilot.press(*typed)
            else:
                await pilot.press(key)
                pressed += 1
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if isinstance(app.screen, TicketScreen):
                return pressed, app.screen.ticket.ticket_code
    raise SystemExit(f"no ticket after {keys}")


def main() -> None:
    """Measure both paths and print a small table."""
    i18n.activate("fr")
    with tempfile.TemporaryDirectory() as folder:
        database = Database.from_url(f"sqlite:///{Path(folder) / 'keys.sqlite3'}")
        prepare_database(database)
        clock = FixedClock()
        with database.write() as session:
            office = create_office(session, name="PIMMS Mesure", now=clock.now())
            desk = ensure_desk(session, office.id, "Accueil")
        actor = Actor(office_id=office.id, desk_id=desk.id, role=Role.MANAGER)
        create_visitor(
            database,
            NewVisitor("Hélène", "Dupont-Moreau", keep_file_consent=True),
            actor,
            clock.now(),
        )
        container = Container(settings=Settings(desk="Accueil"), database=database, clock=clock)
        session = DeskSession(office=office, desk=desk)
        # Counted from the queue, once someone is signed in (sign-in is not part of a path).
        uses = UseCases(container, session)
        session.staff = uses.create_first_manager("Mesure", "mesure-48213957")
        results: list[tuple[str, int, str]] = []
        anonymous, code_a = asyncio.run(count_keys(container, session, ["a", "enter", "1"]))
        results.append(("anonymous walk-in, reason included", anonymous, code_a))
        known, code_k = asyncio.run(
            count_keys(container, session, ["a", "<fragment>", "down", "enter", "1"], typed="dup")
        )
        results.append(('known visitor, after typing "dup"', known, code_k))
        with database.read() as session:
            codes = set(session.scalars(select(Visit.ticket_code)))
        assert {code_a, code_k} <= codes
        database.dispose()
    print("| path | keys | ticket |")
    print("|---|---|---|")
    for name, keys, code in results:
        print(f"| {name} | {keys} | {code} |")


if __name__ == "__main__":
    main()
