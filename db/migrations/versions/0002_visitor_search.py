"""visitor search tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 03:30:00.000000

The search as you type reads ``visitor_search_token`` (one row per word a file is found by);
existing files are indexed here, in batches.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "visitor_search_token",
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column(
            "token",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_visitor_search_token_office_id_office"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitor.id"],
            name=op.f("fk_visitor_search_token_visitor_id_visitor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("visitor_id", "token", name=op.f("pk_visitor_search_token")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("visitor_search_token", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visitor_search_token_office_token",
            ["office_id", "token", "visitor_id"],
            unique=False,
        )
    _index_existing_visitors()


def _index_existing_visitors() -> None:
    """Index the files that exist already (merged and anonymised ones are never indexed)."""
    from pimms_tui.db.search_index import search_tokens, token_rows

    connection = op.get_bind()
    visitor = sa.table(
        "visitor",
        sa.column("id", sa.Integer),
        sa.column("office_id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("phone_digits", sa.String),
        sa.column("birth_year", sa.Integer),
        sa.column("anonymised_at", sa.DateTime),
        sa.column("merged_into_id", sa.Integer),
    )
    token = sa.table(
        "visitor_search_token",
        sa.column("visitor_id", sa.Integer),
        sa.column("token", sa.String),
        sa.column("office_id", sa.Integer),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(
                visitor.c.id,
                visitor.c.office_id,
                visitor.c.first_name,
                visitor.c.last_name,
                visitor.c.phone_digits,
                visitor.c.birth_year,
            )
            .where(
                visitor.c.id > last_id,
                visitor.c.anonymised_at.is_(None),
                visitor.c.merged_into_id.is_(None),
            )
            .order_by(visitor.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        values = [
            value
            for row in rows
            for value in token_rows(
                row.id,
                row.office_id,
                search_tokens(row.first_name, row.last_name, row.phone_digits, row.birth_year),
            )
        ]
        if values:
            connection.execute(sa.insert(token), values)
        last_id = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("visitor_search_token", schema=None) as batch_op:
        batch_op.drop_index("ix_visitor_search_token_office_token")

    op.drop_table("visitor_search_token")
