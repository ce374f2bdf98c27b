"""A save retried through an outage is journalled under the person who typed it.

The actor is read when the key is pressed, never when the retry finally goes through: by
then the desk may have locked itself and someone else may have signed in.
"""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input

from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, Office
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.screens.settings import SettingsForm

from .test_outage import Outage, make_office, outage, quick_retries  # noqa: F401 (fixtures)
from .uikit import build_app, settle, signed_in_account

SIZE = (120, 40)


async def test_a_save_retried_after_another_sign_in_names_who_typed_it(
    outage: Outage,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    database = outage.database
    office = make_office(database, clock)
    manager = signed_in_account(database, office, Role.MANAGER)
    colleague = signed_in_account(database, office, Role.RECEPTION)
    app = build_app(database, clock, office, role=Role.MANAGER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, SettingsForm)
        form = app.screen
        form.query_one("#retention-months", Input).value = "36"
        outage.start()
        await pilot.press("ctrl+s")  # typed by the manager; the database is away
        for _ in range(200):
            await pilot.pause(0.05)
            if app.waiting_saves:
                break
        assert app.waiting_saves, "the save should be waiting for the database"
        # The desk changes hands while the save waits (the idle lock, then a colleague).
        app.enter_as(colleague)
        await pilot.pause(0.2)  # not settle(): it would wait for the waiting save
        assert app.session.actor.staff_id == colleague.id
        outage.end()
        for _ in range(300):
            await pilot.pause(0.05)
            if not app.waiting_saves:
                break
        assert not app.waiting_saves
    with outage.direct.read() as session:
        saved = session.get(Office, office.id)
        assert saved is not None and saved.retention_months == 36
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == Action.SETTINGS_CHANGED)
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry is not None
    assert entry.staff_id == manager.id
