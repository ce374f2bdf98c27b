"""What the desk tells while it waits for the database: nothing, "waiting", or a banner.

Every call to the database from the screens is timed from the key press, whatever makes it
wait: a refused connection fails at once, but a silent network or a lock held by another desk
(or another program) makes a call hang without any error. So the desk does not wait for an
error to speak: within a second of a call it says it waits, within two seconds it shows the banner.
A write that waits while the database still answers other questions waits for a lock: the
banner then says another desk is saving, not that the database is away.

This module holds the rule only (no Textual); ``DeskShell`` shows what it decides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy.exc import DBAPIError

# After this long without an answer the desk says it waits (the README promises a second).
FEEDBACK_AFTER_SECONDS = 0.5
# After this long the banner shows (the README promises two seconds: the rest is margin for
# the check's period and a busy machine).
BANNER_AFTER_SECONDS = 1.5


class Wait(IntEnum):
    """What the desk shows about the database, from nothing to the banner."""

    NONE = 0
    WAITING = 1  # a call takes longer than a second: "Waiting for the database…"
    BUSY = 2  # a write waits for a lock another desk (or program) holds
    DOWN = 3  # the database does not answer, or refused


def lock_wait(error: BaseException) -> bool:
    """Whether a failed try met a lock held elsewhere (the database itself answered).

    SQLite says "database is locked" (or "busy") past its busy timeout; PostgreSQL refuses
    with lock_not_available (55P03) past its lock timeout.
    """
    original = error.orig if isinstance(error, DBAPIError) else error
    if getattr(original, "sqlstate", None) == "55P03":
        return True
    text = str(original).lower()
    return "database is locked" in text or "database is busy" in text


@dataclass
class PendingCall:
    """One database call under way, since the key that asked for it."""

    started: float
    write: bool
    trouble: Wait = Wait.NONE  # a try of it failed: BUSY (a lock) or DOWN (no database)


class Waits:
    """The calls under way and what they say about the database."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.calls: dict[Hashable, PendingCall] = {}
        self.outage = False  # a call failed for want of the database; none answered since
        self.answered_at = float("-inf")  # the last time the database answered anything

    def start(self, key: Hashable, *, write: bool) -> None:
        """A call starts now."""
        self.calls[key] = PendingCall(self.clock(), write)

    def failed_try(self, key: Hashable, error: BaseException) -> None:
        """A try of a retried call failed; it goes on waiting."""
        call = self.calls.get(key)
        if call is not None:
            call.trouble = Wait.BUSY if lock_wait(error) else Wait.DOWN
            if call.trouble == Wait.BUSY:
                self.answered_at = self.clock()

    def end(self, key: Hashable, *, answered: bool) -> None:
        """A call returned: ``answered`` (a result or a refusal), or failed for want of it."""
        self.calls.pop(key, None)
        if answered:
            self.answered_at = self.clock()
            self.outage = False
        else:
            self.outage = True

    def reachable(self) -> None:
        """The database answered a quick question (it is there, whatever else waits)."""
        self.answered_at = self.clock()

    def level(self) -> Wait:
        """What to show now."""
        now = self.clock()
        level = Wait.DOWN if self.outage else Wait.NONE
        for call in self.calls.values():
            age = now - call.started
            if call.trouble:
                level = max(level, call.trouble)
            elif age >= BANNER_AFTER_SECONDS:
                if self.answered_at < call.started:
                    level = max(level, Wait.DOWN)
                else:  # the database answers, this call does not: a lock, or a long read
                    level = max(level, Wait.BUSY if call.write else Wait.WAITING)
            elif age >= FEEDBACK_AFTER_SECONDS:
                level = max(level, Wait.WAITING)
        return Wait(level)

    def wants_probe(self) -> bool:
        """Whether a call waits with no answer from the database since it started."""
        now = self.clock()
        return any(
            now - call.started >= FEEDBACK_AFTER_SECONDS and self.answered_at < call.started
            for call in self.calls.values()
        )

    def writes(self) -> int:
        """How many writes are under way."""
        return sum(1 for call in self.calls.values() if call.write)
