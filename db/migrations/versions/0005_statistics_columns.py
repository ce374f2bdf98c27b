"""statistics columns: the visit's day on demands and relays, waited and listened seconds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 06:50:00.000000

The statistics of a network's year read millions of rows: joining every demand to its visit
for its day, and reading the events of the visits put back, recalled or transferred, cost
most of their time. The day of the visit is copied into ``demand`` and ``relay`` (indexed
with the office), and the visit keeps its waiting and listening seconds, written by the
status changes from now on. Existing rows are filled here with exactly the computation the
statistics used until now, so every figure stays the same.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Visits whose history was reshaped: put back or recalled (called → waiting, called →
# called) or transferred (in_progress → waiting); their times come from their events.
RESHAPED = (
    "SELECT visit_id FROM visit_event WHERE from_status IN ('called', 'in_progress') "
    "AND to_status IN ('waiting', 'called')"
)


def upgrade() -> None:
    op.add_column("visit", sa.Column("waited_seconds", sa.Float(), nullable=True))
    op.add_column("visit", sa.Column("listened_seconds", sa.Float(), nullable=True))
    op.add_column("demand", sa.Column("day", sa.Date(), nullable=True))
    op.add_column("relay", sa.Column("day", sa.Date(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:

        def seconds(start: str, end: str) -> str:
            return f"date_part('epoch', {end} - {start})"

        def epoch(instant: str) -> str:
            return f"date_part('epoch', {instant})"

    else:

        def seconds(start: str, end: str) -> str:
            return f"((julianday({end}) - julianday({start})) * 86400.0)"

        def epoch(instant: str) -> str:
            return f"((julianday({instant}) - 2440587.5) * 86400.0)"

    # Straight visits: the visit row's own instants.
    op.execute(
        f"""
        UPDATE visit SET
            waited_seconds = {seconds("arrived_at", "called_at")},
            listened_seconds = CASE WHEN status = 'done'
                THEN {seconds("started_at", "finished_at")} END
        WHERE (called_at IS NOT NULL OR started_at IS NOT NULL) AND id NOT IN ({RESHAPED})
        """
    )
    # Reshaped visits: the first call, and the listenings that ended (a visit being seen
    # again has entered in_progress at its started_at: that listening is still open).
    first_call = (
        "(SELECT min(e.at) FROM visit_event e "
        "WHERE e.visit_id = visit.id AND e.to_status = 'called')"
    )
    op.execute(
        f"""
        UPDATE visit SET
            waited_seconds = {seconds("arrived_at", first_call)},
            listened_seconds = (
                SELECT sum(CASE WHEN e.from_status = 'in_progress' THEN {epoch("e.at")}
                                WHEN e.to_status = 'in_progress' THEN -{epoch("e.at")}
                                ELSE 0.0 END)
                FROM visit_event e WHERE e.visit_id = visit.id
            ) + CASE WHEN status = 'in_progress' THEN {epoch("started_at")} ELSE 0.0 END
        WHERE id IN ({RESHAPED})
        """
    )
    if postgres:
        op.execute("UPDATE demand SET day = visit.day FROM visit WHERE visit.id = demand.visit_id")
        op.execute(
            "UPDATE relay SET day = demand.day FROM demand WHERE demand.id = relay.demand_id"
        )
    else:
        op.execute(
            "UPDATE demand SET day = (SELECT day FROM visit WHERE visit.id = demand.visit_id)"
        )
        op.execute(
            "UPDATE relay SET day = (SELECT day FROM demand WHERE demand.id = relay.demand_id)"
        )
    op.create_index("ix_demand_office_day", "demand", ["office_id", "day"])
    op.create_index("ix_relay_office_day", "relay", ["office_id", "day"])
    # The planner's statistics for the new columns and indexes.
    for table in ("visit", "demand", "relay"):
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    op.drop_index("ix_relay_office_day", table_name="relay")
    op.drop_index("ix_demand_office_day", table_name="demand")
    for table, column in (
        ("relay", "day"),
        ("demand", "day"),
        ("visit", "listened_seconds"),
        ("visit", "waited_seconds"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
