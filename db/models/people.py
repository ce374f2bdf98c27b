"""Visitors, their consents and the words the search as you type reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import (
    ConsentScope,
)
from .base import Base, office_fk, one_of


class Visitor(Base):
    """A person with a named file; identity is optional and erased on withdrawal or retention."""

    __tablename__ = "visitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(35))
    needs: Mapped[list[str]] = mapped_column(default=list)
    commune: Mapped[str | None] = mapped_column(String(120))
    # Folded, sorted name tokens ("dupont helene moreau"): what the search index reads.
    search_key: Mapped[str] = mapped_column(String(300), default="", index=True)
    # National significant digits of the phone ("0612345678"), for searching by digits.
    phone_digits: Mapped[str | None] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    anonymised_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name="birth_year_plausible",
        ),
        Index("ix_visitor_office_activity", "office_id", "last_activity_at"),
    )


class Consent(Base):
    """A consent the visitor gave (keep a file, share with a partner), and its withdrawal."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = office_fk()
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitor.id"), index=True)
    scope: Mapped[str] = mapped_column(String(24))
    given_at: Mapped[datetime]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text_version_hash: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None]

    __table_args__ = (one_of("scope", ConsentScope),)


# PostgreSQL compares the tokens byte-wise ("C"), whatever the database's locale: a prefix is
# then exactly a range of the index (a locale's collation may sort "ch" after "h", or ignore
# some letters). SQLite's default BINARY collation already does so.
SEARCH_TOKEN_TYPE = String(64).with_variant(String(64, collation="C"), "postgresql")


class VisitorSearchToken(Base):
    """One searchable word of a visitor's file: what the search as you type reads.

    A folded name part ("helene", "dupont"), a compound joined up ("dupontmoreau", "ndiaye"),
    the national phone digits or the birth year; rewritten whenever one of them changes and
    removed when the file is merged or anonymised (pimms_tui.db.search_index).
    """

    __tablename__ = "visitor_search_token"

    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitor.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(SEARCH_TOKEN_TYPE, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="RESTRICT"))

    __table_args__ = (
        # Prefix look-ups are ranges of this index; it covers the visitor id too.
        Index("ix_visitor_search_token_office_token", "office_id", "token", "visitor_id"),
        {"sqlite_with_rowid": False},
    )
