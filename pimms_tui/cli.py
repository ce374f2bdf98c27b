"""The ``pimms`` command: start the desk, migrate, seed demo data.

Every failure the user can cause (an unknown option, an unreachable database, a read-only
folder) ends with one translated line on stderr and a non-zero exit code, never a traceback.
Anything unexpected is written with its traceback to ``pimms.log`` in the data folder.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from pimms_tui import __version__, i18n
from pimms_tui.application import (
    StartupError,
    UseCases,
    command_line_actor,
    open_database,
    open_desk,
)
from pimms_tui.i18n import N_, _, translate
from pimms_tui.settings import (
    SUPPORTED_LANGUAGES,
    Settings,
    SettingsError,
    data_dir,
    language_from_locale,
    load_settings,
)

EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
LOG_FILE = "pimms.log"

log = logging.getLogger("pimms")


class UsageError(Exception):
    """The command line is wrong; the text is already translated."""


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, with the usage prefix in the active language."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        """Add the usage line; its continuation lines line up with the translated prefix."""
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one translated line instead of usage + English."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = _("commands")
        self._optionals.title = _("options")
        self.add_argument("-h", "--help", action="help", help=_("show this help and exit"))

    def error(self, message: str) -> NoReturn:
        """Raise a translated usage error (argparse's own texts are English only)."""
        raise UsageError(_translate_argparse(message, self.prog))


def _translate_argparse(message: str, prog: str = "pimms") -> str:
    """One translated sentence for an argparse error message."""
    command = _("COMMAND")
    match = re.search(r"argument (\S+): invalid choice: '?(.*?)'? \(choose from", message)
    if match and match.group(1) == command:
        return _("Unknown command: {value}. See {prog} --help.").format(
            value=match.group(2), prog=prog
        )
    if match:
        return _("Invalid value {value2} for {value}. See {prog} --help.").format(
            value=match.group(1), value2=match.group(2), prog=prog
        )
    match = re.search(r"unrecognized arguments: (.*)", message)
    if match and not match.group(1).startswith("-"):
        return _("Unexpected argument: {value}. See {prog} --help.").format(
            value=match.group(1), prog=prog
        )
    match = re.search(r"the following arguments are required: (.*)", message)
    if match and match.group(1) == command:
        return _("A command is missing. See {prog} --help.").format(prog=prog)
    patterns = (
        (r"unrecognized arguments: (.*)", _("Unknown option: {value}. See {prog} --help.")),
        (
            r"argument (\S+): expected one argument",
            _("The option {value} needs a value. See {prog} --help."),
        ),
        (
            r"argument (\S+): invalid int value: '?(.*?)'?$",
            _("The option {value} needs a whole number, not {value2}."),
        ),
        (
            r"ambiguous option: (\S+) could match (.*)",
            _("The option {value} is ambiguous: {value2}. See {prog} --help."),
        ),
        (r"the following arguments are required: (.*)", _("Missing: {value}. See {prog} --help.")),
    )
    for pattern, text in patterns:
        match = re.search(pattern, message)
        if match:
            groups = match.groups()
            return text.format(value=groups[0], value2=groups[-1], prog=prog)
    return _("Invalid command line: {detail}. See {prog} --help.").format(detail=message, prog=prog)


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
    _add_export_commands(commands)
    _add_maintenance_commands(commands)
    _add_rights_commands(commands)
    return parser


def _add_maintenance_commands(commands: Any) -> None:
    """``pimms backup``, ``pimms restore`` and ``pimms doctor`` (pimms_tui.maintenance)."""
    backup = commands.add_parser("backup", help=_("copy the SQLite database, even while in use"))
    backup.add_argument("path", metavar=_("PATH"), help=_("file or folder to write the copy to"))
    restore = commands.add_parser("restore", help=_("put a backup back in place of the database"))
    restore.add_argument("path", metavar=_("PATH"), help=_("the backup file"))
    restore.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    commands.add_parser(
        "doctor", help=_("check the database, schema, catalogues, data folder and clock")
    )


# --- Rights and retention: erase, purge, export visitor ----------------------------------------


def _add_rights_commands(commands: Any) -> None:
    """``pimms erase``, ``pimms purge`` and ``pimms export visitor``."""
    erase = commands.add_parser("erase", help=_("erase a visitor's file on request"))
    erase_commands = erase.add_subparsers(
        dest="erase_command", metavar=_("COMMAND"), required=True, parser_class=Parser
    )
    erase_visitor = erase_commands.add_parser("visitor", help=_("erase one visitor's file"))
    erase_visitor.add_argument("visitor_id", type=int, metavar="ID", help=_("file number"))
    erase_visitor.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    purge = commands.add_parser("purge", help=_("anonymise files past the retention period"))
    purge.add_argument(
        "--dry-run", action="store_true", help=_("say what would be done, change nothing")
    )
    visitor = _export_group(commands).add_parser(
        "visitor", help=_("everything held on one visitor (right of access)")
    )
    visitor.add_argument("visitor_id", type=int, metavar="ID", help=_("file number"))
    visitor.add_argument(
        "--format", choices=("text", "pdf"), default="text", help=_("readable file format")
    )
    visitor.add_argument(
        "--output", metavar=_("FOLDER"), help=_("where to write (default: the documents folder)")
    )


def _with_services(settings: Settings) -> UseCases:
    """The office's use cases for a command; refused when the database has no office yet."""
    services = UseCases(*open_desk(settings))
    if services.session.office is None:
        services.container.close()
        raise StartupError(N_("There is no office yet: start pimms once to create it."))
    return services


def _erase_visitor(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms erase visitor ID [--yes]``."""
    from pimms_tui.domain.errors import DomainError

    if not args.yes:
        question = _("Erase the identity, contact and notes of file n° {id}? [y/N] ").format(
            id=args.visitor_id
        )
        try:
            answer = input(question)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes", "o", "oui"):
            print(_("Nothing erased."))
            return EXIT_FAILURE
    services = _with_services(settings)
    try:
        report = services.rights.erase(
            args.visitor_id, command_line_actor(services.office), via="cli"
        )
    except DomainError as error:
        return _fail(translate(error.message, error.params), EXIT_FAILURE)
    finally:
        services.container.close()
    print(
        _("File n° {id} erased: {files} file(s), {notes} note(s), {relays} relay(s).").format(
            id=args.visitor_id, files=report.visitors, notes=report.notes, relays=report.relays
        )
    )
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms purge [--dry-run]``."""
    services = _with_services(settings)
    try:
        report = services.rights.purge(
            command_line_actor(services.office), dry_run=args.dry_run, via="cli"
        )
    finally:
        services.container.close()
    values = {
        "visitors": report.visitors,
        "relays": report.relays,
        "day": report.visitor_cutoff.date().isoformat(),
        "relay_day": report.relay_cutoff.date().isoformat(),
    }
    if report.dry_run:
        print(
            _(
                "Dry run: {visitors} file(s) inactive since before {day} would be anonymised, "
                "{relays} relay(s) closed before {relay_day} stripped. Nothing changed."
            ).format(**values)
        )
    else:
        print(
            _(
                "{visitors} file(s) inactive since before {day} anonymised, "
                "{relays} relay(s) closed before {relay_day} stripped."
            ).format(**values)
        )
    return 0


def _export_visitor(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms export visitor ID [--format text|pdf] [--output DIR]``."""
    from pimms_tui.domain.errors import DomainError

    services = _with_services(settings)
    try:
        folder = Path(args.output) if args.output else services.container.documents_dir
        files = services.rights.export(
            args.visitor_id, command_line_actor(services.office), folder, fmt=args.format, via="cli"
        )
    except DomainError as error:
        return _fail(translate(error.message, error.params), EXIT_FAILURE)
    except OSError as error:
        return _fail(
            _("Cannot write to {path}: {reason}").format(
                path=args.output, reason=error.strerror or error
            ),
            EXIT_FAILURE,
        )
    finally:
        services.container.close()
    print(files.readable)
    print(files.machine)
    return 0


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
    args_list = list(sys.argv[1:] if argv is None else argv)
    with _log_to_file():
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
            return _dispatch(args, settings)
        except UsageError as error:
            return _fail(str(error), EXIT_USAGE)
        except (StartupError, SettingsError) as error:
            return _fail(translate(error.message, error.params), EXIT_FAILURE)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        except Exception as error:
            log.exception("the pimms command failed")  # not its arguments: --db holds secrets
            return _fail(
                _("Sorry, something went wrong ({error}). Details are in {path}.").format(
                    error=f"{type(error).__name__}: {error}", path=_log_path()
                ),
                EXIT_FAILURE,
            )


def _fail(message: str, code: int) -> int:
    """Print one line on stderr, whatever the message holds, and return the exit code."""
    printable = "".join(char if char.isprintable() else " " for char in message)
    line = " ".join(printable.split())
    if len(line) > 500:
        line = line[:499] + "…"
    print(f"pimms: {line}", file=sys.stderr)
    return code


def _log_path() -> Path:
    """Where unexpected errors are written."""
    return data_dir() / LOG_FILE


class _LogFile(logging.FileHandler):
    """``pimms.log`` in the data folder, opened on the first record; never raises."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record, creating the folder first; drop it if the disk refuses."""
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
            super().emit(record)
        except Exception:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        """Say nothing: a log that cannot be written must not become a traceback on screen."""


@contextmanager
def _log_to_file() -> Iterator[None]:
    """Send the ``pimms`` loggers to the log file while the command runs."""
    handler = _LogFile(_log_path(), encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    previous_level = log.level
    log.addHandler(handler)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(previous_level)
        handler.close()


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command asked for; without one, start the desk."""
    if args.command == "db":
        database = open_database(settings, always_seed=True)
        url = database.engine.url.render_as_string(hide_password=True)
        database.dispose()
        print(_("The database is up to date: {url}").format(url=url))
        return 0
    if args.command == "demo":
        return _seed_demo(args, settings)
    if args.command == "export" and args.export_command == "stats":
        return _export_stats(args, settings)
    if args.command in ("backup", "restore", "doctor"):
        return _maintenance(args, settings)
    if args.command == "erase":
        return _erase_visitor(args, settings)
    if args.command == "purge":
        return _purge(args, settings)
    if args.command == "export" and args.export_command == "visitor":
        return _export_visitor(args, settings)
    return _run_app(settings)


def _maintenance(args: argparse.Namespace, settings: Settings) -> int:
    """Backup, restore and check-up; their refusals are one translated line."""
    from pimms_tui.application import maintenance

    url = settings.resolved_database_url
    try:
        if args.command == "doctor":
            findings = maintenance.doctor(url, data_dir())
            for finding in findings:
                mark = _("ok") if finding.ok else _("PROBLEM")
                print(f"[{mark}] " + translate(finding.message, finding.params))
            return 0 if all(f.ok for f in findings) else EXIT_FAILURE
        if args.command == "backup":
            report = maintenance.backup(url, Path(args.path))
            print(
                _("Backup written: {path} ({visits} visits, schema {revision}).").format(
                    path=report.path, visits=report.visits, revision=report.revision
                )
            )
            return 0
        found = maintenance.inspect_backup(Path(args.path))
        if not args.yes:
            question = _(
                "Replace the database {target} with the backup {path} ({visits} visits)? "
                "Close every desk first. Type yes to confirm: "
            ).format(target=maintenance.sqlite_path(url), path=found.path, visits=found.visits)
            try:
                answer = input(question)
            except EOFError:
                answer = ""
            if answer.strip().lower() not in (_("yes"), "yes"):
                print(_("Nothing was changed."))
                return EXIT_FAILURE
        report = maintenance.restore(url, found.path)
        print(
            _("Restored from {path}: {visits} visits.").format(
                path=report.path, visits=report.visits
            )
        )
        return 0
    except maintenance.MaintenanceError as error:
        return _fail(translate(error.message, error.params), EXIT_FAILURE)


def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms demo seed``: the demo database unless --db names another."""
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


# --- pimms export stats ------------------------------------------------------------------------


def _export_group(commands: Any) -> Any:
    """The ``export`` command's sub-commands (created once; other exports join the group)."""
    existing = commands.choices.get("export")
    if existing is not None:
        return existing._export_commands
    export = commands.add_parser("export", help=_("export figures or data to a file"))
    export._export_commands = export.add_subparsers(
        dest="export_command", metavar=_("COMMAND"), required=True, parser_class=Parser
    )
    return export._export_commands


def _add_export_commands(commands: Any) -> None:
    """``pimms export stats``: activity figures for funders and partners (CSV or XLSX)."""
    stats = _export_group(commands).add_parser(
        "stats", help=_("activity statistics of a period, as CSV or XLSX")
    )
    stats.add_argument(
        "--from",
        dest="start",
        required=True,
        type=_iso_day,
        metavar=_("YYYY-MM-DD"),
        help=_("first day of the period"),
    )
    stats.add_argument(
        "--to",
        dest="end",
        required=True,
        type=_iso_day,
        metavar=_("YYYY-MM-DD"),
        help=_("last day of the period (included)"),
    )
    stats.add_argument(
        "--office",
        dest="export_offices",
        action="append",
        metavar=_("CODE"),
        help=_("office code (repeat for several; default: this terminal's office)"),
    )
    stats.add_argument("--all-offices", action="store_true", help=_("every office of the database"))
    stats.add_argument(
        "--format",
        dest="file_format",
        choices=("csv", "xlsx"),
        default="csv",
        help=_("file format (default: csv)"),
    )
    stats.add_argument("--output", metavar=_("PATH"), help=_("file to write"))
    stats.add_argument(
        "--partner", metavar=_("CODE"), help=_("a partner report: only what concerns this partner")
    )
    stats.add_argument(
        "--mask",
        action="store_true",
        help=_("external report: hide counts of fewer than --threshold people"),
    )
    stats.add_argument(
        "--threshold", type=int, default=3, metavar="N", help=_("masking threshold (default 3)")
    )
    stats.add_argument(
        "--wait-target",
        type=int,
        metavar=_("MINUTES"),
        help=_("waiting-time target (default: the office's setting)"),
    )


def _iso_day(text: str) -> Any:
    """A day written YYYY-MM-DD (argparse type)."""
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a date (YYYY-MM-DD): {value}").format(value=text)
        ) from None


def _export_stats(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms export stats``: write the figures and the anonymised detail of a period."""
    from pimms_tui.domain.errors import DomainError
    from pimms_tui.domain.stats import StatsQuery
    from pimms_tui.stats_export import default_export_path, export_stats

    if args.threshold < 1:
        raise UsageError(_("The threshold must be at least 1."))
    services = UseCases(*open_desk(settings))
    try:
        if services.session.office is None:
            return _fail(_("There is no office in this database yet."), EXIT_FAILURE)
        actor = command_line_actor(services.office)
        service = services.stats
        try:
            offices = service.offices(actor)
            by_code = {code: office_id for office_id, code, _name in offices}
            if args.all_offices:
                office_ids = tuple(office_id for office_id, _code, _name in offices)
            elif args.export_offices:
                unknown = [code for code in args.export_offices if code not in by_code]
                if unknown:
                    return _fail(
                        _("There is no office with code {code}.").format(code=unknown[0]),
                        EXIT_FAILURE,
                    )
                office_ids = tuple(dict.fromkeys(by_code[c] for c in args.export_offices))
            else:
                office_ids = (services.office.id,)
            target = args.wait_target
            if target is None:
                target = service.wait_target(office_ids[0])
            partners = None
            if args.partner:
                partners = service.partner_ids(actor, office_ids, args.partner)
            query = StatsQuery(
                start=args.start,
                end=args.end,
                office_ids=office_ids,
                wait_target_minutes=target,
                partner_ids=partners,
                today=services.today(),
            )
            path = (
                Path(args.output)
                if args.output
                else default_export_path(
                    services.container.documents_dir, query, args.file_format, args.partner
                )
            )
            written = export_stats(
                service,
                actor,
                query,
                path=path,
                file_format=args.file_format,
                mask_below=args.threshold if args.mask else None,
            )
        except DomainError as error:
            return _fail(translate(error.message, error.params), EXIT_FAILURE)
        except OSError as error:
            return _fail(
                _("The file cannot be written: {reason}").format(reason=error.strerror or error),
                EXIT_FAILURE,
            )
    finally:
        services.container.close()
    for file in written:
        print(_("Written: {path}").format(path=file))
    return 0


def _open_demo(settings: Settings) -> UseCases:
    """The demo: a living office on a working morning, reseeded when its day has passed."""
    from pimms_tui.domain.clock import ShiftedClock
    from pimms_tui.domain.demo import demo_is_current, demo_morning, ensure_demo_data

    clock = ShiftedClock(demo_morning(datetime.now(UTC)))
    services = UseCases(*open_desk(settings, clock))
    if (
        settings.is_embedded
        and services.session.office
        and not demo_is_current(services.container.database, clock.now())
    ):
        # Only the embedded demo file is ever thrown away, never a database given by --db.
        services.container.close()
        Path(settings.resolved_database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        services = UseCases(*open_desk(settings, clock))
    if ensure_demo_data(services.container.database, clock.now()):
        services.container.close()
        services = UseCases(*open_desk(settings, clock))
    return services


def _run_app(settings: Settings) -> int:
    """Open the database and run the desk until it is closed."""
    from pimms_tui.app import make_app

    services = _open_demo(settings) if settings.demo else UseCases(*open_desk(settings))
    try:
        make_app(services.container, services.session).run()
    finally:
        services.container.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
