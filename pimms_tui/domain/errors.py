"""Errors the domain layer raises; each carries an English msgid and its parameters.

The message is translated where it is shown (a screen, the CLI), never here, so that the
domain stays free of any interface and any active language.
"""

from __future__ import annotations

from typing import Any

from pimms_tui.errors import PimmsError


class DomainError(PimmsError):
    """A rule of the front desk refused an operation; ``message`` is a msgid to translate."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message, params)


class NotFound(DomainError):
    """The row the operation is about does not exist (or not in this office)."""


class TransitionRefused(DomainError):
    """Someone else changed the visit first: the expected status no longer holds."""


class PermissionDenied(DomainError):
    """The signed-in role may not do this."""


class Conflict(DomainError):
    """The operation collides with another (a taken slot, a file edited meanwhile)."""
