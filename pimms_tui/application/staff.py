"""The staff accounts of one office as use cases: the sign-in list, sign-in, managing accounts.

Managers create accounts, reset PINs and deactivate; anyone sets their own PIN. The PIN rules,
the lock-out and the journal entries are the domain's (:mod:`pimms_tui.domain.staff`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.errors import DomainError, PermissionDenied
from pimms_tui.domain.server_clock import database_now
from pimms_tui.domain.staff import (
    FIRST_MANAGER_EXISTS,
    INACTIVE,
    LAST_MANAGER,
    NOT_A_PIN,
    NOT_SELF,
    OTHER_OFFICE,
    AccessRules,
    SignInRefused,
    StaffAccount,
    account_of,
    all_accounts,
    check_pin_for,
    clean_name,
    count_attempt,
    hash_pin,
    insert_staff,
    is_pin_shaped,
    manager_count,
    pin_matches,
    record_failure,
    record_sign_in,
    sign_in_accounts,
    staff_row,
    with_pin_change,
)
from pimms_tui.domain.staff_journal import StaffAction, record_change


class StaffService:
    """The staff accounts of one office."""

    def __init__(
        self, database: Database, clock: Clock, office_id: int, rules: AccessRules | None = None
    ) -> None:
        self.database = database
        self.clock = clock
        self.office_id = office_id
        self.rules = rules or AccessRules()

    # Reading ----------------------------------------------------------------------------

    def for_sign_in(self) -> list[StaffAccount]:
        """Active accounts that have a PIN, by name: the list a person picks their name in."""
        with self.database.read() as session:
            return sign_in_accounts(session, self.office_id)

    def needs_first_manager(self) -> bool:
        """Whether no active manager of the office can sign in yet (first run)."""
        with self.database.read() as session:
            return not manager_count(session, self.office_id)

    def all(self, actor: Actor) -> list[StaffAccount]:
        """Every account of the office, active ones first (the staff screen)."""
        self._require(actor)
        with self.database.read() as session:
            return all_accounts(session, self.office_id)

    # Changing (each change journalled: who did it, to whom; never a PIN) ---------------

    def create_first_manager(self, name: str, pin: str) -> StaffAccount:
        """The office's first manager, allowed only while no manager can sign in."""
        pin_hash = hash_pin(check_pin_for(Role.MANAGER, pin))
        with self.database.write() as session:
            if manager_count(session, self.office_id):
                raise PermissionDenied(FIRST_MANAGER_EXISTS)
            account = insert_staff(
                session, self.office_id, clean_name(name), Role.MANAGER, pin_hash
            )
            who = Actor(self.office_id, None, account.id, role=Role.MANAGER)
            self._journal(session, who, StaffAction.CREATED, account.id, role=Role.MANAGER.value)
            return account

    def create(self, name: str, role: Role, pin: str, actor: Actor) -> StaffAccount:
        """Add a staff member with a role and a first PIN (managers only)."""
        self._require(actor)
        role = Role(role)
        cleaned, pin_hash = clean_name(name), hash_pin(check_pin_for(role, pin))
        with self.database.write() as session:
            account = insert_staff(session, self.office_id, cleaned, role, pin_hash)
            self._journal(session, actor, StaffAction.CREATED, account.id, role=role.value)
            return account

    def set_pin(self, staff_id: int, pin: str, actor: Actor) -> StaffAccount:
        """Set a new PIN (a manager for anyone, anyone for themself); clears a lock-out.

        Set by someone else, the person is told at their next sign-in.
        """
        if actor.staff_id != staff_id:
            self._require(actor)
        with self.database.read() as session:
            role = account_of(staff_row(session, self.office_id, staff_id)).role
        pin_hash = hash_pin(check_pin_for(role, pin))
        with self.database.write() as session:
            row = staff_row(session, self.office_id, staff_id)
            row.pin_hash = pin_hash
            row.failed_attempts = 0
            row.locked_until = None
            session.flush()
            self._journal(session, actor, StaffAction.PIN_SET, staff_id)
            return account_of(row)

    def change_role(
        self, staff_id: int, role: Role, actor: Actor, pin: str | None = None
    ) -> StaffAccount:
        """Give a colleague another role (managers only). Becoming a manager takes a new PIN
        long enough for one (the person is told at their next sign-in)."""
        self._require(actor)
        role = Role(role)
        pin_hash = hash_pin(check_pin_for(role, pin or "")) if role == Role.MANAGER else None
        with self.database.write() as session:
            row = staff_row(session, self.office_id, staff_id)
            before = row.role
            if before == role.value:
                return account_of(row)
            row.role = role.value
            if pin_hash is not None:
                row.pin_hash = pin_hash
            session.flush()
            if not manager_count(session, self.office_id):
                raise DomainError(LAST_MANAGER)
            self._journal(
                session, actor, StaffAction.ROLE_CHANGED, staff_id, before=before, after=role.value
            )
            if pin_hash is not None:
                self._journal(session, actor, StaffAction.PIN_SET, staff_id)
            return account_of(row)

    def deactivate(self, staff_id: int, actor: Actor) -> StaffAccount:
        """Close an account: it leaves the sign-in list; its past work keeps its name."""
        self._require(actor)
        if actor.staff_id == staff_id:
            raise DomainError(NOT_SELF)
        with self.database.write() as session:
            row = staff_row(session, self.office_id, staff_id)
            row.active = False
            session.flush()
            if not manager_count(session, self.office_id):
                raise DomainError(LAST_MANAGER)
            self._journal(session, actor, StaffAction.DEACTIVATED, staff_id)
            return account_of(row)

    def reactivate(self, staff_id: int, actor: Actor) -> StaffAccount:
        """Open a deactivated account again (managers only), with the PIN it had."""
        self._require(actor)
        with self.database.write() as session:
            row = staff_row(session, self.office_id, staff_id)
            if row.active:
                return account_of(row)
            row.active = True
            row.failed_attempts = 0
            row.locked_until = None
            session.flush()
            self._journal(session, actor, StaffAction.REACTIVATED, staff_id)
            return account_of(row)

    # Signing in -------------------------------------------------------------------------

    def sign_in(self, staff_id: int, pin: str, desk_id: int | None = None) -> StaffAccount:
        """Count the attempt in the database, then check the PIN; lock after too many.

        The attempt is counted (or refused, while the account is locked) before the PIN is
        checked, so desks trying at once check no more PINs than the limit; the lock-out's
        clock is the database server's on PostgreSQL. Each outcome is journalled.
        """
        with self.database.read() as session:
            account = account_of(staff_row(session, self.office_id, staff_id))
        if not account.active or not account.has_pin:
            raise SignInRefused(INACTIVE)
        if not is_pin_shaped(pin):
            raise SignInRefused(NOT_A_PIN)  # a slip of the keyboard: not counted, not journaled
        who = Actor(office_id=self.office_id, desk_id=desk_id, staff_id=staff_id, role=account.role)
        with self.database.write() as session:
            attempt = count_attempt(session, who, self.rules, self.clock.now())
        # The hash is checked outside any transaction: it takes a tenth of a second.
        if pin_matches(attempt.pin_hash, pin):
            with self.database.write() as session:
                change = record_sign_in(session, who, attempt.pin_hash, pin, self.clock.now())
            return with_pin_change(account, change)
        with self.database.write() as session:
            refusal = record_failure(session, who, self.rules, attempt, self.clock.now())
        raise refusal

    def _journal(
        self, session: Session, actor: Actor, action: str, staff_id: int, **detail: Any
    ) -> None:
        at = database_now(session, self.clock.now())
        record_change(session, actor, action, staff_id, at, **detail)

    def _require(self, actor: Actor) -> None:
        require(actor, Permission.STAFF)
        if actor.office_id != self.office_id:
            raise PermissionDenied(OTHER_OFFICE)
