"""The lock-out under concurrency and clocks, on both engines.

Eight real processes (each its own connections, as eight desks) try wrong PINs at the same
instant: every attempt is counted in the database before its PIN is checked, so no more PINs
than the limit are ever checked. On PostgreSQL the lock-out reads the server's clock: a desk
whose clock runs ahead cannot sign in during a lock, and the journal keeps the server's time.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from pimms_tui.application.staff import StaffService
from pimms_tui.db.engine import Database
from pimms_tui.db.models import AuditEntry, Staff
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock, SystemClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.staff import (
    NOW_LOCKED,
    STILL_LOCKED,
    WRONG_PIN,
    AccessRules,
    SignInRefused,
)

PROCESSES = 8
ATTEMPTS_EACH = 3
LIMIT = 5
MANAGER_PIN = "nadia-48213957"
CHECKED = (WRONG_PIN, NOW_LOCKED)  # the refusals given after the PIN was checked


def desk_signing_in(url: str, office_id: int, staff_id: int, start: Any, answers: Any) -> None:
    """One desk in its own process: wait for the start, try wrong PINs, report each answer."""
    database = Database.from_url(url)
    staff = StaffService(database, SystemClock(), office_id, AccessRules(LIMIT, 5.0))
    start.wait(timeout=60)
    try:
        for attempt in range(ATTEMPTS_EACH):
            try:
                staff.sign_in(staff_id, f"{attempt}9{attempt}9")
                answers.put("signed in")
            except SignInRefused as refused:
                answers.put(refused.message)
    finally:
        database.dispose()


def url_of(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def first_manager(database: Database, office: OfficeInfo, **rules: float) -> tuple[Any, int]:
    staff = StaffService(database, SystemClock(), office.id, AccessRules(**rules))  # type: ignore[arg-type]
    return staff, staff.create_first_manager("Nadia R.", MANAGER_PIN).id


def journal_count(database: Database, action: str) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


def test_eight_desks_at_once_check_no_more_pins_than_the_limit(
    database: Database, office: OfficeInfo
) -> None:
    _staff, staff_id = first_manager(database, office)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    answers = context.Queue()
    desks = [
        context.Process(
            target=desk_signing_in, args=(url_of(database), office.id, staff_id, start, answers)
        )
        for _ in range(PROCESSES)
    ]
    for desk in desks:
        desk.start()
    said = [answers.get(timeout=120) for _ in range(PROCESSES * ATTEMPTS_EACH)]
    for desk in desks:
        desk.join(timeout=60)
        assert desk.exitcode == 0
    checked = [message for message in said if message in CHECKED]
    assert len(checked) <= LIMIT, said
    assert said.count(NOW_LOCKED) == 1, said
    assert "signed in" not in said
    assert set(said) <= {WRONG_PIN, NOW_LOCKED, STILL_LOCKED}
    # The journal agrees: one failure per PIN checked, one lock-out.
    assert journal_count(database, Action.SIGN_IN_FAILED) == len(checked)
    assert journal_count(database, Action.LOCKED_OUT) == 1
    with database.read() as session:
        row = session.get(Staff, staff_id)
        assert row is not None and row.locked_until is not None


def test_the_attempt_is_counted_before_the_pin_is_checked(
    database: Database, office: OfficeInfo
) -> None:
    """Reaching the limit locks at once, before its own PIN is checked; a right PIN lifts it."""
    staff, staff_id = first_manager(database, office)
    for _ in range(LIMIT - 1):
        with pytest.raises(SignInRefused):
            staff.sign_in(staff_id, "0000")
    assert staff.sign_in(staff_id, MANAGER_PIN).id == staff_id  # the fifth: right
    with database.read() as session:
        row = session.get(Staff, staff_id)
        assert row is not None and (row.failed_attempts, row.locked_until) == (0, None)


def test_a_desk_whose_clock_runs_ahead_cannot_sign_in_during_a_lock(
    database: Database, office: OfficeInfo
) -> None:
    """PostgreSQL: the server's clock decides; SQLite's desks share one machine's clock."""
    if database.is_sqlite:
        pytest.skip("one machine, one clock: the desk's clock is the database's")
    staff, staff_id = first_manager(database, office, lock_minutes=5)
    for _ in range(LIMIT):
        with pytest.raises(SignInRefused):
            staff.sign_in(staff_id, "0000")
    ahead = FixedClock(datetime.now(UTC) + timedelta(minutes=6))
    hurried = StaffService(database, ahead, office.id, AccessRules(LIMIT, 5.0))
    with pytest.raises(SignInRefused) as refused:
        hurried.sign_in(staff_id, MANAGER_PIN)
    assert refused.value.message == STILL_LOCKED
    assert refused.value.params == {"minutes": 5}
    # Every entry of the journal carries the server's time, not the desks' clocks.
    with database.read() as session:
        server_now = session.scalar(select(func.now()))
        times = session.scalars(select(AuditEntry.at)).all()
    assert server_now is not None
    for at in times:
        assert abs(at - server_now.astimezone(UTC)) < timedelta(seconds=30)


def test_a_desk_whose_clock_runs_behind_is_let_in_when_the_lock_ends(
    database: Database, office: OfficeInfo
) -> None:
    """PostgreSQL: the lock ends by the server's clock, whatever the desk's says."""
    if database.is_sqlite:
        pytest.skip("one machine, one clock: the desk's clock is the database's")
    staff, staff_id = first_manager(database, office, lock_minutes=0.02)  # 1.2 s
    for _ in range(LIMIT):
        with pytest.raises(SignInRefused):
            staff.sign_in(staff_id, "0000")
    behind = FixedClock(datetime.now(UTC) - timedelta(minutes=6))
    late = StaffService(database, behind, office.id, AccessRules(LIMIT, 0.02))
    time.sleep(1.5)
    assert late.sign_in(staff_id, MANAGER_PIN).id == staff_id


def test_the_lock_is_stored_in_utc_whatever_the_servers_time_zone(
    database: Database, office: OfficeInfo
) -> None:
    """PostgreSQL: a session in another time zone (UTC+14) locks for 5 minutes, not 14 h."""
    if database.is_sqlite:
        pytest.skip("SQLite has no session time zone")
    url = database.engine.url.update_query_dict({"options": "-c timezone=Pacific/Kiritimati"})
    far = Database.from_url(url)
    try:
        staff, staff_id = first_manager(far, office)
        for _ in range(LIMIT):
            with pytest.raises(SignInRefused):
                staff.sign_in(staff_id, "0000")
        with far.read() as session:
            assert session.scalar(select(func.current_setting("TimeZone"))) == "Pacific/Kiritimati"
    finally:
        far.dispose()
    with database.read() as session:
        row = session.get(Staff, staff_id)
        assert row is not None and row.locked_until is not None
        locked_until = row.locked_until
    left = locked_until - datetime.now(UTC)
    assert timedelta(minutes=4) < left <= timedelta(minutes=5, seconds=5)
