"""``pimms export stats``: activity figures for funders and partners (CSV or XLSX)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from pimms_tui.application import UseCases, command_line_actor, open_desk
from pimms_tui.application.stats import default_export_path
from pimms_tui.domain.errors import DomainError
from pimms_tui.domain.stats import DEFAULT_MASK_THRESHOLD
from pimms_tui.i18n import _, translate
from pimms_tui.settings import Settings

from .common import EXIT_FAILURE, UsageError, export_group, fail


def add_stats_commands(commands: Any) -> None:
    """``pimms export stats``: activity figures for funders and partners (CSV or XLSX)."""
    stats = export_group(commands).add_parser(
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
        "--threshold",
        type=int,
        default=DEFAULT_MASK_THRESHOLD,
        metavar="N",
        help=_("masking threshold (default: %(default)s)"),
    )
    stats.add_argument(
        "--wait-target",
        type=int,
        metavar=_("MINUTES"),
        help=_("waiting-time target (default: the office's setting)"),
    )


def _iso_day(text: str) -> Any:
    """A day written YYYY-MM-DD (argparse type)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a date (YYYY-MM-DD): {value}").format(value=text)
        ) from None


def export_statistics(args: argparse.Namespace, settings: Settings) -> int:
    """``pimms export stats``: write the figures and the anonymised detail of a period."""
    if args.threshold < 1:
        raise UsageError(_("The threshold must be at least 1."))
    services = UseCases(*open_desk(settings))
    try:
        if services.session.office is None:
            return fail(_("There is no office in this database yet."), EXIT_FAILURE)
        actor = command_line_actor(services.office)
        stats = services.stats
        try:
            query = stats.query(
                actor,
                args.start,
                args.end,
                office_codes=args.export_offices or (),
                all_offices=args.all_offices,
                partner=args.partner,
                wait_target=args.wait_target,
            )
            path = (
                Path(args.output)
                if args.output
                else default_export_path(
                    services.container.documents_dir, query, args.file_format, args.partner
                )
            )
            written = stats.export(
                actor,
                query,
                path=path,
                file_format=args.file_format,
                mask_below=args.threshold if args.mask else None,
            )
        except DomainError as error:
            return fail(translate(error.message, error.params), EXIT_FAILURE)
        except OSError as error:
            return fail(
                _("The file cannot be written: {reason}").format(reason=error.strerror or error),
                EXIT_FAILURE,
            )
    finally:
        services.container.close()
    for file in written:
        print(_("Written: {path}").format(path=file))
    return 0
