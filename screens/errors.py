"""Turning a refusal (any PimmsError, whatever layer raised it) into the sentence shown."""

from __future__ import annotations

from pimms_tui.domain.sensitive import SensitiveDataError
from pimms_tui.errors import PimmsError
from pimms_tui.i18n import _, translate


def refusal_text(error: BaseException) -> str | None:
    """The translated reason for a refusal the user can fix, or None for a real failure."""
    if isinstance(error, SensitiveDataError):
        reasons = " ".join(dict.fromkeys(_(finding.message) for finding in error.findings))
        return translate(error.message, {"reasons": reasons})
    if isinstance(error, PimmsError):
        return translate(error.message, error.params)
    return None


def refusal_field(error: BaseException) -> str | None:
    """The form field a refusal is about, when it names one."""
    return error.field if isinstance(error, PimmsError) else None
