"""One error hierarchy: every error a person is told about is a PimmsError, shown one way."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pimms_tui import i18n
from pimms_tui.application import StartupError
from pimms_tui.application.maintenance import MaintenanceError
from pimms_tui.cli import UsageError
from pimms_tui.domain.errors import Conflict, DomainError
from pimms_tui.domain.sensitive import REFUSED_MESSAGE, SensitiveDataError, SensitiveFinding
from pimms_tui.domain.validation import FieldError
from pimms_tui.errors import PimmsError
from pimms_tui.screens.errors import refusal_field, refusal_text
from pimms_tui.settings import SettingsError

YEAR = "Enter a year of birth between {min} and {max}."
IN_MEMORY = "This database lives in memory: there is no file to copy."

USER_FACING = [
    DomainError,
    UsageError,
    MaintenanceError,
    SettingsError,
    SensitiveDataError,
    FieldError,
    StartupError,
]


@pytest.fixture
def french() -> Iterator[None]:
    before = i18n.active_language()
    i18n.activate("fr")
    yield
    i18n.activate(before)


@pytest.mark.parametrize("error_class", USER_FACING, ids=lambda cls: cls.__name__)
def test_every_user_facing_error_is_a_pimms_error(error_class: type[Exception]) -> None:
    assert issubclass(error_class, PimmsError)


def test_message_params_and_field() -> None:
    error = PimmsError(YEAR, {"min": 1900, "max": 2026}, field="birth_year")
    assert (error.message, error.params, error.field) == (
        YEAR,
        {"min": 1900, "max": 2026},
        "birth_year",
    )
    assert str(error) == "Enter a year of birth between 1900 and 2026."
    bare = PimmsError(IN_MEMORY)
    assert (str(bare), bare.params, bare.field) == (IN_MEMORY, {}, None)


FINDING = SensitiveFinding("iban", 0, 27, "An IBAN is never stored.")

CONSTRUCTED: list[tuple[Callable[[], PimmsError], str, dict[str, object], str | None]] = [
    (lambda: DomainError(YEAR, min=1900, max=2026), YEAR, {"min": 1900, "max": 2026}, None),
    (lambda: Conflict(IN_MEMORY), IN_MEMORY, {}, None),
    (lambda: MaintenanceError(YEAR, min=1, max=2), YEAR, {"min": 1, "max": 2}, None),
    (lambda: SettingsError(YEAR, min=1, max=2), YEAR, {"min": 1, "max": 2}, None),
    (lambda: StartupError(YEAR, min=1, max=2), YEAR, {"min": 1, "max": 2}, None),
    (
        lambda: FieldError("birth_year", YEAR, {"min": "1", "max": "2"}),
        YEAR,
        {"min": "1", "max": "2"},
        "birth_year",
    ),
    (lambda: UsageError("déjà traduit"), "déjà traduit", {}, None),
    (
        lambda: SensitiveDataError([FINDING, FINDING]),
        REFUSED_MESSAGE,
        {"reasons": "An IBAN is never stored."},
        None,
    ),
]


@pytest.mark.parametrize(
    ("make", "message", "params", "field"),
    CONSTRUCTED,
    ids=[
        "DomainError",
        "Conflict",
        "Maintenance",
        "Settings",
        "Startup",
        "Field",
        "Usage",
        "Sensitive",
    ],
)
def test_each_error_keeps_its_constructor(
    make: Callable[[], PimmsError], message: str, params: dict[str, object], field: str | None
) -> None:
    error = make()
    assert (error.message, error.params, error.field) == (message, params, field)
    assert str(error) == (message.format(**params) if params else message)


def test_value_errors_stay_value_errors() -> None:
    for error_class in (SettingsError, FieldError, SensitiveDataError):
        assert issubclass(error_class, ValueError)


def test_refusal_text_translates_any_pimms_error(french: None) -> None:
    assert refusal_text(MaintenanceError(IN_MEMORY)) == (
        "Cette base n'existe qu'en mémoire : il n'y a pas de fichier à copier."
    )
    refused = FieldError("birth_year", YEAR, {"min": "1900", "max": "2026"})
    assert refusal_text(refused) == "Saisissez une année de naissance entre 1900 et 2026."
    assert refusal_field(refused) == "birth_year"
    assert refusal_field(DomainError(IN_MEMORY)) is None
    assert refusal_text(RuntimeError("a real failure")) is None
