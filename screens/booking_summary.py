"""What a booking will make, shown before it is made: a slot is booked on a second Enter only.

Enter on a free slot used to book at once: a person who thought the day field had the focus
booked a slot by accident. The summary says for whom, with whom, the day in words and the
time, where, and the reason; Enter (or ``o``) books, Esc goes back to the slots.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from pimms_tui.application.appointments import BookingSummary
from pimms_tui.i18n import N_, _, format_date, format_duration, format_time, label

from .base import DeskModal
from .literal import clean
from .worklist import visitor_name


class BookingSummaryModal(DeskModal):
    """The appointment about to be booked; dismisses True to book it, False to go back."""

    DEFAULT_CSS = """
    BookingSummaryModal { align: center middle; }
    BookingSummaryModal > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    BookingSummaryModal .title { text-style: bold; margin-bottom: 1; }
    BookingSummaryModal .hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("enter,o,y", "answer(True)", N_("Book"), id="booking_summary_book"),
        Binding("escape,n", "answer(False)", N_("Back to the slots"), id="booking_summary_back"),
    ]

    def __init__(self, summary: BookingSummary, timezone: str) -> None:
        super().__init__()
        self.summary = summary
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        """The question, what will be booked, and the keys."""
        with Vertical():
            yield Static(_("Book this appointment?"), classes="title")
            yield Static(summary_text(self.summary, self.timezone), id="booking-summary")
            yield Static(_("Enter or o: book · Esc: back to the slots"), classes="hint")

    def action_answer(self, book: bool) -> None:
        """Close with the answer."""
        self.dismiss(book)


def summary_text(summary: BookingSummary, timezone: str) -> Text:
    """For whom, with whom, when (the day in words), where, and why: one fact a line."""
    with_whom = summary.staff_name or ""
    if summary.partner_name:
        session = _("Partner session: {name}").format(name=summary.partner_name)
        with_whom = f"{with_whom} · {session}" if with_whom else session
    local = summary.starts_at.astimezone(ZoneInfo(timezone))
    when = _("{day} at {time} ({length})").format(
        day=format_date(local.date(), "full"),
        time=format_time(summary.starts_at, timezone),
        length=format_duration(timedelta(minutes=summary.duration_minutes)),
    )
    reason = (
        label(summary.motif_label_fr, summary.motif_label_en)
        if summary.motif_label_fr and summary.motif_label_en
        else _("no reason given")
    )
    lines: list[tuple[str, Text]] = [
        (_("For"), visitor_name(summary.visitor_first_name, summary.visitor_last_name, 60)),
        (_("With"), Text(clean(with_whom, 120) or _("any mediator"))),
        (_("When"), Text(when, style="bold")),
        (_("Where"), Text(clean(summary.place, 200))),
        (_("Reason"), Text(clean(reason, 120))),
    ]
    text = Text()
    for index, (name, value) in enumerate(lines):
        if index:
            text.append("\n")
        text.append(_("{label}:").format(label=name) + " ", style="dim")
        text.append_text(value)
    return text
