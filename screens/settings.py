"""The office's settings, for managers: retention periods (files, relays, documents),
waiting target, last purge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from pimms_tui.domain.office_settings import OfficeSettings
from pimms_tui.i18n import _, format_datetime

from .confirm import STYLESHEET
from .fields import SafeInput
from .forms import FormModal

# (setting, input id)
FIELDS = (
    ("retention_months", "retention-months"),
    ("relay_retention_months", "relay-retention-months"),
    ("wait_target_minutes", "wait-target-minutes"),
    ("document_retention_days", "document-retention-days"),
)


class SettingsForm(FormModal):
    """Four numbers and the date of the last purge; Ctrl+S saves (audited)."""

    CSS_PATH = STYLESHEET

    def __init__(self, current: OfficeSettings) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        """The fields, the last purge, the error line."""
        labels = {
            "retention_months": _("Keep inactive visitors' files (months)"),
            "relay_retention_months": _("Keep closed relays' details (months)"),
            "wait_target_minutes": _("Waiting-time target (minutes)"),
            "document_retention_days": _("Keep slips, cards and exports (days)"),
        }
        timezone = self.session.office.timezone if self.session.office else "UTC"
        with Vertical():
            yield Static(_("Settings of the office"), classes="title")
            for field, ident in FIELDS:
                yield Label(labels[field])
                yield SafeInput(str(getattr(self.current, field)), id=ident, restrict=r"[0-9]*")
            last = self.current.last_purge_at
            yield Static(
                _("Last purge: {when}").format(when=format_datetime(last, timezone))
                if last
                else _("Last purge: never"),
                id="last-purge",
                markup=False,
            )
            yield Static(_("pimms purge anonymises files past these periods."), markup=False)
            yield from self.compose_error()

    def on_mount(self) -> None:
        """Start on the first field."""
        self.query_one(f"#{FIELDS[0][1]}", Input).focus()

    def has_content(self) -> bool:
        """Cancelling drops changes only when a value differs from what was shown."""
        return any(
            self.query_one(f"#{ident}", Input).value != str(getattr(self.current, field))
            for field, ident in FIELDS
        )

    def action_save(self) -> None:
        """Check and save in a worker; a refusal names its field."""
        changes: dict[str, str | int] = {
            field: self.query_one(f"#{ident}", Input).value for field, ident in FIELDS
        }
        uses, actor = self.use_cases, self.actor
        # The form's own save path (forms.py): a FieldError, which in_background's
        # ``refused`` does not take, is shown at its field and the form stays open.
        self.save_in_worker(lambda: uses.update_office_settings(actor, changes))

    def saved(self, result: object) -> None:
        """Say it, and close."""
        self.notify(_("Settings saved."))
        self.dismiss(result)
