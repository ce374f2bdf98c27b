"""A right-of-access export rendered for a reader (text, PDF) and for a machine (JSON).

It takes the plain data of :func:`pimms_tui.domain.personal_data.personal_data` and never
reads the database. What was stored stays recoverable: hidden characters (controls, bidi
overrides, separators) are written as visible escapes (:func:`pimms_tui.text.escaped`), so a
name holding ``ESC [31m`` cannot colour a terminal or reorder the lines when the file is shown.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pimms_tui.text import escaped, is_hidden

from .files import write_private
from .pdf import render_pdf
from .slips import SlipContent

EXPORT_TITLE = "Données conservées sur une personne (droit d’accès)"
EXPORT_FORMATS = ("text", "pdf")


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
        for event in visit.get("events", []):
            by = " · ".join(v for v in (event["staff"], event["desk"]) if v) or "—"
            lines.append((f"  Étape {event['at']}", f"{event['to_status']} — {by}"))
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
    out = [EXPORT_TITLE, ""]
    out += [f"{escaped(title)} : {escaped(value)}" for title, value in export_lines(data)]
    out += ["", f"Exporté le {data['exported_at']}", ""]
    return "\n".join(out)


def export_json(data: dict[str, Any]) -> str:
    """The machine-readable export; C1 controls and bidi overrides escaped as JSON allows."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # json escapes C0 controls itself; what remains can only sit inside strings.
    return "".join(f"\\u{ord(c):04x}" if c != "\n" and is_hidden(c) else c for c in text)


def export_pdf(data: dict[str, Any], *, created_at: datetime | None = None) -> bytes:
    """The readable export as a PDF."""
    content = SlipContent(
        title=EXPORT_TITLE,
        lines=tuple(export_lines(data)),
        footer=(f"Exporté le {data['exported_at']}",),
    )
    return render_pdf(content, created_at=created_at)


def write_export(
    data: dict[str, Any], folder: Path, stem: str, *, fmt: str, created_at: datetime
) -> tuple[Path, Path]:
    """Write the readable (``fmt``: text or PDF) and the JSON export, each 0600; their paths."""
    machine = write_private(folder / f"{stem}.json", export_json(data))
    if fmt == "pdf":
        readable = write_private(folder / f"{stem}.pdf", export_pdf(data, created_at=created_at))
    else:
        readable = write_private(folder / f"{stem}.txt", export_text(data))
    return readable, machine
