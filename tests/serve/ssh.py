"""Driving the SSH service as its clients do: the service started as a real process on
127.0.0.1 (a free port), asyncssh's client, and a terminal session read through pyte, so a
test sees the screen a technician's terminal would show."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import asyncssh
import pyte

from ..reliability_helpers import child_env
from ..serve_process import ServeProcess

LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+) ")
F5, F9 = "\x1b[15~", "\x1b[20~"


class Server(ServeProcess):
    """``patron-utils serve --db DB --listen 127.0.0.1:0`` and the port it chose; its log
    (stderr) is kept line by line."""

    def __init__(self, db: Path, *extra: str, nohup: bool = False):
        env = child_env()
        for name in ("PATRON_UTILS_OPERATOR", "PATRON_UTILS_PASSWORD"):
            env.pop(name)
        super().__init__(db, ("--listen", "127.0.0.1:0", *extra), env, nohup)
        match = LISTENING.search(self.wait_log("listening on", timeout=30))
        assert match, self.log()
        self.port = int(match.group(1))

    def connect(self, username: str = "demo", password: str | None = "demo-librarian", **kw):
        kw.setdefault("client_keys", None)  # none of the machine's own keys
        return asyncssh.connect(
            "127.0.0.1",
            self.port,
            username=username,
            password=password,
            known_hosts=None,
            agent_path=None,
            **kw,
        )


class Terminal:
    """A terminal session of ``conn``: its output drawn on a pyte screen."""

    def __init__(self, process: asyncssh.SSHClientProcess, cols: int, rows: int):
        self.process = process
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.last_output = self.typed_at = time.monotonic()
        self.ended = False
        self.task = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, conn: asyncssh.SSHClientConnection, cols: int = 80, rows: int = 24):
        process = await conn.create_process(
            term_type="xterm-256color", term_size=(cols, rows), encoding=None
        )
        return cls(process, cols, rows)

    async def _read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.stream.feed(data)
            self.last_output = time.monotonic()
        self.ended = True

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def expect(self, *words: str, timeout: float = 10) -> str:
        """Wait until one of ``words`` is on the screen; which one."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.text()
            for word in words:
                if word in shown:
                    return word
            if time.monotonic() > deadline or self.ended:
                raise AssertionError(f"{words} never appeared; the screen:\n{shown}")
            await asyncio.sleep(0.02)

    async def expect_picker(self, timeout: float = 10) -> None:
        """Wait for the whole picker: a frame arrives in pieces, so its filter box can be on
        the screen before the utilities below it are."""
        for word in ("Type to filter", "Change Patron Status", "palette"):
            await self.expect(word, timeout=timeout)

    async def settle(self, quiet: float = 0.2, timeout: float = 5) -> None:
        """Wait until the app has answered the last key and gone quiet a moment."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (
            self.last_output <= self.typed_at or time.monotonic() - self.last_output < quiet
        ):
            await asyncio.sleep(0.02)

    async def type(self, keys: str) -> None:
        self.typed_at = time.monotonic()
        self.process.stdin.write(keys.encode())
        await self.settle()

    def resize(self, cols: int, rows: int) -> None:
        self.screen.resize(rows, cols)
        self.process.change_terminal_size(cols, rows)

    async def close(self) -> None:
        self.process.close()
        self.task.cancel()
