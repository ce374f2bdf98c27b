"""Rights and retention: append-only journal, consent, erasure, export, purge, settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from pimms_tui.application.journal import file_accesses, read_journal
from pimms_tui.application.office_settings import read_settings, update_settings
from pimms_tui.application.rights import RightsService
from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope, RelayMode, RelayStatus, Role
from pimms_tui.db.models import (
    Appointment,
    AuditEntry,
    AuditIsAppendOnly,
    Consent,
    Demand,
    Office,
    Relay,
    Visit,
    Visitor,
    VisitorSearchToken,
)
from pimms_tui.documents.access_export import export_text
from pimms_tui.domain import audit
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.consent import KEEP_FILE_TEXT_HASH
from pimms_tui.domain.errors import DomainError, PermissionDenied
from pimms_tui.domain.journal import JournalFilter
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation import SHARE_CONSENT_TEXT_HASH, RelayInput
from pimms_tui.domain.rights import months_before
from pimms_tui.domain.validation import FieldError

from .test_visitor_file import Office as FileDesk


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> FileDesk:
    return FileDesk(database, office, clock)


def manager(desk: FileDesk) -> Actor:
    return Actor(
        office_id=desk.office.id,
        desk_id=desk.actor.desk_id,
        staff_id=desk.staff_id,
        role=Role.MANAGER,
        desk_name=desk.actor.desk_name,
    )


def rights(desk: FileDesk) -> RightsService:
    return RightsService(desk.database, desk.clock, desk.office)


def person_with_history(desk: FileDesk) -> tuple[int, int]:
    """A named visitor with a noted demand relayed with shared details; (visitor, relay)."""
    visitor = desk.visitor("Hélène", "Dupont-Moreau")
    visit = desk.visit(visitor)
    demand = desk.demand(visit, "energy", "edf", "Facture de janvier contestée")
    relay = desk.orientation.relay(
        demand,
        RelayInput(
            desk.partners["edf"],
            RelayMode.EMAIL,
            contact="service.client@edf.example",
            reason="Mensualisation",
            shared_details="Référence client 4412",
            share_consent=True,
        ),
        desk.actor,
    )
    desk.orientation.close_visit(visit, desk.actor)
    return visitor, relay.id


def entries(database: Database, action: str) -> list[AuditEntry]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# The triggers' refusal; on PostgreSQL the desks' role has not even the right to try.
REFUSED = "append-only|permission denied"


# --- The journal is append-only ----------------------------------------------------------------


def test_orm_refuses_to_change_or_delete_an_entry(database: Database, desk: FileDesk) -> None:
    with database.write() as session:
        audit.record(session, desk.actor, Action.EXPORT, at=desk.clock.now(), entity="visitor")
    with pytest.raises(AuditIsAppendOnly), database.write() as session:
        entry = session.scalars(select(AuditEntry)).first()
        assert entry is not None
        entry.action = "nothing_happened"
    with pytest.raises(AuditIsAppendOnly), database.write() as session:
        entry = session.scalars(select(AuditEntry)).first()
        session.delete(entry)
    with pytest.raises(AuditIsAppendOnly), database.write() as session:
        session.execute(delete(AuditEntry))
    with pytest.raises(AuditIsAppendOnly), database.write() as session:
        session.execute(update(AuditEntry).values(action="x"))
    assert [e.action for e in entries(database, Action.EXPORT)] == [Action.EXPORT]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"],
)
def test_database_refuses_raw_update_and_delete(
    database: Database, desk: FileDesk, statement: str
) -> None:
    with database.write() as session:
        audit.record(session, desk.actor, Action.EXPORT, at=desk.clock.now(), entity="visitor")
    with pytest.raises(DBAPIError, match=REFUSED), database.engine.begin() as connection:
        connection.execute(text(statement))
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
        assert session.scalars(select(AuditEntry.action)).all() == [Action.EXPORT]


def test_postgres_refuses_truncate(database: Database, desk: FileDesk) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match=REFUSED), database.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_entry"))


# --- Consent -----------------------------------------------------------------------------------


def test_consents_are_recorded_with_who_when_and_text_hash(
    database: Database, desk: FileDesk
) -> None:
    visitor, _relay = person_with_history(desk)
    with database.read() as session:
        consents = session.scalars(
            select(Consent).where(Consent.visitor_id == visitor).order_by(Consent.id)
        ).all()
        assert [(c.scope, c.text_version_hash, c.staff_id) for c in consents] == [
            (ConsentScope.KEEP_FILE, KEEP_FILE_TEXT_HASH, desk.staff_id),
            (ConsentScope.SHARE_WITH_PARTNER, SHARE_CONSENT_TEXT_HASH, desk.staff_id),
        ]
        assert all(c.given_at == desk.clock.now() for c in consents)
    given = entries(database, Action.CONSENT_GIVEN)
    assert [(e.entity_id, e.detail["scope"]) for e in given] == [
        (visitor, "keep_file"),
        (visitor, "share_with_partner"),
    ]


# --- Withdrawal and erasure --------------------------------------------------------------------


def assert_erased(database: Database, visitor: int, relay: int) -> None:
    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None and row.anonymised_at is not None
        assert (row.first_name, row.last_name, row.phone, row.birth_year, row.commune) == (
            None,
            None,
            None,
            None,
            None,
        )
        assert row.search_key == "" and row.phone_digits is None
        tokens = select(VisitorSearchToken).where(VisitorSearchToken.visitor_id == visitor)
        assert session.scalars(tokens).all() == []
        # The anonymous counts stay: the visit, its demand, motif and outcome, the relay.
        visits = session.scalars(select(Visit).where(Visit.visitor_id == visitor)).all()
        assert len(visits) == 1
        demand = session.scalars(select(Demand).where(Demand.visit_id == visits[0].id)).one()
        assert demand.note is None and demand.outcome == "relay" and demand.motif_id
        relay_row = session.get(Relay, relay)
        assert relay_row is not None
        assert (relay_row.contact, relay_row.reason, relay_row.shared_details) == (None,) * 3
        assert relay_row.partner_id and relay_row.status == RelayStatus.OPEN
        open_consents = select(Consent).where(
            Consent.visitor_id == visitor, Consent.withdrawn_at.is_(None)
        )
        assert session.scalars(open_consents).all() == []
    assert VisitorService(database, row.office_id).search("Dupont") == []


def test_withdrawal_erases_identity_and_texts_and_keeps_counts(
    database: Database, desk: FileDesk
) -> None:
    visitor, relay = person_with_history(desk)
    report = rights(desk).withdraw_consent(visitor, desk.actor)
    assert (report.visitors, report.notes, report.relays, report.consents) == (1, 1, 1, 2)
    assert_erased(database, visitor, relay)
    (entry,) = entries(database, Action.CONSENT_WITHDRAWN)
    assert entry.entity_id == visitor and entry.staff_id == desk.staff_id
    assert "Hélène" not in json.dumps(entry.detail) and "Dupont" not in json.dumps(entry.detail)
    with pytest.raises(DomainError):
        rights(desk).withdraw_consent(visitor, desk.actor)


def test_erasure_is_for_managers_and_takes_merged_files(database: Database, desk: FileDesk) -> None:
    visitor, relay = person_with_history(desk)
    duplicate = desk.visitor("Helene", "Dupont")
    VisitorService(database, desk.office.id).merge(visitor, duplicate, desk.actor, desk.clock.now())
    with pytest.raises(PermissionDenied):
        rights(desk).erase(visitor, desk.actor)  # a mediator
    report = rights(desk).erase(visitor, manager(desk), via="cli")
    assert report.visitors == 2
    assert_erased(database, visitor, relay)
    with database.read() as session:
        other = session.get(Visitor, duplicate)
        assert other is not None and other.first_name is None and other.anonymised_at
    (entry,) = entries(database, Action.ERASURE)
    assert entry.detail["via"] == "cli" and entry.entity_id == visitor
    with pytest.raises(DomainError):
        rights(desk).erase(visitor, manager(desk))


# --- Right of access ---------------------------------------------------------------------------


def test_export_holds_everything_and_is_audited(
    database: Database, desk: FileDesk, tmp_path: Path
) -> None:
    visitor, _relay = person_with_history(desk)
    desk.files.open(visitor, desk.actor)
    with pytest.raises(PermissionDenied):
        rights(desk).export(visitor, desk.actor, tmp_path)
    files = rights(desk).export(visitor, manager(desk), tmp_path, fmt="text")
    data = json.loads(files.machine.read_text(encoding="utf-8"))
    assert data["identity"]["first_name"] == "Hélène"
    assert data["identity"]["phone"] == "+33612345678"
    assert [c["scope"] for c in data["consents"]] == ["keep_file", "share_with_partner"]
    (visit,) = data["visits"]
    (demand,) = visit["demands"]
    assert demand["note"] == "Facture de janvier contestée"
    assert demand["relays"][0]["shared_details"] == "Référence client 4412"
    actions = [e["action"] for e in data["journal"]]
    assert actions[:2] == [Action.CONSENT_GIVEN, Action.CONSENT_GIVEN]
    assert Action.FILE_OPENED in actions
    readable = files.readable.read_text(encoding="utf-8")
    assert "Hélène" in readable and "Facture de janvier contestée" in readable
    assert "Référence client 4412" in readable
    pdf = rights(desk).export(visitor, manager(desk), tmp_path / "pdf", fmt="pdf")
    assert pdf.readable.read_bytes().startswith(b"%PDF")
    assert [e.entity_id for e in entries(database, Action.EXPORT)] == [visitor, visitor]
    with pytest.raises(DomainError):
        rights(desk).export(visitor, manager(desk), tmp_path, fmt="docx")


def test_export_text_escapes_control_characters() -> None:
    data = {
        "visitor_id": 1,
        "anonymised_at": None,
        "identity": {"first_name": "A\x1b[31mB\u202e", "needs": []},
        "created_at": "x",
        "consents": [],
        "visits": [],
        "appointments": [],
        "journal": [],
        "exported_at": "now",
    }
    text_out = export_text(data)
    assert "A\\x1b[31mB\\u202e" in text_out and "\x1b" not in text_out


# --- Retention ---------------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(datetime(2026, 3, 31, 9, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert months_before(datetime(2026, 3, 2, tzinfo=UTC), 24) == datetime(2024, 3, 2, tzinfo=UTC)


def test_purge_anonymises_inactive_files_and_strips_old_relays(
    database: Database, desk: FileDesk, clock: FixedClock
) -> None:
    old, relay = person_with_history(desk)
    recent, recent_relay = person_with_history(desk)
    with database.write() as session:
        session.execute(
            update(Relay)
            .where(Relay.id == recent_relay)
            .values(status=RelayStatus.CONFIRMED.value, closed_at=clock.now())
        )
    clock.current = clock.now() + timedelta(days=365 * 2 + 30)
    with database.write() as session:  # the second person came back recently
        session.execute(
            update(Visitor).where(Visitor.id == recent).values(last_activity_at=clock.now())
        )
    service = rights(desk)
    with pytest.raises(PermissionDenied):
        service.purge(desk.actor)
    dry = service.purge(manager(desk), dry_run=True)
    assert (dry.visitors, dry.relays, dry.dry_run) == (1, 1, True)
    with database.read() as session:
        row = session.get(Visitor, old)
        assert row is not None and row.first_name == "Hélène"
        office_row = session.get(Office, desk.office.id)
        assert office_row is not None and office_row.last_purge_at is None
    assert entries(database, Action.PURGE) == []
    done = service.purge(manager(desk))
    assert (done.visitors, done.relays) == (1, 1)
    assert done.visitor_ids == (old,)
    with database.read() as session:
        erased = session.get(Visitor, old)
        kept = session.get(Visitor, recent)
        assert erased is not None and erased.first_name is None and erased.anonymised_at
        assert kept is not None and kept.first_name == "Hélène"
        for relay_id in (relay, recent_relay):  # erased with its file / closed long ago
            relay_row = session.get(Relay, relay_id)
            assert relay_row is not None and relay_row.contact is None
        kept_demands = select(Demand.note).join(Visit).where(Visit.visitor_id == recent)
        assert session.scalars(kept_demands).all() == ["Facture de janvier contestée"]
        office_row = session.get(Office, desk.office.id)
        assert office_row is not None and office_row.last_purge_at == clock.now()
        assert session.scalar(select(func.count()).select_from(Visit)) == 2
    again = service.purge(manager(desk))
    assert again.nothing
    purges = entries(database, Action.PURGE)
    assert [(e.detail["visitors"], e.detail["relays"]) for e in purges] == [(1, 1), (0, 0)]


def test_purge_keeps_a_file_with_an_appointment_ahead(
    database: Database, desk: FileDesk, clock: FixedClock
) -> None:
    visitor = desk.visitor()
    clock.current = clock.now() + timedelta(days=800)
    with database.write() as session:
        session.add(
            Appointment(
                office_id=desk.office.id,
                visitor_id=visitor,
                staff_id=desk.staff_id,
                starts_at=clock.now() + timedelta(days=10),
                created_at=clock.now(),
            )
        )
    assert rights(desk).purge(manager(desk)).visitors == 0


# --- Journal and settings ----------------------------------------------------------------------


def test_journal_filters_and_file_accesses(database: Database, desk: FileDesk) -> None:
    visitor, _relay = person_with_history(desk)
    other = desk.visitor("Jeanne", "Martin")
    desk.files.open(visitor, desk.actor)
    desk.clock.current = desk.clock.now() + timedelta(hours=1)
    desk.files.open(other, desk.actor)
    with pytest.raises(PermissionDenied):
        read_journal(database, desk.office.id, desk.actor)
    boss = manager(desk)
    everything = read_journal(database, desk.office.id, boss)
    assert everything[0].action == Action.FILE_OPENED and everything[0].entity_id == other
    assert [e.at for e in everything] == sorted((e.at for e in everything), reverse=True)
    assert everything[0].staff_name == "Camille" and everything[0].desk_name == "Guichet 1"
    opened = read_journal(database, desk.office.id, boss, JournalFilter(action=Action.FILE_OPENED))
    assert [e.entity_id for e in opened] == [other, visitor]
    mine = file_accesses(database, desk.office.id, visitor, boss)
    assert {e.entity_id for e in mine} == {visitor}
    assert Action.FILE_OPENED in {e.action for e in mine}
    later = read_journal(
        database, desk.office.id, boss, JournalFilter(since=desk.clock.now() - timedelta(minutes=1))
    )
    assert [e.entity_id for e in later] == [other]
    by_staff = read_journal(database, desk.office.id, boss, JournalFilter(staff_id=-1))
    assert by_staff == []
    by_desk = read_journal(
        database, desk.office.id, boss, JournalFilter(desk_id=desk.actor.desk_id)
    )
    assert len(by_desk) == len(everything)


def test_settings_are_checked_and_audited(database: Database, desk: FileDesk) -> None:
    boss = manager(desk)
    with pytest.raises(PermissionDenied):
        read_settings(database, desk.office.id, desk.actor)
    current = read_settings(database, desk.office.id, boss)
    assert (current.retention_months, current.relay_retention_months) == (24, 6)
    assert current.last_purge_at is None
    for bad, field in (("0", "retention_months"), ("abc", "relay_retention_months")):
        with pytest.raises(FieldError) as refused:
            update_settings(database, desk.office.id, boss, {field: bad}, desk.clock.now())
        assert refused.value.field == field
    saved = update_settings(
        database,
        desk.office.id,
        boss,
        {"retention_months": "36", "wait_target_minutes": 15, "relay_retention_months": "6"},
        desk.clock.now(),
    )
    assert (saved.retention_months, saved.wait_target_minutes) == (36, 15)
    (entry,) = entries(database, Action.SETTINGS_CHANGED)
    assert entry.detail["changes"] == {
        "retention_months": [24, 36],
        "wait_target_minutes": [20, 15],
    }


def test_purge_commits_batch_by_batch_each_journalled(
    database: Database, desk: FileDesk, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pimms_tui.application import rights as rights_module

    people = [desk.visitor(f"Personne{n}", "Ancienne") for n in range(3)]
    clock.current = clock.now() + timedelta(days=800)
    monkeypatch.setattr(rights_module, "PURGE_BATCH", 2)
    report = rights(desk).purge(manager(desk))
    assert report.visitors == 3 and sorted(report.visitor_ids) == sorted(people)
    purges = entries(database, Action.PURGE)
    assert [(e.detail["batch"], e.detail["batches"], e.detail["visitors"]) for e in purges] == [
        (1, 2, 2),
        (2, 2, 1),
    ]
    with database.read() as session:
        names = session.scalars(select(Visitor.first_name).where(Visitor.id.in_(people))).all()
        assert names == [None, None, None]
        office_row = session.get(Office, desk.office.id)
        assert office_row is not None and office_row.last_purge_at == clock.now()
