"""Start-up: open and migrate the database, find this terminal's office and desk.

Failures become a ``StartupError`` with a msgid to translate, one line for the person.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from pimms_tui.application.container import Container
from pimms_tui.application.document_files import DocumentFiles
from pimms_tui.application.session import DeskSession
from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.domain.clock import Clock, SystemClock
from pimms_tui.domain.messages import N_
from pimms_tui.domain.offices import ensure_desk, find_office
from pimms_tui.domain.setup import prepare_database
from pimms_tui.errors import PimmsError
from pimms_tui.settings import Settings


class StartupError(PimmsError):
    """The application cannot start; ``message`` is a msgid, one line for the user."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message, params)


def open_database(settings: Settings, *, always_seed: bool = False) -> Database:
    """Open and migrate the configured database, turning failures into one-line errors."""
    url = settings.resolved_database_url
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:
        # An address with credentials may hold a password: then show only its scheme.
        shown = url.split("://", 1)[0] + "://…" if "@" in url else url[:60]
        raise StartupError(N_("The database address is not valid: {url}"), url=shown) from error
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _check_writable(Path(parsed.database).parent)
    try:
        database = Database.from_url(parsed)
        prepare_database(database, always_seed=always_seed)
    except NoSuchModuleError as error:
        raise StartupError(
            N_("This kind of database is not supported: {url}"), url=parsed.drivername
        ) from error
    except migrate.MigrationNotAllowed as error:
        raise StartupError(
            N_(
                "The database needs an upgrade that this desk's database role may not make: "
                "run pimms db upgrade as the database's owner (PIMMS_MIGRATION_URL)."
            )
        ) from error
    except DBAPIError as error:
        raise StartupError(
            N_("The database cannot be reached ({url}): {reason}"),
            url=parsed.render_as_string(hide_password=True),
            reason=str(error.orig).strip().splitlines()[0] if error.orig else "?",
        ) from error
    return database


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(
            N_("The data folder {path} cannot be created: {reason}"),
            path=folder,
            reason=error.strerror or error,
        ) from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StartupError(N_("The data folder {path} is read-only."), path=folder)


def open_desk(settings: Settings, clock: Clock | None = None) -> tuple[Container, DeskSession]:
    """Open the database and find this terminal's office and desk (none yet on first run)."""
    database = open_database(settings)
    container = Container(settings=settings, database=database, clock=clock or SystemClock())
    session = DeskSession()
    with database.read() as read:
        session.office = find_office(read, settings.office_code)
    if session.office is None and settings.office_code is not None:
        database.dispose()
        raise StartupError(N_("There is no office with code {code}."), code=settings.office_code)
    if session.office is not None:
        with database.write() as write:
            session.desk = ensure_desk(write, session.office.id, settings.desk)
    # Documents of erased people, and those past the office's retention, go at every start
    # (what cannot be deleted now is tried again at the next).
    with suppress(OSError, DBAPIError):
        DocumentFiles(database, container.clock).sweep()
    return container, session
