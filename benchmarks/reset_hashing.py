"""Reset Patron Accounts' hashing, for benchmarks/scale.py: does its apply hash on every core?

Each run, on a fresh working copy: Reset Password by Last Name for N patrons (every one of
them changing is hashed, in the apply's preparation, on a thread pool of one thread per
core), then the same passwords hashed one after another on this thread with the product's
own hasher (store.security.HASHER: argon2id, argon2-cffi's defaults). Hashes per second of
each, the ratio, and the CPU seconds this process spent per wall second (the cores busy:
1.0 is one core; libargon2 hashes each password's p lanes on threads of its own, so one
thread of ours may already keep more than one busy). The progress the apply reported is
checked too: it must rise to the total, and the write after the last report be short.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from bench import FIRST_BARCODE, line, login, machine_cpu_seconds, note, working_copy

from store import Store
from store.contract import CHANGING
from store.security import HASHER
from store.usernames import as_password
from store.utilities.reset_accounts import PasswordFormat


def _passwords(store: Store, plan) -> list[str]:
    """The new passwords of the patrons the apply will hash: those changing."""
    rows = store.db.execute(
        f"""SELECT p.last_name FROM temp.{plan.table} plan
            JOIN patrons p ON p.id = plan.patron_id WHERE {CHANGING}"""
    ).fetchall()
    return [as_password(last_name) for (last_name,) in rows]


class Busy:
    """Wall seconds from start() to stop(), and the cores busy meanwhile: this process's
    (CPU seconds per second, every thread) and the whole machine's (others' work too)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.ours: list[float] = []
        self.machine: list[float] = []

    def start(self) -> None:
        self.began = (time.perf_counter(), time.process_time(), machine_cpu_seconds())

    def stop(self) -> float:
        wall, cpu, everyone = self.began
        seconds = time.perf_counter() - wall
        self.seconds.append(seconds)
        self.ours.append((time.process_time() - cpu) / seconds)
        self.machine.append((machine_cpu_seconds() - everyone) / seconds)
        return seconds


def reset_hashing(source: Path, runs: int, patrons: int) -> None:
    selection = {
        "barcode_from": str(FIRST_BARCODE),
        "barcode_to": str(FIRST_BARCODE + patrons - 1),
    }
    options = {"password": PasswordFormat.LAST_NAME.value}
    pooled, single = Busy(), Busy()
    after_last: list[float] = []  # the apply's seconds after its last progress report
    longest: list[float] = []  # the longest wait for the next report (or the end)
    honest = True
    hashed = 0
    for _ in range(runs):  # alternately: the machine's other work falls on both
        store = Store(working_copy(source, "reset.db"))
        operator = login(store)
        plan = store.plan("reset-accounts", selection, options, operator)
        passwords = _passwords(store, plan)
        hashed = len(passwords)
        reports: list[tuple[float, int, int]] = []

        def progress(done: int, total: int, reports: list = reports) -> None:
            reports.append((time.perf_counter(), done, total))

        pooled.start()
        report = store.apply(plan, progress=progress)
        pooled.stop()
        end = time.perf_counter()
        store.close()
        assert report.counts.change == hashed, (report.counts.change, hashed)
        done = [d for _, d, _ in reports]
        honest &= bool(reports) and done == sorted(done) and done[-1] == reports[-1][2] == hashed
        moments = [pooled.began[0], *(at for at, _, _ in reports), end]
        after_last.append(moments[-1] - moments[-2])
        longest.append(max(b - a for a, b in zip(moments, moments[1:], strict=False)))

        single.start()
        for password in passwords:
            HASHER.hash(password)
        single.stop()

    def rate(times: list[float]) -> str:
        rates = sorted(hashed / t for t in times)
        return f"{statistics.median(rates):8.1f} /s ({rates[0]:.1f}–{rates[-1]:.1f})"

    params = f"argon2id t={HASHER.time_cost}, m={HASHER.memory_cost // 1024} MiB"
    print(
        f"  ({hashed:,} of {patrons:,} patrons hashed; {params}, p={HASHER.parallelism}: "
        "libargon2 runs each hash's lanes\n   on threads of its own, so one thread of ours "
        "may keep more than one core busy)",
        flush=True,
    )
    line(
        f"apply Reset Password by Last Name ({hashed:,})",
        pooled.seconds,
        single.seconds,
        f"target: all {os.cpu_count()} cores busy (below)",
        against="one thread",
    )
    line(f"  one thread: HASHER.hash x {hashed:,}", single.seconds)
    note("  hashes per second: the apply", rate(pooled.seconds))
    note("  hashes per second: one thread", rate(single.seconds))
    ratio = statistics.median(single.seconds) / statistics.median(pooled.seconds)
    note("  the apply's speed-up over one thread", f"{ratio:8.2f} x", f"{os.cpu_count()} cores")
    for what, busy in (("the apply", pooled), ("one thread", single)):
        note(
            f"  cores busy, {what}: ours / the machine's",
            f"{statistics.median(busy.ours):8.2f} / {statistics.median(busy.machine):.2f}",
            f"of {os.cpu_count()}",
        )
    note(
        "  progress: rises to the total",
        f"{'yes' if honest else 'NO':>8}",
        f"longest wait for the next report {statistics.median(longest):.2f} s; "
        f"after the last {statistics.median(after_last):.2f} s",
    )
