"""``pimms doctor``: a check-up of the database, its schema, catalogues, data folder and clock.

Each check returns :class:`Finding` lines. A check of the database as a whole that needs an open
:class:`Database` is one function ``(database) -> list[Finding]`` listed in ``DATABASE_CHECKS``:
add a check by writing it in its own module (it imports ``Finding`` from ``.findings``) and
listing it there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.models import Motif, Office, Register, Thematique
from pimms_tui.domain.messages import N_

from . import doctor_files
from .findings import Finding
from .findings import finding as _finding

REGISTER_COUNT = 8
CLOCK_TOLERANCE = timedelta(seconds=60)


def doctor(
    url: str,
    data_folder: Path,
    now: datetime | None = None,
    *,
    config_folder: Path | None = None,
    repair: bool = False,
) -> list[Finding]:
    """Check the folders' modes, the connection, the migration level, catalogues and clock.

    With ``repair``, folders and files that other accounts could read are made private first,
    each change reported as a line of its own.
    """
    folders = [data_folder] + ([config_folder] if config_folder is not None else [])
    findings = doctor_files.repair(folders) if repair else []
    findings.append(_check_folder(data_folder))
    if data_folder.exists():
        findings.append(doctor_files.check_modes(folders))
    try:
        database = Database.from_url(url)
    except (NoSuchModuleError, ValueError) as error:
        findings.append(
            _finding(False, N_("The database address cannot be used: {reason}"), reason=error)
        )
        return findings
    try:
        if database.is_sqlite and _not_created_yet(database):
            findings.append(
                _finding(
                    True,
                    N_("There is no database yet at {path} (created on first start)."),
                    path=database.engine.url.database,
                )
            )
            return findings
        if repair:
            findings.extend(doctor_files.repair(doctor_files.sqlite_files(database)))
        findings.extend(_check_database(database, now or datetime.now(UTC)))
        if all(finding.ok for finding in findings):
            for check in DATABASE_CHECKS:
                findings.extend(check(database))
    finally:
        database.dispose()
    return findings


def _not_created_yet(database: Database) -> bool:
    """Whether the SQLite file is still to be created (connecting would create it empty)."""
    name = database.engine.url.database
    return bool(name) and name != ":memory:" and not Path(str(name)).exists()


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


# Further checks of an open, current database, each in its own module.
DATABASE_CHECKS: tuple[Callable[[Database], list[Finding]], ...] = (
    doctor_files.database_file_modes,
)
