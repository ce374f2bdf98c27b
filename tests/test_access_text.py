"""The readable right-of-access file is for the person it is about.

A person with one of everything is exported: the text (and the lines the PDF prints) name no
internal code (no status, outcome, journal action, event, consent or document kind as stored),
show instants in the office's local time to the minute (no microseconds, no "+00:00"), are named
with the local time, and are written in the person's language when it is English, whatever the
language of the desk that printed them. The JSON stays the exact data.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import select, update

from pimms_tui import i18n
from pimms_tui.application.rights import RightsService
from pimms_tui.db import enums
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import AuditEntry, DocumentFile, Motif, Visitor
from pimms_tui.documents.access_export import export_lines
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.document_registry import DocumentKind
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.staff_journal import StaffAction
from tests.test_access_complete import one_of_everything


def internal_codes() -> set[str]:
    """Every code the database stores for a state, a kind or a journal action."""
    codes = {
        member.value
        for item in vars(enums).values()
        if isinstance(item, type) and issubclass(item, StrEnum) and item is not StrEnum
        for member in item
    }
    for holder in (Action, StaffAction, DocumentKind):
        codes |= {v for k, v in vars(holder).items() if k.isupper() and isinstance(v, str)}
    return codes


def codes_in(text: str, codes: set[str]) -> list[str]:
    """The codes that appear in ``text`` as a word of their own."""
    return sorted(c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text))


def everything_journalled(database: Database, office: OfficeInfo, clock: FixedClock) -> int:
    """One of everything, with a journal entry of every action and a document of every kind."""
    visitor = one_of_everything(database, office, clock)
    at = clock.now() + timedelta(minutes=20, seconds=7, microseconds=123456)
    actions = [v for k, v in vars(Action).items() if k.isupper()]
    kinds = [v for k, v in vars(DocumentKind).items() if k.isupper()]
    with database.write() as session:
        session.add_all(
            AuditEntry(
                at=at,
                office_id=office.id,
                action=action,
                entity="visitor",
                entity_id=visitor,
                detail={},
            )
            for action in actions
        )
        session.add_all(
            DocumentFile(
                office_id=office.id,
                visitor_id=visitor,
                kind=kind,
                host="desk-1",
                path=f"/documents/{kind}.txt",
                created_at=at,
            )
            for kind in kinds
        )
    return visitor


def set_language(database: Database, visitor: int, language: str) -> None:
    with database.write() as session:
        session.execute(update(Visitor).where(Visitor.id == visitor).values(language=language))


def manager(office: OfficeInfo) -> Actor:
    return Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)


@pytest.fixture
def english_desk() -> object:
    """The desk printing the file works in English (the file's language is the person's)."""
    i18n.activate("en")
    yield
    i18n.activate("fr")


def test_the_text_names_no_code_and_shows_local_minutes(
    database: Database, office: OfficeInfo, clock: FixedClock, tmp_path: Path, english_desk: None
) -> None:
    visitor = everything_journalled(database, office, clock)
    rights = RightsService(database, clock, office)
    rights.export(visitor, manager(office), tmp_path / "first")
    clock.advance(minutes=32, seconds=41, microseconds=5)
    files = rights.export(visitor, manager(office), tmp_path)
    text = files.readable.read_text(encoding="utf-8")
    # Named with the office's local time (Paris, an hour ahead of UTC in March).
    assert files.readable.name == f"acces-{visitor:06d}-2026-03-02-1032.txt"
    assert files.machine.name == f"acces-{visitor:06d}-2026-03-02-1032.json"
    # French, for a person whose language is not English, though the desk works in English.
    assert text.startswith("Données conservées sur une personne (droit d’accès)")
    assert codes_in(text, internal_codes()) == []
    assert not re.search(r"\d:\d\d:\d\d|\.\d{3,}|\+00:00|\d{4}-\d\d-\d\dT", text)
    # Instants local, to the minute: the file opened at 09:00 UTC, the export at 09:32:41.
    assert "Dossier créé le\u00a0: 2 mars 2026 à 10 h 00" in text
    assert "Exporté le 2 mars 2026 à 10 h 32" in text
    assert "visite terminée" in text and "appel à un guichet" in text
    assert "relais vers un partenaire" in text and "non éligible" in text
    assert "votre dossier a été consulté" in text
    assert "copie de vos données (droit d’accès)" in text
    assert "consentement donné" in text and "conserver votre dossier" in text
    # The same words in the PDF's lines.
    data = json.loads(files.machine.read_text(encoding="utf-8"))
    printed = "\n".join(f"{label} {value}" for label, value in export_lines(data))
    assert codes_in(printed, internal_codes()) == []
    # The JSON stays the exact data, codes and UTC instants included.
    assert data["visits"][0]["status"] == "done"
    assert data["exported_at"] == "2026-03-02T09:32:41.000005+00:00"


def test_the_file_is_in_english_for_an_english_speaker(
    database: Database, office: OfficeInfo, clock: FixedClock, tmp_path: Path
) -> None:
    visitor = everything_journalled(database, office, clock)
    set_language(database, visitor, "English")
    files = RightsService(database, clock, office).export(visitor, manager(office), tmp_path)
    text = files.readable.read_text(encoding="utf-8")
    assert files.readable.name == f"access-{visitor:06d}-2026-03-02-1000.txt"
    assert text.startswith("Data held about a person (right of access)")
    assert "File created on: 2 March 2026, 10:00" in text
    assert "Exported on 2 March 2026, 10:00" in text
    assert "Language: English" in text
    assert "relay to a partner" in text and "your file was consulted" in text
    # No code that is not also plain English (``file_opened``, ``in_progress``…).
    assert codes_in(text, {c for c in internal_codes() if not c.isalpha()}) == []
    assert not re.search(r"\d:\d\d:\d\d|\.\d{3,}|\+00:00|\d{4}-\d\d-\d\dT", text)
    # The reasons for coming under their English label from the reference list.
    with database.read() as session:
        motif = session.scalars(select(Motif).order_by(Motif.id)).first()
    assert motif is not None and motif.label_en != motif.label_fr
    assert f"Request: {motif.label_en}" in text and motif.label_fr not in text
    for french in ("Dossier n°", "Visite du", "Consentement", "mars", " h "):
        assert french not in text
    # The PDF is the same file for its reader: its title (metadata included) in English.
    clock.advance(minutes=1)
    pdf = RightsService(database, clock, office).export(
        visitor, manager(office), tmp_path, fmt="pdf"
    )
    assert pdf.readable.name == f"access-{visitor:06d}-2026-03-02-1001.pdf"
    assert rb"/Title (Data held about a person \(right of access\))" in pdf.readable.read_bytes()


def test_two_exports_in_the_same_minute_keep_both_files(
    database: Database, office: OfficeInfo, clock: FixedClock, tmp_path: Path
) -> None:
    visitor = everything_journalled(database, office, clock)
    rights = RightsService(database, clock, office)
    first = rights.export(visitor, manager(office), tmp_path)
    clock.advance(seconds=20)
    second = rights.export(visitor, manager(office), tmp_path)
    assert first.readable != second.readable and first.machine != second.machine
    assert second.readable.name == f"acces-{visitor:06d}-2026-03-02-1000-2.txt"
    assert first.readable.is_file() and second.readable.is_file()
