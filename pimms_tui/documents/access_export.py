"""A right-of-access export rendered for a reader (text, PDF) and for a machine (JSON).

It takes the plain data of :func:`pimms_tui.domain.personal_data.personal_data` and never
reads the database. What was stored stays recoverable: hidden characters (controls, bidi
overrides, separators) are written as visible escapes (:func:`pimms_tui.text.escaped`), so a
name holding ``ESC [31m`` cannot colour a terminal or reorder the lines when the file is shown.

The JSON is the exact data. The text and the PDF are for the person it is about: every stored
code said in words, instants in the office's time zone to the minute, in the person's language
when it is French or English (:mod:`.access_reader`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pimms_tui.i18n import N_
from pimms_tui.labels import (
    ACCESS_JOURNAL_LABELS,
    APPOINTMENT_STATUS_LABELS,
    CONSENT_SCOPE_LABELS,
    DOCUMENT_KIND_LABELS,
    LEVEL_LABELS,
    NEED_LABELS,
    OUTCOME_LABELS,
    PRIORITY_LABELS,
    REFUSAL_REASON_LABELS,
    RELAY_MODE_LABELS,
    RELAY_STATUS_LABELS,
    VISIT_OUTCOME_LABELS,
    VISIT_STEP_LABELS,
)
from pimms_tui.text import escaped, is_hidden

from .access_reader import Reader, reader_language
from .files import write_private
from .pdf import render_pdf
from .slips import SlipContent

EXPORT_TITLE = N_("Data held about a person (right of access)")
EXPORT_FORMATS = ("text", "pdf")
# The file's name starts with this word, in the reader's language ("acces-000123-…").
_FILE_WORD = {"fr": "acces", "en": "access"}

_IDENTITY_LABELS = (
    ("first_name", N_("First name")),
    ("last_name", N_("Last name")),
    ("phone", N_("Phone")),
    ("email", N_("E-mail")),
    ("birth_year", N_("Year of birth")),
    ("commune", N_("Commune")),
)


def export_lines(data: dict[str, Any], reader: Reader | None = None) -> list[tuple[str, str]]:
    """The export as labelled lines for the person it is about: every code said in words,
    every instant local and to the minute, in the reader's language."""
    r = reader or Reader(reader_language(data))
    lines: list[tuple[str, str]] = [(r.t(N_("File number")), str(data["visitor_id"]))]
    merged = data.get("merged_files") or []
    if merged:
        lines.append((r.t(N_("Files merged into this one")), ", ".join(f"n° {m}" for m in merged)))
    if data.get("anonymised_at"):
        lines.append((r.t(N_("Made anonymous on")), r.when(data["anonymised_at"])))
    identity = data["identity"]
    for key, title in _IDENTITY_LABELS:
        if identity.get(key) not in (None, ""):
            lines.append((r.t(title), str(identity[key])))
    if identity.get("language"):
        lines.append((r.t(N_("Language")), r.language_name(identity["language"])))
    if identity.get("needs"):
        lines.append(
            (r.t(N_("Needs")), ", ".join(r.word(NEED_LABELS, n) for n in identity["needs"]))
        )
    lines.append((r.t(N_("File created on")), r.when(data.get("created_at"))))
    for consent in data.get("consents", []):
        lines.append(_consent(r, consent))
    for visit in data.get("visits", []):
        lines += _visit(r, visit)
    for appointment in data.get("appointments", []):
        value = _joined(
            appointment.get("with"),
            r.motif(appointment.get("motif")),
            appointment.get("place"),
            r.word(APPOINTMENT_STATUS_LABELS, appointment.get("status")),
        )
        lines.append(
            (r.t(N_("Appointment on {when}"), when=r.when(appointment["starts_at"])), value)
        )
    for entry in data.get("journal", []):
        who = _joined(entry.get("staff"), entry.get("desk"))
        action = r.word(ACCESS_JOURNAL_LABELS, entry.get("action"))
        when = r.t(N_("Journal, {when}"), when=r.when(entry["at"]))
        lines.append((when, f"{action} — {who}" if who else action))
    for document in data.get("documents", []):
        lines.append(
            (
                r.t(N_("Document of {when}"), when=r.when(document["created_at"])),
                r.word(DOCUMENT_KIND_LABELS, document.get("kind")),
            )
        )
    return lines


def _joined(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def _consent(r: Reader, consent: dict[str, Any]) -> tuple[str, str]:
    scope = r.word(CONSENT_SCOPE_LABELS, consent.get("scope"))
    value = scope + ", " + r.t(N_("given on {when}"), when=r.when(consent.get("given_at")))
    if consent.get("recorded_by"):
        value += ", " + r.t(N_("recorded by {name}"), name=consent["recorded_by"])
    if consent.get("withdrawn_at"):
        value += ", " + r.t(N_("withdrawn on {when}"), when=r.when(consent["withdrawn_at"]))
    version = str(consent.get("text_version_hash") or "")[:12]
    if version:
        value += " " + r.t(N_("(text version {version})"), version=version)
    return r.t(N_("Consent")), value


def _visit(r: Reader, visit: dict[str, Any]) -> list[tuple[str, str]]:
    needs = [r.word(NEED_LABELS, n) for n in visit.get("needs") or [] if n != "interpreter"]
    if visit.get("interpreter_language"):
        language = r.language_name(visit["interpreter_language"])
        needs.append(r.t(N_("interpreter ({language})"), language=language))
    elif "interpreter" in (visit.get("needs") or []):
        needs.append(r.word(NEED_LABELS, "interpreter"))
    value = _joined(
        r.word(VISIT_OUTCOME_LABELS, visit.get("status")),
        visit.get("desk"),
        visit.get("staff"),
        r.word(PRIORITY_LABELS, visit.get("priority")),
        ", ".join(needs),
    )
    title = r.t(
        N_("Visit on {day} (ticket {ticket})"), day=r.day(visit["day"]), ticket=visit["ticket"]
    )
    lines = [(title, value)]
    for event in visit.get("events", []):
        by = _joined(event.get("staff"), event.get("desk")) or "—"
        step = "arrived" if event.get("from_status") is None else event.get("to_status")
        lines.append((f"  {r.time(event['at'])}", f"{r.word(VISIT_STEP_LABELS, step)} — {by}"))
    for demand in visit.get("demands", []):
        value = _joined(r.motif(demand.get("motif")), demand.get("partner"))
        value += f" → {r.word(OUTCOME_LABELS, demand.get('outcome')) or '—'}"
        if demand.get("level"):
            value += f" ({r.word(LEVEL_LABELS, demand['level'])})"
        if demand.get("note"):
            value += " · " + r.t(N_("note: {note}"), note=demand["note"])
        lines.append(("  " + r.t(N_("Request")), value))
        for relay in demand.get("relays", []):
            lines.append(("  " + r.t(N_("Referral to a partner")), _relay(r, relay)))
    return lines


def _relay(r: Reader, relay: dict[str, Any]) -> str:
    parts = [
        relay.get("partner"),
        r.word(RELAY_MODE_LABELS, relay.get("mode")),
        r.t(N_("sent on {when}"), when=r.when(relay["sent_at"])) if relay.get("sent_at") else None,
        r.word(RELAY_STATUS_LABELS, relay.get("status")),
        r.word(REFUSAL_REASON_LABELS, relay.get("refusal_reason")),
    ]
    parts += [relay.get(k) for k in ("contact", "reason", "shared_details")]
    if relay.get("follow_up_on") and not relay.get("closed_at"):
        parts.append(r.t(N_("news expected by {day}"), day=r.day(relay["follow_up_on"])))
    if relay.get("closed_at"):
        parts.append(r.t(N_("closed on {when}"), when=r.when(relay["closed_at"])))
    return _joined(*parts)


def export_text(data: dict[str, Any], reader: Reader | None = None) -> str:
    """The readable export as plain text."""
    r = reader or Reader(reader_language(data))
    out = [r.t(EXPORT_TITLE), ""]
    out += [
        r.t(N_("{label}: {value}"), label=escaped(title), value=escaped(value))
        for title, value in export_lines(data, r)
    ]
    out += ["", r.t(N_("Exported on {when}"), when=r.when(data.get("exported_at"))), ""]
    return "\n".join(out)


def export_json(data: dict[str, Any]) -> str:
    """The machine-readable export; C1 controls and bidi overrides escaped as JSON allows."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # json escapes C0 controls itself; what remains can only sit inside strings.
    return "".join(f"\\u{ord(c):04x}" if c != "\n" and is_hidden(c) else c for c in text)


def export_pdf(
    data: dict[str, Any], *, created_at: datetime | None = None, reader: Reader | None = None
) -> bytes:
    """The readable export as a PDF."""
    r = reader or Reader(reader_language(data))
    content = SlipContent(
        title=r.t(EXPORT_TITLE),
        lines=tuple(export_lines(data, r)),
        footer=(r.t(N_("Exported on {when}"), when=r.when(data.get("exported_at"))),),
    )
    return render_pdf(content, created_at=created_at)


def export_stem(data: dict[str, Any], folder: Path, reader: Reader, created_at: datetime) -> str:
    """The files' name without extension: a word in the reader's language, the file number and
    the local time (``acces-000123-2026-12-07-1032``); a number added if it is taken."""
    stem = f"{_FILE_WORD[reader.language]}-{int(data['visitor_id']):06d}-"
    stem += reader.file_time(created_at)
    taken = {p.stem for p in folder.glob(f"{stem}*")} if folder.is_dir() else set()
    found, number = stem, 1
    while found in taken:
        number += 1
        found = f"{stem}-{number}"
    return found


def write_export(
    data: dict[str, Any],
    folder: Path,
    *,
    fmt: str,
    created_at: datetime,
    timezone: str = "Europe/Paris",
    motifs: Mapping[str, str] | None = None,
) -> tuple[Path, Path]:
    """Write the readable (``fmt``: text or PDF) and the JSON export, each 0600; their paths.

    The readable file is in the person's language (:func:`reader_language`), its times in the
    office's ``timezone``, its reasons for coming in English from ``motifs`` (English label by
    French label) for an English reader; both files are named by :func:`export_stem`.
    """
    reader = Reader(reader_language(data), timezone, motifs)
    stem = export_stem(data, folder, reader, created_at)
    machine = write_private(folder / f"{stem}.json", export_json(data))
    if fmt == "pdf":
        pdf = export_pdf(data, created_at=created_at, reader=reader)
        readable = write_private(folder / f"{stem}.pdf", pdf)
    else:
        readable = write_private(folder / f"{stem}.txt", export_text(data, reader))
    return readable, machine
