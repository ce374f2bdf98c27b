"""``pimms db upgrade``, ``demo seed``, ``backup``, ``restore`` and ``doctor``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pimms_tui import i18n
from pimms_tui.application import doctor, maintenance, open_database
from pimms_tui.demo import seed_demo
from pimms_tui.i18n import _, translate
from pimms_tui.settings import Settings, config_dir, data_dir

from .common import EXIT_FAILURE, fail


def add_maintenance_commands(commands: Any) -> None:
    """``pimms backup``, ``pimms restore`` and ``pimms doctor`` (application.maintenance)."""
    backup = commands.add_parser("backup", help=_("copy the SQLite database, even while in use"))
    backup.add_argument("path", metavar=_("PATH"), help=_("file or folder to write the copy to"))
    restore = commands.add_parser("restore", help=_("put a backup back in place of the database"))
    restore.add_argument("path", metavar=_("PATH"), help=_("the backup file"))
    restore.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    doctor_command = commands.add_parser(
        "doctor", help=_("check the database, schema, catalogues, data folder and clock")
    )
    doctor_command.add_argument(
        "--repair",
        action="store_true",
        help=_("first make the data and config folders and their files private (0700, 0600)"),
    )


def upgrade_database(settings: Settings) -> int:
    """``pimms db upgrade``: migrate the database and say which one."""
    database = open_database(settings, always_seed=True)
    url = database.engine.url.render_as_string(hide_password=True)
    database.dispose()
    print(_("The database is up to date: {url}").format(url=url))
    return 0


def run_maintenance(args: argparse.Namespace, settings: Settings) -> int:
    """Backup, restore and check-up; their refusals are one translated line."""
    url = settings.resolved_database_url
    try:
        if args.command == "doctor":
            findings = doctor.doctor(
                url, data_dir(), config_folder=config_dir(), repair=args.repair
            )
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
        return fail(translate(error.message, error.params), EXIT_FAILURE)


def seed_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms demo seed``: the demo database unless --db names another."""
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
        return fail(translate(str(error)), EXIT_FAILURE)
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
