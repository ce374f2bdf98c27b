"""The one base of the errors a person is told about, whatever layer raises them.

A :class:`PimmsError` carries its sentence as an English msgid with its parameters, and the
form field it is about when there is one. It is translated where it is shown (a screen, the
command line), never where it is raised, so no layer below the front ends needs a language;
``str(error)`` is the English text, for logs and for tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class PimmsError(Exception):
    """Something the person can be told: ``message`` is a msgid, ``params`` its values.

    ``field`` names the form field the error is about (None when it is about no one field).
    """

    def __init__(
        self,
        message: str,
        params: Mapping[str, Any] | None = None,
        *,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.params: dict[str, Any] = dict(params or {})
        self.field = field
        super().__init__(english_text(message, self.params))


def english_text(message: str, params: Mapping[str, Any]) -> str:
    """The msgid with its parameters filled in (left as it is when there are none)."""
    return message.format(**params) if params else message
