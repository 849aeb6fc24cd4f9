"""Patron Utilities over SSH: what a session costs, next to the app started locally.

    python benchmarks/ssh_sessions.py                 # --runs 5 --max-sessions 24
    python benchmarks/ssh_sessions.py --runs 9 --max-sessions 32

Starts `patron-utils serve` itself on 127.0.0.1 (a free port) on a demo of 2,000 patrons
made in a temporary directory, with a host key of its own, and stops it at the end. It
connects as the technicians do (asyncssh's client, password demo/demo-librarian, a
terminal of 80x24) and reads each session's screen through pyte. Three figures:

1. Session start: connect, log in and the picker drawn, next to the app started locally
   on a pseudo-terminal until its login screen is drawn (the local start-up), measured
   in the same run, alternately; medians with their spread, and the ratio.
2. The memory (RSS) of one session's process at the picker, next to the local app's.
3. Sessions open at once (1, 2, 4, ... --max-sessions): after each step a key (Down or Up
   in the picker's list) is pressed in every session at the same moment, and the time
   until that session's screen changes is taken; then once more in each session alone.

Nothing here passes or fails; the figures are printed. The client (this process, pyte
included) runs on the same machine as the service and its sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from datetime import date
from pathlib import Path

import asyncssh
import pyte

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "demo", "demo-librarian"
PICKER = "Change Patron Status"  # a utility's title: the picker is drawn
LOGIN = ("Username", "Password")  # the login screen's labels
DOWN, UP = b"\x1b[B", b"\x1b[A"
COLS, ROWS = 80, 24
FAST = 0.200  # a key answered within this is "under 200 ms"
LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+) ")


def env() -> dict[str, str]:
    """This working tree's package first; no operator, password or database from outside."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_UTILS_")}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    out["TERM"] = "xterm"
    return out


def patron_utils(*argv: object) -> list[str]:
    return [sys.executable, "-m", "patron_utils", *map(str, argv)]


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


# -- printing -----------------------------------------------------------------------------
def ms(seconds: float) -> str:
    return "never" if seconds == float("inf") else f"{seconds * 1000:.0f} ms"


def spread(values: list[float], digits: int, unit: str) -> str:
    """The median, and the least and most of the runs."""
    median, low, high = statistics.median(values), min(values), max(values)
    return f"{median:.{digits}f} {unit} ({low:.{digits}f}–{high:.{digits}f}, {len(values)} runs)"


def sec(seconds: float) -> str:
    return f"{seconds:.2f} s"


def mb(value: float) -> str:
    return f"{value:.0f} MB"


def row(what: str, figure: str, against: str = "") -> None:
    print(f"  {what:<40} {figure:<30} {against}", flush=True)


# -- the three figures ------------------------------------------------------------------------
async def start_and_memory(service: Service, db: Path, runs: int) -> None:
    ssh_start: list[float] = []
    ssh_auth: list[float] = []
    ssh_rss: list[float] = []
    local_start: list[float] = []
    local_login: list[float] = []
    local_rss_login: list[float] = []
    local_rss: list[float] = []
    for _ in range(runs):  # alternately, so the machine's noise falls on both
        local = Local()
        try:
            local_start.append(await local.start(db))
            await local.screen.quiet()
            assert local.proc is not None
            local_rss_login.append(rss_mb(local.proc.pid) or 0)
            local_login.append(await local.log_in())
            await local.screen.quiet()
            local_rss.append(rss_mb(local.proc.pid) or 0)
        finally:
            await local.stop()
        session, auth, drawn = await Session.open(service)
        try:
            ssh_auth.append(auth)
            ssh_start.append(drawn)
            await session.screen.quiet()
            (pid,) = await service.wait_sessions(1)
            ssh_rss.append(rss_mb(pid) or 0)
        finally:
            await session.close()
        await service.wait_sessions(0)
    print("Session start", flush=True)
    ratio = statistics.median(ssh_start) / statistics.median(local_start)
    row(
        "SSH: connect, log in, picker drawn",
        spread(ssh_start, 2, "s"),
        f"{ratio:.1f}x local start-up",
    )
    row("  of which connect + password checked", spread(ssh_auth, 2, "s"))
    row("local start-up to the login screen", spread(local_start, 2, "s"), "(the baseline)")
    row("local log-in: Enter to the picker", spread(local_login, 2, "s"))
    print("Memory (VmRSS)", flush=True)
    ratio = statistics.median(ssh_rss) / statistics.median(local_rss)
    row("one session's process, at the picker", spread(ssh_rss, 0, "MB"), f"{ratio:.2f}x local")
    row("the local app, at the picker", spread(local_rss, 0, "MB"))
    row("the local app, at the login screen", spread(local_rss_login, 0, "MB"))


def levels(top: int) -> list[int]:
    out, n = [], 1
    while n < top:
        out.append(n)
        n *= 2
    return out + [top]


async def keys_at_once(sessions: list[Session], quiet: float = 0.25) -> tuple[list[float], float]:
    """A key in each session at the same moment; the seconds until each one's screen
    changed, and this process's CPU seconds until the last output came in."""
    for s in sessions:
        s.screen.defer()
    cpu = time.process_time()
    sent = [s.press() for s in sessions]
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(s.screen.output.wait() for s in sessions)), 10)
        while True:  # until every session has gone quiet (its answer in, whole)
            last = max((s.screen.pending[-1][0] for s in sessions if s.screen.pending), default=0)
            if time.perf_counter() - last >= quiet:
                break
            await asyncio.sleep(0.02)
        client = time.process_time() - cpu
    finally:
        for s in sessions:
            s.screen.undefer()
    answers = await asyncio.gather(
        *(s.screen.answered(t) for s, t in zip(sessions, sent, strict=True))
    )
    return list(answers), client


async def concurrent(service: Service, top: int, rounds: int) -> None:
    print(
        f"Sessions open at once (a key in each; {rounds} rounds all at the same moment, "
        "then one round each alone)",
        flush=True,
    )
    print(
        f"  {'open':>4}  {'slowest start':>13}  {'at once: median':>15}  {'worst':>7}  "
        f"{'alone: median':>13}  {'worst':>7}  {'RSS, all':>8}  {'PSS, all':>8}  "
        f"{'client CPU':>10}",
        flush=True,
    )
    sessions: list[Session] = []
    fast_enough = 0
    try:
        for level in levels(top):
            starts = []
            while len(sessions) < level:
                session, _, drawn = await Session.open(service)
                sessions.append(session)
                starts.append(drawn)
                await session.ready()
            for s in sessions:
                await s.screen.quiet(0.2)
            together: list[float] = []
            client = 0.0
            for _ in range(rounds):
                answers, cpu = await keys_at_once(sessions)
                together += answers
                client += cpu / rounds  # this process: asyncssh, the waiting
                await asyncio.sleep(0.2)
            alone: list[float] = []
            for s in sessions:
                answers, _ = await keys_at_once([s])
                alone += answers
            pids = await service.wait_sessions(len(sessions))
            rss = sum(rss_mb(p) or 0 for p in pids)
            pss = sum(pss_mb(p) or 0 for p in pids)
            worst = max(together + alone)
            if worst < FAST:
                fast_enough = level
            print(
                f"  {level:>4}  {sec(max(starts)):>13}  {ms(statistics.median(together)):>15}  "
                f"{ms(max(together)):>7}  {ms(statistics.median(alone)):>13}  "
                f"{ms(max(alone)):>7}  {mb(rss):>8}  {mb(pss):>8}  {ms(client):>10}"
                f"{'  every key < ' + ms(FAST) if worst < FAST else ''}",
                flush=True,
            )
        # What the open sessions cost sitting idle on the picker.
        pids = service.sessions() + [service.proc.pid]
        before = sum(cpu_seconds(p) for p in pids)
        await asyncio.sleep(5)
        idle = (sum(cpu_seconds(p) for p in pids) - before) / 5
        print(
            f"  {len(sessions)} sessions idle on the picker: {idle * 100:.1f}% of one core "
            f"(service and sessions, over 5 s); the service's own RSS "
            f"{mb(rss_mb(service.proc.pid) or 0)}",
            flush=True,
        )
        print(
            "  (client CPU: this process's, per round at once, until the last answer was in: "
            "asyncssh, pyte kept off the clock;\n   RSS counts shared pages in each process, "
            "PSS splits them)",
            flush=True,
        )
        print(
            f"  the most sessions with every key answered within {ms(FAST)}: "
            f"{fast_enough or 'none'} (of {top} tried)",
            flush=True,
        )
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
        with contextlib.suppress(TimeoutError):
            await service.wait_sessions(0)


async def run(args: argparse.Namespace, folder: Path) -> None:
    db = folder / "demo.db"
    subprocess.run(
        patron_utils("demo", "--db", db, "--patrons", 2000),
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        timeout=300,
    )
    service = Service(db, folder / "host_key", max(20, args.max_sessions))
    try:
        await start_and_memory(service, db, args.runs)
        await concurrent(service, args.max_sessions, args.runs)
    finally:
        service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each figure (default 5)")
    parser.add_argument(
        "--max-sessions", type=int, default=24, help="sessions open at once, at most (default 24)"
    )
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Patron Utilities over SSH, {date.today()}: {os.cpu_count()} cores, shared and noisy "
        f"(load average {load} at the start); asyncssh {asyncssh.__version__}, "
        f"Python {sys.version.split()[0]}; the client runs on the same machine",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ssh-sessions-") as folder:
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
