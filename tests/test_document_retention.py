"""Documents written for a person go with the person, and after the office's retention.

Slips, appointment cards and right-of-access exports are listed when written (which file,
which machine, where); erasing the person deletes them at once; ``pimms purge`` and every
start of a desk delete those older than the office's document retention (a setting), and
any other file of the documents folder older than it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from textual.widgets import Input

from pimms_tui.application import open_desk
from pimms_tui.application.office_settings import update_settings
from pimms_tui.application.slips import SlipService
from pimms_tui.db.engine import Database
from pimms_tui.db.models import DocumentFile, Office
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.rights import erase_files
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.settings import SettingsForm
from pimms_tui.settings import Settings, data_dir

from .test_rights import manager, person_with_history, rights
from .test_visitor_file import Office as FileDesk
from .uikit import build_app, screen_text, settle


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> FileDesk:
    return FileDesk(database, office, clock)


def listed(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(DocumentFile)) or 0)


def written_for(desk: FileDesk, folder: Path) -> tuple[int, list[Path]]:
    """A person with a referral slip and a right-of-access export; (person, their files)."""
    visitor, relay = person_with_history(desk)
    export = rights(desk).export(visitor, manager(desk), folder)
    slip = SlipService(desk.database, desk.clock, desk.office).referral_slip(
        relay, folder / str(visitor)
    )
    return visitor, [export.readable, export.machine, slip]


def test_erasing_a_person_deletes_their_documents(
    database: Database, desk: FileDesk, tmp_path: Path
) -> None:
    erased, theirs = written_for(desk, tmp_path / "documents")
    _kept, others = written_for(desk, tmp_path / "documents")
    assert all(path.exists() for path in theirs + others)
    assert listed(database) == 6
    rights(desk).erase(erased, manager(desk))
    assert not any(path.exists() for path in theirs)
    assert all(path.exists() for path in others)
    assert listed(database) == 3


def test_purge_deletes_documents_past_the_office_retention(
    database: Database, desk: FileDesk, clock: FixedClock
) -> None:
    folder = data_dir() / "documents"
    _first, older = written_for(desk, folder)
    clock.advance(days=5)
    _second, newer = written_for(desk, folder)
    update_settings(
        database, desk.office.id, manager(desk), {"document_retention_days": "10"}, clock.now()
    )
    clock.advance(days=6)  # the first files are 11 days old, the second 6
    stray = folder / "statistiques-2026-02.csv"  # not listed: a statistics export
    recent = folder / "statistiques-2026-03.csv"
    for path, age in ((stray, 11), (recent, 1)):
        path.write_text("x")
        when = (clock.now() - timedelta(days=age)).timestamp()
        os.utime(path, (when, when))
    report = rights(desk).purge(manager(desk))
    assert report.nothing  # no file past the 24 months: only documents went
    assert not any(path.exists() for path in [*older, stray])
    assert all(path.exists() for path in [*newer, recent])
    assert listed(database) == 3


async def test_the_document_retention_is_a_setting_of_the_office(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, SettingsForm)
        assert "Conserver les fiches, cartes et exports (jours)" in screen_text(pilot)
        field = app.screen.query_one("#document-retention-days", Input)
        assert field.value == "30"
        field.focus()
        field.value = ""
        await pilot.press("4", "0", "0")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsForm)
        assert "Entre 1 et 365." in screen_text(pilot)
        field.value = ""
        await pilot.press("1", "4")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with sqlite_database.read() as session:
        office = session.get(Office, sqlite_office.id)
        assert office is not None and office.document_retention_days == 14


def test_a_desk_start_deletes_the_documents_of_people_erased_elsewhere(
    database: Database, desk: FileDesk, tmp_path: Path
) -> None:
    """Another desk erased the person (it cannot reach this machine's files): this desk
    deletes them when it starts."""
    visitor, files = written_for(desk, tmp_path / "documents")
    with database.write() as session:  # as another machine's desk would: rows only
        erase_files(session, [visitor], desk.clock.now())
    assert all(path.exists() for path in files)
    url = database.engine.url.render_as_string(hide_password=False)
    container, _session = open_desk(Settings(database_url=url, office_code="TEST"))
    container.close()
    assert not any(path.exists() for path in files)
    assert listed(database) == 0
