"""Bring a database to the current schema with Alembic; the one way the schema is created.

Alembic is imported only when there is something to do: a desk that starts on an up-to-date
database reads one row of ``alembic_version`` and goes on (this saves a noticeable part of
the start-up time).
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from .deadlines import unbounded

if TYPE_CHECKING:
    from alembic.config import Config

# The newest revision shipped; a test checks it is Alembic's head.
HEAD_REVISION = "0005"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("pimms_tui.db") / "migrations"))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration revision shipped with this version, according to Alembic."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_current(engine: Engine) -> bool:
    """Whether the database is already at this version's schema."""
    return current_revision(engine) == HEAD_REVISION


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (head by default), in one transaction."""
    from alembic import command

    config = alembic_config(engine)
    with unbounded(), engine.begin() as connection:  # a migration may take its time
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to ``revision`` (used by tests of upgrades with data)."""
    from alembic import command

    config = alembic_config(engine)
    with unbounded(), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
