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
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import asyncssh
from screen_probe import ROOT, Local, env, patron_utils
from ssh_probe import Service, Session, cpu_seconds, pss_mb, rss_mb

FAST = 0.200  # a key answered within this is "under 200 ms"


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


async def run(runs: int, max_sessions: int | None, folder: Path) -> None:
    """Session start and memory; then, unless ``max_sessions`` is None, sessions at once."""
    db = folder / "demo.db"
    subprocess.run(
        patron_utils("demo", "--db", db, "--patrons", 2000),
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        timeout=300,
    )
    service = Service(db, folder / "host_key", max(20, max_sessions or 0))
    try:
        await start_and_memory(service, db, runs)
        if max_sessions is not None:
            await concurrent(service, max_sessions, runs)
    finally:
        service.stop()


def measure(runs: int, max_sessions: int | None = None) -> None:
    """The figures, printed, on a demo and a service of their own (scale.py's ssh section
    asks for session start and memory only: no ``max_sessions``)."""
    with tempfile.TemporaryDirectory(prefix="ssh-sessions-") as folder:
        asyncio.run(run(runs, max_sessions, Path(folder)))


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
    measure(args.runs, args.max_sessions)


if __name__ == "__main__":
    main()
