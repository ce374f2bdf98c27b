"""The journal reads as sentences in the interface's language, lists only what changed, and
each entry opens in full (Enter)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, Staff
from pimms_tui.domain import audit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.staff_journal import StaffAction, record_change
from pimms_tui.i18n import format_date, format_datetime
from pimms_tui.screens.audit import JournalScreen
from pimms_tui.screens.file_forms import IdentityForm
from pimms_tui.screens.journal_entry import JournalEntryDialog
from pimms_tui.screens.queue import QueueScreen
from pimms_tui.screens.visitor_file import VisitorFileScreen

from .test_visitor_file_screen import visitor_with_history
from .uikit import TEST_STAFF_NAMES, build_app, screen_text, settle, signed_in_account, table_text

SIZE = (160, 50)
DETAILS = 1  # the journal's column of sentences, right after the time
ACTION = 5


def add_staff(database: Database, office: OfficeInfo, name: str, role: Role) -> int:
    """A colleague the staff entries are about."""
    with database.write() as session:
        row = Staff(office_id=office.id, display_name=name, role=role.value, active=True)
        session.add(row)
        session.flush()
        return row.id


def record_every_kind(database: Database, office: OfficeInfo, clock: FixedClock) -> int:
    """One entry of every action the journal knows, oldest first, as the use cases record
    them (through the journal's own recorder); the id of the colleague they name."""
    manager = signed_in_account(database, office, Role.MANAGER)
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER, staff_id=manager.id)
    sophie = add_staff(database, office, "Sophie Martin", Role.RECEPTION)
    at = clock.now() - timedelta(hours=3)
    until = clock.now() - timedelta(hours=2)
    entries: list[tuple[str, dict[str, Any]]] = [
        (Action.SIGN_IN, {"entity": "staff", "entity_id": manager.id}),
        (Action.SIGN_IN_FAILED, {"entity": "staff", "entity_id": sophie, "attempt": 2}),
        (
            Action.LOCKED_OUT,
            {"entity": "staff", "entity_id": sophie, "until": until.isoformat()},
        ),
        (Action.FILE_OPENED, {"entity": "visitor", "entity_id": 12}),
        (Action.FILE_EDITED, {"entity": "visitor", "entity_id": 12, "fields": ["phone"]}),
        (
            Action.FILE_EDITED,
            {"entity": "demand", "entity_id": 4, "fields": ["note"], "erased": False},
        ),
        (
            Action.FILE_EDITED,
            {"entity": "relay", "entity_id": 5, "fields": ["reason"], "erased": True},
        ),
        (Action.EXPORT, {"entity": "visitor", "entity_id": 12, "via": "desk"}),
        (
            Action.ERASURE,
            {"entity": "visitor", "entity_id": 13, "via": "desk", "files": 1, "notes": 2}
            | {"relays": 1, "consents": 1},
        ),
        (
            Action.MERGE,
            {"entity": "visitor", "entity_id": 12, "survivor_id": 12, "duplicate_id": 14}
            | {"moved": {"visits": 1}},
        ),
        (
            Action.CONSENT_GIVEN,
            {"entity": "visitor", "entity_id": 12, "scope": "keep_file"}
            | {"text_version_hash": "abc"},
        ),
        (
            Action.CONSENT_WITHDRAWN,
            {"entity": "visitor", "entity_id": 15, "scope": "keep_file", "files": 1}
            | {"notes": 0, "relays": 0, "consents": 1},
        ),
        (
            Action.PURGE,
            {"entity": "office", "entity_id": office.id, "via": "cli", "visitors": 3}
            | {"relays": 2, "batch": 1, "batches": 1},
        ),
        (
            Action.SETTINGS_CHANGED,
            {"entity": "office", "entity_id": office.id, "changes": {"retention_months": [36, 24]}},
        ),
        (
            Action.RELAY_FOLLOWED_UP,
            {"entity": "relay", "entity_id": 5, "status": "confirmed", "refusal_reason": None},
        ),
        (
            Action.RELAY_POSTPONED,
            {"entity": "relay", "entity_id": 5, "follow_up_on": "2026-03-20"},
        ),
    ]
    with database.write() as session:
        for index, (action, detail) in enumerate(entries):
            audit.record(
                session,
                actor,
                action,
                at=at + timedelta(minutes=index),
                office_id=office.id,
                **detail,
            )
        later = at + timedelta(minutes=len(entries))
        for index, (action, detail) in enumerate(
            [
                (StaffAction.CREATED, {"role": "reception"}),
                (StaffAction.PIN_SET, {}),
                (StaffAction.ROLE_CHANGED, {"before": "reception", "after": "mediator"}),
                (StaffAction.DEACTIVATED, {}),
                (StaffAction.REACTIVATED, {}),
            ]
        ):
            when = later + timedelta(minutes=index)
            record_change(session, actor, action, sophie, when, **detail)
    return sophie


def expected(language: str, clock: FixedClock) -> list[str]:
    """The sentences, newest first, as the manager reads them."""
    until = format_datetime(clock.now() - timedelta(hours=2), "Europe/Paris")
    day = format_date(date(2026, 3, 20))
    boss = TEST_STAFF_NAMES[Role.MANAGER]
    if language == "fr":
        oldest_first = [
            "Connexion",
            "PIN erroné (tentative 2)",
            f"Bloqué jusqu’au {until}",
            "Dossier ouvert",
            "Téléphone modifié",
            "Note de la demande n° 4 corrigée",
            "Motif du relais n° 5 effacé",
            "Dossier exporté (droit d’accès)",
            "Dossier effacé sur demande\u00a0: 1 dossier, 2 notes, 1 relais",
            "Dossier n° 14 fusionné dans le dossier n° 12",
            "Consentement à la conservation du dossier donné",
            "Consentement retiré, dossier effacé\u00a0: 1 dossier, 0 note, 0 relais",
            "Anciennes données purgées\u00a0: 3 dossiers, 2 relais (lot 1 sur 1)",
            "Conserver les dossiers inactifs (mois)\u00a0: 36 → 24",
            "Relais n° 5 suivi\u00a0: confirmé",
            f"Suivi du relais n° 5 reporté au {day}",
            "Compte de Sophie Martin créé (accueil)",
            f"PIN de Sophie Martin changé par {boss}",
            "Rôle de Sophie Martin changé\u00a0: accueil → médiateur",
            "Compte de Sophie Martin désactivé",
            "Compte de Sophie Martin réactivé",
        ]
    else:
        oldest_first = [
            "Signed in",
            "Wrong PIN (attempt 2)",
            f"Locked out until {until}",
            "File opened",
            "Phone changed",
            "Note of demand n° 4 corrected",
            "Reason of relay n° 5 erased",
            "File exported (right of access)",
            "File erased on request: 1 file, 2 notes, 1 relay",
            "File n° 14 merged into file n° 12",
            "Consent to keep a file given",
            "Consent withdrawn, file erased: 1 file, 0 notes, 0 relays",
            "Old data purged: 3 files, 2 relays (batch 1 of 1)",
            "Keep inactive visitors' files (months): 36 → 24",
            "Relay n° 5 followed up: confirmed",
            f"Follow-up of relay n° 5 moved to {day}",
            "Account of Sophie Martin created (reception)",
            f"PIN of Sophie Martin set by {boss}",
            "Role of Sophie Martin changed: reception → mediator",
            "Account of Sophie Martin deactivated",
            "Account of Sophie Martin reactivated",
        ]
    return list(reversed(oldest_first))


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_action_reads_as_a_sentence_and_opens_in_full(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, language: str
) -> None:
    """`j`: one sentence per entry in the interface's language (no key=value, no code);
    Enter on an entry shows every detail on its own line; Esc goes back to the list."""
    record_every_kind(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office, language=language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
        rows = table_text(pilot, "#journal")
        sentences = [row[DETAILS] for row in rows]
        assert sentences == expected(language, clock)
        assert not any("=" in s or "_" in s for s in sentences)
        hint = "Entrée affiche" if language == "fr" else "Enter reads the entry"
        assert hint in screen_text(pilot)
        # The entry of the role change, read in full.
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, JournalEntryDialog)
        text = screen_text(pilot)
        if language == "fr":
            assert "Rôle de Sophie Martin changé\u00a0: accueil → médiateur" in text
            assert "Avant\u00a0: reception" in text and "Après\u00a0: mediator" in text
            assert f"Équipe\u00a0: {TEST_STAFF_NAMES[Role.MANAGER]}" in text
            assert "Compte\u00a0: Sophie Martin" in text
        else:
            assert "Role of Sophie Martin changed: reception → mediator" in text
            assert "Before: reception" in text and "After: mediator" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)


async def test_a_phone_change_journals_the_phone_only(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """The identity form sends every field; the journal names only the one that changed, and
    the journal shows "Téléphone modifié" (never the number)."""
    visitor = visitor_with_history(sqlite_database, sqlite_office, clock)
    app = build_app(sqlite_database, clock, sqlite_office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(VisitorFileScreen(visitor))
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IdentityForm)
        phone = form.query_one("#phone", Input)
        phone.focus()
        await pilot.press("end", *["backspace"] * len(phone.value), *"0798765432")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VisitorFileScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("j")
        await settle(pilot)
        rows = table_text(pilot, "#journal")
        edited = [row for row in rows if row[ACTION] == "dossier modifié"]
        assert [row[DETAILS] for row in edited] == ["Téléphone modifié"]
        assert "0798765432" not in " ".join(" ".join(row) for row in rows)
    with sqlite_database.read() as session:
        details = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == Action.FILE_EDITED)
        ).all()
    assert [d["fields"] for d in details] == [["phone"]]


def test_the_journal_names_only_changed_fields_and_the_account_concerned(
    database: Database, clock: FixedClock, office: OfficeInfo
) -> None:
    """On both engines: a save of the whole identity where only the phone differs journals
    ["phone"]; an entry about an account carries that colleague's name for the sentence."""
    from pimms_tui.application.journal import read_journal
    from pimms_tui.application.visitor_file import VisitorFileService
    from pimms_tui.domain.visitor_file import IdentityChanges

    visitor = visitor_with_history(database, office, clock)
    manager = signed_in_account(database, office, Role.MANAGER)
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER, staff_id=manager.id)
    service = VisitorFileService(database, clock, office)
    every_field = IdentityChanges(
        first_name="Hélène",
        last_name="Dupont-Moreau",
        phone="07 98 76 54 32",
        email="",
        birth_year="1961",
        commune="",
        language="",
        needs=(),
    )
    service.update_identity(visitor, 1, every_field, actor)
    sophie = add_staff(database, office, "Sophie Martin", Role.RECEPTION)
    with database.write() as session:
        record_change(session, actor, StaffAction.PIN_SET, sophie, clock.now())
    entries = read_journal(database, office.id, actor)
    edited = [e for e in entries if e.action == Action.FILE_EDITED]
    assert [e.detail["fields"] for e in edited] == [["phone"]]
    pin = next(e for e in entries if e.action == StaffAction.PIN_SET)
    assert (pin.subject_name, pin.staff_name) == ("Sophie Martin", TEST_STAFF_NAMES[Role.MANAGER])
    assert all(e.subject_name is None for e in entries if e.entity != "staff")
