"""Staff accounts of an office: creation, PINs, sign-in with lock-out, deactivation.

PINs are stored as Argon2id hashes (argon2-cffi, memory-hard); the plain PIN is never kept.
Repeated failures lock the account for a while; every sign-in, failure and lock-out is
written to the audit journal. Times come from the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Staff

from . import audit
from .access import Permission, require
from .actors import Actor
from .clock import Clock
from .errors import Conflict, DomainError, NotFound, PermissionDenied
from .messages import N_

PIN_DIGITS = range(4, 9)
PASSPHRASE_MIN = 12
PIN_MAX = 128
NAME_MAX = 120

PIN_INVALID = N_("The PIN must be 4 to 8 digits, or a passphrase of at least {length} characters.")
NAME_EMPTY = N_("Please type the person's name.")
NAME_TOO_LONG = N_("The name is too long ({max} characters at most).")
NAME_TAKEN = N_("Someone of this office already has this name.")
STAFF_UNKNOWN = N_("This staff account does not exist.")
WRONG_PIN = N_("Wrong PIN. {left} attempts left before the account is locked.")
NOW_LOCKED = N_("Wrong PIN. The account is locked for {minutes} minutes.")
STILL_LOCKED = N_("This account is locked after too many wrong PINs: try again in {minutes} min.")
INACTIVE = N_("This account is deactivated.")
NOT_SELF = N_("You cannot deactivate your own account.")
LAST_MANAGER = N_("The office needs at least one active manager.")
FIRST_MANAGER_EXISTS = N_("This office already has a manager: sign in instead.")


class SignInRefused(DomainError):
    """Wrong PIN, locked or deactivated account: the message says which."""


@dataclass(frozen=True)
class AccessRules:
    """How many wrong PINs lock an account, and for how long (from the settings)."""

    attempts: int = 5
    lock_minutes: float = 5.0


@dataclass(frozen=True)
class StaffAccount:
    """One staff member as the sign-in list and the staff screen show them."""

    id: int
    office_id: int
    display_name: str
    role: Role
    active: bool
    has_pin: bool
    locked_until: datetime | None

    def locked_at(self, now: datetime) -> bool:
        """Whether the account refuses sign-in at ``now``."""
        return self.locked_until is not None and _aware(self.locked_until) > now


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # argon2-cffi's defaults follow RFC 9106's low-memory profile (Argon2id, 64 MiB, t=3).
    return PasswordHasher()


def check_pin(pin: str) -> str:
    """The PIN if it is 4–8 digits or a passphrase of 12+ characters; refused otherwise."""
    if pin.isascii() and pin.isdigit() and len(pin) in PIN_DIGITS:
        return pin
    if len(pin.strip()) >= PASSPHRASE_MIN and len(pin) <= PIN_MAX and pin.isprintable():
        return pin
    raise DomainError(PIN_INVALID, length=PASSPHRASE_MIN)


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The Argon2id hash of a PIN that follows the rule (a random salt unless given)."""
    return _hasher().hash(check_pin(pin), salt=salt)


def _pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise DomainError(NAME_EMPTY)
    if len(cleaned) > NAME_MAX:
        raise DomainError(NAME_TOO_LONG, max=NAME_MAX)
    return cleaned


def _aware(instant: datetime) -> datetime:
    # SQLite gives naive datetimes back; every instant the domain stores is UTC.

    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _account(row: Staff) -> StaffAccount:
    return StaffAccount(
        id=row.id,
        office_id=row.office_id,
        display_name=row.display_name,
        role=Role(row.role),
        active=bool(row.active),
        has_pin=row.pin_hash is not None,
        locked_until=_aware(row.locked_until) if row.locked_until else None,
    )


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


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
            rows = session.scalars(
                select(Staff)
                .where(
                    Staff.office_id == self.office_id,
                    Staff.active.is_(True),
                    Staff.pin_hash.is_not(None),
                )
                .order_by(Staff.display_name)
            ).all()
            return [_account(row) for row in rows]

    def needs_first_manager(self) -> bool:
        """Whether no active manager of the office can sign in yet (first run)."""
        with self.database.read() as session:
            return not self._manager_count(session)

    def all(self, actor: Actor) -> list[StaffAccount]:
        """Every account of the office, active ones first (the staff screen)."""
        self._require(actor)
        with self.database.read() as session:
            rows = session.scalars(
                select(Staff)
                .where(Staff.office_id == self.office_id)
                .order_by(Staff.active.desc(), Staff.display_name)
            ).all()
            return [_account(row) for row in rows]

    # Changing ---------------------------------------------------------------------------

    def create_first_manager(self, name: str, pin: str) -> StaffAccount:
        """The office's first manager, allowed only while no manager can sign in."""
        pin_hash = hash_pin(pin)
        with self.database.write() as session:
            if self._manager_count(session):
                raise PermissionDenied(FIRST_MANAGER_EXISTS)
            return self._insert(session, _clean_name(name), Role.MANAGER, pin_hash)

    def create(self, name: str, role: Role, pin: str, actor: Actor) -> StaffAccount:
        """Add a staff member with a role and a first PIN (managers only)."""
        self._require(actor)
        cleaned, pin_hash = _clean_name(name), hash_pin(pin)
        with self.database.write() as session:
            return self._insert(session, cleaned, Role(role), pin_hash)

    def set_pin(self, staff_id: int, pin: str, actor: Actor) -> StaffAccount:
        """Set a new PIN (a manager for anyone, anyone for themself); clears a lock-out."""
        if actor.staff_id != staff_id:
            self._require(actor)
        pin_hash = hash_pin(pin)
        with self.database.write() as session:
            row = self._row(session, staff_id)
            row.pin_hash = pin_hash
            row.failed_attempts = 0
            row.locked_until = None
            session.flush()
            return _account(row)

    def deactivate(self, staff_id: int, actor: Actor) -> StaffAccount:
        """Close an account: it leaves the sign-in list; its past work keeps its name."""
        self._require(actor)
        if actor.staff_id == staff_id:
            raise DomainError(NOT_SELF)
        with self.database.write() as session:
            row = self._row(session, staff_id)
            row.active = False
            session.flush()
            if not self._manager_count(session):
                raise DomainError(LAST_MANAGER)
            return _account(row)

    # Signing in -------------------------------------------------------------------------

    def sign_in(self, staff_id: int, pin: str, desk_id: int | None = None) -> StaffAccount:
        """Check the PIN; count failures, lock after too many; journal each outcome."""
        now = self.clock.now()
        with self.database.read() as session:
            row = self._row(session, staff_id)
            account, pin_hash = _account(row), row.pin_hash
        if not account.active or pin_hash is None:
            raise SignInRefused(INACTIVE)
        who = Actor(office_id=self.office_id, desk_id=desk_id, staff_id=staff_id, role=account.role)
        if account.locked_at(now):
            assert account.locked_until is not None
            raise SignInRefused(STILL_LOCKED, minutes=_minutes_left(account.locked_until, now))
        # The hash is checked outside the write transaction: it takes a tenth of a second.
        if _pin_matches(pin_hash, pin):
            with self.database.write() as session:
                values: dict[str, object] = {"failed_attempts": 0, "locked_until": None}
                if _hasher().check_needs_rehash(pin_hash):
                    values["pin_hash"] = _hasher().hash(pin)
                session.execute(update(Staff).where(Staff.id == staff_id).values(**values))
                audit.record(
                    session, who, audit.Action.SIGN_IN, at=now, entity="staff", entity_id=staff_id
                )
            return account
        with self.database.write() as session:
            failures = session.scalar(
                update(Staff)
                .where(Staff.id == staff_id)
                .values(failed_attempts=Staff.failed_attempts + 1)
                .returning(Staff.failed_attempts)
            )
            failures = int(failures or 0)
            audit.record(
                session,
                who,
                audit.Action.SIGN_IN_FAILED,
                at=now,
                entity="staff",
                entity_id=staff_id,
                attempt=failures,
            )
            if failures >= self.rules.attempts:
                until = now + timedelta(minutes=self.rules.lock_minutes)
                session.execute(
                    update(Staff)
                    .where(Staff.id == staff_id)
                    .values(failed_attempts=0, locked_until=until)
                )
                audit.record(
                    session,
                    who,
                    audit.Action.LOCKED_OUT,
                    at=now,
                    entity="staff",
                    entity_id=staff_id,
                    until=until.isoformat(),
                )
                locked = True
            else:
                locked = False
        if locked:
            raise SignInRefused(NOW_LOCKED, minutes=_format_minutes(self.rules.lock_minutes))
        raise SignInRefused(WRONG_PIN, left=self.rules.attempts - failures)

    # Internals --------------------------------------------------------------------------

    def _require(self, actor: Actor) -> None:
        require(actor, Permission.STAFF)
        if actor.office_id != self.office_id:
            raise PermissionDenied(N_("This desk belongs to another office."))

    def _row(self, session: Session, staff_id: int) -> Staff:
        row = session.get(Staff, staff_id)
        if row is None or row.office_id != self.office_id:
            raise NotFound(STAFF_UNKNOWN)
        return row

    def _manager_count(self, session: Session) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Staff)
                .where(
                    Staff.office_id == self.office_id,
                    Staff.role == Role.MANAGER.value,
                    Staff.active.is_(True),
                    Staff.pin_hash.is_not(None),
                )
            )
            or 0
        )

    def _insert(self, session: Session, name: str, role: Role, pin_hash: str) -> StaffAccount:
        taken = session.scalar(
            select(Staff.id).where(Staff.office_id == self.office_id, Staff.display_name == name)
        )
        if taken is not None:
            raise Conflict(NAME_TAKEN)
        row = Staff(
            office_id=self.office_id,
            display_name=name,
            role=role.value,
            pin_hash=pin_hash,
            active=True,
            failed_attempts=0,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as error:  # the same name added meanwhile at another desk
            raise Conflict(NAME_TAKEN) from error
        return _account(row)


def _format_minutes(minutes: float) -> int | float:
    return int(minutes) if float(minutes).is_integer() else minutes
