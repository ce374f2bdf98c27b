"""News of a relay, from the visitor file or the follow-up list: one use case, one sentence.

Every dialog here records through ``FollowUpService.record_news`` and says what was saved —
the status and, for a refusal, its reason — from what the use case returned, in the person's
language (``relay_news_text``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.events import Key
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from pimms_tui.db.enums import RefusalReason, RelayStatus
from pimms_tui.domain.followups import DEFAULT_POSTPONE_DAYS, RelayNews
from pimms_tui.domain.orientation import RelaySummary
from pimms_tui.domain.visitor_file import OpenRelay
from pimms_tui.i18n import _, format_date, label
from pimms_tui.labels import REFUSAL_REASON_LABELS, RELAY_STATUS_LABELS, word

from .fields import SafeInput
from .forms import FormModal, choose_by_digit, parse_day
from .literal import clean, literal

# What news of a relay the follow-up dialog offers, in its order; None is "postpone".
RELAY_NEWS: tuple[RelayStatus | None, ...] = (
    RelayStatus.CONFIRMED,
    RelayStatus.REFUSED,
    RelayStatus.UNREACHABLE,
    None,
)


def relay_news_text(partner_name: str, summary: RelaySummary) -> str:
    """The sentence saying what was saved for a relay: its status, a refusal's reason, or
    the new follow-up date."""
    partner = clean(partner_name, 60)
    if summary.status == RelayStatus.OPEN:
        return _("Follow-up of the relay to {partner} postponed to {day}.").format(
            partner=partner, day=format_date(summary.follow_up_on, "long")
        )
    if summary.status == RelayStatus.REFUSED and summary.refusal_reason:
        return _("Relay to {partner}: refused ({reason}).").format(
            partner=partner, reason=word(REFUSAL_REASON_LABELS, summary.refusal_reason)
        )
    return _("Relay to {partner}: {status}.").format(
        partner=partner, status=word(RELAY_STATUS_LABELS, summary.status)
    )


class RelayNewsDialog(FormModal):
    """A dialog that records news of one relay and closes with the sentence saying what."""

    def __init__(self, relay_id: int, partner_name: str) -> None:
        super().__init__()
        self.relay_id = relay_id
        self.partner_name = partner_name

    def record_news(self, news: RelayNews) -> None:
        """Record through the one use case, for the person who pressed the key."""
        followups, actor, relay_id = self.use_cases.followups, self.actor, self.relay_id
        self.save_in_worker(lambda: followups.record_news(relay_id, news, actor))

    def saved(self, result: Any) -> None:
        """Close with what was saved, in words."""
        assert isinstance(result, RelaySummary)
        self.dismiss(relay_news_text(self.partner_name, result))


class RefusalReasonModal(RelayNewsDialog):
    """Why the partner did not take the person in charge; a digit or Enter picks."""

    def compose(self) -> ComposeResult:
        """The reasons, numbered."""
        with Vertical(classes="dialog"):
            yield Static(_("Refused: why?"), classes="title")
            yield Static(literal(self.partner_name, 60))
            yield OptionList(
                *[
                    Option(f"{index} · {word(REFUSAL_REASON_LABELS, reason)}", id=reason.value)
                    for index, reason in enumerate(RefusalReason, start=1)
                ],
                id="refusal-reasons",
            )
            yield from self.compose_error()
            yield Static(_("1–6 or Enter: record · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one("#refusal-reasons", OptionList).focus()

    def on_key(self, event: Key) -> None:
        """Digits pick a reason directly."""
        options = self.query_one("#refusal-reasons", OptionList)
        index = choose_by_digit(event, options, len(RefusalReason))
        if index is not None:
            self.choose(list(RefusalReason)[index])

    @on(OptionList.OptionSelected, "#refusal-reasons")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """Enter picks the highlighted reason."""
        self.choose(RefusalReason(str(event.option.id)))

    def choose(self, reason: RefusalReason) -> None:
        """Record the refusal with its reason."""
        self.record_news(RelayNews(RelayStatus.REFUSED, refusal_reason=reason))

    def has_content(self) -> bool:
        """Nothing typed here."""
        return False


class PostponeForm(RelayNewsDialog):
    """A later follow-up date for a relay: dd/mm/yyyy or +N days (+7 by default)."""

    def compose(self) -> ComposeResult:
        """The date, pre-filled with +7."""
        with Vertical(classes="dialog"):
            yield Static(_("Postpone the follow-up"), classes="title")
            yield Static(literal(self.partner_name, 60))
            yield Label(_("New follow-up date (dd/mm/yyyy or +7)"))
            yield SafeInput(f"+{DEFAULT_POSTPONE_DAYS}", id="follow-up-on", max_length=12)
            yield from self.compose_error()
            yield Static(_("Enter: save · Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start on the date."""
        self.query_one("#follow-up-on", Input).focus()

    @on(Input.Submitted, "#follow-up-on")
    def action_save(self) -> None:
        """Check the date, then save."""
        today = self.use_cases.today()
        day = parse_day(self.query_one("#follow-up-on", Input).value, today)
        if day is None:
            self.say(_("The date is not valid: type it as dd/mm/yyyy, or +7 for in a week."))
            return
        if day <= today:
            self.say(_("Choose a date after today."))
            return
        self.record_news(RelayNews(None, follow_up_on=day))

    def has_content(self) -> bool:
        """The date is pre-filled: nothing is lost by leaving."""
        return False


class RelayFollowUpForm(RelayNewsDialog):
    """News of a relay from the visitor file: confirmed, refused (with a reason), unreachable,
    or postponed. A digit chooses; a choice that needs more (a refusal's reason, a date) is
    kept while it is given, and Ctrl+S records the choice made, not whatever is highlighted."""

    CSS_PATH = "visitor_file.tcss"

    def __init__(self, open_relay: OpenRelay) -> None:
        super().__init__(open_relay.relay.id, open_relay.relay.partner_name)
        self.open_relay = open_relay
        self.choice = 0  # the index in RELAY_NEWS of what was chosen

    def compose(self) -> ComposeResult:
        """The relay, the choices, the reason and the new date."""
        relay = self.open_relay.relay
        today = self.use_cases.today()
        with VerticalScroll(classes="dialog form"):
            yield Static(_("Follow-up of a relay"), classes="title")
            yield Static(self.details(relay.sent_at, relay.follow_up_on))
            yield Label(_("What became of it — press its number, or Enter"))
            yield OptionList(
                *[
                    Option(f"{index} · {self.news_label(news)}", id=news.value if news else "later")
                    for index, news in enumerate(RELAY_NEWS, start=1)
                ],
                id="relay-news",
            )
            yield Label(_("Reason for the refusal (if refused)"))
            yield Select(
                [(word(REFUSAL_REASON_LABELS, r), r.value) for r in RefusalReason],
                prompt=_("choose a reason"),
                id="refusal-reason",
            )
            yield Label(_("New follow-up date (if postponed: dd/mm/yyyy or +7)"))
            yield SafeInput(
                format_date(today + timedelta(days=DEFAULT_POSTPONE_DAYS), "short"),
                id="follow-up-on",
                max_length=12,
            )
            yield from self.compose_error()
            yield Static(_("Ctrl+S: record the highlighted choice · Esc: cancel"), classes="hint")

    def details(self, sent_at: datetime, follow_up_on: date) -> Text:
        """The partner, the reason for coming and the dates of the relay."""
        open_relay = self.open_relay
        text = literal(self.partner_name, 40, "bold")
        text.append(" · ")
        text.append_text(literal(label(open_relay.motif_label_fr, open_relay.motif_label_en), 40))
        text.append(
            "\n"
            + _("Relayed on {day}, follow-up planned on {follow_up}").format(
                day=format_date(self.use_cases.office.local_day(sent_at)),
                follow_up=format_date(follow_up_on),
            )
        )
        return text

    @staticmethod
    def news_label(news: RelayStatus | None) -> str:
        """The words of a choice."""
        return _("postpone the follow-up") if news is None else word(RELAY_STATUS_LABELS, news)

    def on_mount(self) -> None:
        """Start on the choices."""
        options = self.query_one("#relay-news", OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionHighlighted, "#relay-news")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Moving on the choices chooses."""
        self.choice = event.option_index

    def on_key(self, event: Key) -> None:
        """A digit makes that choice and records it (or asks for what it needs)."""
        options = self.query_one("#relay-news", OptionList)
        index = choose_by_digit(event, options, len(RELAY_NEWS))
        if index is not None:
            self.choose(index)

    @on(OptionList.OptionSelected, "#relay-news")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """Enter records the highlighted choice."""
        self.choose(event.option_index)

    def action_save(self) -> None:
        """Ctrl+S records the choice made, wherever the focus is."""
        self.choose(self.choice)

    def choose(self, index: int) -> None:
        """Keep the choice (shown highlighted), then record it if it has what it needs."""
        self.choice = index
        self.query_one("#relay-news", OptionList).highlighted = index
        news = RELAY_NEWS[index]
        if news is None:
            date_input = self.query_one("#follow-up-on", Input)
            new_date = parse_day(date_input.value, self.use_cases.today())
            if new_date is None:
                self.say(_("The follow-up date is not valid: type it as dd/mm/yyyy, or +7."))
                date_input.focus()
                return
            self.record_news(RelayNews(None, follow_up_on=new_date))
            return
        reason: str | None = None
        if news == RelayStatus.REFUSED:
            select = self.query_one("#refusal-reason", Select)
            if not isinstance(select.value, str):
                self.say(_("Choose why the partner did not take the person in charge."))
                select.focus()
                return
            reason = select.value
        self.record_news(RelayNews(news, refusal_reason=reason))

    def saved(self, result: Any) -> None:
        """Say what was saved on the screen below, then close."""
        assert isinstance(result, RelaySummary)
        text = relay_news_text(self.partner_name, result)
        self.app.notify(text, markup=False)
        self.dismiss(text)

    def has_content(self) -> bool:
        """A reason chosen counts as content."""
        return isinstance(self.query_one("#refusal-reason", Select).value, str)
