"""Smoke test in a real terminal: ``pimms --demo`` in tmux, sign-in, one arrival, end to end.

The app runs as its own process in a detached session of a private tmux server (``-L`` with a
unique socket name, so the user's tmux is never touched), with data and settings in temporary
folders. Keys are typed with ``send-keys`` and the screen is read with ``capture-pane``; the
issued ticket must then show on the queue and be in the demo database, waiting, today.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import VisitStatus
from pimms_tui.db.models import Visit
from pimms_tui.demo import demo_morning
from pimms_tui.domain.clock import SystemClock
from pimms_tui.domain.offices import find_office

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

FIRST_START_TIMEOUT_S = 60.0  # the first --demo run seeds the demo database
STEP_TIMEOUT_S = 15.0
POLL_S = 0.1
WIDTH, HEIGHT = 160, 60
SIGN_IN_SHOWN = re.compile(r"demo PIN (\d{4})")
CHOSEN = re.compile(r"Signing in as ")
QUEUE_SHOWN = re.compile(r"— \d+ waiting")
ARRIVAL_READY = re.compile(r"1 · ")
ANONYMOUS_CHOSEN = re.compile(r"Anonymous visit")
TICKET_SHOWN = re.compile(r"Place in the queue")
TICKET_CODE = re.compile(r"\bA-\d{3}\b")
DEMO_FILE = "pimms-demo.sqlite3"
LOG_FILE = "pimms.log"


def terminal_environment() -> dict[str, str]:
    """Our environment for tmux, without a fixed size: the app must size itself on the pane.

    Some test runners leave ``COLUMNS=80``/``LINES=24`` in the process environment (outside
    ``os.environ``); inherited by the tmux server, they would make the app draw 80×24.
    """
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


@dataclass
class Terminal:
    """One tmux session on a private server; every screen read is kept for the final check."""

    socket: str
    session: str = "pimms"
    screens: list[str] = field(default_factory=list)

    def tmux(self, *args: str, check: bool = True) -> str:
        """Run a tmux command on the private server."""
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
            env=terminal_environment(),
        )
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: str) -> None:
        """Start the command in a detached session; keep the pane if the command ends."""
        self.tmux(
            "start-server",
            ";",
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            command,
        )

    def capture(self) -> str:
        """What the pane shows now."""
        screen = self.tmux("capture-pane", "-p", "-t", self.session, check=False)
        self.screens.append(screen)
        return screen

    def dead(self) -> bool:
        """Whether the app has exited."""
        state = self.tmux("list-panes", "-t", self.session, "-F", "#{pane_dead}", check=False)
        return state.strip() in ("1", "")

    def keys(self, *keys: str) -> None:
        """Type keys (tmux names: a, Enter, Escape…)."""
        self.tmux("send-keys", "-t", self.session, *keys)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = STEP_TIMEOUT_S) -> str:
        """The screen once ``pattern`` shows on it."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if pattern.search(screen):
                return screen
            if self.dead():
                break
            time.sleep(POLL_S)
        raise AssertionError(f"{pattern.pattern!r} did not show; the screen was:\n{screen}")

    def kill(self) -> None:
        """Stop the private server and everything in it, and remove its socket file."""
        socket = self.tmux("display-message", "-p", "#{socket_path}", check=False).strip()
        self.tmux("kill-server", check=False)
        if socket:
            Path(socket).unlink(missing_ok=True)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    """A private tmux server, always killed afterwards."""
    term = Terminal(socket=f"pimms-test-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield term
    finally:
        term.kill()


def test_demo_arrival_in_a_real_terminal(terminal: Terminal, tmp_path: Path) -> None:
    """Demo PIN, a, Enter, 1: the ticket shows large, then on the queue and in the database."""
    data, config = tmp_path / "data", tmp_path / "config"
    environment = " ".join(
        f"{name}={shlex.quote(value)}"
        for name, value in (
            ("PIMMS_DATA_DIR", str(data)),
            ("PIMMS_CONFIG_DIR", str(config)),
            ("LANG", "C.UTF-8"),
        )
    )
    python = shlex.quote(sys.executable)
    command = f"env -u COLUMNS -u LINES {environment} {python} -m pimms_tui --demo --lang en"
    terminal.start(command)

    # The demo lists its accounts with their PINs: Enter takes the first name, then its PIN.
    sign_in = terminal.wait_for(SIGN_IN_SHOWN, FIRST_START_TIMEOUT_S)
    match = SIGN_IN_SHOWN.search(sign_in)
    assert match is not None
    terminal.keys("Enter")
    terminal.wait_for(CHOSEN)  # the PIN field has the focus once the name is taken
    terminal.keys(*match.group(1), "Enter")
    queue_before = terminal.wait_for(QUEUE_SHOWN)
    codes_before = set(TICKET_CODE.findall(queue_before))
    terminal.keys("a")
    terminal.wait_for(ARRIVAL_READY)
    terminal.keys("Enter")
    terminal.wait_for(ANONYMOUS_CHOSEN)
    terminal.keys("1")
    ticket_screen = terminal.wait_for(TICKET_SHOWN)
    issued = set(TICKET_CODE.findall(ticket_screen))
    assert len(issued) == 1, f"one ticket code expected on the ticket screen:\n{ticket_screen}"
    code = issued.pop()
    assert code not in codes_before

    terminal.keys("Escape")
    queue_after = terminal.wait_for(QUEUE_SHOWN)
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while code not in queue_after and time.monotonic() < deadline:
        time.sleep(POLL_S)
        queue_after = terminal.capture()
    assert not TICKET_SHOWN.search(queue_after), f"still on the ticket:\n{queue_after}"
    assert re.search(rf"{code}\s.*\bwaiting\b", queue_after), (
        f"{code} is not waiting on the queue:\n{queue_after}"
    )
    assert not terminal.dead(), "the app exited"

    tracebacks = [s for s in terminal.screens if "Traceback" in s]
    assert not tracebacks, f"a traceback was shown:\n{tracebacks[0]}"
    log = data / LOG_FILE
    logged = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "Traceback" not in logged, f"an error was logged:\n{logged}"

    database = Database.from_url(f"sqlite:///{data / DEMO_FILE}")
    try:
        with database.read() as session:
            office = find_office(session)
            assert office is not None
            # --demo lives on the latest working morning, not necessarily today.
            today = office.local_day(demo_morning(SystemClock().now()))
            statuses = session.scalars(
                select(Visit.status).where(
                    Visit.office_id == office.id, Visit.day == today, Visit.ticket_code == code
                )
            ).all()
    finally:
        database.dispose()
    assert [VisitStatus(s) for s in statuses] == [VisitStatus.WAITING]
