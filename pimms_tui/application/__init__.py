"""The application layer: each use case once, for every front end (screens, CLI, the ones to come).

A use case checks the actor's permission, opens the unit of work, takes "today" and "now" from
the one clock in the office's timezone, calls the domain's rules, writes the journal and
returns plain dataclasses. Front ends build a ``Container`` at start-up (immutable), keep who
works where in a ``DeskSession`` (mutable: sign-in, desk, office), and call ``UseCases``.
"""

from pimms_tui.application.container import Container
from pimms_tui.application.session import COMMAND_LINE, DeskSession, command_line_actor
from pimms_tui.application.startup import StartupError, open_database, open_desk
from pimms_tui.application.use_cases import Catalogue, UseCases

__all__ = [
    "COMMAND_LINE",
    "Catalogue",
    "Container",
    "DeskSession",
    "StartupError",
    "UseCases",
    "command_line_actor",
    "open_database",
    "open_desk",
]
