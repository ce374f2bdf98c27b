"""The other screens reached from the home screen: arrival, agenda, follow-ups, management."""

from __future__ import annotations

from pimms_tui.domain.queue import QueueEntry
from pimms_tui.i18n import _

from .base import DeskScreen


class HomeMenu(DeskScreen):
    """The keys of the home screen that open another screen (or a dialog)."""

    def selected_entry(self) -> QueueEntry | None:
        """The visit under the cursor (the queue screen knows it)."""
        raise NotImplementedError

    def run_queue_action(self, action: str, *args: int) -> None:
        """Run one queue operation (the queue screen does)."""
        raise NotImplementedError

    def action_left(self) -> None:
        """Mark the selected visitor as gone without being seen, once confirmed (no undo)."""
        entry = self.selected_entry()
        if entry is None:
            return
        from .confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_queue_action("mark_left", entry.visit_id)

        question = _("Mark {ticket} as left without being seen?")
        consequence = _("The ticket leaves the queue and cannot be put back in it.")
        self.app.push_screen(
            ConfirmModal(question.format(ticket=entry.ticket_code), consequence), answered
        )

    def action_transfer(self) -> None:
        """Send the selected visitor to another desk, same ticket."""
        entry = self.selected_entry()
        if entry is None:
            return
        from .transfer import TransferScreen, TransferTarget

        def chosen(target: TransferTarget | None) -> None:
            if target is not None:
                desk = target.id if target.kind == "desk" else 0
                staff = target.id if target.kind == "staff" else 0
                self.run_queue_action("transfer", entry.visit_id, desk, staff)

        self.app.push_screen(TransferScreen(entry.ticket_code), chosen)

    def action_followups(self) -> None:
        """Relays and appointments to follow up."""
        from .followups import FollowUpsScreen

        self.app.push_screen(FollowUpsScreen())

    def action_staff(self) -> None:
        """The office's staff accounts (managers)."""
        from .staff import StaffScreen

        self.app.push_screen(StaffScreen())

    def action_statistics(self) -> None:
        """The manager's statistics screen."""
        from .stats import StatsScreen

        self.app.push_screen(StatsScreen())

    def action_journal(self) -> None:
        """The audit journal (managers)."""
        from .audit import JournalScreen

        self.app.push_screen(JournalScreen())

    def action_settings(self) -> None:
        """The office's settings (managers), read off the UI thread, then the form."""
        from .settings import SettingsForm

        uses, actor = self.use_cases, self.actor
        self.in_background(
            lambda: uses.office_settings(actor),
            lambda current: self.app.push_screen(SettingsForm(current)),
            group="settings",
            exclusive=False,
        )

    def action_agenda(self) -> None:
        """The agenda: day and week, check-in, booking."""
        from .agenda import AgendaScreen

        self.app.push_screen(AgendaScreen())

    def action_arrival(self) -> None:
        """Open the arrival form."""
        from .arrival import ArrivalScreen

        self.app.push_screen(ArrivalScreen())

    def open_listening(self, visit_id: int) -> None:
        """Open the listening screen of a visit being seen."""
        from .listening import ListeningScreen

        self.app.push_screen(ListeningScreen(visit_id))
