"""The statistics export as CSV: the detail in the file asked for, the summary beside it.

CSV opens as it should in the spreadsheet of the language: in French, ``;`` between cells and
UTF-8 with a byte-order mark (what French Excel and LibreOffice expect), decimals with a
comma; in English, ``,`` and plain UTF-8. Two tables never share one CSV: the summary goes to
``…-summary.csv`` beside the detail. Files are written whole and private (0600). Every text
cell that a spreadsheet could read as a formula gets a leading apostrophe (``cells``);
numbers stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent

from pimms_tui.domain.stats import DemandRow, Masked
from pimms_tui.i18n import _, active_language, babel_locale

from .cells import neutral_text
from .stats_files import private_file
from .stats_summary import SummaryLine, detail_header, detail_values


def csv_dialect() -> tuple[str, str]:
    """Separator and encoding for the active language's spreadsheets."""
    if active_language() == "fr":
        return ";", "utf-8-sig"
    return ",", "utf-8"


def csv_cell(value: Any, kind: str = "count") -> str:
    """A cell as the active language's spreadsheet reads it (decimal comma in French); a text
    is never a formula."""
    locale = babel_locale()
    if value is None:
        return ""
    if isinstance(value, Masked):
        return neutral_text(str(value))
    if isinstance(value, bool):
        return str(value)
    if kind == "share" and isinstance(value, float | int):
        pattern = re.sub(r"0(?![0#])", "0.0", locale.percent_formats[None].pattern, count=1)
        return str(format_percent(value, pattern, locale=locale, group_separator=False))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(format_decimal(round(value, 1), "0.#", locale=locale, group_separator=False))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return neutral_text(str(value))


def summary_path(path: Path) -> Path:
    """Where the summary of a detail written to ``path`` goes (``stats-summary.csv``)."""
    return path.with_name(f"{path.stem}-summary{path.suffix or '.csv'}")


def write_stats_csv(
    path: Path, lines: Iterable[SummaryLine], rows: Iterable[DemandRow]
) -> list[Path]:
    """The detail to ``path`` and the summary beside it; returns both paths, detail first."""
    summary = summary_path(path)
    write_csv_summary(summary, lines)
    write_csv_detail(path, rows)
    return [path, summary]


def write_csv_summary(path: Path, lines: Iterable[SummaryLine]) -> None:
    """The summary as a three-column CSV: section, item, figure."""
    separator, encoding = csv_dialect()
    with private_file(path) as temporary, temporary.open("w", newline="", encoding=encoding) as out:
        writer = csv.writer(out, delimiter=separator)
        writer.writerow([csv_cell(_("section")), csv_cell(_("item")), csv_cell(_("figure"))])
        for line in lines:
            section, item = csv_cell(line.section), csv_cell(line.item)
            writer.writerow([section, item, csv_cell(line.value, line.kind)])


def write_csv_detail(path: Path, rows: Iterable[DemandRow]) -> None:
    """One row per demand, streamed."""
    separator, encoding = csv_dialect()
    with private_file(path) as temporary, temporary.open("w", newline="", encoding=encoding) as out:
        writer = csv.writer(out, delimiter=separator)
        writer.writerow([csv_cell(title) for title in detail_header()])
        for row in rows:
            writer.writerow([csv_cell(value) for value in detail_values(row)])


def read_csv(path: Path) -> list[list[str]]:
    """Read back a CSV written here (tests and checks): same separator and encoding."""
    separator, encoding = csv_dialect()
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.reader(handle, delimiter=separator))
