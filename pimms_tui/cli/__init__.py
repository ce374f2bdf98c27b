"""The ``pimms`` command: start the desk, migrate, seed demo data, export, erase, purge.

Every failure the user can cause (an unknown option, an unreachable database, a read-only
folder) ends with one translated line on stderr and a non-zero exit code, never a traceback.
Anything unexpected is written with its traceback to ``pimms.log`` in the data folder. Each
sub-command has its module; this one parses and dispatches.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pimms_tui import __version__, i18n
from pimms_tui.application import StartupError
from pimms_tui.i18n import _, translate
from pimms_tui.settings import (
    SUPPORTED_LANGUAGES,
    Settings,
    SettingsError,
    config_dir,
    data_dir,
    keep_files_private,
    language_from_locale,
    load_settings,
    private_folder,
)

from .common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Parser,
    UsageError,
    fail,
)
from .database import add_maintenance_commands, run_maintenance, seed_demo_data, upgrade_database
from .desk import run_desk
from .logfile import LOG_FILE, log, log_path, log_to_file
from .rights import add_rights_commands, erase_visitor, export_visitor, purge
from .stats import add_stats_commands, export_statistics

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "LOG_FILE",
    "UsageError",
    "build_parser",
    "main",
]


def build_parser() -> Parser:
    """The command line, with help in the active language."""
    parser = Parser(
        prog="pimms",
        description=_("Front desk of a PIMMS office. Without a command, starts the desk."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"pimms {__version__}",
        help=_("show the version and exit"),
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=_("database URL (default: PIMMS_DATABASE_URL, else the local SQLite file)"),
    )
    parser.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help=_("interface language"))
    parser.add_argument("--desk", metavar=_("NAME"), help=_("name of this desk"))
    parser.add_argument("--office", metavar=_("CODE"), help=_("office code, on a shared database"))
    parser.add_argument(
        "--demo", action="store_true", help=_("start on the separate demo database")
    )
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=Parser)

    db = commands.add_parser("db", help=_("database maintenance"))
    db_commands = db.add_subparsers(
        dest="db_command", metavar=_("COMMAND"), required=True, parser_class=Parser
    )
    db_commands.add_parser("upgrade", help=_("migrate the database to the current schema"))

    demo = commands.add_parser("demo", help=_("demo data"))
    demo_commands = demo.add_subparsers(
        dest="demo_command", metavar=_("COMMAND"), required=True, parser_class=Parser
    )
    seed = demo_commands.add_parser("seed", help=_("fill the demo database with realistic data"))
    seed.add_argument(
        "--visitors", type=int, default=2000, metavar="N", help=_("number of visitors")
    )
    seed.add_argument("--days", type=int, default=90, metavar="N", help=_("number of past days"))
    seed.add_argument(
        "--seed", type=int, default=1, metavar="N", help=_("random seed (same seed, same data)")
    )
    seed.add_argument("--offices", type=int, default=2, metavar="N", help=_("number of offices"))
    seed.add_argument(
        "--visits", type=int, metavar="N", help=_("number of visits (default: 2.5 per visitor)")
    )
    seed.add_argument(
        "--db",
        dest="seed_db",
        metavar="URL",
        help=_("database URL (default: the demo database)"),
    )
    add_stats_commands(commands)
    add_maintenance_commands(commands)
    add_rights_commands(commands)
    return parser


def _early_language(argv: Sequence[str]) -> None:
    """Activate the language before parsing, so that help and errors are translated."""
    language = None
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            language = argv[index + 1]
        elif arg.startswith("--lang="):
            language = arg.split("=", 1)[1]
    try:
        settings = load_settings(language=language if language in SUPPORTED_LANGUAGES else None)
    except SettingsError:
        # The error is reported after parsing; meanwhile the best language at hand.
        fallback = os.environ.get("PIMMS_LANG", "").strip()
        if fallback not in SUPPORTED_LANGUAGES:
            fallback = language_from_locale(os.environ) or Settings().language
        settings = Settings(language=language if language in SUPPORTED_LANGUAGES else fallback)
    i18n.activate(settings.language)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pimms`` command; returns the exit code."""
    # First of all: nothing this process or SQLite creates is readable by another account.
    keep_files_private()
    args_list = list(sys.argv[1:] if argv is None else argv)
    with log_to_file():
        try:
            _early_language(args_list)
            try:
                args = build_parser().parse_args(args_list)
            except SystemExit as done:  # --help and --version
                return done.code if isinstance(done.code, int) else 0
            settings = load_settings(
                database_url=args.db,
                language=args.lang,
                desk=args.desk,
                office_code=args.office,
                demo=args.demo or args.command == "demo" or None,
            )
            i18n.activate(settings.language)
            if args.command != "doctor":  # the check-up reports the folders as they are
                _private_folders()
            return _dispatch(args, settings)
        except UsageError as error:
            return fail(str(error), EXIT_USAGE)
        except (StartupError, SettingsError) as error:
            return fail(translate(error.message, error.params), EXIT_FAILURE)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        except Exception as error:
            log.exception("the pimms command failed")  # not its arguments: --db holds secrets
            return fail(
                _("Sorry, something went wrong ({error}). Details are in {path}.").format(
                    error=f"{type(error).__name__}: {error}", path=log_path()
                ),
                EXIT_FAILURE,
            )


def _private_folders() -> None:
    """An install made before folders were private gets them so (``pimms doctor --repair``
    does the same for the files already in them)."""
    for folder in (data_dir(), config_dir()):
        if folder.is_dir():
            private_folder(folder)


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command asked for; without one, start the desk."""
    if args.command == "db":
        return upgrade_database(settings)
    if args.command == "demo":
        return seed_demo_data(args, settings)
    if args.command == "export" and args.export_command == "stats":
        return export_statistics(args, settings)
    if args.command in ("backup", "restore", "doctor"):
        return run_maintenance(args, settings)
    if args.command == "erase":
        return erase_visitor(args, settings)
    if args.command == "purge":
        return purge(args, settings)
    if args.command == "export" and args.export_command == "visitor":
        return export_visitor(args, settings)
    return run_desk(settings)
