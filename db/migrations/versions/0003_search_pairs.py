"""visitor search: pair tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 06:10:00.000000

Each ordered pair of a visitor's name tokens becomes a token too ("~sophie bernard"), so that
a common first name and an initial ("Sophie B") are one range of the index. No schema
change: the pairs of the files that exist are written here, in batches; downgrading removes
them (every pair token starts with the mark "~", which no other token does).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_MARK = "~"

_token = sa.table(
    "visitor_search_token",
    sa.column("visitor_id", sa.Integer),
    sa.column("token", sa.String),
    sa.column("office_id", sa.Integer),
)


def upgrade() -> None:
    from pimms_tui.db.search_index import pair_tokens, token_rows

    connection = op.get_bind()
    visitor = sa.table(
        "visitor",
        sa.column("id", sa.Integer),
        sa.column("office_id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("anonymised_at", sa.DateTime),
        sa.column("merged_into_id", sa.Integer),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(visitor.c.id, visitor.c.office_id, visitor.c.first_name, visitor.c.last_name)
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
                row.id, row.office_id, pair_tokens(row.first_name, row.last_name)
            )
        ]
        if values:
            connection.execute(sa.insert(_token), values)
        last_id = rows[-1].id


def downgrade() -> None:
    op.execute(sa.delete(_token).where(_token.c.token.startswith(_MARK, autoescape=True)))
