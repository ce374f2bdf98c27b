"""A visitor's file drawn as text: the header (who, consent), open items' cells, the history.

Everything about the visitor is shown literally (names, notes, partners' names).
"""

from __future__ import annotations

from rich.text import Text

from pimms_tui.domain.appointments import AppointmentView
from pimms_tui.domain.visitor_file import OpenRelay, TimelineDemand, TimelineVisit, VisitorFile
from pimms_tui.i18n import _, format_date, format_datetime, label, ngettext
from pimms_tui.labels import (
    APPOINTMENT_STATUS_LABELS,
    LEVEL_LABELS,
    OUTCOME_LABELS,
    RELAY_STATUS_LABELS,
    STATUS_LABELS,
    word,
)

from .file_forms import needs_text
from .literal import literal


def header_text(file: VisitorFile) -> Text:
    """Name and contact on one line, consent on the next."""
    identity = file.identity
    text = literal(identity.full_name, 60, "bold")
    details: list[Text] = []
    if identity.birth_year:
        details.append(Text(_("born in {year}").format(year=identity.birth_year)))
    for value in (identity.commune, identity.phone_display, identity.email):
        if value:
            details.append(literal(value, 40))
    if identity.language:
        details.append(Text(_("language: ")).append_text(literal(identity.language, 20)))
    if identity.needs:
        details.append(Text(needs_text(identity.needs)))
    for detail in details:
        text.append("  · ")
        text.append_text(detail)
    text.append("\n")
    consent = file.consent
    if consent is None:
        text.append(_("No consent recorded to keep this file."), style="bold yellow")
    else:
        given = format_date(consent.given_at.date())
        if consent.staff_name:
            text.append(
                _("File kept with consent given on {day}, recorded by ").format(day=given),
                style="dim",
            )
            text.append_text(literal(consent.staff_name, 40, "dim"))
        else:
            text.append(_("File kept with consent given on {day}").format(day=given), style="dim")
    return text


def relay_who(open_relay: OpenRelay) -> Text:
    """The partner and the reason of a relay."""
    text = literal(open_relay.relay.partner_name, 24)
    text.append(" · ")
    text.append_text(literal(label(open_relay.motif_label_fr, open_relay.motif_label_en), 30))
    return text


def appointment_who(appointment: AppointmentView) -> Text:
    """With whom, and why."""
    text = literal(appointment.staff_name or appointment.partner_name or "", 24)
    if appointment.motif_label_fr and appointment.motif_label_en:
        text.append(" · ")
        text.append_text(literal(label(appointment.motif_label_fr, appointment.motif_label_en), 30))
    return text


def timeline_text(file: VisitorFile, timezone: str) -> Text:
    """Visits newest first, each with its demands and what they led to."""
    text = Text()
    if not file.timeline:
        text.append(_("No visit yet."), style="dim")
        return text
    for visit in file.timeline:
        append_visit(text, visit, timezone)
    if file.older_visits:
        text.append(
            ngettext(
                "… and {count} older visit, not shown.",
                "… and {count} older visits, not shown.",
                file.older_visits,
            ).format(count=file.older_visits),
            style="dim",
        )
    return text


def append_visit(text: Text, visit: TimelineVisit, timezone: str) -> None:
    """One visit: its line, then its demands."""
    text.append(format_date(visit.day) + " · " + visit.ticket_code, style="bold")
    text.append(" · " + word(STATUS_LABELS, visit.status))
    for who in (visit.desk_name, visit.staff_name):
        if who:
            text.append(" · ")
            text.append_text(literal(who, 30))
    text.append("\n")
    if not visit.demands:
        text.append("    " + _("no demand recorded") + "\n", style="dim")
    for demand in visit.demands:
        append_demand(text, demand, timezone)
    text.append("\n")


def append_demand(text: Text, demand: TimelineDemand, timezone: str) -> None:
    """A demand: reason, partner, register, level → orientation; note, relay, appointment."""
    text.append(f"  {demand.position}. ")
    text.append_text(literal(label(demand.motif_label_fr, demand.motif_label_en), 40))
    if demand.partner_name:
        text.append(" · ")
        text.append_text(literal(demand.partner_name, 30))
    text.append(" · ")
    text.append_text(literal(label(demand.register_label_fr, demand.register_label_en), 40))
    text.append(" · " + word(LEVEL_LABELS, demand.level) + " → ")
    if demand.outcome:
        text.append(word(OUTCOME_LABELS, demand.outcome))
    else:
        text.append(_("no orientation"), style="yellow")
    text.append("\n")
    if demand.note:
        text.append("     « ")
        text.append_text(literal(demand.note, 200, "italic"))
        text.append(" »\n")
    if demand.relay is not None:
        relay = demand.relay
        text.append("     " + _("Relay: "))
        text.append_text(literal(relay.partner_name, 30))
        text.append(
            " — "
            + word(RELAY_STATUS_LABELS, relay.status)
            + " — "
            + _("follow-up {day}").format(day=format_date(relay.follow_up_on, "short"))
            + "\n"
        )
    if demand.appointment is not None:
        appointment = demand.appointment
        text.append(
            "     "
            + _("Appointment: {when} with ").format(
                when=format_datetime(appointment.starts_at, timezone)
            )
        )
        text.append_text(literal(appointment.staff_name or appointment.partner_name or "", 30))
        text.append(" — " + word(APPOINTMENT_STATUS_LABELS, appointment.status) + "\n")
