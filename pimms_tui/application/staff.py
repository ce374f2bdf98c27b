"""The staff accounts of one office as use cases: the sign-in list, sign-in, managing accounts.

Managers create accounts, reset PINs and deactivate; anyone sets their own PIN. The PIN rules,
the lock-out and the journal entries are the domain's (:mod:`pimms_tui.domain.staff`).
"""

from __future__ import annotations

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.errors import DomainError, PermissionDenied
from pimms_tui.domain.staff import (
    FIRST_MANAGER_EXISTS,
    INACTIVE,
    LAST_MANAGER,
    NOT_A_PIN,
    NOT_SELF,
    OTHER_OFFICE,
    STILL_LOCKED,
    AccessRules,
    SignInRefused,
    StaffAccount,
    account_of,
    all_accounts,
    clean_name,
    hash_pin,
    insert_staff,
    is_pin_shaped,
    manager_count,
    minutes_left,
    pin_matches,
    record_failure,
    record_sign_in,
    sign_in_accounts,
    staff_row,
)


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

    # Changing ---------------------------------------------------------------------------

    def create_first_manager(self, name: str, pin: str) -> StaffAccount:
        """The office's first manager, allowed only while no manager can sign in."""
        pin_hash = hash_pin(pin)
        with self.database.write() as session:
            if manager_count(session, self.office_id):
                raise PermissionDenied(FIRST_MANAGER_EXISTS)
            return insert_staff(session, self.office_id, clean_name(name), Role.MANAGER, pin_hash)

    def create(self, name: str, role: Role, pin: str, actor: Actor) -> StaffAccount:
        """Add a staff member with a role and a first PIN (managers only)."""
        self._require(actor)
        cleaned, pin_hash = clean_name(name), hash_pin(pin)
        with self.database.write() as session:
            return insert_staff(session, self.office_id, cleaned, Role(role), pin_hash)

    def set_pin(self, staff_id: int, pin: str, actor: Actor) -> StaffAccount:
        """Set a new PIN (a manager for anyone, anyone for themself); clears a lock-out."""
        if actor.staff_id != staff_id:
            self._require(actor)
        pin_hash = hash_pin(pin)
        with self.database.write() as session:
            row = staff_row(session, self.office_id, staff_id)
            row.pin_hash = pin_hash
            row.failed_attempts = 0
            row.locked_until = None
            session.flush()
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
            return account_of(row)

    # Signing in -------------------------------------------------------------------------

    def sign_in(self, staff_id: int, pin: str, desk_id: int | None = None) -> StaffAccount:
        """Check the PIN; count failures, lock after too many; journal each outcome."""
        now = self.clock.now()
        with self.database.read() as session:
            row = staff_row(session, self.office_id, staff_id)
            account, pin_hash = account_of(row), row.pin_hash
        if not account.active or pin_hash is None:
            raise SignInRefused(INACTIVE)
        who = Actor(office_id=self.office_id, desk_id=desk_id, staff_id=staff_id, role=account.role)
        if account.locked_at(now):
            assert account.locked_until is not None
            raise SignInRefused(STILL_LOCKED, minutes=minutes_left(account.locked_until, now))
        if not is_pin_shaped(pin):
            raise SignInRefused(NOT_A_PIN)  # a slip of the keyboard: not counted, not journaled
        # The hash is checked outside the write transaction: it takes a tenth of a second.
        if pin_matches(pin_hash, pin):
            with self.database.write() as session:
                record_sign_in(session, who, pin_hash, pin, now)
            return account
        with self.database.write() as session:
            refusal = record_failure(session, who, self.rules, now)
        raise refusal

    def _require(self, actor: Actor) -> None:
        require(actor, Permission.STAFF)
        if actor.office_id != self.office_id:
            raise PermissionDenied(OTHER_OFFICE)
