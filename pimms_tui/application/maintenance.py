"""Keeping a database safe: an online backup of the SQLite file, its restore, and a check-up.

Use cases of the command line on the database as a whole (every office at once).

``pimms backup``, ``pimms restore`` and ``pimms doctor`` call these; no Textual here. A backup
uses SQLite's online backup API, so desks may keep writing while it runs: the copy is one
consistent snapshot. PostgreSQL is backed up with ``pg_dump`` (see the README).

A restore never brings back a person erased since the backup was made: the live database's
list of erasures is applied to a copy of the backup before the copy is put in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from pimms_tui.db import migrate
from pimms_tui.db.engine import SQLITE_BUSY_TIMEOUT_MS, Database
from pimms_tui.db.reclaim import reclaim
from pimms_tui.documents.files import write_private
from pimms_tui.domain.messages import N_
from pimms_tui.domain.rights import ErasureRecord, erasure_records, reapply_erasures
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
    erased_again: int = 0  # files erased since the backup, erased again in the restored copy


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

    The backup is first copied beside the database and the live database's erasures are
    applied to the copy (a person erased or withdrawn since the backup stays erased); the
    copy is then written over the database. Writing through the backup API takes the
    database's own locks and resets its WAL, so a desk left open cannot write a stale page
    over the restored file; desks should be closed all the same (the README says so).
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
    records = _live_erasures(target_path)
    handle, staging_name = tempfile.mkstemp(prefix=".pimms-restore-", dir=target_path.parent)
    os.close(handle)
    staging = Path(staging_name)
    try:
        _copy_file(report.path, staging)
        erased_again = _erase_again(staging, records) if records else 0
        _copy_file(staging, target_path, wal=True)
    finally:
        for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm")):
            leftover.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        companion = Path(f"{target_path}{suffix}")
        if companion.exists():
            companion.chmod(FILE_MODE)
    return BackupReport(
        report.path, report.size_bytes, report.revision, report.visits, erased_again
    )


def _copy_file(source: Path, target: Path, *, wal: bool = False) -> None:
    """Copy a SQLite database over another through the backup API (the target's locks)."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        writer.execute("PRAGMA secure_delete=ON")
        reader.backup(writer)
        writer.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
    finally:
        writer.close()
        reader.close()


def _live_erasures(path: Path) -> list[ErasureRecord]:
    """The list of erasures of the database about to be replaced (none if it has none)."""
    if not path.exists():
        return []
    database = Database.from_url(f"sqlite:///{path}")
    try:
        with database.read() as session:
            if not inspect(session.connection()).has_table("erasure"):
                return []
            return erasure_records(session)
    finally:
        database.dispose()


def _erase_again(path: Path, records: list[ErasureRecord]) -> int:
    """Bring the copy to this version's schema, erase again the files listed; how many."""
    database = Database.from_url(f"sqlite:///{path}")
    try:
        if not migrate.is_current(database.engine):
            migrate.upgrade(database.engine)
        with database.write() as session:
            again = reapply_erasures(session, records)
        reclaim(database.engine)
    finally:
        database.dispose()
    connection = sqlite3.connect(path)
    try:  # one file again, to be copied
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    return again


# --- The list of erasures, carried across a PostgreSQL restore ---------------------------------

ERASURE_LIST_FORMAT = "pimms-erasures/1"


def save_erasure_list(url: str, path: Path) -> int:
    """Write the database's list of erasures (ids and instants, no name) to ``path`` (0600),
    to be applied again after a ``pg_restore``; how many erasures it holds."""
    database = Database.from_url(url)
    try:
        with database.read() as session:
            records = erasure_records(session)
    finally:
        database.dispose()
    rows = [
        {
            "office_id": r.office_id,
            "visitor_id": r.visitor_id,
            "file_created_at": r.file_created_at.isoformat(),
            "erased_at": r.erased_at.isoformat(),
            "kind": r.kind,
        }
        for r in records
    ]
    write_private(path.expanduser(), json.dumps({"format": ERASURE_LIST_FORMAT, "erasures": rows}))
    return len(rows)


def apply_erasure_list(url: str, path: Path) -> int:
    """Erase again, in the database (a restored one), the files of a saved list; how many."""
    try:
        data = json.loads(path.expanduser().read_text(encoding="utf-8"))
        if data.get("format") != ERASURE_LIST_FORMAT:
            raise ValueError(data.get("format"))
        records = [
            ErasureRecord(
                int(row["office_id"]),
                int(row["visitor_id"]),
                datetime.fromisoformat(row["file_created_at"]),
                datetime.fromisoformat(row["erased_at"]),
                str(row["kind"]),
            )
            for row in data["erasures"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise MaintenanceError(
            N_("{path} is not a list of erasures: {reason}"), path=path, reason=error
        ) from error
    database = Database.from_url(url)
    try:
        if not migrate.is_current(database.engine):
            migrate.upgrade(database.engine)
        with database.write() as session:
            again = reapply_erasures(session, records)
        reclaim(database.engine, rewrite=True)
    finally:
        database.dispose()
    return again


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist: SQLite then keeps that mode
    (and gives it to the -wal and -shm files), whatever the umask."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
