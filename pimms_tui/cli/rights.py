"""``pimms erase visitor``, ``pimms purge`` and ``pimms export visitor``: rights and retention.

``pimms erase list FILE`` and ``pimms erase again FILE`` carry the list of erasures across a
PostgreSQL restore (``pg_restore`` puts back the database as it was, list included).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pimms_tui.application import command_line_actor, maintenance
from pimms_tui.domain.errors import DomainError
from pimms_tui.i18n import _, translate
from pimms_tui.settings import Settings

from .common import EXIT_FAILURE, Parser, export_group, fail, open_office


def add_rights_commands(commands: Any) -> None:
    """``pimms erase``, ``pimms purge`` and ``pimms export visitor``."""
    erase = commands.add_parser("erase", help=_("erase a visitor's file on request"))
    erase_commands = erase.add_subparsers(
        dest="erase_command", metavar=_("COMMAND"), required=True, parser_class=Parser
    )
    erase_visitor = erase_commands.add_parser("visitor", help=_("erase one visitor's file"))
    erase_visitor.add_argument("visitor_id", type=int, metavar="ID", help=_("file number"))
    erase_visitor.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    save_list = erase_commands.add_parser(
        "list", help=_("save the list of erased files (no names), before restoring a dump")
    )
    save_list.add_argument("path", metavar=_("PATH"), help=_("file to write the list to"))
    again = erase_commands.add_parser(
        "again", help=_("erase again the files of a saved list, after restoring a dump")
    )
    again.add_argument("path", metavar=_("PATH"), help=_("the saved list"))
    purge = commands.add_parser("purge", help=_("anonymise files past the retention period"))
    purge.add_argument(
        "--dry-run", action="store_true", help=_("say what would be done, change nothing")
    )
    visitor = export_group(commands).add_parser(
        "visitor", help=_("everything held on one visitor (right of access)")
    )
    visitor.add_argument("visitor_id", type=int, metavar="ID", help=_("file number"))
    visitor.add_argument(
        "--format", choices=("text", "pdf"), default="text", help=_("readable file format")
    )
    visitor.add_argument(
        "--output", metavar=_("FOLDER"), help=_("where to write (default: the documents folder)")
    )


def erase_visitor(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms erase visitor ID [--yes]`` (and ``pimms erase list|again PATH``)."""
    if args.erase_command in ("list", "again"):
        return erasure_list(args, settings)
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
    services = open_office(settings)
    try:
        report = services.rights.erase(
            args.visitor_id, command_line_actor(services.office), via="cli"
        )
    except DomainError as error:
        return fail(translate(error.message, error.params), EXIT_FAILURE)
    finally:
        services.container.close()
    print(
        _("File n° {id} erased: {files} file(s), {notes} note(s), {relays} relay(s).").format(
            id=args.visitor_id, files=report.visitors, notes=report.notes, relays=report.relays
        )
    )
    return 0


def purge(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms purge [--dry-run]``."""
    services = open_office(settings)
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


def export_visitor(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms export visitor ID [--format text|pdf] [--output DIR]``."""
    services = open_office(settings)
    try:
        folder = Path(args.output) if args.output else services.container.documents_dir
        files = services.rights.export(
            args.visitor_id, command_line_actor(services.office), folder, fmt=args.format, via="cli"
        )
    except DomainError as error:
        return fail(translate(error.message, error.params), EXIT_FAILURE)
    except OSError as error:
        return fail(
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


def erasure_list(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms erase list PATH`` and ``pimms erase again PATH``."""
    url, path = settings.resolved_database_url, Path(args.path)
    try:
        if args.erase_command == "list":
            count = maintenance.save_erasure_list(url, path)
            print(_("{count} erasure(s) written to {path}.").format(count=count, path=path))
        else:
            count = maintenance.apply_erasure_list(url, path)
            print(_("{count} file(s) erased again.").format(count=count))
    except maintenance.MaintenanceError as error:
        return fail(translate(error.message, error.params), EXIT_FAILURE)
    return 0
