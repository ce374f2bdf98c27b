"""``pimms.log`` in the data folder: unexpected errors with their traceback, nothing personal."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pimms_tui import text
from pimms_tui.settings import FILE_MODE, data_dir, private_folder

LOG_FILE = "pimms.log"

log = logging.getLogger("pimms")


class SafeFormatter(logging.Formatter):
    """One record, one line: text a visitor typed cannot forge a record or drive a terminal."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's line, hidden characters written as escapes."""
        return text.escaped(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        """The traceback, each line marked as belonging to the record above."""
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        """The stack, marked the same way."""
        return _indented(stack_info)


def _indented(block: str) -> str:
    return "\n".join("  | " + text.escaped(line) for line in block.splitlines())


def log_path() -> Path:
    """Where unexpected errors are written."""
    return data_dir() / LOG_FILE


class _LogFile(logging.FileHandler):
    """``pimms.log`` in the data folder, opened on the first record; never raises."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record, creating the folder first; drop it if the disk refuses."""
        try:
            private_folder(Path(self.baseFilename).parent)
            super().emit(record)
        except Exception:
            self.handleError(record)

    def _open(self) -> Any:
        """The file, created 0600 whatever the umask (an existing one keeps its mode)."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(self.baseFilename, flags, FILE_MODE)
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        """Say nothing: a log that cannot be written must not become a traceback on screen."""


@contextmanager
def log_to_file() -> Iterator[None]:
    """Send the ``pimms`` loggers to the log file while the command runs."""
    handler = _LogFile(log_path(), encoding="utf-8", delay=True)
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    previous_level = log.level
    log.addHandler(handler)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(previous_level)
        handler.close()
