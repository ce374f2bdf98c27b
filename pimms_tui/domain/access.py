"""What each role may do: one table, checked by the domain operations themselves.

The screens hide what a role cannot use, but the rule lives here, so that a forgotten
check in a screen (or another front end) cannot open a file to the wrong person.
"""

from __future__ import annotations

from enum import StrEnum

from pimms_tui.db.enums import Role

from .actors import Actor
from .errors import PermissionDenied
from .messages import N_


class Permission(StrEnum):
    """Something the front desk does that not every role may do."""

    # Reception's work: arrivals, the queue, booking, identity and upcoming appointments.
    QUEUE = "queue"
    BOOK = "book"
    IDENTITY = "identity"
    # The mediator's: visitor files, orientations and follow-ups, merging duplicates.
    FILES = "files"
    ORIENT = "orient"
    FOLLOW_UP = "follow_up"
    MERGE = "merge"
    # The manager's: figures, people, partners, settings, the journal, exports, purge.
    STATISTICS = "statistics"
    STAFF = "staff"
    PARTNERS = "partners"
    SETTINGS = "settings"
    AUDIT = "audit"
    EXPORT = "export"
    PURGE = "purge"
    ERASE = "erase"


_RECEPTION = frozenset({Permission.QUEUE, Permission.BOOK, Permission.IDENTITY})
_MEDIATOR = _RECEPTION | {
    Permission.FILES,
    Permission.ORIENT,
    Permission.FOLLOW_UP,
    Permission.MERGE,
}
GRANTED: dict[Role, frozenset[Permission]] = {
    Role.RECEPTION: _RECEPTION,
    Role.MEDIATOR: _MEDIATOR,
    Role.MANAGER: frozenset(Permission),
}

# One message per permission: the user learns what is refused, and who may do it.
REFUSALS: dict[Permission, str] = {
    Permission.QUEUE: N_("Your role does not run the queue."),
    Permission.BOOK: N_("Your role does not book appointments."),
    Permission.IDENTITY: N_("Your role does not see visitors' identities."),
    Permission.FILES: N_("Visitor files are for mediators and managers."),
    Permission.ORIENT: N_("Orientations are recorded by mediators and managers."),
    Permission.FOLLOW_UP: N_("Follow-ups are recorded by mediators and managers."),
    Permission.MERGE: N_("Merging files is for mediators and managers."),
    Permission.STATISTICS: N_("Statistics are for managers."),
    Permission.STAFF: N_("Staff accounts are managed by managers."),
    Permission.PARTNERS: N_("Partners are managed by managers."),
    Permission.SETTINGS: N_("Settings are changed by managers."),
    Permission.AUDIT: N_("The journal is for managers."),
    Permission.EXPORT: N_("Exports are for managers."),
    Permission.PURGE: N_("Purging old data is for managers."),
    Permission.ERASE: N_("Erasing a file on request is for managers."),
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether ``role`` may do what ``permission`` names (screens use it to hide keys)."""
    return permission in GRANTED[Role(role)]


def require(actor: Actor, permission: Permission) -> None:
    """Refuse, with a message saying who may, unless the actor's role grants ``permission``."""
    if not allows(actor.role, permission):
        raise PermissionDenied(REFUSALS[permission])
