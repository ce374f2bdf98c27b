"""Keeping a database safe: an online backup of the SQLite file, its restore, and a check-up.

Use cases of the command line on the database as a whole (every office at once).

``pimms backup``, ``pimms restore`` and ``pimms doctor`` call these; no Textual here. A backup
uses SQLite's online backup API, so desks may keep writing while it runs: the copy is one
consistent snapshot. PostgreSQL is backed up with ``pg_dump`` (see the README).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from pimms_tui.db import migrate
from pimms_tui.db.engine import SQLITE_BUSY_TIMEOUT_MS, Database
from pimms_tui.db.models import Motif, Office, Register, Thematique
from pimms_tui.domain.messages import N_
from pimms_tui.errors import PimmsError

BACKUP_PAGES_PER_STEP = 256  # pages copied between two yields to the desks' writers
REGISTER_COUNT = 8
CLOCK_TOLERANCE = timedelta(seconds=60)


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
    target.parent.mkdir(parents=True, exist_ok=True)
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
    target_path.parent.mkdir(parents=True, exist_ok=True)
    backup_source = sqlite3.connect(f"file:{report.path}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        backup_source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        backup_source.close()
    return report


# Doctor -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One line of the check-up: ``ok`` or not, and a msgid with its values."""

    ok: bool
    message: str
    params: dict[str, object]


def _finding(ok: bool, message: str, **params: object) -> Finding:
    return Finding(ok, message, params)


def doctor(url: str, data_folder: Path, now: datetime | None = None) -> list[Finding]:
    """Check the connection, the migration level, the catalogues, the folder and the clock."""
    findings = [_check_folder(data_folder)]
    try:
        database = Database.from_url(url)
    except (NoSuchModuleError, ValueError) as error:
        findings.append(
            _finding(False, N_("The database address cannot be used: {reason}"), reason=error)
        )
        return findings
    try:
        findings.extend(_check_database(database, now or datetime.now(UTC)))
    finally:
        database.dispose()
    return findings


def _check_folder(folder: Path) -> Finding:
    if not folder.exists():
        return _finding(
            True,
            N_("The data folder {path} does not exist yet (created on first start)."),
            path=folder,
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return _finding(
            False, N_("The data folder {path} is read-only: nothing can be saved."), path=folder
        )
    mode = folder.stat().st_mode & 0o777
    if mode & 0o007:
        return _finding(
            False,
            N_(
                "The data folder {path} is open to every user of this computer (mode {mode}): "
                "run chmod o-rwx on it."
            ),
            path=folder,
            mode=oct(mode),
        )
    return _finding(True, N_("The data folder {path} is writable and private."), path=folder)


def _check_database(database: Database, now: datetime) -> list[Finding]:
    findings: list[Finding] = []
    url = database.engine.url.render_as_string(hide_password=True)
    try:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            if database.is_sqlite:
                server_now = None
                check = connection.exec_driver_sql("PRAGMA quick_check").scalar()
            else:
                server_now = connection.exec_driver_sql("SELECT now()").scalar()
                check = "ok"
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "?"
        findings.append(
            _finding(
                False,
                N_("The database cannot be reached ({url}): {reason}"),
                url=url,
                reason=reason,
            )
        )
        return findings
    findings.append(_finding(True, N_("The database answers: {url}"), url=url))
    if check != "ok":
        findings.append(
            _finding(
                False, N_("The database file is damaged: {reason}. Restore a backup."), reason=check
            )
        )
    revision = migrate.current_revision(database.engine)
    if revision is None:
        findings.append(_finding(False, N_("The database is empty: run pimms db upgrade.")))
        return findings
    if revision == migrate.HEAD_REVISION:
        findings.append(
            _finding(True, N_("The schema is current ({revision})."), revision=revision)
        )
    elif revision > migrate.HEAD_REVISION:
        findings.append(
            _finding(
                False,
                N_(
                    "The database is at {revision}, newer than this version ({head}): update PIMMS."
                ),
                revision=revision,
                head=migrate.HEAD_REVISION,
            )
        )
    else:
        findings.append(
            _finding(
                False,
                N_(
                    "The database is at {revision}, this version needs {head}: "
                    "run pimms db upgrade."
                ),
                revision=revision,
                head=migrate.HEAD_REVISION,
            )
        )
        return findings
    with database.read() as session:
        registers = session.scalar(select(func.count()).select_from(Register)) or 0
        motifs = (
            session.scalar(select(func.count()).select_from(Motif).where(Motif.active.is_(True)))
            or 0
        )
        thematiques = session.scalar(select(func.count()).select_from(Thematique)) or 0
        offices = session.scalar(select(func.count()).select_from(Office)) or 0
    if registers == REGISTER_COUNT and motifs and thematiques:
        findings.append(
            _finding(
                True,
                N_(
                    "Catalogues: {registers} registers, {motifs} reasons, {thematiques} "
                    "thématiques."
                ),
                registers=registers,
                motifs=motifs,
                thematiques=thematiques,
            )
        )
    else:
        findings.append(
            _finding(
                False,
                N_(
                    "Catalogues incomplete ({registers} registers of 8, {motifs} reasons, "
                    "{thematiques} thématiques): run pimms db upgrade."
                ),
                registers=registers,
                motifs=motifs,
                thematiques=thematiques,
            )
        )
    if not offices:
        findings.append(_finding(True, N_("No office yet: the first start asks for its name.")))
    findings.append(_check_clock(now, server_now))
    return findings


def _check_clock(now: datetime, server_now: datetime | None) -> Finding:
    if server_now is None:
        if now.year < 2024:
            return _finding(
                False,
                N_("This computer's clock is wrong ({now}): set the date."),
                now=now.isoformat(timespec="seconds"),
            )
        return _finding(True, N_("The clock reads {now}."), now=now.isoformat(timespec="seconds"))
    if server_now.tzinfo is None:
        server_now = server_now.replace(tzinfo=UTC)
    drift = abs(now - server_now)
    if drift > CLOCK_TOLERANCE:
        return _finding(
            False,
            N_(
                "This computer's clock differs from the database server's by {seconds} s: "
                "waiting times will be wrong. Set both clocks (NTP)."
            ),
            seconds=int(drift.total_seconds()),
        )
    return _finding(True, N_("The clock agrees with the database server's."))
