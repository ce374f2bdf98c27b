"""``pimms.log`` in the data folder: unexpected errors with their traceback, nothing personal.

Nothing personal by two means: the code logs errors through ``pimms_tui.log_privacy``
(their kind and code, never their text), and every record passes ``PrivacyFilter`` on its
way to the file, which does the same to any error it carries, in case a line forgot.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pimms_tui import text
from pimms_tui.log_privacy import describe, safe_traceback, withheld
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


class PrivacyFilter(logging.Filter):
    """Errors in a record are reduced to their kind and code; the message is cut where it
    would start quoting a statement or a row. Nothing is dropped: a record always gets out."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (it is this handler's to format)."""
        if isinstance(record.msg, BaseException):
            record.msg = describe(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                describe(arg) if isinstance(arg, BaseException) else arg for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                key: describe(arg) if isinstance(arg, BaseException) else arg
                for key, arg in record.args.items()
            }
        try:
            message = record.getMessage()
        except Exception:  # a bad format: keep only the format, never the values
            message, record.args = str(record.msg), ()
        safe = withheld(message)
        if safe != message:
            record.msg, record.args = safe, ()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            record.exc_text = _indented(safe_traceback(error))
        return True


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
    handler.addFilter(PrivacyFilter())
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
