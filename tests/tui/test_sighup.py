"""The terminal closes (an SSH session drops, a window is closed) while the app applies a
large change: the app goes, and the database holds all of the change or none of it.

The real app (``patron-utils --db FILE``) runs in a pseudo-terminal whose master side this
test holds, as a terminal emulator or sshd does. The test logs in with the keyboard, opens a
saved run of Change Patron Status (every patron to Inactive, on a 20,000-patron demo), F5
previews, F9 and y apply, and once the screen says "Applying…" the test closes the master:
the kernel hangs the terminal up and sends SIGHUP to the app, the session's leader. Set
PATRON_UTILS_CRASH_SEED to replay other moments.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from store import Store

from ..databases import copy_db
from ..reliability_helpers import (
    OPERATOR,
    PASSWORD,
    REPO,
    Before,
    all_or_nothing,
    build_demo,
    child_env,
    unlocked,
)

PATRONS = 20_000
SEED = int(os.environ.get("PATRON_UTILS_CRASH_SEED", "20260601"))
RUN = "Summer inactive"
F5, F9 = "\x1b[15~", "\x1b[20~"
# Escape sequences, removed so the screen's words can be searched for.
ESCAPES = re.compile(
    r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\"
    r"|[()][0-9A-Za-z]|[@-Z\\-_=>78])"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = build_demo(tmp_path_factory.mktemp("sighup") / "demo.db", PATRONS)
    s = Store(path)
    try:
        s.save_run("change-status", RUN, {}, {"status": "Inactive"}, s.login(OPERATOR, PASSWORD))
    finally:
        s.close()
    return path, Before.of(path)


class Terminal:
    """An 80×24 pseudo-terminal running ``argv`` as its session's leader; this side reads
    the screen's output (continuously, so the app never blocks writing) and types keys."""

    def __init__(self, argv: list[str], env: dict[str, str]):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        # os.login_tty: a new session whose controlling terminal is the pty (stdin).
        launcher = (
            "import os, sys; os.login_tty(0); "
            "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", launcher, *argv[1:]],
            cwd=REPO,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self.last_output = self.typed_at = time.monotonic()
        self.seen = 0  # expect() looks at what came after this
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the app is gone (EIO)
                return
            if not data:
                return
            with self.lock:
                self.output += data
                self.last_output = time.monotonic()

    def screen(self) -> str:
        """Everything written so far, without escape sequences."""
        with self.lock:
            text = bytes(self.output).decode("utf-8", "replace")
        return ESCAPES.sub("", text)

    def mark(self) -> None:
        self.seen = len(self.screen())

    def expect(self, *words: str, timeout: float = 30) -> str:
        """Wait until one of ``words`` appears on the screen (after the last mark)."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()[self.seen :]
            found = [w for w in words if w in shown]
            if found:
                return found[0]
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(
                    f"{words} never appeared; the screen's last output:\n{self.screen()[-2000:]}"
                )
            time.sleep(0.02)

    def settle(self, quiet: float = 0.15, timeout: float = 10) -> None:
        """Wait until the app has drawn its answer to the last key and then gone quiet for
        a moment, so the next key reaches what is now focused."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (
            self.last_output <= self.typed_at or time.monotonic() - self.last_output < quiet
        ):
            time.sleep(0.02)

    def type(self, keys: str) -> None:
        self.mark()
        self.typed_at = time.monotonic()
        os.write(self.master, keys.encode())

    def close(self) -> None:
        """Close the terminal, as a closed window or a dropped SSH connection does."""
        self.stop.set()
        self.reader.join()
        os.close(self.master)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def test_closing_the_terminal_during_an_apply_writes_all_or_nothing(template, tmp_path):
    source, before = template
    db = copy_db(source, tmp_path / "a.db")
    env = {**child_env(TERM="xterm-256color"), "COLUMNS": "80", "LINES": "24"}
    env.pop("PATRON_UTILS_OPERATOR"), env.pop("PATRON_UTILS_PASSWORD")
    term = Terminal([sys.executable, "-m", "patron_utils", "--db", str(db)], env)
    closed = False
    try:
        term.expect("Username")
        term.settle()
        for keys in (OPERATOR, "\r", PASSWORD):
            term.type(keys)
            term.settle()
        term.type("\r")
        term.expect("Type to filter")
        term.settle()
        term.type(RUN.lower())
        term.expect(RUN)
        term.settle()
        term.type("\r")
        term.expect(f"saved run '{RUN}'")
        term.settle()
        term.type(F5)
        term.expect(f"will change {len(before.to_change):,}")
        term.settle()
        term.type(F9)
        term.expect("Press y or Enter to apply")
        term.settle()
        term.type("y")
        # The summary, should the apply be done before the screen said so.
        term.expect("Applying", "Operation #1")
        time.sleep(random.Random(SEED).uniform(0, 0.8))
        term.close()
        closed = True
        status = term.wait(10)
    finally:
        if not closed:
            term.close()
            term.wait(5)
    assert status is not None, "the app was still running 10 s after its terminal closed"
    assert status == -signal.SIGHUP, f"the app ended with status {status}, not by the hang-up"
    assert all_or_nothing(db, before) in ("all", "none")
    unlocked(db)
