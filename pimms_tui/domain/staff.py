"""Staff accounts of an office: creation, PINs, sign-in with lock-out, deactivation.

PINs are stored as Argon2id hashes (argon2-cffi, memory-hard); the plain PIN is never kept.
Repeated failures lock the account for a while; every sign-in, failure and lock-out is
written to the audit journal. The use cases (who may change what, the units of work, the
clock) are in :mod:`pimms_tui.application.staff`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pimms_tui.db.enums import Role
from pimms_tui.db.models import Staff
from pimms_tui.text import one_line

from . import audit
from .actors import Actor
from .errors import Conflict, DomainError, NotFound
from .messages import N_
from .server_clock import database_now
from .staff_journal import PinChange, pin_changed_by_other

PIN_DIGITS = range(4, 9)
PASSPHRASE_MIN = 12
PIN_MAX = 128
NAME_MAX = 120

# A manager's account opens every file and every account: its PIN must resist an offline
# guess against its Argon2id hash (see the README, "Data protection").
MANAGER_PIN_MIN = 12
MANAGER_PIN_SHORT = N_(
    "A manager's PIN must be at least {length} characters: a passphrase, or {length} digits "
    "or more. A manager's account opens every file."
)
PIN_INVALID = N_("The PIN must be 4 to 8 digits, or a passphrase of at least {length} characters.")
NAME_EMPTY = N_("Please type the person's name.")
NAME_TOO_LONG = N_("The name is too long ({max} characters at most).")
NAME_TAKEN = N_("Someone of this office already has this name.")
STAFF_UNKNOWN = N_("This staff account does not exist.")
NOT_A_PIN = N_(
    "This is not a PIN: type your 4 to 8 digits or your passphrase (not counted as an attempt)."
)
WRONG_PIN = N_("Wrong PIN. {left} attempts left before the account is locked.")
NOW_LOCKED = N_("Wrong PIN. The account is locked for {minutes} minutes.")
STILL_LOCKED = N_("This account is locked after too many wrong PINs: try again in {minutes} min.")
INACTIVE = N_("This account is deactivated.")
NOT_SELF = N_("You cannot deactivate your own account.")
LAST_MANAGER = N_("The office needs at least one active manager.")
OTHER_OFFICE = N_("This desk belongs to another office.")
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
    # At sign-in only: someone else set this person's PIN since their last sign-in.
    pin_change: PinChange | None = field(default=None, compare=False)

    def locked_at(self, now: datetime) -> bool:
        """Whether the account refuses sign-in at ``now``."""
        return self.locked_until is not None and _aware(self.locked_until) > now


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # argon2-cffi's defaults follow RFC 9106's low-memory profile (Argon2id, 64 MiB, t=3).
    return PasswordHasher()


def is_pin_shaped(pin: str) -> bool:
    """Whether ``pin`` could be anyone's PIN: 4–8 digits or a passphrase of 12+ characters.

    Every stored PIN has that shape; anything else (letters of a name, an empty or short
    entry) is a slip of the keyboard, never a guess, and never counts as an attempt.
    """
    if pin.isascii() and pin.isdigit() and len(pin) in PIN_DIGITS:
        return True
    return len(pin.strip()) >= PASSPHRASE_MIN and len(pin) <= PIN_MAX and pin.isprintable()


def check_pin(pin: str) -> str:
    """The PIN if it is 4–8 digits or a passphrase of 12+ characters; refused otherwise."""
    if is_pin_shaped(pin):
        return pin
    raise DomainError(PIN_INVALID, length=PASSPHRASE_MIN)


def check_pin_for(role: Role, pin: str) -> str:
    """The PIN if it suits an account of ``role``; refused otherwise (at the PIN field)."""
    if role == Role.MANAGER and len(pin.strip()) < MANAGER_PIN_MIN:
        refusal = DomainError(MANAGER_PIN_SHORT, length=MANAGER_PIN_MIN)
        refusal.field = "staff_pin"
        raise refusal
    return check_pin(pin)


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The Argon2id hash of a PIN that follows the rule (a random salt unless given)."""
    return _hasher().hash(check_pin(pin), salt=salt)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` is the one hashed (a tenth of a second: outside any transaction)."""
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def clean_name(name: str) -> str:
    """The name with its spaces folded and no control or bidi character; refused when empty
    or too long."""
    cleaned = one_line(name)
    if not cleaned:
        raise DomainError(NAME_EMPTY)
    if len(cleaned) > NAME_MAX:
        raise DomainError(NAME_TOO_LONG, max=NAME_MAX)
    return cleaned


def _aware(instant: datetime) -> datetime:
    # SQLite gives naive datetimes back; every instant the domain stores is UTC.

    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def with_pin_change(account: StaffAccount, change: PinChange | None) -> StaffAccount:
    """The account as signed in, with the change of its PIN to tell the person about."""
    return replace(account, pin_change=change)


def account_of(row: Staff) -> StaffAccount:
    """A staff row as the screens show it."""
    return StaffAccount(
        id=row.id,
        office_id=row.office_id,
        display_name=row.display_name,
        role=Role(row.role),
        active=bool(row.active),
        has_pin=row.pin_hash is not None,
        locked_until=_aware(row.locked_until) if row.locked_until else None,
    )


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes until ``until``, at least one."""
    return max(1, -(-int((until - now).total_seconds()) // 60))


# --- Statements (in the caller's unit of work) -------------------------------------------------


def staff_row(session: Session, office_id: int, staff_id: int) -> Staff:
    """One of the office's staff rows; NotFound otherwise."""
    row = session.get(Staff, staff_id)
    if row is None or row.office_id != office_id:
        raise NotFound(STAFF_UNKNOWN)
    return row


def sign_in_accounts(session: Session, office_id: int) -> list[StaffAccount]:
    """Active accounts that have a PIN, by name: the list a person picks their name in."""
    rows = session.scalars(
        select(Staff)
        .where(Staff.office_id == office_id, Staff.active.is_(True), Staff.pin_hash.is_not(None))
        .order_by(Staff.display_name)
    ).all()
    return [account_of(row) for row in rows]


def all_accounts(session: Session, office_id: int) -> list[StaffAccount]:
    """Every account of the office, active ones first."""
    rows = session.scalars(
        select(Staff)
        .where(Staff.office_id == office_id)
        .order_by(Staff.active.desc(), Staff.display_name)
    ).all()
    return [account_of(row) for row in rows]


def manager_count(session: Session, office_id: int) -> int:
    """How many active managers of the office can sign in."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Staff)
            .where(
                Staff.office_id == office_id,
                Staff.role == Role.MANAGER.value,
                Staff.active.is_(True),
                Staff.pin_hash.is_not(None),
            )
        )
        or 0
    )


def insert_staff(
    session: Session, office_id: int, name: str, role: Role, pin_hash: str
) -> StaffAccount:
    """Add an account; a name already taken in the office is a Conflict."""
    taken = session.scalar(
        select(Staff.id).where(Staff.office_id == office_id, Staff.display_name == name)
    )
    if taken is not None:
        raise Conflict(NAME_TAKEN)
    row = Staff(
        office_id=office_id,
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
    return account_of(row)


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt counted in the database before its PIN is checked."""

    number: int
    pin_hash: str
    at: datetime


def count_attempt(session: Session, who: Actor, rules: AccessRules, local_now: datetime) -> Attempt:
    """Count one attempt, atomically, before the PIN is checked; refused when locked.

    One UPDATE … RETURNING adds the attempt unless the account is locked (a SQLite writer
    holds BEGIN IMMEDIATE; PostgreSQL locks the row): of desks trying at once, each gets its
    own number. The attempt that reaches the limit locks the account at once, so that no
    further PIN is checked while it is itself being checked; if its PIN is right, the lock is
    lifted. An expired lock starts a new count.
    """
    staff_id = who.staff_id
    assert staff_id is not None
    now = database_now(session, local_now)
    number = case((Staff.locked_until.is_(None), Staff.failed_attempts + 1), else_=1)
    until = now + timedelta(minutes=rules.lock_minutes)
    counted = session.execute(
        update(Staff)
        .where(
            Staff.id == staff_id,
            Staff.office_id == who.office_id,
            Staff.active.is_(True),
            Staff.pin_hash.is_not(None),
            or_(Staff.locked_until.is_(None), Staff.locked_until <= now),
        )
        .values(
            failed_attempts=number,
            # Typed as the column, so that the instant is stored as UTC on every server.
            locked_until=case(
                (number >= rules.attempts, literal(until, Staff.locked_until.type)), else_=None
            ),
        )
        .returning(Staff.failed_attempts, Staff.pin_hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if counted is not None:
        return Attempt(int(counted[0]), str(counted[1]), now)
    row = staff_row(session, who.office_id, staff_id)
    if not row.active or row.pin_hash is None or row.locked_until is None:
        raise SignInRefused(INACTIVE)
    raise SignInRefused(STILL_LOCKED, minutes=minutes_left(_aware(row.locked_until), now))


def record_sign_in(
    session: Session, who: Actor, pin_hash: str, pin: str, local_now: datetime
) -> PinChange | None:
    """A PIN accepted: clear the count and any lock, refresh an outdated hash, journal the
    sign-in; the change of this person's PIN by someone else since their last sign-in."""
    assert who.staff_id is not None
    now = database_now(session, local_now)
    changed = pin_changed_by_other(session, who.staff_id)
    values: dict[str, object] = {"failed_attempts": 0, "locked_until": None}
    if _hasher().check_needs_rehash(pin_hash):
        values["pin_hash"] = _hasher().hash(pin)
    session.execute(
        update(Staff)
        .where(Staff.id == who.staff_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    audit.record(session, who, audit.Action.SIGN_IN, at=now, entity="staff", entity_id=who.staff_id)
    return changed


def record_failure(
    session: Session, who: Actor, rules: AccessRules, attempt: Attempt, local_now: datetime
) -> SignInRefused:
    """A wrong PIN, already counted: journal it (and the lock-out it caused); the refusal."""
    staff_id = who.staff_id
    assert staff_id is not None
    now = database_now(session, local_now)
    audit.record(
        session,
        who,
        audit.Action.SIGN_IN_FAILED,
        at=now,
        entity="staff",
        entity_id=staff_id,
        attempt=attempt.number,
    )
    if attempt.number < rules.attempts:
        return SignInRefused(WRONG_PIN, left=rules.attempts - attempt.number)
    until = attempt.at + timedelta(minutes=rules.lock_minutes)
    audit.record(
        session,
        who,
        audit.Action.LOCKED_OUT,
        at=now,
        entity="staff",
        entity_id=staff_id,
        until=until.isoformat(),
    )
    return SignInRefused(NOW_LOCKED, minutes=_format_minutes(rules.lock_minutes))


def _format_minutes(minutes: float) -> int | float:
    return int(minutes) if float(minutes).is_integer() else minutes
