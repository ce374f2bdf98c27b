"""What one terminal works with: the database, the clock, its office and desk, the services.

Built by ``open_services`` from the settings (never at import), so that tests and other front
ends build their own. Startup failures become a ``StartupError`` with a msgid to translate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.agenda import AgendaService
from pimms_tui.domain.appointments import AppointmentService
from pimms_tui.domain.catalog import (
    MotifInfo,
    PartnerInfo,
    RegisterInfo,
    StaffInfo,
    list_bookable_staff,
    list_motifs,
    list_partners,
    list_registers,
)
from pimms_tui.domain.clock import Clock, SystemClock
from pimms_tui.domain.followups import FollowUpService
from pimms_tui.domain.journal import (
    JournalEntry,
    JournalFilter,
    JournalPeople,
    file_accesses,
    journal_people,
    read_journal,
)
from pimms_tui.domain.messages import N_
from pimms_tui.domain.office_settings import OfficeSettings, read_settings, update_settings
from pimms_tui.domain.offices import (
    DeskInfo,
    OfficeInfo,
    create_office,
    ensure_desk,
    find_office,
    list_desks,
    set_public_screen,
)
from pimms_tui.domain.orientation import OrientationService
from pimms_tui.domain.queue import QueueService
from pimms_tui.domain.rights import RightsService
from pimms_tui.domain.setup import prepare_database
from pimms_tui.domain.slips import SlipService
from pimms_tui.domain.staff import AccessRules, StaffAccount, StaffService
from pimms_tui.domain.stats import StatsService
from pimms_tui.domain.visitor_file import VisitorFileService
from pimms_tui.domain.visitors import VisitorService
from pimms_tui.settings import Settings, data_dir

# The desk name the journal shows for what was done from the command line.
COMMAND_LINE = "command line"


class StartupError(Exception):
    """The application cannot start; ``message`` is a msgid, one line for the user."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Catalog:
    """The reference lists the screens offer."""

    motifs: list[MotifInfo]
    registers: list[RegisterInfo]
    partners: list[PartnerInfo]
    staff: list[StaffInfo]


@dataclass
class Services:
    """The database and the office this terminal serves, with the domain services over them."""

    settings: Settings
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    office: OfficeInfo | None = None
    desk: DeskInfo | None = None
    staff: StaffAccount | None = None  # who is signed in at this terminal
    _queue: QueueService | None = field(default=None, init=False, repr=False)
    _catalog: Catalog | None = field(default=None, init=False, repr=False)

    def setup_office(self, name: str) -> OfficeInfo:
        """Create the office on first run and take this terminal's desk in it."""
        with self.database.write() as session:
            self.office = create_office(session, name=name, now=self.clock.now())
        self._take_desk()
        return self.office

    def _take_desk(self) -> None:
        assert self.office is not None
        with self.database.write() as session:
            self.desk = ensure_desk(session, self.office.id, self.settings.desk)

    @property
    def actor(self) -> Actor:
        """Who acts from this terminal: the signed-in staff member, with their role.

        Before anyone signs in, the terminal has reception's rights only, never a manager's.
        """
        assert self.office is not None
        desk = self.desk
        staff = self.staff
        return Actor(
            office_id=self.office.id,
            desk_id=desk.id if desk else None,
            staff_id=staff.id if staff else None,
            role=staff.role if staff else Role.RECEPTION,
            desk_name=desk.name if desk else "",
        )

    @property
    def operator(self) -> Actor:
        """Who acts from the command line: whoever administers the machine that holds the
        database (they could read it directly), so with a manager's rights; the journal
        shows no staff member and the desk "command line"."""
        assert self.office is not None
        return Actor(
            office_id=self.office.id,
            desk_id=None,
            staff_id=None,
            role=Role.MANAGER,
            desk_name=COMMAND_LINE,
        )

    @property
    def staff_accounts(self) -> StaffService:
        """The office's staff accounts, with the lock-out rules of the settings."""
        assert self.office is not None
        rules = AccessRules(
            attempts=self.settings.lockout_attempts, lock_minutes=self.settings.lockout_minutes
        )
        return StaffService(self.database, self.clock, self.office.id, rules)

    def sign_in(self, staff_id: int, pin: str) -> StaffAccount:
        """Check the PIN (lock-out and journal in the domain); the account, once accepted."""
        return self.staff_accounts.sign_in(staff_id, pin, self.desk.id if self.desk else None)

    def create_first_manager(self, name: str, pin: str) -> StaffAccount:
        """First run: the office's first manager, who is then the one signed in."""
        return self.staff_accounts.create_first_manager(name, pin)

    @property
    def queue(self) -> QueueService:
        """The office's queue."""
        assert self.office is not None
        if self._queue is None or self._queue.office.id != self.office.id:
            self._queue = QueueService(self.database, self.clock, self.office)
        return self._queue

    @property
    def visitors(self) -> VisitorService:
        """Finding the office's visitors."""
        assert self.office is not None
        return VisitorService(self.database, self.office.id)

    def catalog(self) -> Catalog:
        """Motifs, registers and partners, read once (they change rarely)."""
        assert self.office is not None
        if self._catalog is None:
            with self.database.read() as session:
                self._catalog = Catalog(
                    motifs=list_motifs(session),
                    registers=list_registers(session),
                    partners=list_partners(session, self.office.id),
                    staff=list_bookable_staff(session, self.office.id),
                )
        return self._catalog

    @property
    def orientation(self) -> OrientationService:
        """Listening and orientation rules of the office."""
        assert self.office is not None
        return OrientationService(self.database, self.clock, self.office)

    @property
    def appointments(self) -> AppointmentService:
        """The office's agenda."""
        assert self.office is not None
        return AppointmentService(self.database, self.clock, self.office)

    @property
    def followups(self) -> FollowUpService:
        """Relays and appointments to follow up."""
        assert self.office is not None
        return FollowUpService(self.database, self.clock, self.office)

    @property
    def agenda(self) -> AgendaService:
        """Day and week views of appointments; check-in through this terminal's queue."""
        assert self.office is not None
        return AgendaService(self.database, self.clock, self.office, self.queue)

    @property
    def visitor_file(self) -> VisitorFileService:
        """Visitor files: timeline, identity edits, visits started from the file."""
        assert self.office is not None
        return VisitorFileService(self.database, self.clock, self.office)

    @property
    def slips(self) -> SlipService:
        """Printable slips and cards."""
        assert self.office is not None
        return SlipService(self.database, self.clock, self.office)

    @property
    def stats(self) -> StatsService:
        """Activity statistics (managers), over every office of the database."""
        return StatsService(self.database)

    @property
    def documents_dir(self) -> Path:
        """Where printable files are written (created on demand)."""
        folder = data_dir() / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def rights(self) -> RightsService:
        """Withdrawal, erasure, right of access and the retention purge."""
        assert self.office is not None
        return RightsService(self.database, self.clock, self.office)

    def journal(self, where: JournalFilter | None = None) -> list[JournalEntry]:
        """The office's audit journal, newest first (managers)."""
        assert self.office is not None
        return read_journal(self.database, self.office.id, self.actor, where or JournalFilter())

    def journal_people(self) -> JournalPeople:
        """The staff and desks the journal can be narrowed to (managers)."""
        assert self.office is not None
        return journal_people(self.database, self.office.id, self.actor)

    def file_accesses(self, visitor_id: int) -> list[JournalEntry]:
        """Who opened (edited, exported…) one visitor's file (managers)."""
        assert self.office is not None
        return file_accesses(self.database, self.office.id, visitor_id, self.actor)

    def office_settings(self) -> OfficeSettings:
        """Retention periods, waiting target and the last purge (managers)."""
        assert self.office is not None
        return read_settings(self.database, self.office.id, self.actor)

    def update_office_settings(self, changes: dict[str, str | int]) -> OfficeSettings:
        """Check and save the office's settings (managers); audited."""
        assert self.office is not None
        saved = update_settings(
            self.database, self.office.id, self.actor, changes, self.clock.now()
        )
        self.office = replace(self.office, retention_months=saved.retention_months)
        return saved

    def set_public_screen(self, public: bool) -> None:
        """Remember, for this desk, whether names are hidden on the queue."""
        assert self.desk is not None
        with self.database.write() as session:
            self.desk = set_public_screen(session, self.desk.id, public)

    def desks(self) -> list[DeskInfo]:
        """The office's active desks."""
        assert self.office is not None
        with self.database.read() as session:
            return list_desks(session, self.office.id)

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()


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


def open_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Open the database and find this terminal's office and desk (none yet on first run)."""
    database = open_database(settings)
    services = Services(settings=settings, database=database, clock=clock or SystemClock())
    with database.read() as session:
        services.office = find_office(session, settings.office_code)
    if services.office is None and settings.office_code is not None:
        database.dispose()
        raise StartupError(N_("There is no office with code {code}."), code=settings.office_code)
    if services.office is not None:
        services._take_desk()
    return services
