"""Alembic environment: runs migrations on the connection handed over by pimms_tui.db.migrate."""

from alembic import context

from pimms_tui.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate over the connection given in the config attributes (no engine built here)."""
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: use `pimms db upgrade`")
run_migrations_online()
