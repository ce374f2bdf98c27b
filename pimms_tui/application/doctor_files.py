"""``pimms doctor``'s check of file modes: the data and config folders and everything in them.

They hold names, notes, exports, the log and the staff's PIN hashes: folders are 0700 and files
0600, readable by the account that runs PIMMS only. ``pimms doctor --repair`` makes them so
and says what it changed. A SQLite database kept outside the data folder is checked with its
``-wal``, ``-shm`` and ``-journal`` files (:func:`database_file_modes`, in ``DATABASE_CHECKS``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pimms_tui.db.engine import Database
from pimms_tui.domain.messages import N_
from pimms_tui.settings import FILE_MODE, FOLDER_MODE

from .findings import Finding, finding

SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
SHOWN_AT_MOST = 5  # paths named in one finding; the rest are counted


@dataclass(frozen=True)
class OpenEntry:
    """A folder or file that other accounts of the computer can reach."""

    path: Path
    mode: int
    wanted: int


def _entries(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """``root`` and everything under it, symbolic links left aside (never followed)."""
    try:
        info = root.lstat()
    except OSError:
        return
    yield root, info
    if not stat.S_ISDIR(info.st_mode):
        return
    for folder, folders, files in os.walk(root, followlinks=False):
        for name in (*folders, *files):
            path = Path(folder) / name
            try:
                yield path, path.lstat()
            except OSError:
                continue  # removed meanwhile (a -journal file comes and goes)


def open_entries(paths: Iterable[Path]) -> list[OpenEntry]:
    """Folders not 0700 and files not 0600 among ``paths`` and what is under them."""
    found: list[OpenEntry] = []
    seen: set[Path] = set()
    for root in paths:
        for path, info in _entries(root):
            if path in seen or stat.S_ISLNK(info.st_mode):
                continue
            seen.add(path)
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                # Only the others' rights go: the owner's stay as they are (a read-only
                # file stays read-only).
                wanted = mode & (FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE | 0o100)
                found.append(OpenEntry(path, mode, wanted))
    return found


def repair(paths: Iterable[Path]) -> list[Finding]:
    """Make every folder 0700 and every file 0600 under ``paths``; one line per change."""
    changes: list[Finding] = []
    for entry in open_entries(paths):
        try:
            entry.path.chmod(entry.wanted)
        except OSError as error:
            changes.append(
                finding(
                    False,
                    N_("{path} could not be made private: {reason}"),
                    path=entry.path,
                    reason=error.strerror or error,
                )
            )
            continue
        changes.append(
            finding(
                True,
                N_("Made private: {path} ({before} → {after})."),
                path=entry.path,
                before=_octal(entry.mode),
                after=_octal(entry.wanted),
            )
        )
    return changes


def check_modes(paths: Iterable[Path]) -> Finding:
    """One line: every folder and file under ``paths`` private, or which ones are not."""
    roots = [path for path in paths if path.exists()]
    found = open_entries(roots)
    if not found:
        return finding(
            True,
            N_("Only this account can read {folders} (folders 0700, files 0600)."),
            folders=", ".join(str(root) for root in roots) or "-",
        )
    shown = ", ".join(f"{entry.path} ({_octal(entry.mode)})" for entry in found[:SHOWN_AT_MOST])
    if len(found) > SHOWN_AT_MOST:
        shown += " …"
    return finding(
        False,
        N_(
            "{count} files or folders can be read by other accounts of this computer: {paths}. "
            "Run pimms doctor --repair."
        ),
        count=len(found),
        paths=shown,
    )


def sqlite_files(database: Database) -> list[Path]:
    """The SQLite database's file and its companions that exist (none for PostgreSQL)."""
    name = database.engine.url.database if database.is_sqlite else None
    if not name or name == ":memory:" or name.startswith("file:"):
        return []
    base = Path(name)
    return [
        Path(f"{base}{suffix}") for suffix in SQLITE_COMPANIONS if Path(f"{base}{suffix}").exists()
    ]


def database_file_modes(database: Database) -> list[Finding]:
    """The SQLite file, its -wal, -shm and -journal: 0600 each (nothing to check on PostgreSQL)."""
    files = sqlite_files(database)
    if not files:
        return []
    return [check_modes(files)]


def _octal(mode: int) -> str:
    return f"{mode:04o}"
