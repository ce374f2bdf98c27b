"""The statistics export as XLSX: a summary sheet and the detail, written in streaming mode.

The detail continues on further sheets past a sheet's 1,048,576 rows. Numbers stay numbers
(shares and minutes with their number format); a masked count is written as its text. Every
text is a string cell, never a formula (``cells.xlsx_row``): a partner or office name
beginning with ``=`` is shown, not evaluated.
The file is written whole and private (0600).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pimms_tui.domain.stats import DemandRow, Masked
from pimms_tui.i18n import _

from .cells import xlsx_row
from .stats_files import private_file
from .stats_summary import SummaryLine, detail_header, detail_values

XLSX_MAX_ROWS = 1_048_576


def write_stats_xlsx(path: Path, lines: Iterable[SummaryLine], rows: Iterable[DemandRow]) -> Path:
    """A workbook with the summary sheet and the detail sheet(s); returns ``path``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Summary"))
    summary.append(xlsx_row(summary, [_("section"), _("item"), _("figure")]))
    for line in lines:
        value = line.value
        if isinstance(value, Masked):
            summary.append(xlsx_row(summary, [line.section, line.item, str(value)]))
            continue
        cell = WriteOnlyCell(summary, value=value)
        if line.kind == "share":
            cell.number_format = "0.0%"
        elif line.kind == "minutes":
            cell.number_format = "0.0"
        summary.append(xlsx_row(summary, [line.section, line.item, cell]))
    title = _("Demands")
    sheet = workbook.create_sheet(title)
    sheet.append(xlsx_row(sheet, detail_header()))
    written, number = 1, 1
    for row in rows:
        if written >= XLSX_MAX_ROWS:
            number += 1
            sheet = workbook.create_sheet(f"{title} {number}")
            sheet.append(xlsx_row(sheet, detail_header()))
            written = 1
        sheet.append(xlsx_row(sheet, detail_values(row)))
        written += 1
    with private_file(path) as temporary:
        workbook.save(temporary)
    return path
