"""Staff accounts: PIN rule, Argon2 hashes, sign-in with lock-out, journal, managers only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from pimms_tui.application.staff import StaffService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, Staff
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.errors import Conflict, DomainError, PermissionDenied
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.staff import (
    PIN_INVALID,
    STILL_LOCKED,
    WRONG_PIN,
    AccessRules,
    SignInRefused,
    check_pin,
)


def service(
    database: Database, clock: FixedClock, office: OfficeInfo, **rules: float
) -> StaffService:
    return StaffService(database, clock, office.id, AccessRules(**rules))  # type: ignore[arg-type]


def as_actor(office: OfficeInfo, staff_id: int, role: Role) -> Actor:
    return Actor(office_id=office.id, desk_id=None, staff_id=staff_id, role=role)


def journal(database: Database) -> list[tuple[str, int | None]]:
    """The sign-in entries of the journal (changes to accounts are in test_staff_journal)."""
    with database.read() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.staff_id)
            .where(AuditEntry.action.not_like("staff_%"))
            .order_by(AuditEntry.id)
        ).all()
        return [(r[0], r[1]) for r in rows]


def let_time_pass(database: Database, clock: FixedClock, **delta: float) -> None:
    """Time passes for the lock-out: the desk's clock on SQLite, the server's on PostgreSQL
    (whose clock no test can move: the lock is moved back as much instead)."""
    clock.advance(**delta)
    if not database.is_sqlite:
        seconds = timedelta(**delta).total_seconds()
        with database.write() as session:
            session.execute(
                text(
                    "UPDATE staff SET locked_until = locked_until - make_interval(secs => :s) "
                    "WHERE locked_until IS NOT NULL"
                ),
                {"s": seconds},
            )


def staff_rows(database: Database) -> list[tuple[str, str, bool, str | None]]:
    with database.read() as session:
        rows = session.execute(
            select(Staff.display_name, Staff.role, Staff.active, Staff.pin_hash).order_by(Staff.id)
        ).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]


@pytest.mark.parametrize("pin", ["1234", "00000000", "une phrase de passe", "correct horse!"])
def test_pins_and_passphrases_that_follow_the_rule(pin: str) -> None:
    assert check_pin(pin) == pin


@pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", "court", "onze lettre", "١٢٣٤"])
def test_pins_refused(pin: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_pin(pin)
    assert refused.value.message == PIN_INVALID


def test_first_manager_then_sign_in(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff = service(database, clock, office)
    assert staff.needs_first_manager()
    manager = staff.create_first_manager("  Nadia   R. ", "nadia-48213957")
    assert (manager.display_name, manager.role) == ("Nadia R.", Role.MANAGER)
    assert not staff.needs_first_manager()
    (stored,) = staff_rows(database)
    assert stored[3] is not None and stored[3].startswith("$argon2id$") and "4821" not in stored[3]
    with pytest.raises(PermissionDenied):
        staff.create_first_manager("Someone Else", "someone-11112222")
    assert [a.display_name for a in staff.for_sign_in()] == ["Nadia R."]
    assert staff.sign_in(manager.id, "nadia-48213957").id == manager.id
    assert journal(database) == [(Action.SIGN_IN, manager.id)]


def test_lock_out_after_five_wrong_pins_then_unlock(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff = service(database, clock, office)
    manager = staff.create_first_manager("Nadia R.", "nadia-48213957")
    for attempt in range(1, 5):
        with pytest.raises(SignInRefused) as refused:
            staff.sign_in(manager.id, "0000")
        assert refused.value.message == WRONG_PIN
        assert refused.value.params == {"left": 5 - attempt}
    with pytest.raises(SignInRefused) as refused:
        staff.sign_in(manager.id, "0000")
    assert refused.value.params == {"minutes": 5}
    # Locked: even the right PIN is refused, without being checked.
    let_time_pass(database, clock, minutes=4)
    with pytest.raises(SignInRefused) as refused:
        staff.sign_in(manager.id, "nadia-48213957")
    assert (refused.value.message, refused.value.params) == (STILL_LOCKED, {"minutes": 1})
    let_time_pass(database, clock, minutes=1, seconds=1)
    assert staff.sign_in(manager.id, "nadia-48213957").id == manager.id
    actions = [action for action, _ in journal(database)]
    assert actions == [Action.SIGN_IN_FAILED] * 5 + [Action.LOCKED_OUT, Action.SIGN_IN]
    with database.read() as session:
        row = session.get(Staff, manager.id)
        assert row is not None and (row.failed_attempts, row.locked_until) == (0, None)


def test_lock_out_rules_come_from_the_settings(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff = service(database, clock, office, attempts=2, lock_minutes=10)
    manager = staff.create_first_manager("Nadia R.", "nadia-48213957")
    with pytest.raises(SignInRefused):
        staff.sign_in(manager.id, "0000")
    with pytest.raises(SignInRefused) as refused:
        staff.sign_in(manager.id, "0000")
    assert refused.value.params == {"minutes": 10}
    let_time_pass(database, clock, minutes=9)
    with pytest.raises(SignInRefused):
        staff.sign_in(manager.id, "nadia-48213957")


def test_a_success_resets_the_failure_count(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff = service(database, clock, office)
    manager = staff.create_first_manager("Nadia R.", "nadia-48213957")
    for _ in range(4):
        with pytest.raises(SignInRefused):
            staff.sign_in(manager.id, "0000")
    staff.sign_in(manager.id, "nadia-48213957")
    with pytest.raises(SignInRefused) as refused:
        staff.sign_in(manager.id, "0000")
    assert refused.value.params == {"left": 4}


def test_manager_adds_resets_and_deactivates(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff = service(database, clock, office)
    manager = staff.create_first_manager("Nadia R.", "nadia-48213957")
    boss = as_actor(office, manager.id, Role.MANAGER)
    sam = staff.create("Sam T.", Role.RECEPTION, "1357", boss)
    with pytest.raises(Conflict):
        staff.create("Sam  T.", Role.MEDIATOR, "2468", boss)
    staff.set_pin(sam.id, "un long passe-phrase", boss)
    with pytest.raises(SignInRefused):
        staff.sign_in(sam.id, "1357")
    assert staff.sign_in(sam.id, "un long passe-phrase").role == Role.RECEPTION
    with pytest.raises(DomainError):
        staff.deactivate(manager.id, boss)  # not oneself
    staff.deactivate(sam.id, boss)
    assert [a.display_name for a in staff.for_sign_in()] == ["Nadia R."]
    with pytest.raises(SignInRefused):
        staff.sign_in(sam.id, "un long passe-phrase")
    assert [(a.display_name, a.active) for a in staff.all(boss)] == [
        ("Nadia R.", True),
        ("Sam T.", False),
    ]


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MEDIATOR])
def test_staff_management_is_refused_to_other_roles(
    database: Database, clock: FixedClock, office: OfficeInfo, role: Role
) -> None:
    staff = service(database, clock, office)
    manager = staff.create_first_manager("Nadia R.", "nadia-48213957")
    boss = as_actor(office, manager.id, Role.MANAGER)
    other = staff.create("Sam T.", role, "1357", boss)
    before = staff_rows(database)
    someone = as_actor(office, other.id, role)
    for attempt in (
        lambda: staff.create("Eve", Role.MANAGER, "9999", someone),
        lambda: staff.set_pin(manager.id, "9999", someone),
        lambda: staff.deactivate(manager.id, someone),
        lambda: staff.all(someone),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert staff_rows(database) == before
    # Everyone may change their own PIN.
    staff.set_pin(other.id, "8642", someone)
    assert staff.sign_in(other.id, "8642").id == other.id


def test_failed_sign_ins_are_counted_atomically(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    staff = service(database, clock, office)
    manager = staff.create_first_manager("Nadia R.", "nadia-48213957")
    for _ in range(3):
        with pytest.raises(SignInRefused):
            staff.sign_in(manager.id, "someone-11112222")
    with database.read() as session:
        assert session.scalar(select(Staff.failed_attempts)) == 3
        failures = select(func.count()).where(AuditEntry.action == Action.SIGN_IN_FAILED)
        assert session.scalar(failures) == 3
