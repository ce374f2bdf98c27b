"""Rights by keystrokes: the journal and the settings from the queue; withdrawal, erasure,
export and "who opened this file" from the visitor file; keys hidden from other roles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, Demand, Office, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.screens.audit import JournalScreen
from pimms_tui.screens.confirm import ConfirmModal
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.settings import SettingsForm
from pimms_tui.screens.visitor_file import VisitorFileScreen
from pimms_tui.settings import data_dir

from .test_visitor_file_screen import visitor_with_history
from .uikit import build_app, screen_text, settle, table_text

SIZE = (130, 45)


def actions(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def footer_keys(app: Any) -> set[str]:
    return {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}


async def test_manager_reads_the_journal_with_filters(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert {"j", "o"} <= footer_keys(app)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
        rows = table_text(pilot, "#journal")
        assert [r[5] for r in rows] == ["dossier ouvert", "consentement donné"]  # newest first
        assert rows[0][4] == str(visitor)
        app.screen.query_one("#filter-since", Input).value = "03/03/2026"
        app.screen.query_one("#filter-since", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert table_text(pilot, "#journal") == []
        assert "Aucune entrée." in screen_text(pilot)
        app.screen.query_one("#filter-since", Input).value = "bientôt"
        await pilot.press("enter")
        await settle(pilot)
        assert "15/03/2026" in screen_text(pilot)
        app.screen.query_one("#filter-since", Input).value = ""
        app.screen.query_one("#filter-visitor", Input).value = str(visitor + 1)
        app.screen.query_one("#filter-visitor", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert table_text(pilot, "#journal") == []
        app.screen.query_one("#filter-visitor", Input).value = str(visitor)
        await pilot.press("enter")
        await settle(pilot)
        assert len(table_text(pilot, "#journal")) == 2
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_settings_are_checked_saved_and_audited(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, SettingsForm)
        assert "Dernière purge : jamais" in screen_text(pilot)
        field = app.screen.query_one("#retention-months", Input)
        assert field.value == "24"
        field.value = "0"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsForm)
        assert "Entre 1 et 120." in screen_text(pilot)
        field.value = "36"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with sqlite_database.read() as session:
        office = session.get(Office, sqlite_office.id)
        assert office is not None and office.retention_months == 36
    assert actions(sqlite_database)[-1] == Action.SETTINGS_CHANGED


async def test_withdrawal_from_the_file_asks_then_erases(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, VisitorFileScreen)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("o")  # oui
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with sqlite_database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None and row.first_name is None and row.anonymised_at is not None
        notes = session.scalars(select(Demand.note)).all()
        assert notes == [None] and len(notes) == 1
    assert Action.CONSENT_WITHDRAWN in actions(sqlite_database)


async def test_erasure_export_and_accesses_from_the_file(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        assert {"w", "x", "a", "j"} <= footer_keys(app)
        await pilot.press("a")
        await settle(pilot)
        assert "Export écrit" in screen_text(pilot)
        exports = sorted((data_dir() / "documents").glob(f"acces-{visitor:06d}-*"))
        assert [p.suffix for p in exports] == [".json", ".txt"]
        data = json.loads(exports[0].read_text(encoding="utf-8"))
        assert data["visits"][0]["demands"][0]["note"] == "Facture [red]contestée[/red]"
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
        assert not app.screen.query_one("#journal-filters").display
        kinds = [r[5] for r in table_text(pilot, "#journal")]
        assert kinds == ["export", "dossier ouvert", "consentement donné"]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with sqlite_database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None and row.first_name is None
    assert actions(sqlite_database)[-1] == Action.ERASURE


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.RECEPTION])
async def test_manager_keys_are_hidden_from_other_roles(
    sqlite_database: Database,
    clock: FixedClock,
    sqlite_office: OfficeInfo,
    role: Role,
) -> None:
    """Journal and settings keys are managers'; erasure, export and the file's journal too."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office, role=role)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not {"j", "o"} & footer_keys(app)
        await pilot.press("j", "o")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        if role == Role.MEDIATOR:
            app.push_screen(VisitorFileScreen(visitor))
            await settle(pilot)
            keys = footer_keys(app)
            assert "w" in keys and not {"x", "a", "j"} & keys
            await pilot.press("x", "a", "j")
            await settle(pilot)
            assert isinstance(app.screen, VisitorFileScreen)
    assert Action.EXPORT not in actions(sqlite_database)


async def test_consent_text_in_french_with_english_on_f6(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """The keep-file text shows in French; F6 shows the English one; the hash covers both."""
    from pimms_tui.db.models import Consent
    from pimms_tui.domain.consent import (
        KEEP_FILE_TEXT_EN,
        KEEP_FILE_TEXT_FR,
        KEEP_FILE_TEXT_HASH,
    )
    from pimms_tui.screens.visitor_form import NewVisitorForm

    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Amadou Diallo", "f4")
        await settle(pilot)
        assert isinstance(app.screen, NewVisitorForm)
        assert KEEP_FILE_TEXT_FR in screen_text(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert KEEP_FILE_TEXT_EN in screen_text(pilot)
        assert KEEP_FILE_TEXT_FR not in screen_text(pilot)
        app.screen.query_one("#consent").value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
    with sqlite_database.read() as session:
        consent = session.scalars(select(Consent)).one()
        assert consent.text_version_hash == KEEP_FILE_TEXT_HASH
        assert consent.given_at == clock.now()
    assert actions(sqlite_database) == [Action.CONSENT_GIVEN]


async def test_public_screen_is_per_desk(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """Hiding names at one desk leaves the other desks' queues as they were."""
    from pimms_tui.application.queue import QueueService
    from pimms_tui.domain.queue import ArrivalRequest
    from pimms_tui.domain.visitors import NewVisitor, create_visitor

    actor = Actor(office_id=sqlite_office.id, desk_id=None, role=Role.MANAGER)
    hostile = create_visitor(
        sqlite_database,
        NewVisitor("[b]Zoé", "\x1b[31mLefèvre", keep_file_consent=True),
        actor,
        clock.now(),
    )
    QueueService(sqlite_database, clock, sqlite_office).register_arrival(
        ArrivalRequest(visitor_id=hostile.id), actor
    )
    app = build_app(sqlite_database, clock, sqlite_office, desk="Guichet 1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert (
            table_text(pilot, "#queue")[0][1] == "B. M."
        )  # first letters of the text as typed, never more
    app = build_app(sqlite_database, clock, sqlite_office, desk="Guichet 2")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][1] == "[b]Zoé [31mLefèvre"
    app = build_app(sqlite_database, clock, sqlite_office, desk="Guichet 1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][1] == "B. M."
        await pilot.press("p")
        await settle(pilot)
        assert table_text(pilot, "#queue")[0][1] == "[b]Zoé [31mLefèvre"


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("Attestation CPAM, NIR 1 85 05 78 006 084 {key}", "nir"),
        ("Prélèvement sur FR76 3000 6000 0112 3456 7890 189", "iban"),
        ("payé avec la carte 4111 1111 1111 1111", "card"),
        ("compte Ameli, mot de passe : Soleil2024", "password"),
    ],
)
async def test_never_stored_notes_are_refused_with_the_reason(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, note: str, kind: str
) -> None:
    """Through the demand form: the reason in French, the note kept, nothing saved."""
    from pimms_tui.domain import sensitive
    from pimms_tui.i18n import _

    from .test_flow import add_demand, arrive_anonymous, call_and_listen, demands
    from .test_sensitive import nir_key

    note = note.format(key=nir_key("1850578006084"))
    messages = {
        "nir": sensitive.NIR_MESSAGE,
        "iban": sensitive.IBAN_MESSAGE,
        "card": sensitive.CARD_MESSAGE,
        "password": sensitive.PASSWORD_MESSAGE,
    }
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await arrive_anonymous(pilot)
        await call_and_listen(pilot)
        await add_demand(pilot, note=note)
        assert _(messages[kind]) in screen_text(pilot)
        assert app.screen.query_one("#note", Input).value == note
        app.screen.query_one("#note", Input).value = "Rappeler le 06 12 34 56 78 avant le 15/03"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [d.note for d in demands(sqlite_database)] == [
        "Rappeler le 06 12 34 56 78 avant le 15/03"
    ]
