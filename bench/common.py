"""Helpers the benchmarks share: scratch databases, percentiles, and a private tmux server.

Run the benchmarks from the repository root (``python bench/<name>.py``): this folder is then
on ``sys.path`` and ``import common`` finds this file.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TRACEBACK = re.compile(r"Traceback \(most recent call last\)")


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A fresh SQLite file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="pimms-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def postgres_url(server_url: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server, dropped (connections closed) at the end."""
    name = f"pimms_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def percentile(samples: Sequence[float], share: float) -> float:
    """The sample below which ``share`` of them fall (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(samples: Sequence[float]) -> tuple[float, float, float]:
    """Median, 95th percentile and maximum."""
    return statistics.median(samples), percentile(samples, 0.95), max(samples)


class Tmux:
    """A tmux server of our own (``-L`` socket): it never touches the user's sessions."""

    def __init__(self, width: int = 120, height: int = 35) -> None:
        self.socket = f"pimms-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.width = width
        self.height = height

    def run(self, *args: str, check: bool = True) -> str:
        """One tmux command on our server; its standard output."""
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=False,
            # No inherited COLUMNS/LINES: the programs must size themselves on the pane.
            env={k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")},
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, name: str, command: str) -> None:
        """A detached session running ``command``; its pane stays after the command ends."""
        self.run(
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
            name,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            command,
        )

    def capture(self, name: str) -> str:
        """The visible text of the session's pane."""
        return self.run("capture-pane", "-p", "-t", name, check=False)

    def pane_pid(self, name: str) -> int:
        """The pid of the process tmux started in the pane."""
        return int(self.run("list-panes", "-t", name, "-F", "#{pane_pid}").split()[0])

    def pane_dead(self, name: str) -> bool:
        """Whether the pane's command has ended."""
        return self.run("list-panes", "-t", name, "-F", "#{pane_dead}", check=False).strip() == "1"

    def keys(self, name: str, *keys: str) -> None:
        """Type keys into the session (tmux key names: Enter, Escape, a…)."""
        self.run("send-keys", "-t", name, *keys)

    def kill_session(self, name: str) -> None:
        """End one session and its command."""
        self.run("kill-session", "-t", name, check=False)

    def kill_server(self) -> None:
        """End our server and everything in it, and remove its socket file."""
        socket = self.run("display-message", "-p", "#{socket_path}", check=False).strip()
        self.run("kill-server", check=False)
        if socket:
            Path(socket).unlink(missing_ok=True)

    def wait_for(
        self, name: str, pattern: re.Pattern[str], timeout: float, every: float = 0.02
    ) -> tuple[float, str]:
        """Poll the pane until ``pattern`` shows: seconds waited and the last capture."""
        start = time.perf_counter()
        screen = ""
        while time.perf_counter() - start < timeout:
            screen = self.capture(name)
            if pattern.search(screen):
                return time.perf_counter() - start, screen
            if self.pane_dead(name):
                break
            time.sleep(every)
        raise TimeoutError(f"{pattern.pattern!r} not shown in {name}; last screen:\n{screen}")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def status_kib(pid: int, key: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS, VmHWM…); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def python_process(pane_pid: int) -> int:
    """The Python process under a pane (the pane's shell may have exec'd it, or forked it)."""
    for pid in descendants(pane_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"python" in part or part.endswith(b"pimms") for part in command[:2]):
            return pid
    return pane_pid
