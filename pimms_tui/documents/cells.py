"""Spreadsheet cells that are data, never formulas: the one neutraliser of every export.

A spreadsheet reads a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula (and a
tab or carriage return first can hide one; spreadsheet programs also accept the full-width
forms ``＝＋－＠`` typed with an Asian input method). A partner or office name such as
``=HYPERLINK("http://…","Aide")`` would then become a live link or command in the office's
statistics. So, as OWASP recommends, a text cell starting so (or after leading spaces) is
given a leading apostrophe in CSV, which every spreadsheet reads as "this is text"; in XLSX
it is written as a string cell with Excel's own "quote prefix" (the same apostrophe, kept in
the style, not in the text). Numbers are never touched: they stay numbers.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def starts_a_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    return bool(text) and (text[0] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS)


def neutral_text(text: str) -> str:
    """A text cell for a CSV file: with a leading apostrophe when it could start a formula."""
    return "'" + text if starts_a_formula(text) else text


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """An openpyxl write-only cell for ``value``: numbers as numbers, every text as a string
    cell (never a formula), quote-prefixed when it could start one."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    if isinstance(value, Cell):
        cell = value
        value = cell.value
    else:
        cell = WriteOnlyCell(sheet, value=value if not isinstance(value, str) else None)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if starts_a_formula(value):
            cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    """A row of cells for ``sheet.append``, each through :func:`xlsx_cell`."""
    return [xlsx_cell(sheet, value) for value in values]
