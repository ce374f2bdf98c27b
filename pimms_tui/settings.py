"""Settings of one terminal: database, language, desk; read from file, environment and CLI.

Precedence, lowest first: built-in defaults, ``settings.toml`` in the user config folder,
environment variables (``PIMMS_*``), command-line options. Nothing here touches the disk
except reading that file: folders are created by whoever writes into them, through
:func:`private_folder`, and :func:`keep_files_private` makes every file the process (or SQLite,
for its database, ``-wal``, ``-shm`` and journals) creates readable by its owner only.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from pimms_tui.errors import PimmsError
from pimms_tui.i18n import N_

APP_NAME = "pimms-tui"
SUPPORTED_LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DEFAULT_DESK = "Accueil"
SETTINGS_FILE = "settings.toml"
DATABASE_FILE = "pimms.sqlite3"
DEMO_DATABASE_FILE = "pimms-demo.sqlite3"
# Keys of settings.toml and the Settings field each one sets.
FILE_KEYS = {
    "database_url": "database_url",
    "language": "language",
    "desk": "desk",
    "office": "office_code",
}


# What the data and config folders and every file in them are: their owner's only, because
# they hold names, notes and the staff's PIN hashes (see "Data protection" in the README).
PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def keep_files_private() -> None:
    """From now on, every file and folder this process creates is private, whatever the umask.

    The first act of the ``pimms`` command: SQLite creates its ``-wal``, ``-shm`` and journal
    files with the database's mode, and libraries open files with the umask's.
    """
    os.umask(PRIVATE_UMASK)


def private_folder(folder: Path) -> Path:
    """``folder``, created if needed (with any missing parent) and closed to other accounts
    (0700 when created; an existing one loses its group's and others' rights)."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    mode = folder.stat().st_mode & 0o777
    if mode & ~FOLDER_MODE:
        # Closed to the others only: a folder made read-only on purpose stays read-only.
        with contextlib.suppress(OSError):  # someone else's folder: ``pimms doctor`` says so
            folder.chmod(mode & FOLDER_MODE)
    return folder


class SettingsError(PimmsError, ValueError):
    """The settings file or a setting's value is not usable; ``message`` is a msgid."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message, params)


def data_dir() -> Path:
    """Where the embedded database lives (``PIMMS_DATA_DIR`` overrides the platform folder)."""
    override = os.environ.get("PIMMS_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP_NAME)


def config_dir() -> Path:
    """Where ``settings.toml`` is read from (``PIMMS_CONFIG_DIR`` overrides)."""
    override = os.environ.get("PIMMS_CONFIG_DIR")
    return Path(override) if override else platformdirs.user_config_path(APP_NAME)


def _language_code(locale_name: str) -> str | None:
    """The supported language of one locale name ("en_GB.UTF-8@euro" → "en"), if any."""
    code = locale_name.split(".")[0].split("@")[0].split("_")[0].split("-")[0].strip().lower()
    return code if code in SUPPORTED_LANGUAGES else None


def language_from_locale(environ: Mapping[str, str]) -> str | None:
    """The interface language the environment's locale asks for, if it is one we have."""
    # As gettext does: LANGUAGE is a list of preferences; otherwise the first locale variable
    # that is set decides alone (LC_ALL=de_DE with LANG=en_GB means German, not English).
    for candidate in environ.get("LANGUAGE", "").split(":"):
        language = _language_code(candidate)
        if language:
            return language
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return _language_code(value)
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
    lockout_attempts: int = 5
    lockout_minutes: float = 5.0

    @property
    def resolved_database_url(self) -> str:
        """The URL to open: the one given, else the embedded SQLite file (demo has its own)."""
        if self.database_url:
            return self.database_url
        name = DEMO_DATABASE_FILE if self.demo else DATABASE_FILE
        return f"sqlite:///{data_dir() / name}"

    @property
    def is_embedded(self) -> bool:
        """Whether the database is the SQLite file in the data folder."""
        return not self.database_url

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the given non-None values replaced."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _read_file(path: Path) -> dict[str, Any]:
    """The values of ``settings.toml``, checked; an empty dict when there is no file."""
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            content = tomllib.load(handle)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise SettingsError(
            N_("The settings file {path} cannot be read: {error}"), path=path, error=reason
        ) from error
    values: dict[str, Any] = {}
    for key, value in content.items():
        if key not in FILE_KEYS:
            raise SettingsError(
                N_("Unknown setting {key} in {path}: use {keys}."),
                key=key,
                path=path,
                keys=", ".join(FILE_KEYS),
            )
        if not isinstance(value, str):
            raise SettingsError(
                N_("The setting {key} in {path} must be text in quotes."), key=key, path=path
            )
        values[FILE_KEYS[key]] = _clean(value)
    return values


def _clean(value: str | None) -> str | None:
    """A text setting without surrounding spaces; None when nothing is left."""
    if value is None:
        return None
    return value.strip() or None


# Environment variables for the desk's access rules, and the Settings field each one sets.
ACCESS_NUMBERS = {
    "PIMMS_IDLE_LOCK_MINUTES": "idle_lock_minutes",
    "PIMMS_LOCKOUT_ATTEMPTS": "lockout_attempts",
    "PIMMS_LOCKOUT_MINUTES": "lockout_minutes",
}


def _access_numbers(env: Mapping[str, str]) -> dict[str, float | int]:
    """Idle lock and lock-out numbers from the environment (0 idle minutes: never lock)."""
    values: dict[str, float | int] = {}
    for name, key in ACCESS_NUMBERS.items():
        text = _clean(env.get(name))
        if text is None:
            continue
        try:
            number = int(text) if key == "lockout_attempts" else float(text)
        except ValueError:
            number = -1
        if number < 0 or (key == "lockout_attempts" and number < 1) or number != number:
            raise SettingsError(
                N_("The setting {name} must be a positive number, not {value}."),
                name=name,
                value=text,
            )
        values[key] = number
    return values


def load_settings(environ: Mapping[str, str] | None = None, **cli: Any) -> Settings:
    """Build the settings from the file, the environment and command-line values."""
    env = os.environ if environ is None else environ
    path = config_dir() / SETTINGS_FILE
    file = _read_file(path)
    if file.get("language") not in (None, *SUPPORTED_LANGUAGES):
        raise SettingsError(
            N_("Unknown language {language} in {path}: choose fr or en."),
            language=file["language"],
            path=path,
        )
    settings = Settings(language=language_from_locale(env) or DEFAULT_LANGUAGE)
    settings = settings.with_overrides(**file)
    settings = settings.with_overrides(
        database_url=_clean(env.get("PIMMS_DATABASE_URL")),
        language=_clean(env.get("PIMMS_LANG")),
        desk=_clean(env.get("PIMMS_DESK")),
        office_code=_clean(env.get("PIMMS_OFFICE")),
    )
    settings = settings.with_overrides(**_access_numbers(env))
    cli = {key: _clean(value) if isinstance(value, str) else value for key, value in cli.items()}
    settings = settings.with_overrides(**cli)
    if settings.demo and cli.get("database_url") is None:
        # The demo never writes into the configured database: it has its own file, unless
        # a database is named on this very command line.
        settings = replace(settings, database_url=None)
    if settings.language not in SUPPORTED_LANGUAGES:
        raise SettingsError(
            N_("Unknown language {language}: choose fr or en."), language=settings.language
        )
    return settings
