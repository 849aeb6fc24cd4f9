"""One SSH session: a child process of its own, on a pseudo-terminal or on pipes.

A terminal and no command is the app; a command is that command of cli/. Who logged in
reaches the child through a pipe it inherits (``--session-fd N``), written and closed
before it starts: never argv or the environment, which a client could influence or
another local user could read.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import struct
import termios
import time
from typing import TYPE_CHECKING

import asyncssh

from . import commands
from .service import child_argv, child_env

if TYPE_CHECKING:
    from .service import Connection

CHUNK = 65536
# What an app hung up mid-screen leaves undone on the client's terminal: the main screen
# back, the cursor shown, mouse reporting, bracketed paste and focus events off.
RESTORE = (
    b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l"
    b"\x1b[?2004l\x1b[?1004l\x1b[0m\r\n"
)
NO_TERMINAL = (
    "patron-utils: this service runs the Patron Utilities app on a terminal (connect with "
    "ssh -t), or a command: " + ", ".join(commands.ALLOWED) + "\r\n"
)


def set_size(fd: int, cols: int, rows: int) -> None:
    """The terminal's size; the kernel tells the app (SIGWINCH) when it changes."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows or 24, cols or 80, 0, 0))


class Session(asyncssh.SSHServerSession[bytes]):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.service = connection.service
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.command: str | None = None
        self.proc: asyncio.subprocess.Process | None = None
        self.master: int | None = None  # the pseudo-terminal's master side, ours
        self.pending_input = bytearray()  # typed faster than the app reads
        self.pending_eof = False  # the client's end of input came before the child started
        self.output_done = asyncio.Event()
        self.writable = asyncio.Event()
        self.writable.set()
        self.ended = asyncio.Event()  # the child has ended (or never started)
        self.closed = False  # the channel is gone: nothing more is sent on it
        self.started = False
        self.idle = False  # hung up for it
        self.last_input = time.monotonic()
        self.idle_timer: asyncio.TimerHandle | None = None

    # -- what the client asks for ---------------------------------------------------------
    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.chan = chan
        self.service.sessions.add(self)

    def pty_requested(self, term_type: str, term_size: tuple, term_modes: object) -> bool:
        self.term = term_type or "xterm"
        self.size = (term_size[0] or 80, term_size[1] or 24)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self.service.log(
            f"{self.connection.user} from {self.connection.addr}: refused subsystem "
            f"{subsystem[:40]!r}"
        )
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def session_started(self) -> None:
        self.started = True
        asyncio.ensure_future(self._serve())
        if self.term is not None:  # a command for cron may run long with nothing typed
            self._arm_idle()

    # -- running the child ----------------------------------------------------------------
    async def _serve(self) -> None:
        status = 1
        try:
            status = await self._run()
        except Exception as exc:  # never the service: this session ends, saying so
            self.service.log(f"{self.connection.user}: session failed: {exc!r}")
            self._stderr(f"patron-utils: the session failed ({exc})\r\n")
        finally:
            self.ended.set()
            self.service.sessions.discard(self)
            what = "the app" if not self.command else repr(self.command[:60])
            self.service.log(
                f"{self.connection.user} from {self.connection.addr}: {what} ended "
                f"(status {status})"
            )
            if self.idle_timer is not None:
                self.idle_timer.cancel()
        if not self.closed and self.chan is not None:
            self.chan.exit(status)

    async def _run(self) -> int:
        argv: list[str] | None = []
        if self.command is not None:
            argv, problem = commands.parse(self.command)
            if argv is None:
                self._stderr(f"patron-utils: {problem}\n")
                return 2
        if not argv and self.term is None:
            self._stderr(NO_TERMINAL)
            return 2
        if self.service.stopping:
            return 1
        request = {
            "db": str(self.service.settings.db),
            "user": self.connection.user,
            "via": self.connection.via,
            "command": argv or None,
            "must_change": self.connection.must_change,
        }
        data = json.dumps(request).encode()
        if len(data) > 60000:  # a pipe holds 64 KiB: the child must never have to wait
            self._stderr("patron-utils: the command is too long\n")
            return 2
        read, write = os.pipe()
        try:
            os.write(write, data)
        finally:
            os.close(write)
        try:
            if self.term is not None:
                return await self._on_terminal(read)
            return await self._on_pipes(read)
        finally:
            with contextlib.suppress(OSError):
                os.close(read)

    async def _on_terminal(self, fd: int) -> int:
        master, slave = os.openpty()
        try:
            set_size(master, *self.size)
            self.proc = await asyncio.create_subprocess_exec(
                *child_argv(fd),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                pass_fds=(fd,),
                start_new_session=True,  # the child makes the terminal its own (TIOCSCTTY)
                env=child_env(self.term),
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        loop = asyncio.get_running_loop()
        loop.add_reader(master, self._from_terminal)
        if self.pending_input:
            self._to_terminal(b"")
        status = await self.proc.wait()
        # What the app wrote last (its screen restored) is still to be read.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.output_done.wait(), 2)
        self._close_master()
        if status < 0 and not self.closed and self.chan is not None:
            # Hung up while its client is still there (the service is stopping, or the
            # session was idle): the terminal as it was, and why.
            why = (
                "the session was idle"
                if self.idle
                else "the service is stopping"
                if self.service.stopping
                else f"the app was ended by signal {-status}"
            )
            self.chan.write(RESTORE + f"patron-utils: {why}; the session has ended.\r\n".encode())
        return _exit_status(status)

    def _from_terminal(self) -> None:
        assert self.master is not None
        try:
            data = os.read(self.master, CHUNK)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the terminal's other side has gone
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.master)
            self.output_done.set()
            return
        if not self.closed and self.chan is not None:
            self.chan.write(data)

    def _to_terminal(self, data: bytes) -> None:
        if self.master is None:
            self.pending_input += data
            return
        self.pending_input += data
        try:
            written = os.write(self.master, self.pending_input)
        except BlockingIOError:
            written = 0
        except OSError:
            self.pending_input.clear()
            return
        del self.pending_input[:written]
        loop = asyncio.get_running_loop()
        if self.pending_input:
            loop.add_writer(self.master, self._to_terminal, b"")
        else:
            loop.remove_writer(self.master)

    def _close_master(self) -> None:
        if self.master is not None:
            loop = asyncio.get_running_loop()
            loop.remove_reader(self.master)
            loop.remove_writer(self.master)
            os.close(self.master)
            self.master = None

    async def _on_pipes(self, fd: int) -> int:
        self.proc = await asyncio.create_subprocess_exec(
            *child_argv(fd),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=(fd,),
            start_new_session=True,
            env=child_env(None),
        )
        os.close(fd)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        if self.pending_input and self.proc.stdin is not None:
            self.proc.stdin.write(bytes(self.pending_input))
            self.pending_input.clear()
        if self.pending_eof and self.proc.stdin is not None:  # ssh … keys add USER < key.pub
            self.proc.stdin.write_eof()
        await asyncio.gather(
            self._pump(self.proc.stdout, stderr=False),
            self._pump(self.proc.stderr, stderr=True),
        )
        return _exit_status(await self.proc.wait())

    async def _pump(self, stream: asyncio.StreamReader, stderr: bool) -> None:
        while data := await stream.read(CHUNK):
            await self.writable.wait()
            if self.closed or self.chan is None:
                continue  # the client is gone: read on, so the child is never stuck
            try:
                if stderr:
                    self.chan.write_stderr(data)
                else:
                    self.chan.write(data)
            except (BrokenPipeError, ConnectionError):
                # The channel closed before the connection was said to be lost: the same,
                # the child's own status is what the session ends with (not a failure).
                self.closed = True
                self.hang_up()

    def _stderr(self, text: str) -> None:
        if not self.closed and self.chan is not None:
            self.chan.write_stderr(text.encode())

    # -- what the client sends while it runs ------------------------------------------------
    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.last_input = time.monotonic()
        if self.term is not None:
            self._to_terminal(data)
        elif self.proc is not None and self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write(data)
        else:
            self.pending_input += data

    def eof_received(self) -> bool:
        if self.term is None and self.proc is not None and self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write_eof()
        elif self.term is None:
            self.pending_eof = True  # passed on once the child has started
        return True  # keep sending the output

    def terminal_size_changed(self, width: int, height: int, pixw: int, pixh: int) -> None:
        self.size = (width or 80, height or 24)
        if self.master is not None:
            set_size(self.master, *self.size)

    def pause_writing(self) -> None:
        self.writable.clear()
        if self.master is not None:
            asyncio.get_running_loop().remove_reader(self.master)

    def resume_writing(self) -> None:
        self.writable.set()
        if self.master is not None and not self.output_done.is_set():
            asyncio.get_running_loop().add_reader(self.master, self._from_terminal)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.writable.set()
        if not self.started:  # refused (a subsystem), or the client left before it began
            self.ended.set()
            self.service.sessions.discard(self)
        self.hang_up()

    # -- ending -------------------------------------------------------------------------------
    def hang_up(self) -> None:
        """As a dropped line does: the child gets SIGHUP (an apply under way finishes or
        rolls back; the app goes)."""
        if self.proc is not None and self.proc.returncode is None:
            # Sent, not left to the kernel's hang-up: the terminal stays open until the
            # child is gone, so what it writes last is read, and a child on pipes gets it too.
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGHUP)

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    def _arm_idle(self) -> None:
        timeout = self.service.settings.idle_timeout
        if timeout <= 0:
            return
        idle = time.monotonic() - self.last_input
        if idle >= timeout:
            self.service.log(
                f"{self.connection.user} from {self.connection.addr}: idle for "
                f"{round(idle)} s, hung up"
            )
            self.idle = True
            self.hang_up()  # the session ends with its child, saying why
            asyncio.get_running_loop().call_later(10, self.kill)
            return
        self.idle_timer = asyncio.get_running_loop().call_later(timeout - idle, self._arm_idle)


def _exit_status(status: int) -> int:
    """A child killed by a signal ends the session as a shell would say it (128 + N)."""
    return 128 - status if status < 0 else status
