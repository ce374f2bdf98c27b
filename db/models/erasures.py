"""What erasing must outlive: the list of erased files, and the documents written for people.

``erasure`` remembers which files were erased (by id and the instant the file was opened,
never a name), so that a backup put back later is erased again before anyone sees it.
``document_file`` remembers every file written about a person (slips, cards, exports) and on
which machine, so that it is deleted with the person, or once the office's retention passed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, office_fk, one_of


class ErasureKind(StrEnum):
    """Why a file was erased."""

    ERASURE = "erasure"  # on the person's request
    WITHDRAWAL = "withdrawal"  # the person withdrew consent
    PURGE = "purge"  # the retention period passed


class Erasure(Base):
    """One erased file: which (id and opening instant), when and why; never who it was.

    No foreign key on the visitor: the list is copied into a restored backup, where a file
    opened after the backup does not exist.
    """

    __tablename__ = "erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    # Tells this file from another given the same id in a database restored meanwhile.
    file_created_at: Mapped[datetime]
    erased_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))

    __table_args__ = (one_of("kind", ErasureKind),)


class DocumentFile(Base):
    """A file written for a person: where (machine and path), when, for which file."""

    __tablename__ = "document_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    host: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_document_file_host_created", "host", "created_at"),)
