"""The journal's seal: each entry's hash covers its fields and the previous entry's hash.

One chain for the whole database, in the order of the entries' ids. Changing, removing or
inserting an entry anywhere breaks the link of the entry after it, so ``pimms doctor`` can name
the first entry that no longer matches. The serialisation is fixed (version ``v1``): changing
it would break every chain already sealed. Migration 0008 seals old entries with it too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# What the first entry is chained to.
GENESIS = "0" * 64
SEAL_VERSION = "pimms-journal-v1"


def canonical_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """The details as the database gives them back (JSON types only: tuples become lists…)."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(detail or {}), default=str))
    return loaded


def _instant(at: datetime) -> str:
    if at.tzinfo is None:  # stored naive UTC (SQLite through raw SQL)
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    id: int,
    at: datetime,
    office_id: int | None,
    staff_id: int | None,
    desk_id: int | None,
    action: str,
    entity: str | None,
    entity_id: int | None,
    detail: Mapping[str, Any] | None,
    previous_hash: str,
) -> str:
    """SHA-256, in hexadecimal, of one entry's fields and the previous entry's hash."""
    fields = [
        SEAL_VERSION,
        int(id),
        _instant(at),
        office_id,
        staff_id,
        desk_id,
        action,
        entity,
        entity_id,
        canonical_detail(detail),
        previous_hash,
    ]
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
