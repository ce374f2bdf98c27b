"""Nothing personal in ``pimms.log``, and bad input is a message at the field, not an outage.

Each kind of error is provoked with a known name, commune and language, through the real
application with the log file set up as the ``pimms`` command sets it up; then the log is
read and none of them may appear in it. Bad input (a NUL or another control character
pasted into any text field of the arrival and new-visitor forms, an over-long value) is
refused at the field before any statement: no database error, no banner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from pimms_tui.application.queue import QueueService
from pimms_tui.cli.logfile import log_path, log_to_file
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Staff, Visit, Visitor
from pimms_tui.db.resilience import is_outage
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.queue import ArrivalRequest
from pimms_tui.domain.validation import (
    CONTROL_CHARACTER,
    TEXT_TOO_LONG,
    FieldError,
    has_control_character,
)
from pimms_tui.domain.visitors import NewVisitor, create_visitor
from pimms_tui.screens.arrival import ArrivalScreen
from pimms_tui.screens.visitor_form import NewVisitorForm

from .uikit import build_app, screen_text, settle

SIZE = (130, 44)
FIRST = "Quiterie"
LAST = "Zabulonsky"
COMMUNE = "Brocelianville"
LANGUAGE = "Tigrinyaqz"
PERSONAL = (FIRST, LAST, COMMUNE, LANGUAGE)

log = logging.getLogger("pimms")


@pytest.fixture
def logged() -> Iterator[Callable[[], str]]:
    """The log file as the ``pimms`` command sets it up; a function reading it back."""
    with log_to_file():
        yield lambda: log_path().read_text(encoding="utf-8") if log_path().exists() else ""


def assert_nothing_personal(log_text: str) -> None:
    for value in PERSONAL:
        assert value not in log_text, log_text
        assert value.lower() not in log_text.lower(), log_text


def known_visitor(database: Database, office: OfficeInfo, clock: FixedClock) -> int:
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    person = NewVisitor(FIRST, LAST, commune=COMMUNE, keep_file_consent=True)
    return create_visitor(database, person, actor, clock.now()).id


async def paste(pilot: Pilot[Any], selector: str, value: str) -> None:
    """What a terminal sends when text is pasted into a field."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.post_message(events.Paste(value))
    await settle(pilot)


def assert_no_banner(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    assert not app.database_down
    assert not any(screen.has_class("-database-down") for screen in app.screen_stack)


def visits(database: Database) -> list[Visit]:
    with database.read() as session:
        return list(session.scalars(select(Visit)))


# Bad input through the forms, by keys: refused at the field, no banner, nothing logged ------


@pytest.mark.parametrize(
    ("field", "control"),
    [
        ("interpreter-language", "\x00"),
        ("commune", "\x00"),
        ("commune", "\x1b[2J\x9b"),
        ("who", "\x00"),
    ],
    ids=["language-nul", "commune-nul", "commune-esc-c1", "search-nul"],
)
async def test_a_control_character_pasted_into_the_arrival_form_never_makes_an_outage(
    database: Database,
    office: OfficeInfo,
    clock: FixedClock,
    logged: Callable[[], str],
    field: str,
    control: str,
) -> None:
    """The field drops the control character as it is pasted (a space takes its place), so
    the form never sends one: the ticket is issued with the text clean, no banner, nothing
    logged. The domain still refuses one at the field from any other caller (below)."""
    known_visitor(database, office, clock)
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalScreen)
        if field == "who":  # the search as typed: it finds the person or nobody, quietly
            await paste(pilot, "#who", f"{LAST}{control}")
            assert_no_banner(pilot)
        else:
            value = {"interpreter-language": LANGUAGE, "commune": COMMUNE}[field]
            if field == "interpreter-language":  # a named arrival: the known person
                await pilot.press(*LAST)
                await settle(pilot)
                await pilot.press("enter")
            await paste(pilot, f"#{field}", f"{value}{control} nord")
            shown = app.screen.query_one(f"#{field}", Input).value
            assert shown.startswith(value) and not has_control_character(shown)
            await pilot.press("f2" if field == "commune" else "shift+tab")
            app.screen.query_one("#motifs").focus()
            await pilot.press("1")
            await settle(pilot)
            assert not isinstance(app.screen, ArrivalScreen), screen_text(pilot)
            assert_no_banner(pilot)
            (visit,) = visits(database)
            kept = visit.commune if field == "commune" else visit.interpreter_language
            assert kept is not None and kept.startswith(value)
            assert not has_control_character(kept)
    assert_nothing_personal(logged())


NEW_VISITOR_FIELDS = {
    "first-name": "",  # typed after the paste: the name is still required
    "last-name": LAST,
    "phone": "06 12 34 56 78",
    "email": "quiterie.z@example.fr",
    "birth-year": "1980",
    "commune": COMMUNE,
}


@pytest.mark.parametrize("field", list(NEW_VISITOR_FIELDS))
async def test_a_nul_in_the_new_visitor_form_is_never_a_database_error(
    database: Database,
    office: OfficeInfo,
    clock: FixedClock,
    logged: Callable[[], str],
    field: str,
) -> None:
    """A NUL pasted into any field: dropped from a name (as documented) or refused at the
    field (an e-mail address, a phone number); never a database error or a banner."""
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "f4")
        await settle(pilot)
        assert isinstance(app.screen, NewVisitorForm)
        await paste(pilot, f"#{field}", f"{NEW_VISITOR_FIELDS[field]}\x00z")
        if field != "first-name":
            app.screen.query_one("#first-name", Input).focus()
            await pilot.press(*FIRST)
        app.screen.query_one("#consent").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_no_banner(pilot)
        with database.read() as session:
            saved = session.scalars(select(Visitor)).all()
        if isinstance(app.screen, NewVisitorForm):  # refused at the field, which has the focus
            error = str(app.screen.query_one(".form-error", Static).render())
            assert error, screen_text(pilot)
            focused = app.screen.focused
            assert focused is not None and focused.id == field
            assert saved == []
        else:
            assert isinstance(app.screen, ArrivalScreen), screen_text(pilot)
            (visitor,) = saved
            values = (visitor.first_name, visitor.last_name, visitor.commune, visitor.email)
            assert not any("\x00" in (value or "") for value in values)
    assert_nothing_personal(logged())


# The rule itself, whatever the caller -------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"interpreter_language": f"{LANGUAGE}\x00"}, "interpreter_language", CONTROL_CHARACTER),
        ({"commune": f"{COMMUNE}\x00"}, "commune", CONTROL_CHARACTER),
        ({"commune": f"{COMMUNE}\x07"}, "commune", CONTROL_CHARACTER),
        ({"interpreter_language": LANGUAGE * 4}, "interpreter_language", TEXT_TOO_LONG),
        ({"commune": COMMUNE * 9}, "commune", TEXT_TOO_LONG),
    ],
    ids=["nul-language", "nul-commune", "bell-commune", "long-language", "long-commune"],
)
def test_an_arrival_refuses_bad_text_at_the_field_on_both_engines(
    database: Database,
    office: OfficeInfo,
    clock: FixedClock,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    with database.read() as session:
        motif = session.execute(text("SELECT min(id) FROM motif")).scalar_one()
    queue = QueueService(database, clock, office)
    with pytest.raises(FieldError) as refused:
        queue.register_arrival(ArrivalRequest(motif_id=motif, **changes), actor)  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.message) == (field, message)
    assert visits(database) == []
    ticket = queue.register_arrival(
        ArrivalRequest(motif_id=motif, commune=f"  {COMMUNE}  ", interpreter_language=LANGUAGE),
        actor,
    )
    assert ticket.ticket_code == "A-001"
    (visit,) = visits(database)
    assert (visit.commune, visit.interpreter_language) == (COMMUNE, LANGUAGE)


def test_an_email_with_a_control_character_is_refused_at_the_field(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
    for email in ("quiterie\x00@example.fr", "quiterie@exam\x1bple.fr"):
        person = NewVisitor(FIRST, email=email, keep_file_consent=True)
        with pytest.raises(FieldError) as refused:
            create_visitor(database, person, actor, clock.now())
        assert refused.value.field == "email"
    with database.read() as session:
        assert session.scalars(select(Visitor)).all() == []


# Database errors the forms cannot cause: still nothing personal in the log -----------------


def duplicate_staff(database: Database, office: OfficeInfo) -> None:
    """A constraint violation whose values hold a name (PostgreSQL quotes the key)."""
    for _ in range(2):
        with database.write() as session:
            session.add(Staff(office_id=office.id, display_name=f"{FIRST} {LAST}", role="manager"))


def overlong_value(database: Database, office: OfficeInfo) -> None:
    """A value longer than its column (PostgreSQL refuses it; SQLite has no lengths: a
    CHECK constraint stands in) in a statement that holds a name and a commune."""
    with database.write() as session:
        session.execute(
            text(
                "INSERT INTO visitor (office_id, first_name, commune, search_key, created_at,"
                " last_activity_at, version, birth_year, needs) VALUES (:office, :name,"
                " :commune, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, :year, '[]')"
            ),
            {"office": office.id, "name": FIRST * 20, "commune": COMMUNE, "year": 1},
        )


def raw_nul(database: Database, office: OfficeInfo) -> None:
    """A NUL that reached a statement (PostgreSQL refuses it; SQLite stores it: nothing)."""
    with database.write() as session:
        session.execute(
            text("UPDATE visitor SET commune = :commune WHERE first_name = :name"),
            {"commune": f"{COMMUNE}\x00{LANGUAGE}", "name": FIRST},
        )


def unexpected(database: Database, office: OfficeInfo) -> None:
    """A bug whose message repeats what was typed."""
    raise ValueError(f"cannot read {FIRST} {LAST} of {COMMUNE}")


def outage(database: Database, office: OfficeInfo) -> None:
    """The database refuses the connection (nobody listens on port 9)."""
    url = (
        "postgresql://nobody@127.0.0.1:9/pimms"
        if not database.is_sqlite
        else "sqlite:////nonexistent-folder/pimms.db"
    )
    away = Database.from_url(url)
    try:
        with away.write() as session:
            session.execute(
                text("UPDATE visitor SET commune = :c WHERE first_name = :n"),
                {"c": COMMUNE, "n": FIRST},
            )
    finally:
        away.dispose()


ERRORS: dict[str, Callable[[Database, OfficeInfo], None]] = {
    "constraint": duplicate_staff,
    "over-long": overlong_value,
    "nul": raw_nul,
    "unexpected": unexpected,
    "outage": outage,
}


@pytest.mark.parametrize("kind", list(ERRORS))
async def test_each_kind_of_error_is_logged_without_personal_data(
    database: Database,
    office: OfficeInfo,
    clock: FixedClock,
    logged: Callable[[], str],
    kind: str,
) -> None:
    known_visitor(database, office, clock)
    provoke = ERRORS[kind]
    # The error happens, for real, in a worker of the running desk, as a save would.
    app = build_app(database, clock, office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        worker = app.screen.in_background(  # type: ignore[attr-defined]
            lambda: provoke(database, office), group="provoked"
        )
        for _ in range(200):
            await pilot.pause(0.05)
            if worker.is_finished:
                break
        await pilot.pause(0.1)
    log_text = logged()
    assert_nothing_personal(log_text)
    if kind == "nul" and database.is_sqlite:
        return  # SQLite stored it: no error, nothing logged
    if kind == "over-long" and database.is_sqlite:
        assert "IntegrityError (IntegrityError, SQLITE_CONSTRAINT_CHECK)" in log_text
        return
    expected = {
        "constraint": "IntegrityError (UniqueViolation, 23505)"
        if not database.is_sqlite
        else "IntegrityError (IntegrityError, SQLITE_CONSTRAINT_UNIQUE)",
        "over-long": "DataError (StringDataRightTruncation, 22001)",
        "nul": "DataError (DataError)",
        "unexpected": "unexpected error",
        "outage": "database unavailable: OperationalError (OperationalError",
    }[kind]
    assert expected in log_text, log_text
    if kind == "unexpected":  # the traceback says where, never what
        assert "ValueError" in log_text and "test_log_privacy.py" in log_text


# The second line of defence: a careless log line ------------------------------------------


def test_the_log_file_filter_withholds_what_a_careless_line_would_write(
    database: Database, office: OfficeInfo, logged: Callable[[], str]
) -> None:
    try:
        duplicate_staff(database, office)
    except DBAPIError as caught:
        error = caught
    assert not is_outage(error)
    log.warning(f"the save failed: {error}")  # the very mistake the filter catches
    log.warning("the save failed: %s", error)
    log.warning(error)  # type: ignore[arg-type]
    log.error("the save failed", exc_info=error)
    try:
        raise RuntimeError("while saving") from error
    except RuntimeError:
        log.exception("chained")
    log_text = logged()
    assert_nothing_personal(log_text)
    assert log_text.count("[statement and values withheld]") == 1
    assert log_text.count("IntegrityError (") >= 4
    assert "The above was the direct cause of:" in log_text
    assert "RuntimeError" in log_text
