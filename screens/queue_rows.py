"""How the queue shows: a visit's name or initials, needs, its row, the summary line, and
what a desk says of a visit that is another desk's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.text import Text

from pimms_tui.db.enums import Priority, VisitStatus
from pimms_tui.domain.followups import FollowUpCounts
from pimms_tui.domain.queue import QueueEntry
from pimms_tui.i18n import _, format_duration, label, ngettext
from pimms_tui.labels import NEED_LABELS, PRIORITY_LABELS, STATUS_LABELS

from .literal import clean, literal


def display_name(entry: QueueEntry, public: bool) -> Text:
    """The visitor's name, initials only on a public screen, "anonyme" when there is none."""
    if entry.visitor_id is None or not (entry.first_name or entry.last_name):
        return Text(_("anonymous"), style="italic")
    if public:
        initials = [initial(part) for part in (entry.first_name, entry.last_name) if part]
        return Text(". ".join(i for i in initials if i) + "." if any(initials) else "?")
    name = " ".join(part for part in (entry.first_name, entry.last_name) if part)
    return literal(name, 40)


def initial(part: str) -> str:
    """The first letter of a name part, upper case ("" when it has none).

    Brackets, escape codes or emoji before the first letter are skipped: a public screen
    shows initials, never the start of something typed to look like markup.
    """
    return next((char.upper() for char in clean(part, 120) if char.isalpha()), "")


def needs_text(entry: QueueEntry) -> str:
    """Priority and needs in a few words."""
    parts = (
        [_(PRIORITY_LABELS[Priority(entry.priority)])] if entry.priority != Priority.NONE else []
    )
    for need in entry.needs:
        text = _(NEED_LABELS.get(need, need))
        if need == "interpreter" and entry.interpreter_language:
            text = f"{text} ({clean(entry.interpreter_language, 20)})"
        parts.append(text)
    return ", ".join(parts)


def queue_row(entry: QueueEntry, now: Any, public: bool) -> list[Any]:
    """The cells of one visit in the queue's table."""
    waited = (entry.called_at or now) - entry.arrived_at
    finished = entry.status in (VisitStatus.DONE, VisitStatus.LEFT, VisitStatus.NO_SHOW)
    motif = (
        label(entry.motif_label_fr, entry.motif_label_en)
        if entry.motif_label_fr and entry.motif_label_en
        else ""
    )
    style = "dim" if finished else ("bold" if entry.status == VisitStatus.CALLED else "")
    return [
        Text(entry.ticket_code, style=f"bold {style}".strip()),
        display_name(entry, public),
        Text("" if finished else format_duration(max(waited, timedelta(0)))),
        literal(motif, 30),
        Text(needs_text(entry)),
        Text(_(STATUS_LABELS[VisitStatus(entry.status)]), style=style),
        literal(entry.desk_name or "", 20),
    ]


def queue_summary(
    entries: list[QueueEntry], office: str, desk: str, follow_ups: FollowUpCounts | None
) -> str:
    """The line above the table: office, desk, how many wait, and what to follow up
    (``follow_ups``: None for a role that does not follow up)."""
    waiting = sum(1 for e in entries if e.status == VisitStatus.WAITING)
    summary = _("{office} — {desk} — {count} waiting").format(
        office=clean(office), desk=clean(desk), count=waiting
    )
    if follow_ups is not None and follow_ups.total:
        summary += "   " + _(
            "To follow up: {relays} relays, {appointments} appointments to fill in (f)"
        ).format(
            relays=follow_ups.relays_due,
            appointments=follow_ups.appointments_to_fill_in,
        )
    return summary


def elsewhere_text(entry: QueueEntry) -> str | None:
    """Why this desk may not take ``entry``, a visit that is not at this desk (None: it may).

    A visit called to, or seen at, another desk is that desk's: listening to it here would
    take over a visitor who was sent to another counter.
    """
    if entry.status == VisitStatus.CALLED:
        said = _("Ticket {ticket} was already called at {desk}.")
    elif entry.status == VisitStatus.IN_PROGRESS:
        said = _("Ticket {ticket} is already being seen at {desk}.")
    else:
        return None
    return said.format(ticket=entry.ticket_code, desk=clean(entry.desk_name or "?"))


def more_below_text(count: int, hidden: list[QueueEntry]) -> str:
    """The line under a queue longer than the screen: how many below, and the latest arrival
    among them (the one a desk looks for when the header's count went up)."""
    text = ngettext("{count} more below ↓", "{count} more below ↓", count).format(count=count)
    latest = max(hidden, key=lambda entry: (entry.arrived_at, entry.visit_id), default=None)
    if latest is not None and latest.status == VisitStatus.WAITING:
        text += "  " + _("latest arrival: {ticket}").format(ticket=latest.ticket_code)
    return text
