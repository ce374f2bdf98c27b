"""The use cases a front end calls, over one container and one desk session.

Each feature's use cases are one object built over the session's office at the time of the
call, so a change of office settings or a new staff member shows at once. Every call that
acts takes the actor explicitly: the front end reads it when the person presses the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from pimms_tui.application.agenda import AgendaService
from pimms_tui.application.appointments import AppointmentService
from pimms_tui.application.container import Container
from pimms_tui.application.followups import FollowUpService
from pimms_tui.application.journal import file_accesses, journal_people, read_journal
from pimms_tui.application.office_settings import read_settings, update_settings
from pimms_tui.application.orientation import OrientationService
from pimms_tui.application.queue import QueueService
from pimms_tui.application.rights import RightsService
from pimms_tui.application.session import DeskSession
from pimms_tui.application.slips import SlipService
from pimms_tui.application.staff import StaffService
from pimms_tui.application.stats import StatsService
from pimms_tui.application.visitor_file import VisitorFileService
from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
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
from pimms_tui.domain.journal import JournalEntry, JournalFilter, JournalPeople
from pimms_tui.domain.office_settings import OfficeSettings
from pimms_tui.domain.offices import (
    DeskInfo,
    OfficeInfo,
    create_office,
    ensure_desk,
    list_desks,
    set_public_screen,
)
from pimms_tui.domain.staff import AccessRules, StaffAccount


@dataclass(frozen=True)
class Catalogue:
    """The reference lists the screens offer, read afresh each time a form opens."""

    motifs: list[MotifInfo]
    registers: list[RegisterInfo]
    partners: list[PartnerInfo]
    staff: list[StaffInfo]  # who can be booked: mediators and managers

    @property
    def mediators(self) -> list[StaffInfo]:
        """Who a visitor can be transferred to: the mediators only."""
        return [person for person in self.staff if person.role == Role.MEDIATOR]


@dataclass(frozen=True)
class UseCases:
    """Every use case of the front desk, for the office of ``session``."""

    container: Container
    session: DeskSession
    # The queue keeps the day's floor between calls: one per office, for the process.
    _queues: dict[int, QueueService] = field(default_factory=dict, repr=False, compare=False)

    # Time -------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The current instant (UTC), from the one clock."""
        return self.container.clock.now()

    def today(self) -> date:
        """The office's calendar day now, in its own timezone."""
        return self.office.today(self.container.clock)

    # The office, the desk and who signs in ------------------------------------------------------

    @property
    def office(self) -> OfficeInfo:
        """The office this terminal serves."""
        office = self.session.office
        assert office is not None, "no office yet: first run"
        return office

    def setup_office(self, name: str) -> OfficeInfo:
        """Create the office on first run and take this terminal's desk in it."""
        clock, database = self.container.clock, self.container.database
        with database.write() as write:
            self.session.office = create_office(write, name=name, now=clock.now())
        with database.write() as write:
            self.session.desk = ensure_desk(write, self.office.id, self.container.settings.desk)
        return self.office

    @property
    def staff_accounts(self) -> StaffService:
        """The office's staff accounts, with the lock-out rules of the settings."""
        settings = self.container.settings
        rules = AccessRules(
            attempts=settings.lockout_attempts, lock_minutes=settings.lockout_minutes
        )
        return StaffService(self.container.database, self.container.clock, self.office.id, rules)

    def sign_in(self, staff_id: int, pin: str) -> StaffAccount:
        """Check the PIN (lock-out and journal in the domain); the account, once accepted."""
        desk = self.session.desk
        return self.staff_accounts.sign_in(staff_id, pin, desk.id if desk else None)

    def create_first_manager(self, name: str, pin: str) -> StaffAccount:
        """First run: the office's first manager, who is then the one signed in."""
        return self.staff_accounts.create_first_manager(name, pin)

    def set_public_screen(self, public: bool) -> None:
        """Remember, for this desk, whether names are hidden on the queue."""
        assert self.session.desk is not None
        with self.container.database.write() as write:
            self.session.desk = set_public_screen(write, self.session.desk.id, public)

    def desks(self) -> list[DeskInfo]:
        """The office's active desks."""
        with self.container.database.read() as read:
            return list_desks(read, self.office.id)

    def catalogue(self) -> Catalogue:
        """Motifs, registers, partners and bookable staff, as the database holds them now."""
        with self.container.database.read() as read:
            return Catalogue(
                motifs=list_motifs(read),
                registers=list_registers(read),
                partners=list_partners(read, self.office.id),
                staff=list_bookable_staff(read, self.office.id),
            )

    # Features -----------------------------------------------------------------------------------

    @property
    def queue(self) -> QueueService:
        """The office's queue."""
        office = self.office
        queue = self._queues.get(office.id)
        if queue is None:
            queue = self._queues[office.id] = QueueService(
                self.container.database, self.container.clock, office
            )
        return queue

    @property
    def visitors(self) -> VisitorService:
        """Finding the office's visitors, opening new files, merging two files."""
        return VisitorService(self.container.database, self.office.id, self.container.clock)

    @property
    def orientation(self) -> OrientationService:
        """Listening and orientation."""
        return OrientationService(self.container.database, self.container.clock, self.office)

    @property
    def appointments(self) -> AppointmentService:
        """The office's agenda: slots, bookings and their outcomes."""
        return AppointmentService(self.container.database, self.container.clock, self.office)

    @property
    def followups(self) -> FollowUpService:
        """Relays and appointments to follow up."""
        return FollowUpService(self.container.database, self.container.clock, self.office)

    @property
    def agenda(self) -> AgendaService:
        """Day and week views of appointments; check-in through the office's queue."""
        database, clock = self.container.database, self.container.clock
        return AgendaService(database, clock, self.office, self.queue)

    @property
    def visitor_file(self) -> VisitorFileService:
        """Visitor files: timeline, identity edits, visits started from the file."""
        database, clock = self.container.database, self.container.clock
        return VisitorFileService(database, clock, self.office, self.queue)

    @property
    def slips(self) -> SlipService:
        """Printable slips and cards."""
        return SlipService(self.container.database, self.container.clock, self.office)

    @property
    def stats(self) -> StatsService:
        """Activity statistics (managers), over every office of the database."""
        return StatsService(self.container.database, self.container.clock, self.office)

    @property
    def rights(self) -> RightsService:
        """Withdrawal, erasure, right of access and the retention purge."""
        return RightsService(self.container.database, self.container.clock, self.office)

    # Journal and settings (managers) ------------------------------------------------------------

    def journal(self, actor: Actor, where: JournalFilter | None = None) -> list[JournalEntry]:
        """The office's audit journal, newest first."""
        database = self.container.database
        return read_journal(database, self.office.id, actor, where or JournalFilter())

    def journal_people(self, actor: Actor) -> JournalPeople:
        """The staff and desks the journal can be narrowed to."""
        return journal_people(self.container.database, self.office.id, actor)

    def file_accesses(self, visitor_id: int, actor: Actor) -> list[JournalEntry]:
        """Who opened (edited, exported…) one visitor's file."""
        return file_accesses(self.container.database, self.office.id, visitor_id, actor)

    def office_settings(self, actor: Actor) -> OfficeSettings:
        """Retention periods, waiting target and the last purge."""
        return read_settings(self.container.database, self.office.id, actor)

    def update_office_settings(self, actor: Actor, changes: dict[str, str | int]) -> OfficeSettings:
        """Check and save the office's settings; audited. Every use case sees them at once."""
        saved = update_settings(
            self.container.database, self.office.id, actor, changes, self.container.clock.now()
        )
        self.session.office = replace(self.office, retention_months=saved.retention_months)
        return saved
