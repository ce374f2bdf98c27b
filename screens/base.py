"""What every screen of the desk shares: translated key bindings and the database banner."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static
from textual.worker import Worker

from pimms_tui.domain.access import Permission, allows
from pimms_tui.i18n import _

if TYPE_CHECKING:
    from pimms_tui.app import PimmsApp
    from pimms_tui.services import Services


def translate_bindings(node: DOMNode) -> None:
    """Show binding descriptions (English msgids in BINDINGS) in the active language."""
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(b, description=_(b.description) if b.description else "") for b in bindings
        ]


class DatabaseBanner(Static):
    """A line shown on top while the database cannot be reached."""

    def __init__(self) -> None:
        super().__init__(
            _("The database cannot be reached: retrying. What you type is kept."),
            id="database-banner",
            markup=False,
        )


class DeskScreen(Screen[Any]):
    """A full screen of the desk."""

    # Actions a role may lack: their keys are hidden (and inert) for that role. The domain
    # refuses the operation anyway; hiding the key only spares a useless refusal.
    ACTION_PERMISSIONS: ClassVar[dict[str, Permission]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        translate_bindings(self)

    @property
    def desk_app(self) -> PimmsApp:
        """The application, typed."""
        from pimms_tui.app import PimmsApp

        assert isinstance(self.app, PimmsApp)
        return self.app

    @property
    def services(self) -> Services:
        """The terminal's services."""
        return self.desk_app.services

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker messages do not bubble: hand failures to the app's one handler."""
        self.desk_app.handle_worker_failure(event)

    def role_allows(self, permission: Permission) -> bool:
        """Whether the signed-in person's role grants ``permission``."""
        staff = self.services.staff
        return staff is not None and allows(staff.role, permission)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys of actions the signed-in role may not do."""
        permission = self.ACTION_PERMISSIONS.get(action)
        return permission is None or self.role_allows(permission)

    def compose_banner(self) -> ComposeResult:
        """The database banner, hidden unless the screen has the -database-down class."""
        yield DatabaseBanner()

    def on_screen_resume(self) -> None:
        """Pick up the database state that changed while another screen was on top."""
        self.set_class(self.desk_app.database_down, "-database-down")


class DeskModal(ModalScreen[Any]):
    """A dialog over a screen of the desk."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        translate_bindings(self)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker messages do not bubble: hand failures to the app's one handler."""
        from pimms_tui.app import PimmsApp

        assert isinstance(self.app, PimmsApp)
        self.app.handle_worker_failure(event)

    @property
    def services(self) -> Services:
        """The terminal's services."""
        from pimms_tui.app import PimmsApp

        assert isinstance(self.app, PimmsApp)
        return self.app.services
