"""A journal entry as a sentence in the interface's language, and as readable lines in full.

Entries hold an action, ids and counts; the words come from here, at display time, so an
entry sealed in the journal's chain never changes and still reads in French or English.
Nothing is shown that the entry does not hold, except the names of staff members.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pimms_tui.domain.audit import Action
from pimms_tui.domain.journal import JournalEntry
from pimms_tui.domain.staff_journal import StaffAction
from pimms_tui.i18n import N_, _, format_date, format_datetime, ngettext
from pimms_tui.labels import REFUSAL_REASON_LABELS, RELAY_STATUS_LABELS, ROLE_LABELS, word

from .literal import clean

ACTION_LABELS: dict[str, str] = {
    Action.SIGN_IN: N_("signed in"),
    Action.SIGN_IN_FAILED: N_("failed sign-in"),
    Action.LOCKED_OUT: N_("locked out"),
    Action.FILE_OPENED: N_("file opened"),
    Action.FILE_EDITED: N_("file edited"),
    Action.EXPORT: N_("export"),
    Action.ERASURE: N_("erasure"),
    Action.MERGE: N_("merge"),
    Action.CONSENT_GIVEN: N_("consent given"),
    Action.CONSENT_WITHDRAWN: N_("consent withdrawn"),
    Action.PURGE: N_("purge"),
    Action.SETTINGS_CHANGED: N_("settings changed"),
    Action.RELAY_FOLLOWED_UP: N_("relay followed up"),
    Action.RELAY_POSTPONED: N_("relay postponed"),
    StaffAction.CREATED: N_("account created"),
    StaffAction.PIN_SET: N_("PIN set"),
    StaffAction.ROLE_CHANGED: N_("role changed"),
    StaffAction.DEACTIVATED: N_("account deactivated"),
    StaffAction.REACTIVATED: N_("account reactivated"),
}

# A visitor file's fields, as "what changed" (the entry names fields, never values).
FIELD_CHANGED: dict[str, str] = {
    "first_name": N_("first name changed"),
    "last_name": N_("last name changed"),
    "phone": N_("phone changed"),
    "email": N_("e-mail changed"),
    "birth_year": N_("year of birth changed"),
    "commune": N_("commune changed"),
    "language": N_("language changed"),
    "needs": N_("needs changed"),
}
# A demand's or relay's text corrected (or erased) on request.
RECTIFIED: dict[tuple[str, str], str] = {
    ("demand", "note"): N_("Note of demand n° {id} corrected"),
    ("relay", "reason"): N_("Reason of relay n° {id} corrected"),
    ("relay", "shared_details"): N_("Details shared with the partner, relay n° {id}, corrected"),
}
ERASED: dict[tuple[str, str], str] = {
    ("demand", "note"): N_("Note of demand n° {id} erased"),
    ("relay", "reason"): N_("Reason of relay n° {id} erased"),
    ("relay", "shared_details"): N_("Details shared with the partner, relay n° {id}, erased"),
}
SETTING_LABELS: dict[str, str] = {
    "retention_months": N_("Keep inactive visitors' files (months)"),
    "relay_retention_months": N_("Keep closed relays' details (months)"),
    "wait_target_minutes": N_("Waiting-time target (minutes)"),
    "document_retention_days": N_("Keep slips, cards and exports (days)"),
}
CONSENT_SCOPES: dict[str, str] = {
    "keep_file": N_("Consent to keep a file given"),
    "share_with_partner": N_("Consent to share with partner n° {partner} given"),
}
# What a detail's key means, for the entry read in full.
DETAIL_LABELS: dict[str, str] = {
    "fields": N_("Fields"),
    "erased": N_("Erased"),
    "version": N_("Version of the file"),
    "via": N_("Done from"),
    "attempt": N_("Attempt"),
    "until": N_("Until"),
    "asked_for": N_("File asked for"),
    "survivor_id": N_("File kept"),
    "duplicate_id": N_("File merged into it"),
    "moved": N_("Moved"),
    "scope": N_("Consent"),
    "text_version_hash": N_("Version of the consent text"),
    "partner_id": N_("Partner n°"),
    "status": N_("Status"),
    "refusal_reason": N_("Reason for the refusal"),
    "follow_up_on": N_("Follow up on"),
    "role": N_("Role"),
    "before": N_("Before"),
    "after": N_("After"),
    "changes": N_("Changes"),
    "files": N_("Files"),
    "notes": N_("Notes"),
    "relays": N_("Relays"),
    "consents": N_("Consents"),
    "visitors": N_("Files"),
    "batch": N_("Batch"),
    "batches": N_("Batches"),
    "format": N_("Format"),
    "since": N_("From"),
}


def action_label(action: str) -> str:
    """An action in the active language (its code when unknown)."""
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _when(value: Any, timezone: str) -> str:
    """A stored ISO date or instant, in the local words; the text itself when unreadable."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return clean(str(value), 40)
    if moment.tzinfo is None and len(str(value)) <= 10:
        return format_date(date(moment.year, moment.month, moment.day))
    return format_datetime(moment, timezone)


def _subject(entry: JournalEntry) -> str:
    """The staff member an account entry is about (their number when unknown)."""
    if entry.subject_name:
        return clean(entry.subject_name, 40)
    return _("n° {id}").format(id=entry.entity_id)


def _counts(detail: dict[str, Any]) -> str:
    """What an erasure or a withdrawal erased, in words."""
    files, notes, relays = (_number(detail.get(key)) for key in ("files", "notes", "relays"))
    return ", ".join(
        (
            ngettext("{n} file", "{n} files", files).format(n=files),
            ngettext("{n} note", "{n} notes", notes).format(n=notes),
            ngettext("{n} relay", "{n} relays", relays).format(n=relays),
        )
    )


def _file_edited(entry: JournalEntry, _timezone: str) -> str:
    fields = [str(f) for f in entry.detail.get("fields") or []]
    if entry.entity in ("demand", "relay") and fields:
        table = ERASED if entry.detail.get("erased") else RECTIFIED
        key = (entry.entity, fields[0])
        if key in table:
            return _(table[key]).format(id=entry.entity_id)
    if not fields:
        return _("File saved, nothing changed")
    words = [_(FIELD_CHANGED[f]) if f in FIELD_CHANGED else clean(f, 20) for f in fields]
    return _capital(", ".join(words))


def _file_opened(entry: JournalEntry, _timezone: str) -> str:
    asked = entry.detail.get("asked_for")
    if asked is not None:
        return _("File opened (asked for n° {asked}, merged into it)").format(asked=asked)
    return _("File opened")


def _export(entry: JournalEntry, timezone: str) -> str:
    detail = entry.detail
    if entry.entity == "visitor":
        said = _("File exported (right of access)")
    elif "since" in detail or "format" in detail:
        said = _("Statistics exported ({format}, {since}–{until})").format(
            format=clean(str(detail.get("format", "")), 10).upper(),
            since=_when(detail.get("since", ""), timezone),
            until=_when(detail.get("until", ""), timezone),
        )
    else:
        said = _("Export")
    if detail.get("via") == "cli":
        said += " " + _("(command line)")
    return said


def _erasure(entry: JournalEntry, _timezone: str) -> str:
    said = _("File erased on request: {counts}").format(counts=_counts(entry.detail))
    if entry.detail.get("via") == "cli":
        said += " " + _("(command line)")
    return said


def _withdrawn(entry: JournalEntry, _timezone: str) -> str:
    return _("Consent withdrawn, file erased: {counts}").format(counts=_counts(entry.detail))


def _consent(entry: JournalEntry, _timezone: str) -> str:
    scope = str(entry.detail.get("scope", ""))
    if scope in CONSENT_SCOPES:
        return _(CONSENT_SCOPES[scope]).format(partner=entry.detail.get("partner_id", "?"))
    return _("Consent given")


def _merge(entry: JournalEntry, _timezone: str) -> str:
    return _("File n° {duplicate} merged into file n° {survivor}").format(
        duplicate=entry.detail.get("duplicate_id", "?"),
        survivor=entry.detail.get("survivor_id", entry.entity_id),
    )


def _purge(entry: JournalEntry, _timezone: str) -> str:
    detail = entry.detail
    return _("Old data purged: {files}, {relays} (batch {batch} of {batches})").format(
        files=ngettext("{n} file", "{n} files", _number(detail.get("visitors"))).format(
            n=_number(detail.get("visitors"))
        ),
        relays=ngettext("{n} relay", "{n} relays", _number(detail.get("relays"))).format(
            n=_number(detail.get("relays"))
        ),
        batch=detail.get("batch", 1),
        batches=detail.get("batches", 1),
    )


def _settings(entry: JournalEntry, _timezone: str) -> str:
    changes = entry.detail.get("changes") or {}
    parts = []
    for field, values in changes.items() if isinstance(changes, dict) else ():
        label = _(SETTING_LABELS[field]) if field in SETTING_LABELS else clean(str(field), 30)
        old, new = [*values, "?", "?"][:2] if isinstance(values, list) else ("?", "?")
        parts.append(_("{label}: {old} → {new}").format(label=label, old=old, new=new))
    return "; ".join(parts) or _("Settings saved, nothing changed")


def _relay_news(entry: JournalEntry, _timezone: str) -> str:
    status = word(RELAY_STATUS_LABELS, entry.detail.get("status"))
    said = _("Relay n° {id} followed up: {status}").format(id=entry.entity_id, status=status)
    reason = entry.detail.get("refusal_reason")
    if reason:
        said += f" ({word(REFUSAL_REASON_LABELS, str(reason))})"
    return said


def _relay_postponed(entry: JournalEntry, timezone: str) -> str:
    return _("Follow-up of relay n° {id} moved to {day}").format(
        id=entry.entity_id, day=_when(entry.detail.get("follow_up_on", ""), timezone)
    )


def _sign_in_failed(entry: JournalEntry, _timezone: str) -> str:
    return _("Wrong PIN (attempt {n})").format(n=entry.detail.get("attempt", "?"))


def _locked_out(entry: JournalEntry, timezone: str) -> str:
    return _("Locked out until {when}").format(when=_when(entry.detail.get("until", ""), timezone))


def _staff_created(entry: JournalEntry, _timezone: str) -> str:
    role = word(ROLE_LABELS, entry.detail.get("role"))
    return _("Account of {name} created ({role})").format(name=_subject(entry), role=role)


def _staff_pin(entry: JournalEntry, _timezone: str) -> str:
    if entry.staff_id is not None and entry.staff_id == entry.entity_id:
        return _("{name} changed their PIN").format(name=_subject(entry))
    by = clean(entry.staff_name, 40) if entry.staff_name else _("the office's setup")
    return _("PIN of {name} set by {by}").format(name=_subject(entry), by=by)


def _staff_role(entry: JournalEntry, _timezone: str) -> str:
    return _("Role of {name} changed: {before} → {after}").format(
        name=_subject(entry),
        before=word(ROLE_LABELS, entry.detail.get("before")),
        after=word(ROLE_LABELS, entry.detail.get("after")),
    )


def _simple(message: str, *, subject: bool = False) -> Callable[[JournalEntry, str], str]:
    def sentence(entry: JournalEntry, _timezone: str) -> str:
        return _(message).format(name=_subject(entry)) if subject else _(message)

    return sentence


SENTENCES: dict[str, Callable[[JournalEntry, str], str]] = {
    Action.SIGN_IN: _simple(N_("Signed in")),
    Action.SIGN_IN_FAILED: _sign_in_failed,
    Action.LOCKED_OUT: _locked_out,
    Action.FILE_OPENED: _file_opened,
    Action.FILE_EDITED: _file_edited,
    Action.EXPORT: _export,
    Action.ERASURE: _erasure,
    Action.MERGE: _merge,
    Action.CONSENT_GIVEN: _consent,
    Action.CONSENT_WITHDRAWN: _withdrawn,
    Action.PURGE: _purge,
    Action.SETTINGS_CHANGED: _settings,
    Action.RELAY_FOLLOWED_UP: _relay_news,
    Action.RELAY_POSTPONED: _relay_postponed,
    StaffAction.CREATED: _staff_created,
    StaffAction.PIN_SET: _staff_pin,
    StaffAction.ROLE_CHANGED: _staff_role,
    StaffAction.DEACTIVATED: _simple(N_("Account of {name} deactivated"), subject=True),
    StaffAction.REACTIVATED: _simple(N_("Account of {name} reactivated"), subject=True),
}


def entry_sentence(entry: JournalEntry, timezone: str = "UTC") -> str:
    """The entry as one sentence in the interface's language."""
    sentence = SENTENCES.get(entry.action)
    if sentence is None:
        return clean(action_label(entry.action), 60)
    return sentence(entry, timezone)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{clean(str(k), 40)} = {_value(v)}" for k, v in value.items())
    return clean(str(value), 200)


def entry_lines(entry: JournalEntry, timezone: str = "UTC") -> list[tuple[str, str]]:
    """Every detail of the entry as (label, text) lines, nothing cut."""
    lines = [
        (_("When"), format_datetime(entry.at, timezone)),
        (_("What"), entry_sentence(entry, timezone)),
        (_("Action"), action_label(entry.action)),
        (_("Staff"), clean(entry.staff_name, 120) if entry.staff_name else "—"),
        (_("Desk"), clean(entry.desk_name, 120) if entry.desk_name else "—"),
    ]
    if entry.entity == "visitor":
        lines.append((_("File"), _("n° {id}").format(id=entry.entity_id)))
    elif entry.entity == "staff":
        lines.append((_("Account"), _subject(entry)))
    elif entry.entity is not None:
        lines.append((clean(entry.entity, 20), _("n° {id}").format(id=entry.entity_id)))
    for key, value in entry.detail.items():
        label = _(DETAIL_LABELS[key]) if key in DETAIL_LABELS else clean(str(key), 40)
        lines.append((label, _value(value)))
    return lines
