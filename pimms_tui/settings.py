"""Settings of one terminal: database, language, desk; read from file, environment and CLI.

Precedence, lowest first: built-in defaults, ``settings.toml`` in the user config folder,
environment variables (``PIMMS_*``), command-line options. Nothing here touches the disk
except reading that file: folders are created by whoever writes into them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "pimms-tui"
SUPPORTED_LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DEFAULT_DESK = "Accueil"


class SettingsError(ValueError):
    """The settings file or a setting's value is not usable; ``message`` is a msgid."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


def data_dir() -> Path:
    """Where the embedded database lives (``PIMMS_DATA_DIR`` overrides the platform folder)."""
    override = os.environ.get("PIMMS_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP_NAME)


def config_dir() -> Path:
    """Where ``settings.toml`` is read from (``PIMMS_CONFIG_DIR`` overrides)."""
    override = os.environ.get("PIMMS_CONFIG_DIR")
    return Path(override) if override else platformdirs.user_config_path(APP_NAME)


def language_from_locale(environ: dict[str, str]) -> str | None:
    """The interface language the environment's locale asks for, if it is one we have."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        for candidate in value.split(":"):
            code = candidate.split(".")[0].split("_")[0].lower()
            if code in SUPPORTED_LANGUAGES:
                return code
    return None


@dataclass(frozen=True)
class Settings:
    """Everything one terminal needs to start."""

    database_url: str | None = None
    language: str = DEFAULT_LANGUAGE
    desk: str = DEFAULT_DESK
    demo: bool = False
    office_code: str | None = None
    queue_poll_seconds: float = 0.25
    idle_lock_minutes: float = 3.0

    @property
    def resolved_database_url(self) -> str:
        """The URL to open: the one given, else the embedded SQLite file (demo has its own)."""
        if self.database_url:
            return self.database_url
        name = "pimms-demo.sqlite3" if self.demo else "pimms.sqlite3"
        return f"sqlite:///{data_dir() / name}"

    @property
    def is_embedded(self) -> bool:
        """Whether the database is the SQLite file in the data folder."""
        return self.database_url is None

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the given non-None values replaced."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(
            "The settings file {path} cannot be read: {error}", path=path, error=error
        ) from error


def load_settings(environ: dict[str, str] | None = None, **cli: Any) -> Settings:
    """Build the settings from the file, the environment and command-line values."""
    env = dict(os.environ if environ is None else environ)
    file = _read_file(config_dir() / "settings.toml")
    settings = Settings().with_overrides(
        database_url=file.get("database_url"),
        language=file.get("language") or language_from_locale(env),
        desk=file.get("desk"),
        office_code=file.get("office"),
    )
    settings = settings.with_overrides(
        database_url=env.get("PIMMS_DATABASE_URL") or None,
        language=env.get("PIMMS_LANG") or None,
        desk=env.get("PIMMS_DESK") or None,
        office_code=env.get("PIMMS_OFFICE") or None,
    )
    settings = settings.with_overrides(**cli)
    if settings.language not in SUPPORTED_LANGUAGES:
        raise SettingsError(
            "Unknown language {language}: choose fr or en.", language=settings.language
        )
    return settings
