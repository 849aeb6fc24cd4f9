"""A terminal's screen read through pyte, and the app started locally on a pseudo-terminal.

The instruments of benchmarks/ssh_sessions.py that know nothing of SSH: what a terminal of
80x24 would show and when a key changed it (fed by an SSH session or a local pty), and
``patron-utils --db DB`` on a pseudo-terminal of our own, the local baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import sys
import termios
import time
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "demo", "demo-librarian"
PICKER = "Change Patron Status"  # a utility's title: the picker is drawn
LOGIN = ("Username", "Password")  # the login screen's labels
COLS, ROWS = 80, 24


def env() -> dict[str, str]:
    """This working tree's package first; no operator, password or database from outside."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_UTILS_")}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    out["TERM"] = "xterm"
    return out


def patron_utils(*argv: object) -> list[str]:
    return [sys.executable, "-m", "patron_utils", *map(str, argv)]


# -- a screen, fed by a session or a local pseudo-terminal ------------------------------------
class Screen:
    """What a terminal would show, and when it last changed (characters or their look)."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.updated = asyncio.Event()
        self.ended = False
        self.watching: list | None = None  # the look before a key, until it changes
        self.changed = asyncio.Event()
        self.changed_at = 0.0
        self.deferred = False
        self.pending: list[tuple[float, bytes]] = []  # (arrived, data), while deferred
        self.output = asyncio.Event()  # something arrived since the key

    def row_look(self, y: int) -> list:
        line = self.screen.buffer[y]
        return [(c.data, c.fg, c.bg, c.reverse, c.bold) for c in (line[x] for x in range(COLS))]

    def feed(self, data: bytes) -> None:
        """Output arrived: drawn now, or kept with its time of arrival (deferred)."""
        arrived = time.perf_counter()
        if data and self.deferred:
            self.pending.append((arrived, data))
            self.output.set()
            return
        self._draw(arrived, data)

    def _draw(self, arrived: float, data: bytes) -> None:
        """If a key is waiting for its answer and the screen now looks different, it was
        answered when ``data`` arrived (pyte's own time not counted)."""
        if not data:
            self.ended = True
        else:
            self.stream.feed(data)
            if self.watching is not None:
                if any(self.row_look(y) != self.watching[y] for y in self.screen.dirty):
                    self.changed_at = arrived
                    self.watching = None
                    self.changed.set()
                self.screen.dirty.clear()
        self.updated.set()

    def defer(self) -> None:
        """Keep what arrives, undrawn: pyte (slow, pure Python) off the clock while many
        sessions answer at once on the same two cores."""
        self.deferred = True

    def undefer(self) -> None:
        self.deferred = False
        pending, self.pending = self.pending, []
        for arrived, data in pending:
            self._draw(arrived, data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def until(self, *words: str, timeout: float = 30) -> None:
        """Every one of ``words`` on the screen."""
        deadline = time.monotonic() + timeout
        while not all(w in self.text() for w in words):
            if self.ended:
                raise RuntimeError(f"ended before {words} appeared; the screen:\n{self.text()}")
            self.updated.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{words} never appeared; the screen:\n{self.text()}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.updated.wait(), left)

    async def quiet(self, quiet: float = 0.3, timeout: float = 5) -> None:
        """Until nothing has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.updated.clear()
            try:
                await asyncio.wait_for(self.updated.wait(), quiet)
            except TimeoutError:
                return

    def arm(self) -> None:
        self.watching = [self.row_look(y) for y in range(ROWS)]
        self.screen.dirty.clear()  # the rows written since: only those may have changed
        self.changed.clear()
        self.output.clear()
        self.changed.clear()

    async def answered(self, sent: float, timeout: float = 10) -> float:
        """Seconds from ``sent`` until the screen changed (inf: it never did)."""
        try:
            await asyncio.wait_for(self.changed.wait(), timeout)
        except TimeoutError:
            self.watching = None
            return float("inf")
        return self.changed_at - sent


# -- the app started locally ------------------------------------------------------------------
class Local:
    """``patron-utils --db DB`` on a pseudo-terminal of our own (TERM=xterm, 80x24)."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.master: int | None = None
        self.screen = Screen()

    async def start(self, db: Path) -> float:
        """Seconds until the login screen is drawn."""
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        start = time.perf_counter()
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *patron_utils("--db", db),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=ROOT,
                env=env(),
                start_new_session=True,
            )
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        asyncio.get_running_loop().add_reader(master, self._read)
        await self.screen.until(*LOGIN, timeout=60)
        return time.perf_counter() - start

    def _read(self) -> None:
        assert self.master is not None
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: the app has gone
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.master)
        self.screen.feed(data)

    def type(self, text: str) -> None:
        assert self.master is not None
        os.write(self.master, text.encode())

    async def log_in(self) -> float:
        """Seconds from Enter on the password to the picker drawn (the password checked)."""
        await self.screen.quiet(0.2)
        self.type(USER)
        await self.screen.quiet(0.2)
        self.type("\t")
        await self.screen.quiet(0.2)
        self.type(PASSWORD)
        await self.screen.quiet(0.2)
        start = time.perf_counter()
        self.type("\r")
        await self.screen.until(PICKER, timeout=60)
        return time.perf_counter() - start

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(OSError):
                self.type("\x11")  # Ctrl+Q
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        if self.master is not None:
            asyncio.get_running_loop().remove_reader(self.master)
            os.close(self.master)
            self.master = None
