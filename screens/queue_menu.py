"""The other screens reached from the home screen: arrival, agenda, follow-ups, management."""

from __future__ import annotations

from .base import DeskScreen


class HomeMenu(DeskScreen):
    """The keys of the home screen that open another screen."""

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
