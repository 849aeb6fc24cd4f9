"""What every section of benchmarks/scale.py shares: runs timed and printed as a median with
its min–max, fresh working copies, raw SQLite, the demo and the machine it runs on.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402
from store.demo import DEMO_OPERATORS, create_demo  # noqa: E402

FIRST_BARCODE = 20260001  # the demo numbers its patrons from here
STAMP = "2026-11-29 09:00:00"  # the raw baselines' modified


def timed(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def figure(times: list[float]) -> str:
    """Seconds as a median with the fastest and slowest run (one run proves little)."""
    median = statistics.median(times)
    if len(times) == 1:
        return f"{median:8.2f} s {'(1 run)':<13}"
    return f"{median:8.2f} s {f'({min(times):.2f}–{max(times):.2f})':<13}"


def line(
    what: str,
    times: list[float],
    raw: list[float] | None = None,
    target: str = "",
    against: str = "raw",
) -> None:
    """One figure: median (min–max), its ratio to the baseline's median, and its target."""
    ratio = ""
    if raw:
        base = statistics.median(raw)
        ratio = f"{statistics.median(times) / base:5.2f}x {against}"
    print(f"  {what:<46} {figure(times)} {ratio:<18} {target}", flush=True)


def note(what: str, value: str, target: str = "") -> None:
    """A figure that is not seconds (a rate, memory, a count), in the same columns."""
    print(f"  {what:<46} {value:<24} {'':<18} {target}", flush=True)


COPIES: set[Path] = set()  # every working copy made, for remove_copies


def working_copy(source: Path, name: str) -> Path:
    """A fresh copy of ``source`` next to it (no WAL of an earlier run left beside it)."""
    target = source.with_name(name)
    COPIES.add(target)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def remove_copies() -> None:
    """The working copies, with their WAL: at a million patrons they are gigabytes."""
    for copy in COPIES:
        for suffix in ("", "-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)
    COPIES.clear()


def raw_connection(path: Path) -> sqlite3.Connection:
    """Raw SQLite as the product opens a file: WAL, synchronous NORMAL, autocommit."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def raw(path: Path, sql: str, params: list | tuple = ()) -> float:
    """One statement in its own transaction, committed, on a fresh connection."""
    conn = raw_connection(path)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(sql, params)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


# What Change Status to Inactive for every patron reduces to.
RAW_INACTIVE = "UPDATE patrons SET status = 'Inactive', modified = ? WHERE status <> 'Inactive'"


def raw_inactive(source: Path, name: str = "raw-update.db") -> float:
    """The raw UPDATE of Change Status to everyone, on a fresh copy of ``source``."""
    return raw(working_copy(source, name), RAW_INACTIVE, [STAMP])


def login(store: Store):
    username, password, *_ = DEMO_OPERATORS[0]
    return store.login(username, password)


def demo_file(patrons: int, where: Path) -> Path:
    """The demo of ``patrons``, built once and kept (building a million takes a while)."""
    path = where / f"patrons-{patrons}.db"
    if not path.exists():
        where.mkdir(parents=True, exist_ok=True)
        seconds, _ = timed(
            lambda: create_demo(path.with_suffix(".tmp"), patrons=patrons, force=True)
        )
        path.with_suffix(".tmp").rename(path)
        print(f"  built the demo of {patrons:,} patrons in {seconds:.1f} s", flush=True)
    return path


def machine_cpu_seconds() -> float:
    """CPU seconds every process of the machine has spent so far (/proc/stat; 0 where there
    is none): over a stretch of wall time, how many cores were busy, ours or not."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """The machine the figures come from: CPU, cores, memory, load, and the versions."""
    cpu = platform.processor() or platform.machine()
    memory = "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), cpu
            )
        with open("/proc/meminfo") as info:
            kb = next(int(ln.split()[1]) for ln in info if ln.startswith("MemTotal:"))
            memory = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Machine: {cpu}, {os.cpu_count()} cores, {memory} RAM, load average {load}\n"
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"textual {_version('textual')}, argon2-cffi {_version('argon2-cffi')}"
    )
