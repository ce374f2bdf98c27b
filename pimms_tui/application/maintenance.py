"""Keeping a database safe: an online backup of the SQLite file, its restore, and a check-up.

Use cases of the command line on the database as a whole (every office at once).

``pimms backup``, ``pimms restore`` and ``pimms doctor`` call these; no Textual here. A backup
uses SQLite's online backup API, so desks may keep writing while it runs: the copy is one
consistent snapshot. PostgreSQL is backed up with ``pg_dump`` (see the README).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from pimms_tui.db import migrate
from pimms_tui.db.engine import SQLITE_BUSY_TIMEOUT_MS
from pimms_tui.domain.messages import N_
from pimms_tui.errors import PimmsError
from pimms_tui.settings import FILE_MODE, FOLDER_MODE

BACKUP_PAGES_PER_STEP = 256  # pages copied between two yields to the desks' writers


class MaintenanceError(PimmsError):
    """A backup or restore cannot be done; ``message`` is a msgid, ``params`` its values."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, params)


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; refused for another engine or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise MaintenanceError(
            N_("Backups of PostgreSQL are made with pg_dump (see the README), not with pimms.")
        )
    if parsed.database in (None, "", ":memory:"):
        raise MaintenanceError(N_("This database lives in memory: there is no file to copy."))
    return Path(parsed.database)


@dataclass(frozen=True)
class BackupReport:
    """What a backup or a restore copied."""

    path: Path
    size_bytes: int
    revision: str | None
    visits: int


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Page by page: between steps the desks' writers get the lock back."""
    source.backup(target, pages=BACKUP_PAGES_PER_STEP)


def _summary(path: Path) -> tuple[str | None, int]:
    """The migration level and number of visits of a SQLite file (checks it is one of ours)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            connection.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables or "visit" not in tables:
                raise MaintenanceError(N_("{path} is not a PIMMS database."), path=path)
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            visits = connection.execute("SELECT count(*) FROM visit").fetchone()[0]
        return (revision[0] if revision else None), int(visits)
    except sqlite3.DatabaseError as error:
        raise MaintenanceError(
            N_("{path} is not a readable database: {reason}"), path=path, reason=error
        ) from error


def backup(url: str, target: Path) -> BackupReport:
    """Copy a live SQLite database to ``target`` as one consistent snapshot.

    The copy is written beside the target and renamed at the end: an interrupted backup
    never leaves a half-written file under the name asked for.
    """
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise MaintenanceError(N_("There is no database at {path}."), path=source_path)
    target = target.expanduser()
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = target / f"pimms-{stamp}.sqlite3"
    if target.resolve() == source_path.resolve():
        raise MaintenanceError(N_("The backup cannot overwrite the database itself."))
    target.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(prefix=".pimms-backup-", dir=target.parent)
    os.close(handle)
    partial = Path(partial_name)
    try:
        source = sqlite3.connect(source_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        copy = sqlite3.connect(partial)
        try:
            _copy(source, copy)
            # A self-contained file: no -wal beside it to carry around.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()
        revision, visits = _summary(partial)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(target, target.stat().st_size, revision, visits)


def inspect_backup(path: Path) -> BackupReport:
    """What a backup file holds (read only), before the user confirms a restore."""
    path = path.expanduser()
    if not path.is_file():
        raise MaintenanceError(N_("There is no backup at {path}."), path=path)
    revision, visits = _summary(path)
    return BackupReport(path, path.stat().st_size, revision, visits)


def restore(url: str, source: Path) -> BackupReport:
    """Put a backup back in place of the database, through SQLite (not a file copy).

    Writing through the backup API takes the database's own locks and resets its WAL, so a
    desk left open cannot write a stale page over the restored file; desks should be closed
    all the same (the README says so).
    """
    report = inspect_backup(source)
    if report.revision is not None and report.revision > migrate.HEAD_REVISION:
        raise MaintenanceError(
            N_("This backup comes from a newer version of PIMMS ({revision}): update first."),
            revision=report.revision,
        )
    target_path = sqlite_path(url)
    target_path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _private_file(target_path)
    backup_source = sqlite3.connect(f"file:{report.path}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        backup_source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        backup_source.close()
    for suffix in ("", "-wal", "-shm"):
        companion = Path(f"{target_path}{suffix}")
        if companion.exists():
            companion.chmod(FILE_MODE)
    return report


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist: SQLite then keeps that mode
    (and gives it to the -wal and -shm files), whatever the umask."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
