"""Documents written for people are deleted with them, and after the office's retention.

Every slip, card and right-of-access export is listed (:mod:`pimms_tui.domain.document_registry`)
with the machine that wrote it. Erasing a person deletes at once the files this machine wrote
for them; every start of a desk and every ``pimms purge`` deletes the listed files of erased
people and those older than the office's ``document_retention_days``, then any file of the
documents folder older than the shortest retention (statistics exports, files written before
the list existed).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from pimms_tui.db.engine import Database
from pimms_tui.domain.clock import Clock
from pimms_tui.domain.document_registry import (
    ListedDocument,
    documents_due,
    documents_of,
    forget_documents,
    list_document,
    shortest_retention,
)
from pimms_tui.settings import data_dir


def this_machine() -> str:
    """The name the list gives this machine (its host name)."""
    return socket.gethostname() or "localhost"


def documents_folder() -> Path:
    """The documents folder of the data folder (it may not exist yet)."""
    return data_dir() / "documents"


class DocumentFiles:
    """Lists the files written for people and deletes them when they must go."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    def listed(self, office_id: int, visitor_id: int | None, kind: str, *paths: Path) -> None:
        """List files just written (for ``visitor_id`` when known)."""
        now = self.clock.now()
        with self.database.write() as session:
            for path in paths:
                list_document(
                    session,
                    office_id,
                    visitor_id,
                    kind,
                    this_machine(),
                    str(Path(path).resolve()),
                    now,
                )

    def delete_for(self, visitor_ids: Sequence[int]) -> int:
        """Delete the files this machine wrote for these people; how many went."""
        with self.database.read() as session:
            found = documents_of(session, visitor_ids, this_machine())
        return self._delete(found)

    def sweep(self, folder: Path | None = None) -> int:
        """Delete the listed files due (erased person, past retention), then the documents
        folder's files older than the shortest retention; how many went."""
        now = self.clock.now()
        with self.database.read() as session:
            due = documents_due(session, this_machine(), now)
            days = shortest_retention(session)
        deleted = self._delete(due)
        folder = documents_folder() if folder is None else folder
        if days is not None and folder.is_dir():
            deleted += _delete_older(folder, now - timedelta(days=days))
        return deleted

    def _delete(self, documents: Sequence[ListedDocument]) -> int:
        gone: list[int] = []
        for document in documents:
            try:
                Path(document.path).unlink(missing_ok=True)
            except OSError:
                continue  # kept listed: tried again at the next sweep
            gone.append(document.id)
        if gone:
            with self.database.write() as session:
                forget_documents(session, gone)
        return len(gone)


def _delete_older(folder: Path, cutoff: datetime) -> int:
    """Delete the files under ``folder`` last written before ``cutoff``; how many."""
    limit = cutoff.timestamp()
    deleted = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
        except OSError:
            continue
    return deleted
