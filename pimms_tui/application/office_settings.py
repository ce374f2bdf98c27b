"""The office's settings as use cases (managers): read them, check and save changes."""

from __future__ import annotations

from datetime import datetime

from pimms_tui.db.engine import Database
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.office_settings import (
    OfficeSettings,
    apply_settings,
    check_setting,
    settings_of,
    view,
)


def read_settings(database: Database, office_id: int, actor: Actor) -> OfficeSettings:
    """The office's settings (managers only)."""
    require(actor, Permission.SETTINGS)
    with database.read() as session:
        return view(settings_of(session, office_id))


def update_settings(
    database: Database,
    office_id: int,
    actor: Actor,
    changes: dict[str, str | int],
    now: datetime,
) -> OfficeSettings:
    """Check then apply the changes (every field checked before any write); audited."""
    require(actor, Permission.SETTINGS)
    values = {field: check_setting(field, typed) for field, typed in changes.items()}
    with database.write() as session:
        return apply_settings(session, office_id, actor, values, now)
