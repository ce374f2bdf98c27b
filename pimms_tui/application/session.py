"""Who works where: the office, the desk and the signed-in person of one terminal.

Kept apart from the container: it changes with every sign-in, the container never does. A
screen reads ``actor`` when the person presses the key and hands that value to the use case,
so a save retried later (an outage, the idle lock, someone else signing in meanwhile) is still
journalled under the person who typed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.offices import DeskInfo, OfficeInfo
from pimms_tui.domain.staff import StaffAccount

# The desk name the journal shows for what was done from the command line.
COMMAND_LINE = "command line"


@dataclass
class DeskSession:
    """The office and desk this terminal serves, and who is signed in at it."""

    office: OfficeInfo | None = None
    desk: DeskInfo | None = None
    staff: StaffAccount | None = None

    @property
    def actor(self) -> Actor:
        """Who acts from this terminal now, with their role.

        Before anyone signs in, the terminal has reception's rights only, never a manager's.
        """
        assert self.office is not None
        desk, staff = self.desk, self.staff
        return Actor(
            office_id=self.office.id,
            desk_id=desk.id if desk else None,
            staff_id=staff.id if staff else None,
            role=staff.role if staff else Role.RECEPTION,
            desk_name=desk.name if desk else "",
        )


def command_line_actor(office: OfficeInfo) -> Actor:
    """Who acts from the command line: whoever administers the machine that holds the database
    (they could read it directly), so with a manager's rights; the journal shows no staff
    member and the desk "command line"."""
    return Actor(
        office_id=office.id, desk_id=None, staff_id=None, role=Role.MANAGER, desk_name=COMMAND_LINE
    )
