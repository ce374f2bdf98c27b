"""Who performs an operation: the staff member and the desk, passed to every domain call."""

from __future__ import annotations

from dataclasses import dataclass, field

from pimms_tui.db.enums import Role


@dataclass(frozen=True)
class Actor:
    """The person at a desk; ``staff_id`` is None only before staff accounts exist."""

    office_id: int
    desk_id: int | None
    staff_id: int | None = None
    # Required: a forgotten role must never default to a manager's rights.
    role: Role = field(kw_only=True)
    desk_name: str = ""
