"""What a log line may say about an error: its kind and its code, never its text.

An error's text can hold personal data: SQLAlchemy appends the statement and its values,
PostgreSQL quotes the offending row ("Key (display_name)=(Dupont) already exists", "Failing
row contains …"), and a ``ValueError`` may repeat what was typed. So the log names the class
of each error, the driver's class and its code (PostgreSQL's SQLSTATE, SQLite's error name)
and, for a refusal of the rules, its message id; the text itself only for the few errors of
the interpreter whose text is about the code (a missing attribute, a bad call).
"""

from __future__ import annotations

import sqlite3
import traceback
from types import TracebackType

from sqlalchemy.exc import DBAPIError, StatementError

from pimms_tui.errors import PimmsError

# Errors of the interpreter about the code itself: their text names code, not data.
_CODE_ERRORS = (AttributeError, NameError, ImportError, NotImplementedError, RecursionError)
# Where SQLAlchemy and PostgreSQL start quoting the statement, its values or the row.
_DATA_MARKERS = ("[SQL:", "[parameters:", "DETAIL:", "Failing row contains", "Key (")


def _driver_code(error: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE or SQLite's error name, when the driver gives one."""
    code = getattr(error, "sqlstate", None)
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorname", None)
    return str(code) if code else None


def describe(error: BaseException) -> str:
    """One line naming ``error`` without anything it may quote: class, driver class, code."""
    name = type(error).__name__
    if isinstance(error, StatementError):
        cause = error.orig if error.orig is not None else None
        if cause is not None:
            name = f"{name} ({type(cause).__name__}"
            code = _driver_code(cause)
            name += f", {code})" if code else ")"
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            name += ", connection lost"
        return name
    code = _driver_code(error)
    if code:
        return f"{name} ({code})"
    if isinstance(error, PimmsError):
        return f"{name}: {error.message}"  # the message id, without the values
    if isinstance(error, _CODE_ERRORS):
        return f"{name}: {error}"
    return name


def safe_traceback(error: BaseException) -> str:
    """The traceback of ``error`` and of the errors that led to it, each described by
    :func:`describe`: where it happened (files, lines, code), never what it quoted."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above was the direct cause of:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "While handling the above, another error:"
        else:
            current = None
    lines: list[str] = []
    oldest_first = list(reversed(chain))
    for index, (each, _link) in enumerate(oldest_first):
        if index:
            lines.append(oldest_first[index - 1][1])  # how the one above led to this one
        lines.append("Traceback (most recent call last):")
        lines.extend(_frames(each.__traceback__))
        lines.append(describe(each))
    return "\n".join(lines)


def _frames(tb: TracebackType | None) -> list[str]:
    entries = traceback.format_tb(tb)
    return [line for entry in entries for line in entry.splitlines() if line.strip()]


def withheld(message: str) -> str:
    """A formatted log message cut where it starts quoting a statement or a row."""
    cut = min((message.find(marker) for marker in _DATA_MARKERS if marker in message), default=-1)
    if cut < 0:
        return message
    return message[:cut].rstrip() + " [statement and values withheld]"
