"""The visitor's rights and the office's retention: withdrawal, erasure, access, purge.

Erasing a file (the visitor withdraws consent, asks for erasure, or the retention period
passed) empties its identity, contact and every free text written about the person (demand
notes; a relay's contact, reason and shared details) in one transaction, and leaves the rows
that statistics count: visits, demands, motifs, outcomes, relays and appointments stay, tied
to a file that no longer says who it was. Files merged into it are erased with it.

The journal (:mod:`.audit`) is never touched: its entries hold ids and counts, no name.
"""

from __future__ import annotations

import calendar
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope
from pimms_tui.db.models import (
    Appointment,
    AuditEntry,
    Consent,
    Demand,
    Desk,
    Motif,
    Office,
    Partner,
    Relay,
    Staff,
    Visit,
    Visitor,
)

from . import audit
from .access import Permission, require
from .actors import Actor
from .clock import Clock
from .consent import KEEP_FILE_TEXT_FR, KEEP_FILE_TEXT_HASH
from .errors import DomainError, NotFound, PermissionDenied
from .messages import N_
from .offices import OfficeInfo
from .search_index import forget_visitors

FILE_UNKNOWN = N_("This visitor file does not exist.")
ALREADY_ERASED = N_("This file is already anonymised: there is nothing left to erase.")
NO_CONSENT_TO_WITHDRAW = N_("There is no consent to withdraw on this file.")
OTHER_OFFICE = N_("This desk belongs to another office.")
MERGED_FILE = N_("This file was merged into another one: act on that one.")
EXPORT_FORMAT_UNKNOWN = N_("Unknown export format: {format}.")

# A purge erases this many files per transaction (each a few set-based statements): desks
# wait a fraction of a second at most on SQLite, and the IN lists stay far below the limits.
PURGE_BATCH = 2000
EXPORT_FORMATS = ("text", "pdf")
# Joiners shape emoji and some scripts: kept as they are in exports.
_KEPT = {"\u200c", "\u200d"}


# --- Values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure emptied: files (the one asked for and those merged into it), texts."""

    visitors: int
    notes: int
    relays: int
    consents: int


@dataclass(frozen=True)
class PurgeReport:
    """What a purge did (or would do, on a dry run)."""

    dry_run: bool
    visitors: int
    relays: int
    visitor_cutoff: datetime
    relay_cutoff: datetime
    visitor_ids: tuple[int, ...] = ()

    @property
    def nothing(self) -> bool:
        """Whether there was nothing to purge."""
        return not (self.visitors or self.relays)


@dataclass(frozen=True)
class ExportFiles:
    """Where a right-of-access export was written."""

    readable: Path
    machine: Path


# --- Dates -------------------------------------------------------------------------------------


def months_before(instant: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st → the month's last)."""
    month_index = instant.year * 12 + instant.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(instant.day, calendar.monthrange(year, month + 1)[1])
    return instant.replace(year=year, month=month + 1, day=day)


# --- Erasing -----------------------------------------------------------------------------------


def _with_merged(session: Session, visitor_ids: Sequence[int]) -> list[int]:
    """The files asked for, and every file merged into them (a chain is followed)."""
    found = list(dict.fromkeys(visitor_ids))
    frontier = list(found)
    while frontier:
        merged = [
            row
            for row in session.scalars(
                select(Visitor.id).where(Visitor.merged_into_id.in_(frontier))
            )
            if row not in found
        ]
        found.extend(merged)
        frontier = merged
    return found


def erase_files(session: Session, visitor_ids: Sequence[int], now: datetime) -> ErasureReport:
    """Empty the identity, contact and free texts of these files; anonymous counts stay.

    Set-based: a handful of statements whatever the number of files. Consents still active
    are marked withdrawn (the consent rows themselves hold no personal data).
    """
    ids = _with_merged(session, visitor_ids)
    if not ids:
        return ErasureReport(0, 0, 0, 0)
    visitors = session.execute(
        update(Visitor)
        .where(Visitor.id.in_(ids), Visitor.anonymised_at.is_(None))
        .values(
            first_name=None,
            last_name=None,
            phone=None,
            email=None,
            birth_year=None,
            language=None,
            needs=[],
            commune=None,
            search_key="",
            phone_digits=None,
            anonymised_at=now,
            version=Visitor.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    forget_visitors(session, ids)
    # Read as a list: an IN of ids is an index look-up on both engines, where PostgreSQL
    # may plan the sub-select as a scan of every demand.
    their_demands = list(
        session.scalars(
            select(Demand.id)
            .join(Visit, Visit.id == Demand.visit_id)
            .where(Visit.visitor_id.in_(ids))
        )
    )
    notes = session.execute(
        update(Demand)
        .where(Demand.id.in_(their_demands), Demand.note.is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    relays = session.execute(
        update(Relay)
        .where(
            Relay.demand_id.in_(their_demands),
            or_(
                Relay.contact.is_not(None),
                Relay.reason.is_not(None),
                Relay.shared_details.is_not(None),
            ),
        )
        .values(contact=None, reason=None, shared_details=None)
        .execution_options(synchronize_session=False)
    )
    consents = session.execute(
        update(Consent)
        .where(Consent.visitor_id.in_(ids), Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    return ErasureReport(
        visitors=_count(visitors),
        notes=_count(notes),
        relays=_count(relays),
        consents=_count(consents),
    )


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- Service -----------------------------------------------------------------------------------


class RightsService:
    """Withdrawal, erasure, right of access and the retention purge, for one office."""

    def __init__(self, database: Database, clock: Clock, office: OfficeInfo) -> None:
        self.database = database
        self.clock = clock
        self.office = office

    def _check_office(self, actor: Actor) -> None:
        if actor.office_id != self.office.id:
            raise PermissionDenied(OTHER_OFFICE)

    def _visitor(self, session: Session, visitor_id: int, *, lock: bool = False) -> Visitor:
        query = select(Visitor).where(Visitor.id == visitor_id, Visitor.office_id == self.office.id)
        if lock:
            query = query.with_for_update()
        visitor = session.scalars(query).one_or_none()
        if visitor is None:
            raise NotFound(FILE_UNKNOWN)
        return visitor

    # Withdrawal and erasure -----------------------------------------------------------------

    def withdraw_consent(self, visitor_id: int, actor: Actor) -> ErasureReport:
        """The visitor withdraws consent to keep the file: it is erased, counts stay."""
        self._check_office(actor)
        require(actor, Permission.FILES)
        with self.database.write() as session:
            self._erasable(session, visitor_id)
            active = session.scalar(
                select(Consent.id)
                .where(
                    Consent.visitor_id == visitor_id,
                    Consent.scope == ConsentScope.KEEP_FILE.value,
                    Consent.withdrawn_at.is_(None),
                )
                .limit(1)
            )
            if active is None:
                raise DomainError(NO_CONSENT_TO_WITHDRAW)
            return self._erase_and_record(
                session,
                visitor_id,
                actor,
                audit.Action.CONSENT_WITHDRAWN,
                scope=ConsentScope.KEEP_FILE.value,
            )

    def erase(self, visitor_id: int, actor: Actor, *, via: str = "desk") -> ErasureReport:
        """Erase the file on the visitor's request (manager only); audited."""
        self._check_office(actor)
        require(actor, Permission.ERASE)
        with self.database.write() as session:
            self._erasable(session, visitor_id)
            return self._erase_and_record(session, visitor_id, actor, audit.Action.ERASURE, via=via)

    def _erasable(self, session: Session, visitor_id: int) -> Visitor:
        """The file, locked, refused if it was erased already or merged into another."""
        visitor = self._visitor(session, visitor_id, lock=True)
        if visitor.anonymised_at is not None:
            raise DomainError(ALREADY_ERASED)
        if visitor.merged_into_id is not None:
            raise DomainError(MERGED_FILE)
        return visitor

    def _erase_and_record(
        self,
        session: Session,
        visitor_id: int,
        actor: Actor,
        action: str,
        **details: Any,
    ) -> ErasureReport:
        """Erase the file (and those merged into it) and journal it with what was erased."""
        now = self.clock.now()
        report = erase_files(session, [visitor_id], now)
        audit.record(
            session,
            actor,
            action,
            at=now,
            entity="visitor",
            entity_id=visitor_id,
            office_id=self.office.id,
            **details,
            **_counts(report),
        )
        return report

    # Retention ------------------------------------------------------------------------------

    def purge(self, actor: Actor, *, dry_run: bool = False, via: str = "cli") -> PurgeReport:
        """Anonymise files inactive past the retention period; strip old closed relays.

        A file is inactive when its last activity and every appointment it has are older
        than the cut-off. Idempotent: a second run finds nothing. Audited, and the office's
        last purge date set, unless ``dry_run``.

        The work is committed :data:`PURGE_BATCH` files at a time, each batch with its own
        journal entry, so that desks never wait long for the database (a first purge of a
        large backlog takes seconds); each batch checks its files are still inactive.
        """
        self._check_office(actor)
        require(actor, Permission.PURGE)
        now = self.clock.now()
        with self.database.read() as session:
            office = session.get(Office, self.office.id)
            assert office is not None
            visitor_cutoff = months_before(now, office.retention_months)
            relay_cutoff = months_before(now, office.relay_retention_months)
            candidates = list(
                session.scalars(
                    select(Visitor.id).where(*self._inactive(visitor_cutoff)).order_by(Visitor.id)
                )
            )
            old_relays = and_(
                Relay.office_id == self.office.id,
                Relay.closed_at.is_not(None),
                Relay.closed_at < relay_cutoff,
                or_(
                    Relay.contact.is_not(None),
                    Relay.reason.is_not(None),
                    Relay.shared_details.is_not(None),
                ),
            )
            if dry_run:
                relay_count = len(list(session.scalars(select(Relay.id).where(old_relays))))
                return PurgeReport(
                    True,
                    len(candidates),
                    relay_count,
                    visitor_cutoff,
                    relay_cutoff,
                    tuple(candidates),
                )
        batches = [
            candidates[start : start + PURGE_BATCH]
            for start in range(0, len(candidates), PURGE_BATCH)
        ] or [[]]
        erased = relays = 0
        purged: list[int] = []
        for index, batch in enumerate(batches):
            with self.database.write() as session:
                # Old closed relays first, so that the count matches the dry run's (an
                # erased file's relays are emptied with it, whatever their age).
                batch_relays = 0
                if index == 0:
                    batch_relays = _count(
                        session.execute(
                            update(Relay)
                            .where(old_relays)
                            .values(contact=None, reason=None, shared_details=None)
                            .execution_options(synchronize_session=False)
                        )
                    )
                still = list(
                    session.scalars(
                        select(Visitor.id).where(
                            Visitor.id.in_(batch), *self._inactive(visitor_cutoff)
                        )
                    )
                    if batch
                    else []
                )
                batch_erased = erase_files(session, still, now).visitors if still else 0
                if index == len(batches) - 1:
                    session.execute(
                        update(Office).where(Office.id == self.office.id).values(last_purge_at=now)
                    )
                audit.record(
                    session,
                    actor,
                    audit.Action.PURGE,
                    at=now,
                    entity="office",
                    entity_id=self.office.id,
                    office_id=self.office.id,
                    via=via,
                    visitors=batch_erased,
                    relays=batch_relays,
                    batch=index + 1,
                    batches=len(batches),
                    visitor_cutoff=visitor_cutoff.isoformat(),
                    relay_cutoff=relay_cutoff.isoformat(),
                )
            erased += batch_erased
            relays += batch_relays
            purged.extend(still)
        return PurgeReport(False, erased, relays, visitor_cutoff, relay_cutoff, tuple(purged))

    def _inactive(self, cutoff: datetime) -> list[ColumnElement[bool]]:
        """The office's named files not seen since ``cutoff``, with no appointment after it."""
        future = exists().where(
            Appointment.visitor_id == Visitor.id, Appointment.starts_at >= cutoff
        )
        return [
            Visitor.office_id == self.office.id,
            Visitor.anonymised_at.is_(None),
            Visitor.merged_into_id.is_(None),
            Visitor.last_activity_at < cutoff,
            ~future,
        ]

    # Right of access ------------------------------------------------------------------------

    def export_data(self, visitor_id: int, actor: Actor, *, via: str = "desk") -> dict[str, Any]:
        """Everything held on the person, as plain JSON-ready data; the export is audited."""
        self._check_office(actor)
        require(actor, Permission.EXPORT)
        now = self.clock.now()
        with self.database.write() as session:
            visitor = self._visitor(session, visitor_id)
            data = _collect(session, visitor, now)
            audit.record(
                session,
                actor,
                audit.Action.EXPORT,
                at=now,
                entity="visitor",
                entity_id=visitor_id,
                office_id=self.office.id,
                via=via,
            )
            return data

    def export(
        self,
        visitor_id: int,
        actor: Actor,
        folder: Path,
        *,
        fmt: str = "text",
        via: str = "desk",
    ) -> ExportFiles:
        """Write the readable (text or PDF) and the JSON export into ``folder``."""
        if fmt not in EXPORT_FORMATS:
            raise DomainError(EXPORT_FORMAT_UNKNOWN, format=fmt)
        data = self.export_data(visitor_id, actor, via=via)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
        stem = f"visitor-{visitor_id}-{stamp}"
        machine = folder / f"{stem}.json"
        machine.write_text(export_json(data), encoding="utf-8")
        if fmt == "pdf":
            from .slips import SlipContent, render_pdf

            readable = folder / f"{stem}.pdf"
            lines = tuple(export_lines(data))
            content = SlipContent(
                title="Données conservées sur une personne (droit d’accès)",
                lines=lines,
                footer=(f"Exporté le {data['exported_at']}",),
            )
            readable.write_bytes(render_pdf(content, created_at=self.clock.now()))
        else:
            readable = folder / f"{stem}.txt"
            readable.write_text(export_text(data), encoding="utf-8")
        return ExportFiles(readable=readable, machine=machine)


def _counts(report: ErasureReport) -> dict[str, int]:
    return {
        "files": report.visitors,
        "notes": report.notes,
        "relays": report.relays,
        "consents": report.consents,
    }


# --- What an export holds ----------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _collect(session: Session, visitor: Visitor, now: datetime) -> dict[str, Any]:
    """Identity, consents, visits with demands and relays, appointments, and the journal."""
    ids = _with_merged(session, [visitor.id])
    merged = [i for i in ids if i != visitor.id]
    identity = {
        "first_name": visitor.first_name,
        "last_name": visitor.last_name,
        "phone": visitor.phone,
        "email": visitor.email,
        "birth_year": visitor.birth_year,
        "commune": visitor.commune,
        "language": visitor.language,
        "needs": list(visitor.needs or []),
    }
    staff_name = aliased(Staff)
    consents = [
        {
            "scope": consent.scope,
            "given_at": _iso(consent.given_at),
            "recorded_by": name,
            "text_version_hash": consent.text_version_hash,
            "text_fr": KEEP_FILE_TEXT_FR
            if consent.text_version_hash == KEEP_FILE_TEXT_HASH
            else _share_text(consent.text_version_hash),
            "withdrawn_at": _iso(consent.withdrawn_at),
        }
        for consent, name in session.execute(
            select(Consent, staff_name.display_name)
            .outerjoin(staff_name, staff_name.id == Consent.staff_id)
            .where(Consent.visitor_id.in_(ids))
            .order_by(Consent.given_at, Consent.id)
        )
    ]
    visit_rows = session.execute(
        select(Visit, Desk.name, Staff.display_name)
        .outerjoin(Desk, Desk.id == Visit.desk_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .where(Visit.visitor_id.in_(ids))
        .order_by(Visit.arrived_at, Visit.id)
    ).all()
    visit_ids = [row[0].id for row in visit_rows]
    demand_rows = (
        session.execute(
            select(Demand, Motif.label_fr, Partner.name)
            .join(Motif, Motif.id == Demand.motif_id)
            .outerjoin(Partner, Partner.id == Demand.partner_id)
            .where(Demand.visit_id.in_(visit_ids))
            .order_by(Demand.visit_id, Demand.position)
        ).all()
        if visit_ids
        else []
    )
    demand_ids = [row[0].id for row in demand_rows]
    relay_rows = (
        session.execute(
            select(Relay, Partner.name)
            .join(Partner, Partner.id == Relay.partner_id)
            .where(Relay.demand_id.in_(demand_ids))
            .order_by(Relay.sent_at, Relay.id)
        ).all()
        if demand_ids
        else []
    )
    relays_by_demand: dict[int, list[dict[str, Any]]] = {}
    relay_ids: list[int] = []
    for relay, partner in relay_rows:
        relay_ids.append(relay.id)
        relays_by_demand.setdefault(relay.demand_id, []).append(
            {
                "id": relay.id,
                "partner": partner,
                "mode": relay.mode,
                "contact": relay.contact,
                "reason": relay.reason,
                "shared_details": relay.shared_details,
                "sent_at": _iso(relay.sent_at),
                "follow_up_on": _iso(relay.follow_up_on),
                "status": relay.status,
                "refusal_reason": relay.refusal_reason,
                "closed_at": _iso(relay.closed_at),
            }
        )
    demands_by_visit: dict[int, list[dict[str, Any]]] = {}
    for demand, motif, partner in demand_rows:
        demands_by_visit.setdefault(demand.visit_id, []).append(
            {
                "id": demand.id,
                "motif": motif,
                "partner": partner,
                "register": demand.register_code,
                "level": demand.level,
                "outcome": demand.outcome,
                "note": demand.note,
                "relays": relays_by_demand.get(demand.id, []),
            }
        )
    visits = [
        {
            "id": visit.id,
            "day": _iso(visit.day),
            "ticket": visit.ticket_code,
            "source": visit.source,
            "status": visit.status,
            "priority": visit.priority,
            "needs": list(visit.needs or []),
            "interpreter_language": visit.interpreter_language,
            "arrived_at": _iso(visit.arrived_at),
            "called_at": _iso(visit.called_at),
            "finished_at": _iso(visit.finished_at),
            "desk": desk,
            "staff": staff,
            "demands": demands_by_visit.get(visit.id, []),
        }
        for visit, desk, staff in visit_rows
    ]
    linked = select(Demand.appointment_id).where(
        Demand.id.in_(demand_ids or [-1]), Demand.appointment_id.is_not(None)
    )
    appointments = [
        {
            "id": appointment.id,
            "starts_at": _iso(appointment.starts_at),
            "duration_minutes": appointment.duration_minutes,
            "with": staff or partner,
            "motif": motif,
            "place": appointment.place,
            "status": appointment.status,
        }
        for appointment, staff, partner, motif in session.execute(
            select(Appointment, Staff.display_name, Partner.name, Motif.label_fr)
            .outerjoin(Staff, Staff.id == Appointment.staff_id)
            .outerjoin(Partner, Partner.id == Appointment.partner_id)
            .outerjoin(Motif, Motif.id == Appointment.motif_id)
            .where(or_(Appointment.visitor_id.in_(ids), Appointment.id.in_(linked)))
            .order_by(Appointment.starts_at, Appointment.id)
        )
    ]
    journal = [
        {
            "at": _iso(entry.at),
            "action": entry.action,
            "staff": staff,
            "desk": desk,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
        }
        for entry, staff, desk in session.execute(
            select(AuditEntry, Staff.display_name, Desk.name)
            .outerjoin(Staff, Staff.id == AuditEntry.staff_id)
            .outerjoin(Desk, Desk.id == AuditEntry.desk_id)
            .where(
                or_(
                    and_(AuditEntry.entity == "visitor", AuditEntry.entity_id.in_(ids)),
                    and_(AuditEntry.entity == "relay", AuditEntry.entity_id.in_(relay_ids or [-1])),
                )
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    ]
    return {
        "format": "pimms-visitor-export/1",
        "exported_at": _iso(now),
        "visitor_id": visitor.id,
        "merged_files": merged,
        "created_at": _iso(visitor.created_at),
        "last_activity_at": _iso(visitor.last_activity_at),
        "anonymised_at": _iso(visitor.anonymised_at),
        "identity": identity,
        "consents": consents,
        "visits": visits,
        "appointments": appointments,
        "journal": journal,
    }


def _share_text(text_hash: str) -> str | None:
    from .orientation import SHARE_CONSENT_TEXT_FR, SHARE_CONSENT_TEXT_HASH

    return SHARE_CONSENT_TEXT_FR if text_hash == SHARE_CONSENT_TEXT_HASH else None


_IDENTITY_LABELS = (
    ("first_name", "Prénom"),
    ("last_name", "Nom"),
    ("phone", "Téléphone"),
    ("email", "Courriel"),
    ("birth_year", "Année de naissance"),
    ("commune", "Commune"),
    ("language", "Langue"),
)


def export_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The export as labelled lines, in French (the office's public language), for a reader."""
    lines: list[tuple[str, str]] = [("Dossier n°", str(data["visitor_id"]))]
    if data["anonymised_at"]:
        lines.append(("Anonymisé le", data["anonymised_at"]))
    identity = data["identity"]
    for key, title in _IDENTITY_LABELS:
        if identity.get(key) not in (None, ""):
            lines.append((title, str(identity[key])))
    if identity.get("needs"):
        lines.append(("Besoins", ", ".join(identity["needs"])))
    lines.append(("Dossier ouvert le", str(data["created_at"])))
    for consent in data["consents"]:
        scope = "Conserver le dossier" if consent["scope"] == "keep_file" else "Partage partenaire"
        value = f"donné le {consent['given_at']}"
        if consent["recorded_by"]:
            value += f", enregistré par {consent['recorded_by']}"
        if consent["withdrawn_at"]:
            value += f", retiré le {consent['withdrawn_at']}"
        value += f" (version {consent['text_version_hash'][:12]})"
        lines.append((f"Consentement : {scope}", value))
    for visit in data["visits"]:
        who = " · ".join(v for v in (visit["desk"], visit["staff"]) if v)
        lines.append(
            (f"Visite du {visit['day']} ({visit['ticket']})", f"{visit['status']} {who}".strip())
        )
        for demand in visit["demands"]:
            value = demand["motif"]
            if demand["partner"]:
                value += f" · {demand['partner']}"
            value += f" → {demand['outcome'] or '—'}"
            if demand["note"]:
                value += f" · note : {demand['note']}"
            lines.append(("  Demande", value))
            for relay in demand["relays"]:
                parts = [relay["partner"], relay["mode"], relay["status"]]
                parts += [relay[k] for k in ("contact", "reason", "shared_details") if relay[k]]
                lines.append(("  Relais", " · ".join(parts)))
    for appointment in data["appointments"]:
        value = " · ".join(
            str(v) for v in (appointment["with"], appointment["motif"], appointment["status"]) if v
        )
        lines.append((f"Rendez-vous le {appointment['starts_at']}", value))
    for entry in data["journal"]:
        who = " · ".join(v for v in (entry["staff"], entry["desk"]) if v) or "—"
        lines.append((f"Journal {entry['at']}", f"{entry['action']} — {who}"))
    return lines


def export_text(data: dict[str, Any]) -> str:
    """The readable export as plain text."""
    out = ["Données conservées sur une personne (droit d’accès)", ""]
    out += [f"{visible(title)} : {visible(value)}" for title, value in export_lines(data)]
    out += ["", f"Exporté le {data['exported_at']}", ""]
    return "\n".join(out)


def visible(value: str) -> str:
    """Text as typed, with control, bidi and separator characters written as escapes.

    A name holding ``ESC [31m`` or a right-to-left override then reads as such in the file,
    and cannot colour a terminal or reorder the lines around it when the file is shown.
    """
    out: list[str] = []
    for char in value:
        if _hidden(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def export_json(data: dict[str, Any]) -> str:
    """The machine-readable export; C1 controls and bidi overrides escaped as JSON allows."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # json escapes C0 controls itself; what remains can only sit inside strings.
    return "".join(f"\\u{ord(c):04x}" if c != "\n" and _hidden(c) else c for c in text)


def _hidden(char: str) -> bool:
    """Whether a character would act on a terminal or the text around it rather than show."""
    category = unicodedata.category(char)
    return category in ("Cc", "Zl", "Zp", "Cs") or (category == "Cf" and char not in _KEPT)
