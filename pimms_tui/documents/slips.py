"""The referral slip and the appointment card as a title, labelled lines and a footer.

Both are in French (the office's public language) and say only what the domain's facts hold
(:mod:`pimms_tui.domain.slips`): dates in the office's timezone, phones in their usual form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from pimms_tui.domain.slips import AppointmentCardFacts, OfficeContact, ReferralSlipFacts
from pimms_tui.domain.validation import format_phone
from pimms_tui.text import multiline

LOCALE = "fr_FR"
REFERRAL_SLIP_TITLE = "Fiche de liaison"
APPOINTMENT_CARD_TITLE = "Rendez-vous"


@dataclass(frozen=True)
class SlipContent:
    """What a printed document says: a title, labelled lines, and the office's footer."""

    title: str
    lines: tuple[tuple[str, str], ...]
    footer: tuple[str, ...]


def slip_text(content: SlipContent) -> str:
    """The document as plain text (a fallback when printing fails, and what tests read)."""
    parts = [content.title, "=" * len(content.title), ""]
    # As in the PDF: what would act on a terminal or reorder the text is dropped.
    parts += [
        f"{label} : {multiline(value)}" if label else multiline(value)
        for label, value in content.lines
    ]
    if content.footer:
        parts += ["", *content.footer]
    return "\n".join(parts) + "\n"


def referral_slip(facts: ReferralSlipFacts, timezone: str) -> SlipContent:
    """The referral slip: the day, the partner's details and the office's."""
    day = format_date(
        facts.sent_at.astimezone(ZoneInfo(timezone)).date(), format="full", locale=LOCALE
    )
    lines = _present(
        [
            ("Date", day),
            ("Pour", facts.first_name),
            ("Vous êtes orienté·e vers", facts.partner_name),
            ("Adresse", facts.address),
            ("Téléphone", _phone(facts.phone)),
            ("E-mail", facts.email),
            ("Horaires", facts.opening_hours),
            ("À apporter", facts.what_to_bring),
        ]
    )
    return SlipContent(title=REFERRAL_SLIP_TITLE, lines=lines, footer=_footer(facts.office))


def appointment_card(facts: AppointmentCardFacts, timezone: str) -> SlipContent:
    """The appointment card: when (French long form, office time), with whom, where."""
    when = format_datetime(
        facts.starts_at, "EEEE d MMMM y 'à' HH:mm", tzinfo=ZoneInfo(timezone), locale=LOCALE
    )
    partner = f"permanence {facts.partner_name}" if facts.partner_name else None
    lines = _present(
        [
            ("Pour", facts.first_name),
            ("Le", when[:1].upper() + when[1:]),
            ("Durée", _duration(facts.duration_minutes)),
            ("Avec", ", ".join(w for w in (facts.staff_name, partner) if w)),
            ("Lieu", facts.place),
        ]
    )
    footer = _footer(facts.office, cancel_hint=True)
    return SlipContent(title=APPOINTMENT_CARD_TITLE, lines=lines, footer=footer)


def _footer(office: OfficeContact, *, cancel_hint: bool = False) -> tuple[str, ...]:
    lines = [f"Remis par : {office.name}"]
    if office.address:
        lines.append(office.address)
    phone = _phone(office.phone)
    if phone:
        lines.append(f"Téléphone : {phone}")
    if cancel_hint:
        lines.append("En cas d’empêchement, merci de prévenir le PIMMS.")
    return tuple(lines)


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    return format_phone(value) if value.startswith("+") else value


def _present(pairs: Iterable[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    """The labelled lines that have a value."""
    return tuple((label, value.strip()) for label, value in pairs if value and value.strip())


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"
