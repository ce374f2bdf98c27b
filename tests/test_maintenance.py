"""``pimms backup``, ``pimms restore`` and ``pimms doctor``: a backup taken while desks write is
consistent and restores; the check-up says in plain words what is wrong."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pimms_tui import cli, i18n
from pimms_tui.application.queue import QueueService
from pimms_tui.db import migrate
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import TicketCounter, Visit, VisitEvent
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.settings import data_dir


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The command's messages in English (main() activates the language for the process)."""
    before = i18n.active_language()
    yield
    i18n.activate(before)


class Desks:
    """Desks registering and calling visitors in threads until stopped."""

    def __init__(self, url: str, office: OfficeInfo, count: int) -> None:
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.done = 0
        setup = Database.from_url(url)
        with setup.write() as session:
            self.desks = [ensure_desk(session, office.id, f"Guichet {n}").id for n in range(count)]
        setup.dispose()
        self.threads = [
            threading.Thread(target=self.work, args=(url, office, desk)) for desk in self.desks
        ]

    def work(self, url: str, office: OfficeInfo, desk_id: int) -> None:
        database = Database.from_url(url)
        queue = QueueService(database, SystemClock(), office)
        actor = Actor(office.id, desk_id, desk_name=str(desk_id), role=Role.MANAGER)
        try:
            while not self.stop.is_set():
                queue.register_arrival(ArrivalRequest(), actor)
                called = queue.call_next(actor)
                if called is not None:
                    queue.start(called.visit_id, actor)
                    queue.finish(called.visit_id, actor)
                self.done += 1
        except BaseException as error:
            self.errors.append(error)
        finally:
            database.dispose()

    def __enter__(self) -> Desks:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def visit_count(url: str) -> int:
    database = Database.from_url(url)
    with database.read() as session:
        count = session.scalar(select(func.count()).select_from(Visit)) or 0
    database.dispose()
    return count


def test_backup_under_load_is_consistent_and_restores(
    sqlite_database: Database,
    sqlite_office: OfficeInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four desks write while the backup runs: the copy is one moment of the database."""
    url = sqlite_database.engine.url.render_as_string(hide_password=False)
    backup_path = tmp_path / "copies" / "monday.sqlite3"
    with Desks(url, sqlite_office, 4) as desks:
        while desks.done < 40 and not desks.errors:
            time.sleep(0.02)
        assert cli.main(["--lang", "en", "--db", url, "backup", str(backup_path)]) == 0
        at_backup = desks.done
        while desks.done < at_backup + 40 and not desks.errors:
            time.sleep(0.02)
    assert desks.errors == []
    out = capsys.readouterr().out
    assert "Backup written" in out and str(backup_path) in out

    # The copy is a whole, self-contained database: integrity, and every counter matches
    # the visits it holds (a torn copy would have a ticket counter ahead or behind).
    assert not Path(f"{backup_path}-wal").exists()
    with sqlite3.connect(backup_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    copy = Database.from_url(f"sqlite:///{backup_path}")
    with copy.read() as session:
        visits = session.scalar(select(func.count()).select_from(Visit)) or 0
        counters = session.scalar(select(func.sum(TicketCounter.last_number))) or 0
        arrivals = session.scalar(
            select(func.count()).select_from(VisitEvent).where(VisitEvent.from_status.is_(None))
        )
    copy.dispose()
    assert 40 <= visits < visit_count(url)
    assert counters == visits == arrivals

    # Restore: asked first; "no" changes nothing.
    before_restore = visit_count(url)
    monkeypatch.setattr("builtins.input", lambda _question: "no")
    assert cli.main(["--lang", "en", "--db", url, "restore", str(backup_path)]) == 1
    assert "Nothing was changed" in capsys.readouterr().out
    assert visit_count(url) == before_restore
    monkeypatch.setattr("builtins.input", lambda _question: "yes")
    assert cli.main(["--lang", "en", "--db", url, "restore", str(backup_path)]) == 0
    assert "Restored" in capsys.readouterr().out
    assert visit_count(url) == visits
    # The restored database works: a desk registers the next ticket after the restored ones.
    sqlite_database.dispose()
    database = Database.from_url(url)
    queue = QueueService(database, SystemClock(), sqlite_office)
    with database.write() as session:
        desk = ensure_desk(session, sqlite_office.id, "Accueil")
    ticket = queue.register_arrival(
        ArrivalRequest(), Actor(sqlite_office.id, desk.id, role=Role.MANAGER)
    )
    assert ticket.ticket_code.endswith(f"{counters + 1:03d}")
    database.dispose()


def test_backup_refusals_are_one_line(
    sqlite_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a file of ours, PostgreSQL, the database itself: one sentence, no traceback."""
    url = sqlite_database.engine.url.render_as_string(hide_password=False)
    stray = tmp_path / "notes.txt"
    stray.write_text("pas une base")
    cases = [
        (["restore", str(stray), "--yes"], "not a readable database"),
        (["restore", str(tmp_path / "missing.sqlite3")], "There is no backup"),
        (["backup", sqlite_database.engine.url.database or ""], "cannot overwrite"),
    ]
    for args, expected in cases:
        assert cli.main(["--lang", "en", "--db", url, *args]) == 1
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert cli.main(["--lang", "en", "--db", "postgresql://u@127.0.0.1:1/x", "backup", "x"]) == 1
    assert "pg_dump" in capsys.readouterr().err


def test_doctor_on_a_healthy_database(
    database: Database, office: OfficeInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both engines: every line ok, exit 0."""
    data_dir().mkdir(parents=True, mode=0o700)
    url = database.engine.url.render_as_string(hide_password=False)
    assert cli.main(["--lang", "en", "--db", url, "doctor"]) == 0
    out = capsys.readouterr().out
    assert "PROBLEM" not in out
    for words in (
        "The database answers",
        "The schema is current",
        "Catalogues: 8 registers",
        "writable and private",
    ):
        assert words in out
    assert ("The clock agrees" in out) if not database.is_sqlite else ("The clock reads" in out)


def test_doctor_names_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An old schema, an open data folder, a server that does not answer: said plainly."""
    folder = data_dir()
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    old = tmp_path / "old.sqlite3"
    database = Database.from_url(f"sqlite:///{old}")
    migrate.upgrade(database.engine, "0001")
    database.dispose()
    assert cli.main(["--lang", "en", "--db", f"sqlite:///{old}", "doctor"]) == 1
    out = capsys.readouterr().out
    assert "[PROBLEM] The database is at 0001, this version needs" in out
    assert "run pimms db upgrade" in out
    assert "open to every user" in out
    assert cli.main(["--lang", "en", "--db", "postgresql://u@127.0.0.1:1/x", "doctor"]) == 1
    captured = capsys.readouterr()
    assert "[PROBLEM] The database cannot be reached" in captured.out
    assert "Traceback" not in captured.out + captured.err
