"""One line of ``pimms doctor``: what each check of the check-up returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One line of the check-up: ``ok`` or not, and a msgid with its values."""

    ok: bool
    message: str
    params: dict[str, object]


def finding(ok: bool, message: str, **params: object) -> Finding:
    """A finding from a msgid and its values."""
    return Finding(ok, message, params)
