"""The SSH side of benchmarks/ssh_sessions.py: processes read from /proc, the service
started and stopped, and one client session over SSH with its screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import asyncssh
from screen_probe import COLS, PASSWORD, PICKER, ROOT, ROWS, USER, Screen, env, patron_utils

DOWN, UP = b"\x1b[B", b"\x1b[A"
LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+) ")


# -- processes: /proc ---------------------------------------------------------------------
def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def pss_mb(pid: int) -> float | None:
    """Proportional set size: shared pages split among their sharers (sums honestly)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from the state on (the name, in parentheses, may hold anything)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def children_of(ppid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if fields and int(fields[1]) == ppid:
                found.append(int(entry))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    fields = stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def is_session_child(pid: int) -> bool:
    try:
        return b"--session-fd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


# -- the service ----------------------------------------------------------------------------
class Service:
    """``patron-utils serve`` on 127.0.0.1:0 and the port it chose; its log kept."""

    def __init__(self, db: Path, host_key: Path, max_sessions: int) -> None:
        self.proc = subprocess.Popen(
            patron_utils(
                "serve",
                "--db",
                db,
                "--listen",
                "127.0.0.1:0",
                "--host-key",
                host_key,
                "--max-sessions",
                max_sessions,
            ),
            cwd=ROOT,
            env=env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.lines: list[str] = []
        self.seen: set[int] = set()  # every session child seen: none may outlive us
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = next(filter(None, map(LISTENING.search, list(self.lines))), None)
            if match:
                self.port = int(match.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the service did not start; its log:\n" + "\n".join(self.lines))

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace").rstrip("\n"))

    def sessions(self) -> list[int]:
        """The session children: ``python -m patron_utils --session-fd N``."""
        found = [p for p in children_of(self.proc.pid) if is_session_child(p)]
        self.seen.update(found)
        return found

    async def wait_sessions(self, count: int, timeout: float = 20) -> list[int]:
        """Until there are ``count`` session processes (the others gone, or started)."""
        deadline = time.monotonic() + timeout
        while len(found := self.sessions()) != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} session processes, not {count}")
            await asyncio.sleep(0.05)
        return found

    def connect(self):  # noqa: ANN201
        return asyncssh.connect(
            "127.0.0.1",
            self.port,
            username=USER,
            password=PASSWORD,
            known_hosts=None,
            client_keys=None,
            agent_path=None,
            connect_timeout=30,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                print("  the service ignored SIGTERM for 30 s: killed", flush=True)
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        for pid in self.seen:  # strays (the service killed before it hung them up)
            if is_session_child(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    print(f"  killed a stray session process {pid}", flush=True)


class Session:
    """One terminal session over SSH, its screen, and its connection."""

    def __init__(self, conn: asyncssh.SSHClientConnection, process, screen: Screen) -> None:
        self.conn = conn
        self.process = process
        self.screen = screen
        self.task = asyncio.ensure_future(self._read())
        self.presses = 0

    @classmethod
    async def open(cls, service: Service) -> tuple[Session, float, float]:
        """A session on the picker; seconds to log in, and to the picker drawn."""
        start = time.perf_counter()
        conn = await asyncio.wait_for(service.connect(), 60)
        authenticated = time.perf_counter()
        try:
            process = await asyncio.wait_for(
                conn.create_process(term_type="xterm", term_size=(COLS, ROWS), encoding=None),
                30,
            )
            session = cls(conn, process, Screen())
            await session.screen.until(PICKER, timeout=60)
        except BaseException:
            conn.close()
            raise
        drawn = time.perf_counter()
        return session, authenticated - start, drawn - start

    async def _read(self) -> None:
        try:
            while data := await self.process.stdout.read(65536):
                self.screen.feed(data)
        finally:
            self.screen.feed(b"")

    async def ready(self) -> None:
        """Focus in the list (off the filter, whose cursor blinks), the screen quiet."""
        await self.screen.quiet()
        self.screen.arm()
        self.process.stdin.write(DOWN)  # the picker's Down: focus the list
        await self.screen.answered(time.perf_counter())
        await self.screen.quiet()

    def press(self) -> float:
        """Down, then Up, then Down...: each moves the highlight (from the first row)."""
        self.screen.arm()
        sent = time.perf_counter()
        self.process.stdin.write(DOWN if self.presses % 2 == 0 else UP)
        self.presses += 1
        return sent

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.process.close()
            self.conn.close()
            await asyncio.wait_for(self.conn.wait_closed(), 10)
        self.task.cancel()
