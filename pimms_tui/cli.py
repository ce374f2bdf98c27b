"""The ``pimms`` command: start the desk, migrate, seed demo data.

Every failure the user can cause (an unknown option, an unreachable database, a read-only
folder) ends with one translated line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NoReturn

from pimms_tui import __version__, i18n
from pimms_tui.i18n import _, translate
from pimms_tui.services import StartupError, open_database, open_services
from pimms_tui.settings import SUPPORTED_LANGUAGES, Settings, SettingsError, load_settings

EXIT_USAGE = 2
EXIT_FAILURE = 1


class UsageError(Exception):
    """The command line is wrong; the text is already translated."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one translated line instead of usage + English."""

    def error(self, message: str) -> NoReturn:
        """Raise a translated usage error (argparse's own texts are English only)."""
        raise UsageError(_translate_argparse(message))


def _translate_argparse(message: str) -> str:
    patterns = (
        (r"unrecognized arguments: (.*)", _("Unknown option: {value}. See pimms --help.")),
        (
            r"argument (\S+): invalid choice: '?([^' ]*)'?",
            _("Invalid value {value2} for {value}. See pimms --help."),
        ),
        (
            r"argument (\S+): expected one argument",
            _("The option {value} needs a value. See pimms --help."),
        ),
        (
            r"argument (\S+): invalid int value: '?([^' ]*)'?",
            _("The option {value} needs a whole number, not {value2}."),
        ),
        (
            r"the following arguments are required: (.*)",
            _("Missing: {value}. See pimms --help."),
        ),
    )
    for pattern, text in patterns:
        match = re.search(pattern, message)
        if match:
            groups = match.groups()
            return text.format(value=groups[0], value2=groups[-1])
    return _("Invalid command line: {detail}. See pimms --help.").format(detail=message)


def build_parser() -> Parser:
    """The command line, with help in the active language."""
    parser = Parser(prog="pimms", description=_("Front desk of a PIMMS office."))
    parser.add_argument("--version", action="version", version=f"pimms {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help=_("database address (else PIMMS_DATABASE_URL, else the embedded SQLite file)"),
    )
    parser.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help=_("interface language"))
    parser.add_argument("--desk", metavar=_("NAME"), help=_("the desk this terminal is"))
    parser.add_argument(
        "--office", metavar=_("CODE"), help=_("the office code, on a shared database")
    )
    parser.add_argument(
        "--demo", action="store_true", help=_("start on a separate database full of demo data")
    )
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=Parser)

    db = commands.add_parser("db", help=_("database maintenance"))
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    db_commands.add_parser("upgrade", help=_("bring the database to the current schema"))

    demo = commands.add_parser("demo", help=_("demo data"))
    demo_commands = demo.add_subparsers(dest="demo_command", required=True, parser_class=Parser)
    seed = demo_commands.add_parser("seed", help=_("fill a database with realistic demo data"))
    seed.add_argument("--visitors", type=int, default=2000, help=_("number of visitors"))
    seed.add_argument("--days", type=int, default=90, help=_("number of past days"))
    seed.add_argument("--seed", type=int, default=1, help=_("random seed (same seed, same data)"))
    seed.add_argument("--offices", type=int, default=2, help=_("number of offices"))
    seed.add_argument(
        "--visits",
        type=int,
        default=None,
        help=_("number of visits (default: about 2.5 per visitor)"),
    )
    seed.add_argument("--db", dest="seed_db", metavar="URL", help=_("database address"))
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
        settings = Settings()
    i18n.activate(settings.language)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pimms`` command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    _early_language(args_list)
    try:
        args = build_parser().parse_args(args_list)
        settings = load_settings(
            database_url=args.db,
            language=args.lang,
            desk=args.desk,
            office_code=args.office,
            demo=args.demo or None,
        )
        i18n.activate(settings.language)
        return _dispatch(args, settings)
    except UsageError as error:
        return _fail(str(error), EXIT_USAGE)
    except (StartupError, SettingsError) as error:
        return _fail(translate(error.message, error.params), EXIT_FAILURE)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, code: int) -> int:
    print(f"pimms: {message}", file=sys.stderr)
    return code


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        database = open_database(settings)
        database.dispose()
        print(_("The database is up to date."))
        return 0
    if args.command == "demo":
        return _seed_demo(args, settings)
    return _run_app(settings)


def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from pimms_tui.domain.demo import seed_demo

    if args.seed_db:
        settings = settings.with_overrides(database_url=args.seed_db)
    database = open_database(settings)
    try:
        report = seed_demo(
            database,
            visitors=args.visitors,
            days=args.days,
            seed=args.seed,
            offices=args.offices,
            visits=args.visits,
            now=datetime.now(UTC),
        )
    except ValueError as error:
        return _fail(translate(str(error)), EXIT_FAILURE)
    finally:
        database.dispose()
    print(
        _("{visitors} visitors, {visits} visits, {demands} demands in {seconds} s.").format(
            visitors=i18n.format_number(report.visitors),
            visits=i18n.format_number(report.visits),
            demands=i18n.format_number(report.demands),
            seconds=i18n.format_number(round(report.seconds, 1)),
        )
    )
    return 0


def _run_app(settings: Settings) -> int:
    from pimms_tui.app import make_app

    services = open_services(settings)
    if settings.demo:
        from pimms_tui.domain.demo import ensure_demo_data

        if ensure_demo_data(services.database, services.clock.now()):
            services.close()
            services = open_services(settings)
    try:
        make_app(services).run()
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
