"""``pimms erase visitor``, ``pimms purge`` and ``pimms export visitor`` on both engines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from pimms_tui import cli, i18n
from pimms_tui.db.engine import Database
from pimms_tui.db.models import AuditEntry, Office, Visitor
from pimms_tui.domain.audit import Action
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo

from .test_rights import person_with_history
from .test_visitor_file import Office as FileDesk


@pytest.fixture(autouse=True)
def restore_language() -> Iterator[None]:
    before = i18n.active_language()
    yield
    i18n.activate(before)


@pytest.fixture
def url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> FileDesk:
    return FileDesk(database, office, clock)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["--lang", "en", *args])
    out, err = capsys.readouterr()
    return code, out, err


def actions(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_export_visitor_writes_text_and_json(
    database: Database, desk: FileDesk, url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    visitor, _relay = person_with_history(desk)
    code, out, err = run(
        capsys, "--db", url, "export", "visitor", str(visitor), "--output", str(tmp_path)
    )
    assert (code, err) == (0, "")
    readable, machine = (Path(line) for line in out.splitlines())
    assert readable.parent == tmp_path and readable.suffix == ".txt"
    assert "Hélène" in readable.read_text(encoding="utf-8")
    data = json.loads(machine.read_text(encoding="utf-8"))
    assert data["visitor_id"] == visitor and data["identity"]["last_name"] == "Dupont-Moreau"
    code, out, _err = run(
        capsys,
        "--db",
        url,
        "export",
        "visitor",
        str(visitor),
        "--format",
        "pdf",
        "--output",
        str(tmp_path),
    )
    assert code == 0 and Path(out.splitlines()[0]).read_bytes().startswith(b"%PDF")
    assert actions(database).count(Action.EXPORT) == 2
    code, _out, err = run(capsys, "--db", url, "export", "visitor", "99999")
    assert code == 1 and err.startswith("pimms: This visitor file does not exist.")


def test_erase_visitor_asks_unless_yes(
    database: Database,
    desk: FileDesk,
    url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    visitor, _relay = person_with_history(desk)
    monkeypatch.setattr("builtins.input", lambda _prompt: "n")
    code, out, _err = run(capsys, "--db", url, "erase", "visitor", str(visitor))
    assert code == 1 and "Nothing erased." in out
    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None and row.first_name == "Hélène"
    monkeypatch.setattr("builtins.input", lambda _prompt: "y")
    code, out, _err = run(capsys, "--db", url, "erase", "visitor", str(visitor))
    assert code == 0 and f"File n° {visitor} erased" in out
    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None and row.first_name is None and row.anonymised_at
    assert Action.ERASURE in actions(database)
    code, _out, err = run(capsys, "--db", url, "erase", "visitor", str(visitor), "--yes")
    assert code == 1 and "already anonymised" in err


def test_purge_dry_run_then_real_then_nothing(
    database: Database, desk: FileDesk, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    visitor, _relay = person_with_history(desk)
    with database.write() as session:  # last seen three years ago
        session.execute(
            update(Visitor)
            .where(Visitor.id == visitor)
            .values(last_activity_at=desk.clock.now() - timedelta(days=3 * 365))
        )
    code, out, _err = run(capsys, "--db", url, "purge", "--dry-run")
    assert code == 0 and out.startswith("Dry run: 1 file(s)") and "Nothing changed." in out
    code, out, _err = run(capsys, "--db", url, "purge")
    assert code == 0 and out.startswith("1 file(s) inactive since before")
    code, out, _err = run(capsys, "--db", url, "purge")
    assert code == 0 and out.startswith("0 file(s)")
    with database.read() as session:
        row = session.get(Visitor, visitor)
        assert row is not None and row.first_name is None
        office = session.scalars(select(Office)).first()
        assert office is not None and office.last_purge_at is not None
    assert actions(database).count(Action.PURGE) == 2
