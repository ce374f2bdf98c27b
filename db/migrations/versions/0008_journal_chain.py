"""journal chain: each entry sealed with the previous one's hash; REPLACE refused on SQLite

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:40:00.000000

Every journal entry gets ``previous_hash`` and ``entry_hash`` (``db.journal_chain``): a change
to an old entry, or one removed or slipped in, breaks the chain at the next entry and
``pimms doctor`` names it. The head of the chain (``audit_chain``, one row) is what writers
lock to seal in turn. Existing entries are sealed here, in the order of their ids. On SQLite
a trigger refuses an insert that would replace an entry (``INSERT OR REPLACE``, ``REPLACE
INTO``): SQLite's replace deletes the old row without firing the delete trigger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pimms_tui.db.types
from pimms_tui.db.journal_chain import GENESIS, entry_hash

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_entry is append-only"

_entries = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer()),
    sa.column("at", pimms_tui.db.types.UTCDateTime()),
    sa.column("office_id", sa.Integer()),
    sa.column("staff_id", sa.Integer()),
    sa.column("desk_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.Integer()),
    sa.column("detail", sa.JSON()),
    sa.column("previous_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
)


def _sqlite_guards(with_replace: bool) -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    if with_replace:
        # Fires before the conflict is resolved: a REPLACE finds the entry it would delete.
        op.execute(
            "CREATE TRIGGER audit_entry_no_replace BEFORE INSERT ON audit_entry "
            "WHEN EXISTS (SELECT 1 FROM audit_entry "
            "WHERE id = NEW.id OR previous_hash = NEW.previous_hash) "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def _drop_sqlite_guards() -> None:
    for name in ("update", "delete", "replace"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_entry_no_{name}")


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    op.add_column("audit_entry", sa.Column("previous_hash", sa.String(64), nullable=True))
    op.add_column("audit_entry", sa.Column("entry_hash", sa.String(64), nullable=True))
    if postgres:
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    else:
        _drop_sqlite_guards()

    previous, last_id = GENESIS, None
    rows = bind.execute(sa.select(_entries).order_by(_entries.c.id)).mappings().all()
    for row in rows:
        sealed = entry_hash(
            id=row["id"],
            at=row["at"],
            office_id=row["office_id"],
            staff_id=row["staff_id"],
            desk_id=row["desk_id"],
            action=row["action"],
            entity=row["entity"],
            entity_id=row["entity_id"],
            detail=row["detail"],
            previous_hash=previous,
        )
        bind.execute(
            _entries.update()
            .where(_entries.c.id == row["id"])
            .values(previous_hash=previous, entry_hash=sealed)
        )
        previous, last_id = sealed, row["id"]
    op.execute(
        sa.text(
            "INSERT INTO audit_chain (id, last_id, last_hash) VALUES (1, :last_id, :hash)"
        ).bindparams(last_id=last_id, hash=previous)
    )

    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("previous_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("entry_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint(op.f("uq_audit_entry_previous_hash"), ["previous_hash"])
    if postgres:
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
    else:
        _sqlite_guards(with_replace=True)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:
        _drop_sqlite_guards()
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_constraint(op.f("uq_audit_entry_previous_hash"), type_="unique")
        batch.drop_column("entry_hash")
        batch.drop_column("previous_hash")
    if not postgres:
        _sqlite_guards(with_replace=False)
    op.drop_table("audit_chain")
