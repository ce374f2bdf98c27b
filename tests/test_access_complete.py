"""The right-of-access export holds everything kept on the person, column by column.

A person with one of everything (a merged file, search tokens, both consents, an appointment,
a visit that was called, started, transferred and finished, a demand, a relay, journal entries)
is exported; the tables that hold data about a person are found from the SQLAlchemy models
(every table linked to the visitor through its foreign keys, and the journal), and every
column of every one of their rows must be in the JSON export, with its value. A table or a
column added later without being exported fails here.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from pimms_tui.application.rights import RightsService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import (
    Appointment,
    AuditEntry,
    Consent,
    Demand,
    Desk,
    DocumentFile,
    Motif,
    Partner,
    Register,
    Relay,
    Staff,
    Visit,
    VisitEvent,
    Visitor,
)
from pimms_tui.db.models.base import Base
from pimms_tui.db.search_index import index_visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.consent import KEEP_FILE_TEXT_HASH
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.orientation import SHARE_CONSENT_TEXT_HASH

# Bookkeeping, never exported: row ids, the office, the edit counter, the links to the parent
# row that the export's nesting shows. Only foreign keys and these may be left out.
BOOKKEEPING = {
    "id",
    "office_id",
    "version",
    "visitor_id",
    "visit_id",
    "demand_id",
    "merged_into_id",
}
# Where each table's rows are in the export.
SECTIONS = {
    "visitor": lambda data: [data["identity"], *data["merged_identities"]],
    "visitor_search_token": lambda data: data["search_tokens"],
    "consent": lambda data: data["consents"],
    "visit": lambda data: data["visits"],
    "visit_event": lambda data: [e for v in data["visits"] for e in v["events"]],
    "demand": lambda data: [d for v in data["visits"] for d in v["demands"]],
    "relay": lambda data: [r for v in data["visits"] for d in v["demands"] for r in d["relays"]],
    "appointment": lambda data: data["appointments"],
    "audit_entry": lambda data: data["journal"],
    "document_file": lambda data: data["documents"],
}


def person_tables() -> list[Table]:
    """Every table holding data about a person: the visitor's, every table that refers to one
    of them (transitively), and the journal (which names its rows by entity and id)."""
    tables = Base.metadata.tables
    found = {"visitor", "audit_entry"}
    grown = True
    while grown:
        grown = False
        for name, table in tables.items():
            if name in found:
                continue
            refers = {fk.column.table.name for fk in table.foreign_keys}
            parents = {
                fk.column.table.name
                for column in table.columns
                if column.key in BOOKKEEPING
                for fk in column.foreign_keys
            }
            if refers & found and parents & found:
                found.add(name)
                grown = True
    return [tables[name] for name in sorted(found)]


def expected_key(column_key: str, is_reference: bool) -> str:
    """A reference is exported by what it names, under its name without _id / _code."""
    if is_reference:
        for suffix in ("_id", "_code"):
            if column_key.endswith(suffix):
                return column_key[: -len(suffix)]
    return column_key


def as_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return json.loads(json.dumps(value))


def one_of_everything(database: Database, office: OfficeInfo, clock: FixedClock) -> int:
    """A person with every kind of row about them, every column filled."""
    now = clock.now()
    at = [now + timedelta(minutes=m) for m in range(12)]
    with database.write() as session:
        motif = session.scalars(select(Motif).order_by(Motif.id)).first()
        register = session.scalars(select(Register)).first()
        assert motif is not None and register is not None
        partner = Partner(office_id=office.id, code="caf-x", name="CAF du Test", source="local")
        desk_in = Desk(office_id=office.id, name="Accueil 9")
        desk_box = Desk(office_id=office.id, name="Box 4")
        greeter = Staff(office_id=office.id, display_name="Inès Accueil", role=Role.RECEPTION)
        mediator = Staff(office_id=office.id, display_name="Karim Médiateur", role=Role.MEDIATOR)
        session.add_all([partner, desk_in, desk_box, greeter, mediator])
        session.flush()
        person = Visitor(
            office_id=office.id,
            first_name="Yolaine",
            last_name="Quenouille",
            phone="+33612345678",
            email="yolaine@example.fr",
            birth_year=1971,
            language="breton",
            needs=["hearing"],
            commune="Plouzané",
            search_key="quenouille yolaine",
            phone_digits="0612345678",
            created_at=at[0],
            last_activity_at=at[11],
        )
        session.add(person)
        session.flush()
        older = Visitor(
            office_id=office.id,
            first_name="Yolène",
            last_name="Quenouile",
            phone="+33698765432",
            email="yq@example.org",
            birth_year=1971,
            language="français",
            needs=["sight"],
            commune="Brest",
            search_key="quenouile yolene",
            phone_digits="0698765432",
            created_at=at[0] - timedelta(days=400),
            last_activity_at=at[0] - timedelta(days=300),
            anonymised_at=at[1],
            merged_into_id=person.id,
        )
        session.add(older)
        session.flush()
        index_visitor(session, person.id)
        keep = Consent(
            office_id=office.id,
            visitor_id=person.id,
            scope="keep_file",
            given_at=at[0],
            staff_id=greeter.id,
            text_version_hash=KEEP_FILE_TEXT_HASH,
            withdrawn_at=at[10],
        )
        share = Consent(
            office_id=office.id,
            visitor_id=person.id,
            scope="share_with_partner",
            given_at=at[5],
            staff_id=mediator.id,
            text_version_hash=SHARE_CONSENT_TEXT_HASH,
            withdrawn_at=at[9],
        )
        session.add_all([keep, share])
        session.flush()
        appointment = Appointment(
            office_id=office.id,
            visitor_id=person.id,
            staff_id=mediator.id,
            partner_id=partner.id,
            motif_id=motif.id,
            starts_at=at[1],
            duration_minutes=45,
            place="Salle 2",
            status="arrived",
            created_at=at[0] - timedelta(days=7),
        )
        session.add(appointment)
        session.flush()
        visit = Visit(
            office_id=office.id,
            day=office.local_day(now),
            ticket_number=3,
            ticket_code="R-003",
            visitor_id=person.id,
            appointment_id=appointment.id,
            age_band="45_64",
            gender="female",
            commune="Plouzané",
            source="appointment",
            priority="appointment",
            needs=["interpreter"],
            interpreter_language="breton",
            first_motif_id=motif.id,
            status="done",
            desk_id=desk_box.id,
            staff_id=mediator.id,
            arrived_at=at[1],
            called_at=at[2],
            started_at=at[3],
            finished_at=at[8],
            waited_seconds=60.0,
            listened_seconds=300.0,
        )
        session.add(visit)
        session.flush()
        trail = [  # arrived, called, started, transferred to the box, called, started, done
            (at[1], greeter, desk_in, None, "waiting"),
            (at[2], greeter, desk_in, "waiting", "called"),
            (at[3], greeter, desk_in, "called", "in_progress"),
            (at[4], greeter, desk_in, "in_progress", "waiting"),
            (at[5], mediator, desk_box, "waiting", "called"),
            (at[6], mediator, desk_box, "called", "in_progress"),
            (at[8], mediator, desk_box, "in_progress", "done"),
        ]
        session.add_all(
            VisitEvent(
                office_id=office.id,
                visit_id=visit.id,
                at=when,
                staff_id=who.id,
                desk_id=where.id,
                from_status=before,
                to_status=after,
            )
            for when, who, where, before, after in trail
        )
        demand = Demand(
            office_id=office.id,
            visit_id=visit.id,
            position=1,
            motif_id=motif.id,
            partner_id=partner.id,
            register_code=register.code,
            level="accompany",
            outcome="relay",
            appointment_id=appointment.id,
            note="Dossier de prime d'activité à compléter",
            created_at=at[6],
            day=visit.day,
        )
        session.add(demand)
        session.flush()
        relay = Relay(
            office_id=office.id,
            demand_id=demand.id,
            partner_id=partner.id,
            mode="email",
            contact="conseillere@caf.example",
            reason="Rappel de la situation",
            shared_details="Numéro allocataire 1234567",
            share_consent_id=share.id,
            sent_at=at[7],
            follow_up_on=visit.day + timedelta(days=10),
            status="refused",
            refusal_reason="not_eligible",
            closed_at=at[11],
            day=visit.day,
        )
        session.add(relay)
        session.flush()
        for entity, entity_id in (
            ("visitor", person.id),
            ("relay", relay.id),
            ("visit", visit.id),
            ("demand", demand.id),
            ("appointment", appointment.id),
            ("consent", share.id),
        ):
            session.add(
                AuditEntry(
                    at=at[9],
                    office_id=office.id,
                    staff_id=mediator.id,
                    desk_id=desk_box.id,
                    action="file_opened",
                    entity=entity,
                    entity_id=entity_id,
                    detail={"via": "desk", "count": 1},
                )
            )
        session.add(
            DocumentFile(
                office_id=office.id,
                visitor_id=person.id,
                kind="referral_slip",
                host="desk-1",
                path=f"/documents/fiche-de-liaison-{relay.id}.pdf",
                created_at=at[8],
            )
        )
        return person.id


def rows_about(session: Session, table: Table, data: dict[str, Any]) -> list[Any]:
    """The rows of ``table`` about the person (the database holds no one else)."""
    rows = list(session.execute(select(table)).mappings())
    if table.name == "audit_entry":  # less the export's own entry, written after it
        rows = [row for row in rows if row["action"] != "export"]
    if table.name == "document_file":  # less the export's own files, listed after it
        rows = [row for row in rows if row["kind"] != "access_export"]
    if table.name == "visitor":
        assert len(rows) == 2
    return rows


def test_every_column_of_every_row_about_the_person_is_exported(
    database: Database, office: OfficeInfo, clock: FixedClock, tmp_path: Path
) -> None:
    visitor_id = one_of_everything(database, office, clock)
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    files = RightsService(database, clock, office).export(visitor_id, actor, tmp_path)
    data = json.loads(files.machine.read_text(encoding="utf-8"))

    tables = person_tables()
    assert {table.name for table in tables} == set(SECTIONS), "a table about people is not exported"
    missing: list[str] = []
    with database.read() as session:
        for table in tables:
            section = SECTIONS[table.name](data)
            rows = rows_about(session, table, data)
            assert rows and len(section) >= len(rows), table.name
            for column in table.columns:
                if column.key in BOOKKEEPING:
                    continue
                reference = bool(column.foreign_keys)
                key = expected_key(column.key, reference)
                exported = [item.get(key, KeyError) for item in section]
                values = [row[column.key] for row in rows if row[column.key] is not None]
                if not values:
                    missing.append(f"{table.name}.{column.key} is empty in the test data")
                elif KeyError in exported:
                    missing.append(f"{table.name}.{column.key} (as {key!r})")
                elif reference and None in exported:
                    missing.append(f"{table.name}.{column.key}: the reference is not named")
                elif not reference:
                    missing += [
                        f"{table.name}.{column.key} = {value!r} not in {exported!r}"
                        for value in values
                        if as_json(value) not in exported
                    ]
    assert missing == []


def test_the_event_trail_says_who_called_started_transferred_and_finished(
    database: Database, office: OfficeInfo, clock: FixedClock, tmp_path: Path
) -> None:
    visitor_id = one_of_everything(database, office, clock)
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    data = RightsService(database, clock, office).export_data(visitor_id, actor)
    (visit,) = data["visits"]
    trail = [(e["to_status"], e["staff"], e["desk"]) for e in visit["events"]]
    assert trail == [
        ("waiting", "Inès Accueil", "Accueil 9"),
        ("called", "Inès Accueil", "Accueil 9"),
        ("in_progress", "Inès Accueil", "Accueil 9"),
        ("waiting", "Inès Accueil", "Accueil 9"),  # sent on to the box
        ("called", "Karim Médiateur", "Box 4"),
        ("in_progress", "Karim Médiateur", "Box 4"),
        ("done", "Karim Médiateur", "Box 4"),
    ]
    assert visit["started_at"] and visit["waited_seconds"] == 60.0
    readable = RightsService(database, clock, office).export(visitor_id, actor, tmp_path)
    text = readable.readable.read_text(encoding="utf-8")
    # The readable file says each step in words (not the stored ``in_progress``).
    assert text.count("Karim Médiateur · Box 4") >= 3
    assert "prise en charge au guichet — Inès Accueil" in text
    assert visit["first_motif"] and visit["appointment"] == data["appointments"][0]["id"]
    # Nothing about other people: no other visitor, no colleague's PIN or role.
    text = json.dumps(data)
    assert "pin_hash" not in text and "failed_attempts" not in text
