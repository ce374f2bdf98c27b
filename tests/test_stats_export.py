"""Statistics exports: CSV and XLSX re-read and compared with the domain's figures; no names."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from pimms_tui import cli, i18n
from pimms_tui.application.stats import StatsService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.documents.stats_csv import csv_cell, read_csv
from pimms_tui.documents.stats_summary import summary_lines
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.stats import StatsQuery
from tests.statskit import DAY, EARLIER_DAY, NAMES, NOTES, build_activity

SECRETS = (*NAMES, "Zorglub", "Plumeau", *NOTES)


@pytest.fixture(autouse=True)
def french() -> None:
    i18n.activate("fr")


def manager(office: OfficeInfo) -> Actor:
    return Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)


def summary_dict(rows: list[list[str]]) -> dict[tuple[str, str], str]:
    return {(row[0], row[1]): row[2] for row in rows[1:]}


def assert_no_personal_data(path: Path) -> None:
    data = path.read_bytes()
    for secret in SECRETS:
        assert secret.encode("utf-8") not in data, secret


def test_csv_french_matches_the_figures(
    database: Database, office: OfficeInfo, tmp_path: Path
) -> None:
    """French CSV: BOM, semicolons, decimal comma; the summary equals the domain's figures."""
    build_activity(database, office)
    service = StatsService(database)
    query = StatsQuery(start=DAY, end=DAY, office_ids=(office.id,))
    stats = service.figures(manager(office), query)
    written = service.export(manager(office), query, path=tmp_path / "stats.csv", file_format="csv")
    detail, summary = written
    assert summary.name == "stats-summary.csv"
    raw = detail.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.splitlines()[0].count(b";") == 12
    rows = read_csv(detail)
    assert rows[0][0] == "date" and rows[0][9] == "attente (minutes)"
    assert len(rows) - 1 == stats.demands == 5
    waited = sorted(row[9] for row in rows[1:])
    assert waited == ["10", "10", "10", "25", "4"]
    figures = summary_dict(read_csv(summary))
    assert figures[("Visites", "visites")] == str(stats.visits) == "5"
    assert figures[("Visites", "visites anonymes")] == "3"
    assert figures[("Demandes", "demandes")] == "5"
    assert figures[("Temps d’attente (minutes)", "moyenne")] == "17,8"
    assert figures[("Temps d’attente (minutes)", "médiane")] == "17,5"
    assert figures[("Temps d’attente (minutes)", "90e centile")] == "29,9"
    assert figures[("Temps d’attente (minutes)", "part au-delà de 20 min")] == "50,0\u00a0%"
    assert figures[("Rendez-vous", "taux d’absence")] == "33,3\u00a0%"
    lines = summary_lines(stats)
    assert len(figures) == len(lines)
    for path in written:
        assert_no_personal_data(path)


def test_csv_english_uses_commas(database: Database, office: OfficeInfo, tmp_path: Path) -> None:
    build_activity(database, office)
    i18n.activate("en")
    service = StatsService(database)
    query = StatsQuery(start=EARLIER_DAY, end=DAY, office_ids=(office.id,))
    detail, summary = service.export(
        manager(office), query, path=tmp_path / "s.csv", file_format="csv"
    )
    raw = detail.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.splitlines()[0].count(b",") == 12
    figures = summary_dict(read_csv(summary))
    assert figures[("Visits", "visits")] == "6"
    assert figures[("Waiting time (minutes)", "mean")] == "15.4"  # (4+6+10+25+32) / 5
    assert figures[("Waiting time (minutes)", "share above 20 min")] == "40.0%"


def test_xlsx_matches_the_figures(database: Database, office: OfficeInfo, tmp_path: Path) -> None:
    """XLSX: a summary sheet with numbers, a detail sheet with one row per demand."""
    build_activity(database, office)
    service = StatsService(database)
    query = StatsQuery(start=DAY, end=DAY, office_ids=(office.id,))
    stats = service.figures(manager(office), query)
    (path,) = service.export(
        manager(office), query, path=tmp_path / "stats.xlsx", file_format="xlsx"
    )
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Synthèse", "Demandes"]
    summary = {
        (r[0], r[1]): r[2] for r in workbook["Synthèse"].iter_rows(min_row=2, values_only=True)
    }
    assert summary[("Visites", "visites")] == stats.visits
    assert summary[("Demandes", "demandes")] == stats.demands
    assert summary[("Temps d’attente (minutes)", "moyenne")] == pytest.approx(stats.waiting.mean)
    assert summary[("Rendez-vous", "taux d’absence")] == pytest.approx(1 / 3)
    detail = list(workbook["Demandes"].iter_rows(values_only=True))
    assert len(detail) - 1 == stats.demands
    assert sorted(r[9] for r in detail[1:]) == [4.0, 10.0, 10.0, 10.0, 25.0]
    workbook.close()
    for sheet_text in _xlsx_text(path):
        for secret in SECRETS:
            assert secret not in sheet_text


def _xlsx_text(path: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return [archive.read(name).decode("utf-8") for name in archive.namelist()]


def test_masking_hides_small_counts(database: Database, office: OfficeInfo) -> None:
    build_activity(database, office)
    service = StatsService(database)
    stats = service.figures(
        manager(office), StatsQuery(start=DAY, end=DAY, office_ids=(office.id,))
    )
    masked = {
        (line.section, line.item): str(line.value) for line in summary_lines(stats, mask_below=3)
    }
    assert masked[("Visites", "visites")] == "5"
    assert masked[("Visites", "visiteurs nommés distincts")] == "< 3"
    assert masked[("Relais", "relais")] == "< 3"
    assert masked[("Rendez-vous", "taux d’absence")] != "< 3"  # three appointments: shown
    assert masked[("Temps d’attente (minutes)", "moyenne")] == "17.75"
    plain = {(line.section, line.item): line.value for line in summary_lines(stats)}
    assert plain[("Relais", "relais")] == 2


def test_cells_formatted_per_language() -> None:
    i18n.activate("fr")
    assert csv_cell(1234.5, "minutes") == "1234,5"
    assert csv_cell(0.125, "share") == "12,5\u00a0%"
    i18n.activate("en")
    assert csv_cell(1234.5, "minutes") == "1234.5"
    assert csv_cell(0.125, "share") == "12.5%"


def test_cli_export_stats(database: Database, office: OfficeInfo, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``pimms export stats`` run in-process writes the XLSX and the CSV pair."""
    build_activity(database, office)
    url = database.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "out.xlsx"
    code = cli.main(
        [
            "--db",
            url,
            "--lang",
            "fr",
            "export",
            "stats",
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-02",
            "--format",
            "xlsx",
            "--output",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    workbook = load_workbook(out, read_only=True)
    rows = list(workbook["Demandes"].iter_rows(values_only=True))
    assert len(rows) == 6
    workbook.close()
    csv_out = tmp_path / "partner.csv"
    code = cli.main(
        [
            "--db",
            url,
            "--lang",
            "en",
            "export",
            "stats",
            "--from",
            "2026-02-01",
            "--to",
            "2026-03-31",
            "--office",
            "TEST",
            "--partner",
            "caf",
            "--mask",
            "--output",
            str(csv_out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    i18n.activate("en")
    detail = read_csv(csv_out)
    assert len(detail) == 3 and {r[4] for r in detail[1:]} == {
        "CAF — Caisse d’allocations familiales"
    }
    summary = summary_dict(read_csv(tmp_path / "partner-summary.csv"))
    assert summary[("Demands", "demands")] == "< 3"
    assert ("Visits", "visits") not in summary
    assert_no_personal_data(csv_out)
    err = capsys.readouterr()
    assert "partner-summary.csv" in err.out


def test_cli_export_refuses_bad_input(database: Database, office: OfficeInfo, capsys) -> None:  # type: ignore[no-untyped-def]
    url = database.engine.url.render_as_string(hide_password=False)
    base = ["--db", url, "--lang", "en", "export", "stats"]
    assert cli.main([*base, "--from", "2026-13-01", "--to", "2026-03-01"]) == 2
    assert "not a date" in capsys.readouterr().err
    assert cli.main([*base, "--from", "2026-03-02", "--to", "2026-03-01"]) == 1
    assert "ends before it starts" in capsys.readouterr().err
    assert cli.main([*base, "--from", "2026-03-01", "--to", "2026-03-02", "--office", "NOPE"]) == 1
    assert "NOPE" in capsys.readouterr().err
    assert cli.main([*base, "--from", "2026-03-01", "--to", "2026-03-02", "--partner", "nope"]) == 1
    assert "nope" in capsys.readouterr().err
