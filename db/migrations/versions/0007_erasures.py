"""erasures: the list of erased files, the documents written for people, their retention

Revision ID: 0007
Revises: 0005 (0006 was never shipped: two changes were written side by side)
Create Date: 2026-12-07 23:40:00.000000

``erasure`` lists the erased files (id, opening instant, when, why; never a name) so that a
restored backup is erased again; ``document_file`` lists the slips, cards and exports written
for a person, so they are deleted with the person or after ``office.document_retention_days``.

On PostgreSQL the tables holding a person's text are vacuumed by autovacuum after a few dozen
changed rows rather than a fifth of the table: the old versions of an erased or edited row are
reclaimed within minutes even when the desks' role may not VACUUM (only the owner may).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pimms_tui.db.types

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL_TABLES = ("visitor", "visitor_search_token", "demand", "relay")
AUTOVACUUM = "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 50"


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of ``office`` would break the tables pointing at it.
    op.add_column(
        "office",
        sa.Column("document_retention_days", sa.Integer(), nullable=False, server_default="30"),
    )
    op.create_table(
        "erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("file_created_at", pimms_tui.db.types.UTCDateTime(), nullable=False),
        sa.Column("erased_at", pimms_tui.db.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "kind IN ('erasure', 'withdrawal', 'purge')", name=op.f("ck_erasure_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_erasure_office_id_office"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure")),
    )
    op.create_index(op.f("ix_erasure_office_id"), "erasure", ["office_id"], unique=False)
    op.create_index(op.f("ix_erasure_visitor_id"), "erasure", ["visitor_id"], unique=False)
    op.create_table(
        "document_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("created_at", pimms_tui.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_document_file_office_id_office"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["visitor.id"], name=op.f("fk_document_file_visitor_id_visitor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_file")),
    )
    op.create_index(
        "ix_document_file_host_created", "document_file", ["host", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_document_file_office_id"), "document_file", ["office_id"], unique=False
    )
    op.create_index(
        op.f("ix_document_file_visitor_id"), "document_file", ["visitor_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in PERSONAL_TABLES:
            op.execute(f"ALTER TABLE {table} SET ({AUTOVACUUM})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PERSONAL_TABLES:
            op.execute(
                f"ALTER TABLE {table} RESET "
                "(autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)"
            )
    op.drop_table("document_file")
    op.drop_table("erasure")
    op.execute("ALTER TABLE office DROP COLUMN document_retention_days")
