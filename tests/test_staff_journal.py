"""Changes to staff accounts are journalled, and a PIN set by someone else is told at sign-in.

Who did it and to whom, never a PIN or a hash; on both engines, then by keystrokes on the
staff screen and the sign-in screen. Managers' PINs are long enough to resist an offline guess.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from pimms_tui.application.staff import StaffService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, Staff
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import DomainError
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.staff import MANAGER_PIN_SHORT, AccessRules
from pimms_tui.domain.staff_journal import StaffAction
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.signin import SignInScreen
from pimms_tui.screens.staff import StaffScreen

from .uikit import TEST_STAFF_NAMES, build_app, screen_text, settle, wait_for

SIZE = (120, 40)
BOSS_PIN = "nadia-48213957"


def journal(database: Database) -> list[tuple[str, int | None, int | None, dict[str, Any]]]:
    """(action, who, to whom, detail) of every entry about a staff account, in order."""
    with database.read() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.staff_id, AuditEntry.entity_id, AuditEntry.detail)
            .where(AuditEntry.entity == "staff")
            .order_by(AuditEntry.id)
        ).all()
    return [(r[0], r[1], r[2], dict(r[3] or {})) for r in rows]


def changes(database: Database) -> list[tuple[str, int | None, int | None, dict[str, Any]]]:
    return [entry for entry in journal(database) if entry[0].startswith("staff_")]


def start(database: Database, clock: FixedClock, office: OfficeInfo) -> tuple[StaffService, Actor]:
    staff = StaffService(database, clock, office.id, AccessRules())
    boss = staff.create_first_manager("Nadia R.", BOSS_PIN)
    return staff, Actor(office_id=office.id, desk_id=None, staff_id=boss.id, role=Role.MANAGER)


def test_each_change_to_an_account_is_journalled_without_the_pin(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff, boss = start(database, clock, office)
    sam = staff.create("Sam T.", Role.RECEPTION, "1357", boss)
    staff.set_pin(sam.id, "2468", boss)
    staff.change_role(sam.id, Role.MEDIATOR, boss)
    staff.deactivate(sam.id, boss)
    staff.reactivate(sam.id, boss)
    staff.change_role(sam.id, Role.MANAGER, boss, "sam-long-phrase-2468")
    me = boss.staff_id
    assert [(a, who, whom) for a, who, whom, _ in changes(database)] == [
        (StaffAction.CREATED, me, me),
        (StaffAction.CREATED, me, sam.id),
        (StaffAction.PIN_SET, me, sam.id),
        (StaffAction.ROLE_CHANGED, me, sam.id),
        (StaffAction.DEACTIVATED, me, sam.id),
        (StaffAction.REACTIVATED, me, sam.id),
        (StaffAction.ROLE_CHANGED, me, sam.id),
        (StaffAction.PIN_SET, me, sam.id),
    ]
    details = [detail for *_, detail in changes(database)]
    assert details[1] == {"role": "reception"}
    assert details[3] == {"before": "reception", "after": "mediator"}
    with database.read() as session:
        hashes = list(session.scalars(select(Staff.pin_hash)))
    text = repr(journal(database))
    for secret in ("1357", "2468", "sam-long-phrase", "argon2", *map(str, hashes)):
        assert secret not in text


def test_a_pin_set_by_someone_else_is_told_at_the_next_sign_in_only(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff, boss = start(database, clock, office)
    sam = staff.create("Sam T.", Role.MEDIATOR, "1357", boss)
    assert staff.sign_in(sam.id, "1357").pin_change is None  # the first PIN: agreed
    clock.advance(hours=2)
    staff.set_pin(sam.id, "2468", boss)
    told = staff.sign_in(sam.id, "2468").pin_change
    assert told is not None and told.by == "Nadia R."
    with database.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == StaffAction.PIN_SET)
        ).one()
    assert told.at == entry.at
    assert staff.sign_in(sam.id, "2468").pin_change is None  # told once
    # Changing one's own PIN is nothing to be told about.
    sam_actor = Actor(office_id=office.id, desk_id=None, staff_id=sam.id, role=Role.MEDIATOR)
    staff.set_pin(sam.id, "8642", sam_actor)
    assert staff.sign_in(sam.id, "8642").pin_change is None
    actions = [a for a, *_ in journal(database)]
    assert actions.count(Action.SIGN_IN) == 4


@pytest.mark.parametrize("pin", ["4821", "48213957", "court mot 1"])
def test_a_managers_pin_is_long_enough_to_resist_an_offline_guess(
    database: Database, clock: FixedClock, office: OfficeInfo, pin: str
) -> None:
    staff, boss = start(database, clock, office)
    sam = staff.create("Sam T.", Role.MEDIATOR, "1357", boss)  # others keep 4 to 8 digits
    for attempt in (
        lambda: staff.create("Eve M.", Role.MANAGER, pin, boss),
        lambda: staff.set_pin(boss.staff_id or 0, pin, boss),
        lambda: staff.change_role(sam.id, Role.MANAGER, boss, pin),
        lambda: staff.change_role(sam.id, Role.MANAGER, boss),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.message == MANAGER_PIN_SHORT
        assert refused.value.field == "staff_pin"
    assert staff.create("Eve M.", Role.MANAGER, "123456789012", boss).role == Role.MANAGER
    assert staff.sign_in(sam.id, "1357").role == Role.MEDIATOR
    with pytest.raises(DomainError):
        staff.create("Tom", Role.RECEPTION, "123456789", boss)  # 9 digits: neither


async def test_staff_changes_by_keystrokes_then_the_notice_at_sign_in(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A manager adds Sam, gives a new PIN, a role, deactivates and reactivates, by keys; Sam
    is told at sign-in who changed the PIN, and when."""
    app = build_app(sqlite_database, clock, sqlite_office, role=Role.MANAGER)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffScreen) and app.screen.accounts)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Sam Accueil", "tab", "tab", *"1357", "enter", *"1357", "enter")
        # (a mediator: the form's first choice)
        await wait_for(pilot, lambda: len(app.screen.accounts) == 2)

        def sam_row() -> int:
            return next(
                i for i, a in enumerate(app.screen.accounts) if a.display_name == "Sam Accueil"
            )

        async def on_sam() -> None:
            table = app.screen.query_one("#staff-list")
            table.focus()
            table.move_cursor(row=sam_row())
            await settle(pilot)

        await on_sam()
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"2468", "enter", *"2468", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffScreen))
        # A manager needs a long PIN: refused at the field, then given one.
        await on_sam()
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("down", "down", "space", "tab", *"2468", "enter", *"2468", "enter")
        await wait_for(pilot, lambda: "12 caractères" in screen_text(pilot))
        assert app.screen.focused is not None and app.screen.focused.id == "staff-pin"
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffScreen))
        await on_sam()
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("space", "ctrl+s")  # reception (the first): no PIN needed
        await wait_for(pilot, lambda: isinstance(app.screen, StaffScreen))
        await on_sam()
        await pilot.press("d")
        await wait_for(pilot, lambda: not app.screen.accounts[sam_row()].active)
        await on_sam()
        await pilot.press("v")
        await wait_for(pilot, lambda: app.screen.accounts[sam_row()].active)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))

        with sqlite_database.read() as session:
            sam = session.scalars(select(Staff).where(Staff.display_name == "Sam Accueil")).one()
            boss = session.scalars(
                select(Staff).where(Staff.display_name == TEST_STAFF_NAMES[Role.MANAGER])
            ).one()
        assert sam.role == Role.RECEPTION and sam.active
        assert [(a, who, whom) for a, who, whom, _ in changes(sqlite_database)] == [
            (StaffAction.CREATED, boss.id, sam.id),
            (StaffAction.PIN_SET, boss.id, sam.id),
            (StaffAction.ROLE_CHANGED, boss.id, sam.id),
            (StaffAction.DEACTIVATED, boss.id, sam.id),
            (StaffAction.REACTIVATED, boss.id, sam.id),
        ]

        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.screen.accounts)
        name = app.screen.query_one("#signin-filter", Input)
        name.value = ""
        name.focus()
        await pilot.press(*"Sam", "enter")
        await settle(pilot)
        await pilot.press(*"2468", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        said = " ".join(str(n.message) for n in app._notifications)
        assert "Votre code PIN a été changé par Claire Responsable le 02/03/2026" in said
        assert "prévenez votre responsable" in said
