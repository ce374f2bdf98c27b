"""A newcomer's findings at the arrival and the sign-in, driven by keystrokes.

One person waits once in today's queue; a search fragment opens no file without the
duplicate check, and an abandoned arrival leaves no file; only the demo's own accounts
show a demo PIN.
"""

from __future__ import annotations

from sqlalchemy import select

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Staff
from pimms_tui.demo.offices import demo_pin_hash
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.staff import pin_matches
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.signin import SignInScreen

from .uikit import build_app, shown, signed_in_account, wait_for

SIZE = (120, 40)


# --- 6. The demo PIN on the sign-in screen -----------------------------------------------------


async def test_only_the_demos_own_accounts_show_a_demo_pin(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A person added in the demo with PIN 4444 is listed without "PIN démo" and signs in
    with 4444; the demo's own mediator still shows its PIN."""
    with sqlite_database.write() as session:
        session.add(
            Staff(
                office_id=sqlite_office.id,
                display_name="Inès Démo",
                role=Role.MEDIATOR.value,
                pin_hash=demo_pin_hash(sqlite_office.id, Role.MEDIATOR),
            )
        )
    manager = signed_in_account(sqlite_database, sqlite_office, Role.MANAGER)
    app = build_app(sqlite_database, clock, sqlite_office, role=None, demo=True)
    added_by = app.session
    added_by.staff = manager
    new = app.use_cases.staff_accounts.create("Sam Ajout", Role.MEDIATOR, "4444", added_by.actor)
    added_by.staff = None
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.screen.accounts)
        lines = shown(app).splitlines()
        sam = next(line for line in lines if "Sam Ajout" in line)
        ines = next(line for line in lines if "Inès Démo" in line)
        assert "PIN démo" not in sam and "2222" not in sam
        assert "PIN démo 2222" in ines
        await pilot.press(*"Sam", "enter", *"4444", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.session.staff is not None and app.session.staff.id == new.id
    with sqlite_database.read() as session:
        row = session.scalars(select(Staff).where(Staff.id == new.id)).one()
    assert pin_matches(row.pin_hash or "", "4444") and not pin_matches(row.pin_hash or "", "2222")
