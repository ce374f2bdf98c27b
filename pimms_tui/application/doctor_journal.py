"""``pimms doctor``'s check of the journal: its guards, its chain of seals, who may rewrite it.

The chain is recomputed from the first entry; the first entry that no longer matches is named
by its number and time. On PostgreSQL the role the desks connect with must be unable to
rewrite the journal (no ownership, no UPDATE, DELETE, TRUNCATE or TRIGGER right, no
``session_replication_role``): ``pimms db roles`` sets such a role up.
"""

from __future__ import annotations

from datetime import datetime

from pimms_tui.db.engine import Database
from pimms_tui.db.roles import journal_powers
from pimms_tui.domain.journal import ChainBreak, ChainBreakKind, verify_chain
from pimms_tui.domain.messages import N_

from .findings import Finding, finding

# The triggers that refuse changes to the journal (migrations 0004 and 0008).
SQLITE_GUARDS = ("audit_entry_no_update", "audit_entry_no_delete", "audit_entry_no_replace")
POSTGRES_GUARDS = ("audit_entry_append_only", "audit_entry_no_truncate")


def check_journal(database: Database) -> list[Finding]:
    """The journal's guards, its chain and, on PostgreSQL, the desks' role's rights."""
    findings = [_check_guards(database)]
    with database.read() as session:
        check = verify_chain(session)
    if check.broken is None:
        findings.append(
            finding(
                True,
                N_("The journal's chain is intact: {count} entries, the last sealed {seal}."),
                count=check.entries,
                seal=check.last_hash[:16],
            )
        )
    else:
        findings.append(_broken(check.broken))
    if not database.is_sqlite:
        findings.append(_check_role(database))
    return findings


def _when(at: datetime | None) -> str:
    return at.isoformat(sep=" ", timespec="seconds") if at else "?"


def _broken(broken: ChainBreak) -> Finding:
    if broken.kind == ChainBreakKind.CHANGED:
        message = N_(
            "The journal was altered: entry {id} ({at}) no longer matches its seal. "
            "It is the first broken link of the chain."
        )
    elif broken.kind == ChainBreakKind.LINK:
        message = N_(
            "The journal was altered: the link before entry {id} ({at}) is broken (an entry "
            "was removed, added or rewritten before it). It is the first broken link."
        )
    elif broken.kind == ChainBreakKind.TAIL:
        message = N_(
            "The journal was altered: entries after entry {id} ({at}) were removed (the "
            "chain's head names entry {head})."
        )
    else:
        message = N_("The journal's chain head is missing: new entries cannot be sealed.")
    return finding(
        False, message, id=broken.entry_id or "?", at=_when(broken.at), head=broken.head_id
    )


def _check_guards(database: Database) -> Finding:
    with database.engine.connect() as connection:
        if database.is_sqlite:
            present = set(
                connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'audit_entry'"
                ).scalars()
            )
            missing = [name for name in SQLITE_GUARDS if name not in present]
        else:
            enabled = set(
                connection.exec_driver_sql(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE tgrelid = 'audit_entry'::regclass AND tgenabled <> 'D'"
                ).scalars()
            )
            missing = [name for name in POSTGRES_GUARDS if name not in enabled]
    if missing:
        return finding(
            False,
            N_(
                "The database no longer refuses changes to the journal: {triggers} missing "
                "or disabled. Check the journal's chain below."
            ),
            triggers=", ".join(missing),
        )
    return finding(True, N_("The database refuses changes to the journal."))


def _check_role(database: Database) -> Finding:
    with database.engine.connect() as connection:
        powers = journal_powers(connection)
    if powers.powers:
        return finding(
            False,
            N_(
                "The role {role} the desks connect with could rewrite the journal ({powers}): "
                "connect the desks with a role that may only read and add to it "
                "(pimms db roles --app-role)."
            ),
            role=powers.role,
            powers=", ".join(powers.powers),
        )
    return finding(
        True,
        N_("The role {role} the desks connect with may only read and add to the journal."),
        role=powers.role,
    )
