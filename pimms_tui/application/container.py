"""What every use case works with, built once at start-up and never changed afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pimms_tui.db.engine import Database
from pimms_tui.domain.clock import Clock, SystemClock
from pimms_tui.settings import Settings, data_dir


@dataclass(frozen=True)
class Container:
    """The settings, the database and the clock of one process (a terminal, a command)."""

    settings: Settings
    database: Database
    clock: Clock = field(default_factory=SystemClock)

    @property
    def documents_dir(self) -> Path:
        """Where printable files are written (created on demand)."""
        folder = data_dir() / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()
