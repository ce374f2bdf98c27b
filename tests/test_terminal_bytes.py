"""The bytes a real terminal receives: no escape sequence, C1 or bidi control from data.

The app runs in tmux over a database where every field a desk shows holds hostile text
(``tests/terminalkit.py``), with ``pipe-pane`` writing everything the app sends to the terminal
into a file from its very first byte. Keys then open every form and view that shows stored
text: the sign-in list (a staff name), the queue, listening, the demand form with its partner
list open, the search, the visitor file and the identity form (``e``). The captured bytes
must hold none of the hostile sequences (clear screen, title, clipboard, hidden link, DCS, their
8-bit forms), no C1 or bidi character, no C0 control but ESC, CR and LF, and ESC only in
the sequences Textual itself writes for colours, cursor moves and terminal modes.
"""

from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path

import pytest

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import OfficeInfo

from .terminalkit import FORBIDDEN_BYTES, GROUPS, store_hostile_rows
from .test_tmux_smoke import Terminal, terminal  # noqa: F401 (the fixture)
from .uikit import TEST_PIN, signed_in_account

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 30.0
SIGN_IN_SHOWN = re.compile(r"Claire Responsable")
CHOSEN = re.compile(r"Signing in as ")
QUEUE_SHOWN = re.compile(r"A-001")
LISTENING_SHOWN = re.compile(r"Demands of this visit")
CALLED_HERE = re.compile(r"\bcalled\b")
DEMAND_FORM_SHOWN = re.compile(r"Partner concerned")
PARTNERS_OPEN = re.compile(r"AAA Partenaire")
SEARCH_SHOWN = re.compile(r"Find a visitor file")
SEARCH_FOUND = re.compile(r"Zoé.*last visit")
FILE_SHOWN = re.compile(r"No consent recorded")  # the file itself, loaded (not only its frame)
IDENTITY_SHOWN = re.compile(r"Identity and contact")
DESK = "Guichet 1"
# Textual's own sequences: CSI (colours, cursor, modes, queries), the two-byte ESC forms of
# keypad modes and cursor save/restore, and OSC 22 (the mouse pointer's shape, ended by BEL).
# No other OSC, and no DCS, APC or PM, is ever Textual's.
CSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]")
ESC_TWO_BYTES = re.compile(rb"\x1b[=>78]")
POINTER_SHAPE = re.compile(rb"\x1b\]22;[a-z-]+\x07")
C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
LINE_ENDS = {0x0A, 0x0D}


def without_textual_sequences(captured: bytes) -> bytes:
    """The captured bytes less every sequence Textual itself writes."""
    return ESC_TWO_BYTES.sub(b"", CSI.sub(b"", POINTER_SHAPE.sub(b"", captured)))


def start_app(term: Terminal, tmp_path: Path, database_path: Path) -> Path:
    """The desk in tmux, its output piped to a file before the app writes anything."""
    capture = tmp_path / "terminal.bytes"
    environment = " ".join(
        f"{name}={shlex.quote(value)}"
        for name, value in (
            ("PIMMS_DATA_DIR", str(tmp_path / "data")),
            ("PIMMS_CONFIG_DIR", str(tmp_path / "config")),
            ("PIMMS_DATABASE_URL", f"sqlite:///{database_path}"),
            ("PIMMS_DESK", DESK),
            ("LANG", "C.UTF-8"),
        )
    )
    app = f"env -u COLUMNS -u LINES {environment} {shlex.quote(sys.executable)} -m pimms_tui"
    # The shell waits for a line before starting the app, so the pipe is open first.
    term.start(f"sh -c {shlex.quote(f'read go; exec {app} --lang en')}")
    term.tmux("pipe-pane", "-o", "-t", term.session, f"cat >> {shlex.quote(str(capture))}")
    term.keys("Enter")
    return capture


@pytest.mark.parametrize("group", list(GROUPS))
def test_no_data_reaches_the_terminal_as_a_command(
    terminal: Terminal,  # noqa: F811 (the fixture)
    tmp_path: Path,
    sqlite_database: Database,
    sqlite_office: OfficeInfo,
    group: str,
) -> None:
    signed_in_account(sqlite_database, sqlite_office, Role.MANAGER)
    store_hostile_rows(sqlite_database, sqlite_office, SystemClock().now(), group)
    database_path = Path(str(sqlite_database.engine.url.database))
    sqlite_database.dispose()
    capture = start_app(terminal, tmp_path, database_path)

    terminal.wait_for(SIGN_IN_SHOWN, START_TIMEOUT_S)
    terminal.keys("Enter")
    terminal.wait_for(CHOSEN)
    terminal.keys(*TEST_PIN, "Enter")
    terminal.wait_for(QUEUE_SHOWN)
    terminal.keys("n")
    terminal.wait_for(CALLED_HERE)  # a queue key waits for the desk's last save
    terminal.keys("s")
    terminal.wait_for(LISTENING_SHOWN)
    terminal.keys("d")
    terminal.wait_for(DEMAND_FORM_SHOWN)
    terminal.keys("Tab", "Enter")  # the partner list, opened
    terminal.wait_for(PARTNERS_OPEN)
    terminal.keys("Escape")
    time.sleep(0.3)
    terminal.keys("Escape")
    time.sleep(0.3)
    terminal.keys("Escape")
    terminal.wait_for(QUEUE_SHOWN)
    terminal.keys("/")
    terminal.wait_for(SEARCH_SHOWN)
    time.sleep(0.3)
    terminal.keys(*"Dupont")
    terminal.wait_for(SEARCH_FOUND)
    terminal.keys("Enter")
    terminal.wait_for(FILE_SHOWN)
    terminal.keys("e")
    terminal.wait_for(IDENTITY_SHOWN)
    time.sleep(0.5)
    assert not terminal.dead(), "the app exited"
    terminal.tmux("pipe-pane", "-t", terminal.session)  # close the pipe: everything is written
    time.sleep(0.3)

    captured = capture.read_bytes()
    assert b"Dupont" in captured and b"Identity and contact" in captured
    found = [name for name, sequence in FORBIDDEN_BYTES.items() if sequence in captured]
    assert found == [], f"reached the terminal: {found}"
    assert C1_UTF8.findall(captured) == []
    # Once Textual's own sequences are taken out, no control byte is left but line ends.
    rest = without_textual_sequences(captured)
    strays = [rest[i : i + 16] for i, byte in enumerate(rest) if byte == 0x1B]
    assert strays == [], f"escape sequences not Textual's reached the terminal: {strays[:5]}"
    controls = sorted({byte for byte in rest if byte < 0x20 or byte == 0x7F} - LINE_ENDS)
    assert controls == [], f"control bytes reached the terminal: {controls}"
