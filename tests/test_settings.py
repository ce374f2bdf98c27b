"""Tests of the settings: file < environment < command line, locale, and the embedded files."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

from pimms_tui.i18n import translate
from pimms_tui.settings import (
    APP_NAME,
    DEFAULT_DESK,
    Settings,
    SettingsError,
    config_dir,
    data_dir,
    language_from_locale,
    load_settings,
)


@pytest.fixture(autouse=True)
def no_stray_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables the shared fixture leaves alone must not leak from the developer's shell."""
    for name in ("LC_MESSAGES", "PIMMS_OFFICE"):
        monkeypatch.delenv(name, raising=False)


def write_settings(text: str | bytes) -> Path:
    """Write settings.toml in the isolated config folder."""
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    """With no file, no variable and no option: French, the reception desk, the local file."""
    settings = load_settings()
    assert settings.language == "fr"
    assert settings.desk == DEFAULT_DESK
    assert settings.office_code is None
    assert settings.is_embedded
    assert settings.resolved_database_url == f"sqlite:///{data_dir() / 'pimms.sqlite3'}"


def test_folders_come_from_the_environment(tmp_path: Path) -> None:
    """PIMMS_DATA_DIR and PIMMS_CONFIG_DIR are used as given (the shared fixture sets them)."""
    assert data_dir() == Path(os.environ["PIMMS_DATA_DIR"])
    assert config_dir() == Path(os.environ["PIMMS_CONFIG_DIR"])
    assert data_dir().is_relative_to(tmp_path)


def test_folders_default_to_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the variables, the platform's user folders of the application."""
    monkeypatch.delenv("PIMMS_DATA_DIR")
    monkeypatch.delenv("PIMMS_CONFIG_DIR")
    assert data_dir() == platformdirs.user_data_path(APP_NAME)
    assert config_dir() == platformdirs.user_config_path(APP_NAME)


def test_file_then_environment_then_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each source overrides the one before it, value by value."""
    write_settings(
        'database_url = "sqlite:///from-file.sqlite3"\n'
        'language = "en"\ndesk = "Guichet fichier"\noffice = "FILE"\n'
    )
    from_file = load_settings()
    assert from_file.database_url == "sqlite:///from-file.sqlite3"
    assert (from_file.language, from_file.desk, from_file.office_code) == (
        "en",
        "Guichet fichier",
        "FILE",
    )
    assert not from_file.is_embedded

    monkeypatch.setenv("PIMMS_DATABASE_URL", "sqlite:///from-env.sqlite3")
    monkeypatch.setenv("PIMMS_LANG", "fr")
    monkeypatch.setenv("PIMMS_DESK", "Guichet env")
    from_env = load_settings()
    assert from_env.database_url == "sqlite:///from-env.sqlite3"
    assert (from_env.language, from_env.desk) == ("fr", "Guichet env")
    assert from_env.office_code == "FILE"  # not set in the environment: the file's value

    from_cli = load_settings(
        database_url="sqlite:///from-cli.sqlite3",
        language="en",
        desk="Guichet 2",
        office_code="CLI",
    )
    assert from_cli.resolved_database_url == "sqlite:///from-cli.sqlite3"
    assert (from_cli.language, from_cli.desk, from_cli.office_code) == ("en", "Guichet 2", "CLI")


def test_office_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIMMS_OFFICE names the office on a shared database."""
    monkeypatch.setenv("PIMMS_OFFICE", "LYON-1")
    assert load_settings().office_code == "LYON-1"


def test_none_from_the_command_line_keeps_the_lower_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """An option that was not given (None) does not erase the environment's value."""
    monkeypatch.setenv("PIMMS_DESK", "Guichet 3")
    assert load_settings(desk=None, language=None, database_url=None).desk == "Guichet 3"


def test_blank_values_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty or blank value anywhere counts as not given, never as an empty desk or URL."""
    write_settings('desk = "  "\n')
    monkeypatch.setenv("PIMMS_DATABASE_URL", "")
    monkeypatch.setenv("PIMMS_LANG", " ")
    settings = load_settings(database_url="", desk="  Guichet 4 ")
    assert settings.desk == "Guichet 4"
    assert settings.language == "fr"
    assert settings.is_embedded
    assert settings.resolved_database_url.endswith("pimms.sqlite3")


def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIMMS_DATABASE_URL is the URL opened, and the database is then not the embedded one."""
    url = "postgresql://pimms@db.example.org/pimms"
    monkeypatch.setenv("PIMMS_DATABASE_URL", url)
    settings = load_settings()
    assert settings.resolved_database_url == url
    assert not settings.is_embedded


def test_demo_uses_its_own_file() -> None:
    """The demo database is a separate file beside the real one, in the data folder."""
    real = load_settings().resolved_database_url
    demo = load_settings(demo=True).resolved_database_url
    assert demo == f"sqlite:///{data_dir() / 'pimms-demo.sqlite3'}"
    assert demo != real


def test_demo_never_opens_the_configured_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """--demo with a database in the environment or the file still uses the demo file."""
    write_settings('database_url = "postgresql://pimms@file.example.org/pimms"\n')
    monkeypatch.setenv("PIMMS_DATABASE_URL", "postgresql://pimms@env.example.org/pimms")
    settings = load_settings(demo=True)
    assert settings.is_embedded
    assert settings.resolved_database_url.endswith("pimms-demo.sqlite3")


def test_demo_on_a_database_named_on_the_command_line() -> None:
    """--demo --db URL is explicit: the demo goes there."""
    url = "postgresql://pimms@demo.example.org/demo"
    assert load_settings(demo=True, database_url=url).resolved_database_url == url


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_GB"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "fr_BE@euro"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, None),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "POSIX"}, None),
        ({}, None),
        ({"LC_ALL": "en_IE.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "en_US.UTF-8"}, None),
        ({"LANGUAGE": "de:en", "LANG": "de_DE.UTF-8"}, "en"),
        ({"LANGUAGE": "", "LANG": "en_US.UTF-8"}, "en"),
    ],
)
def test_language_from_locale(environ: dict[str, str], language: str | None) -> None:
    """As gettext reads the locale: LANGUAGE's list first, then the first variable set."""
    assert language_from_locale(environ) == language


@pytest.mark.parametrize(
    ("lang", "language"),
    [("en_US.UTF-8", "en"), ("fr_FR.UTF-8", "fr"), ("de_DE", "fr"), ("C.UTF-8", "fr")],
)
def test_locale_decides_when_nothing_else_does(
    monkeypatch: pytest.MonkeyPatch, lang: str, language: str
) -> None:
    """The locale picks English or French; any other locale gets the French default."""
    monkeypatch.setenv("LANG", lang)
    assert load_settings().language == language


def test_explicit_language_beats_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The file, PIMMS_LANG and --lang each override the locale."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    write_settings('language = "fr"\n')
    assert load_settings().language == "fr"
    monkeypatch.setenv("PIMMS_LANG", "en")
    assert load_settings().language == "en"
    assert load_settings(language="fr").language == "fr"


def test_pimms_lang_beats_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIMMS_LANG=en on a French system gives English."""
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.setenv("PIMMS_LANG", "en")
    assert load_settings().language == "en"


def test_environ_argument_replaces_the_process_environment() -> None:
    """load_settings(environ=...) reads the variables from that mapping only."""
    settings = load_settings(environ={"PIMMS_DESK": "Guichet 5", "LANG": "en_GB.UTF-8"})
    assert (settings.desk, settings.language) == ("Guichet 5", "en")


def test_unknown_language_in_the_file() -> None:
    """A language we do not have, written in the file, is a SettingsError naming the file."""
    path = write_settings('language = "de"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.params["language"] == "de"
    assert caught.value.params["path"] == path
    assert "de" in str(caught.value)


@pytest.mark.parametrize("where", ["environment", "command line"])
def test_unknown_language_elsewhere(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """PIMMS_LANG=xx or language='xx' is refused too."""
    if where == "environment":
        monkeypatch.setenv("PIMMS_LANG", "xx")
        cli = {}
    else:
        cli = {"language": "xx"}
    with pytest.raises(SettingsError) as caught:
        load_settings(**cli)
    assert caught.value.params == {"language": "xx"}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param('language = "fr\n', id="unterminated-string"),
        pytest.param("language = fr\n", id="unquoted-value"),
        pytest.param('desk = "A"\ndesk = "B"\n', id="duplicate-key"),
        pytest.param(b"\xff\xfe\x00l\x00a\x00n\x00g", id="not-utf8"),
        pytest.param("desk = 3\n", id="not-text"),
        pytest.param('[database]\nurl = "x"\n', id="table"),
        pytest.param('langauge = "en"\n', id="misspelt-key"),
    ],
)
def test_corrupt_settings_file(content: str | bytes) -> None:
    """A file that is not valid TOML, or holds what we cannot use, is a SettingsError."""
    path = write_settings(content)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.params["path"] == path
    message = translate(caught.value.message, caught.value.params)
    assert str(path) in message
    assert "\n" not in message


def test_settings_file_that_is_a_folder_is_ignored() -> None:
    """A folder named settings.toml is not a file: the defaults apply."""
    (config_dir() / "settings.toml").mkdir(parents=True)
    assert load_settings() == Settings(language="fr")


def test_with_overrides_ignores_none() -> None:
    """Only the values given replace the current ones."""
    settings = Settings(desk="Guichet 1").with_overrides(desk=None, language="en")
    assert (settings.desk, settings.language) == ("Guichet 1", "en")


def test_access_numbers_default() -> None:
    settings = load_settings(environ={})
    assert (settings.idle_lock_minutes, settings.lockout_attempts, settings.lockout_minutes) == (
        3.0,
        5,
        5.0,
    )


def test_access_numbers_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "PIMMS_IDLE_LOCK_MINUTES": "0",
            "PIMMS_LOCKOUT_ATTEMPTS": " 3 ",
            "PIMMS_LOCKOUT_MINUTES": "2.5",
        }
    )
    assert (settings.idle_lock_minutes, settings.lockout_attempts, settings.lockout_minutes) == (
        0.0,
        3,
        2.5,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PIMMS_IDLE_LOCK_MINUTES", "-1"),
        ("PIMMS_IDLE_LOCK_MINUTES", "trois"),
        ("PIMMS_LOCKOUT_ATTEMPTS", "0"),
        ("PIMMS_LOCKOUT_ATTEMPTS", "2.5"),
        ("PIMMS_LOCKOUT_MINUTES", "nan"),
    ],
)
def test_access_numbers_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(environ={name: value})
    assert name in translate(refused.value.message, refused.value.params)
