"""PostgreSQL's two roles: an owner that migrates, and the desks' role that may not rewrite.

The owner owns every table and runs ``pimms db upgrade``. The application role, the one the
desks connect with, may read and write the tables it needs, but only read and add to the
journal: it owns nothing, so it can neither disable the journal's triggers nor set
``session_replication_role`` (both need ownership or superuser), and it has no UPDATE,
DELETE, TRUNCATE or TRIGGER right on ``audit_entry``. The grants are generated from the
models, so a table added by a migration is granted by the next ``pimms db roles``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from pimms_tui.errors import PimmsError
from pimms_tui.i18n import N_

from .models import AuditEntry, Base

JOURNAL = AuditEntry.__tablename__
# Rights on the journal that would let its holder rewrite it, as PostgreSQL names them.
REWRITING_RIGHTS = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")


class RoleSetupError(PimmsError):
    """The application role cannot be set up as asked; ``message`` is a msgid."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message, params)


def application_grants(role: str, quote: str | None = None) -> list[str]:
    """The statements that give ``role`` the desks' rights, and no right to rewrite the journal.

    ``quote`` is the role's name quoted for SQL (the dialect's quoting; plain double quotes
    when not given).
    """
    name = quote or '"' + role.replace('"', '""') + '"'
    tables = [table.name for table in Base.metadata.sorted_tables]
    writable = [table for table in tables if table != JOURNAL]
    return [
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"REVOKE ALL ON {', '.join([*tables, 'alembic_version'])} FROM {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(writable)} TO {name}",
        f"GRANT SELECT, INSERT ON {JOURNAL} TO {name}",
        f"GRANT SELECT ON alembic_version TO {name}",
        # UPDATE: setval, after rows written with their ids (the demo's generator).
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {name}",
    ]


def grant_application_role(engine: Engine, role: str) -> None:
    """Give ``role`` the desks' rights, connected as the tables' owner; refuse a role that
    could rewrite the journal anyway (superuser, or owner of the tables)."""
    if engine.dialect.name != "postgresql":
        raise RoleSetupError(N_("Database roles exist on PostgreSQL only."))
    quoted = engine.dialect.identifier_preparer.quote(role)
    with engine.begin() as connection:
        found = connection.execute(
            text(
                "SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'USAGE') AS owns, "
                "pg_has_role(current_user, c.relowner, 'USAGE') AS we_own "
                "FROM pg_roles r, pg_class c "
                "WHERE r.rolname = :role AND c.oid = CAST(:journal AS regclass)"
            ),
            {"role": role, "journal": JOURNAL},
        ).first()
        if found is None:
            raise RoleSetupError(N_("There is no role {role} on the server."), role=role)
        if found.rolsuper or found.owns:
            raise RoleSetupError(
                N_(
                    "The role {role} is a superuser or owns the tables: it could rewrite the "
                    "journal. Give the desks a role of their own."
                ),
                role=role,
            )
        if not found.we_own:
            raise RoleSetupError(
                N_(
                    "Only the tables' owner can give rights: connect as the owner "
                    "(PIMMS_MIGRATION_URL or --db)."
                )
            )
        for statement in application_grants(role, quoted):
            connection.exec_driver_sql(statement)


@dataclass(frozen=True)
class JournalPowers:
    """What the connected role could do to rewrite the journal (empty: nothing)."""

    role: str
    powers: tuple[str, ...]


def journal_powers(connection: Connection) -> JournalPowers:
    """Whether the connected role can change, remove or unprotect journal entries, and how."""
    row = connection.execute(
        text(
            "SELECT current_user AS role, r.rolsuper AS superuser, "
            "pg_has_role(current_user, c.relowner, 'USAGE') AS owns, "
            + ", ".join(
                f"has_table_privilege(c.oid, '{right}') AS {right.lower()}"
                for right in REWRITING_RIGHTS
            )
            + " FROM pg_roles r, pg_class c "
            "WHERE r.rolname = current_user AND c.oid = CAST(:journal AS regclass)"
        ),
        {"journal": JOURNAL},
    ).one()
    powers = []
    if row.superuser:
        powers.append("superuser")
    if row.owns:
        powers.append("owner")
    powers.extend(right for right in REWRITING_RIGHTS if getattr(row, right.lower()))
    if not row.superuser and _may_set_replication_role(connection):
        powers.append("session_replication_role")
    return JournalPowers(role=str(row.role), powers=tuple(powers))


def _may_set_replication_role(connection: Connection) -> bool:
    """Whether SET session_replication_role (which silences triggers) was granted (PG 15+)."""
    version = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one())
    if version < 150000:
        return False  # before 15 only superusers may set it
    return bool(
        connection.exec_driver_sql(
            "SELECT has_parameter_privilege('session_replication_role', 'SET')"
        ).scalar_one()
    )
