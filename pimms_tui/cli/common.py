"""What every ``pimms`` sub-command shares: the parser, translated errors, exit codes, failures."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

from pimms_tui import text
from pimms_tui.application import StartupError, UseCases, open_desk
from pimms_tui.errors import PimmsError
from pimms_tui.i18n import N_, _
from pimms_tui.settings import Settings

EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


class UsageError(PimmsError):
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
        raise UsageError(translate_argparse(message, self.prog))


def translate_argparse(message: str, prog: str = "pimms") -> str:
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
    for pattern, sentence in patterns:
        match = re.search(pattern, message)
        if match:
            groups = match.groups()
            return sentence.format(value=groups[0], value2=groups[-1], prog=prog)
    return _("Invalid command line: {detail}. See {prog} --help.").format(detail=message, prog=prog)


def export_group(commands: Any) -> Any:
    """The ``export`` command's sub-commands (created once; other exports join the group)."""
    existing = commands.choices.get("export")
    if existing is not None:
        return existing._export_commands
    export = commands.add_parser("export", help=_("export figures or data to a file"))
    export._export_commands = export.add_subparsers(
        dest="export_command", metavar=_("COMMAND"), required=True, parser_class=Parser
    )
    return export._export_commands


def open_office(settings: Settings) -> UseCases:
    """The office's use cases for a command; refused when the database has no office yet."""
    services = UseCases(*open_desk(settings))
    if services.session.office is None:
        services.container.close()
        raise StartupError(N_("There is no office yet: start pimms once to create it."))
    return services


def fail(message: str, code: int) -> int:
    """Print one line on stderr, whatever the message holds, and return the exit code."""
    print(f"pimms: {text.one_line(message, 500)}", file=sys.stderr)
    return code
