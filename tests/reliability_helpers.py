"""Shared by the crash, hang-up and concurrency tests: a large demo, processes to start and
kill, and the all-or-nothing check of what a killed apply left behind."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from store.demo import create_demo

from .operators import CHEAP, OPERATOR, PASSWORD

REPO = Path(__file__).resolve().parents[1]
# The operators' passwords hashed cheaply (CHEAP): each process logs in quickly (the real
# cost is not what these tests are about).


def build_demo(path: Path, patrons: int, seed: int = 1) -> Path:
    create_demo(path, patrons=patrons, seed=seed)
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE patrons SET password_hash = ? WHERE username = ?", [CHEAP.hash(PASSWORD), OPERATOR]
    )
    conn.commit()
    conn.close()
    return path


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: this working tree first on the path (not
    whatever copy of the package is installed), the demo operator logged in."""
    env = {
        **os.environ,
        "PATRON_UTILS_OPERATOR": OPERATOR,
        "PATRON_UTILS_PASSWORD": PASSWORD,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    env.pop("PATRON_UTILS_DB", None)
    env.update(extra)
    return env


def patron_utils(*argv: str) -> list[str]:
    """The ``patron-utils`` command of this working tree."""
    return [sys.executable, "-m", "patron_utils", *map(str, argv)]


def child(*argv: str) -> list[str]:
    """tests/reliability_child.py with these arguments."""
    return [sys.executable, "-m", "tests.reliability_child", *map(str, argv)]


class Process:
    """A child process whose stdout is read a line at a time, each with a deadline."""

    running: list[Process] = []  # every one started; store/conftest.py kills what is left

    def __init__(self, argv: list[str], *, stdin: bool = False, stdout: bool = True, **env: str):
        Process.running.append(self)
        self.argv = argv
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv,
            cwd=REPO,
            env=child_env(**env),
            stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        )
        self.pending = b""
        self.result: tuple[int, str, str] | None = None

    def line(self, timeout: float = 30) -> str:
        """The next line of stdout (without its newline); fails after ``timeout`` seconds or
        when the process ends first."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise AssertionError(
                    f"no line from {self.argv} in {timeout} s; stderr: {self.stderr()}"
                )
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    self.finish(10)
                    raise AssertionError(
                        f"{self.argv} ended (status {self.proc.returncode}) "
                        f"before a line; stderr: {self.stderr()}"
                    )
                self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def quiet(self, seconds: float) -> bool:
        """True when no line comes for ``seconds`` (the process is still at it, or waiting)."""
        ready, _, _ = select.select([self.proc.stdout.fileno()], [], [], seconds)
        return not ready and b"\n" not in self.pending

    def send(self, text: str = "go") -> None:
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        """SIGKILL, unless it has already ended (then it is only reaped)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.finish(10)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        """Wait for the end; (status, all of stdout not yet read as lines, stderr)."""
        if self.result is None:
            out, err = self.proc.communicate(timeout=timeout)
            self.result = (
                self.proc.returncode,
                (self.pending + (out or b"")).decode(),
                (err or b"").decode(errors="replace"),
            )
        return self.result

    def stderr(self) -> str:
        return "(still running)" if self.proc.poll() is None else self.finish(10)[2]


@dataclass(frozen=True)
class Before:
    """What the demo held before the apply: each patron's status and modified time."""

    patrons: dict[int, tuple[str, str]]
    operator: int  # the demo operator who applies: their own account is never changed

    @classmethod
    def of(cls, path: Path) -> Before:
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("SELECT id, status, modified FROM patrons").fetchall()
            [(operator,)] = conn.execute("SELECT id FROM patrons WHERE username = 'demo'")
        finally:
            conn.close()
        return cls({pid: (status, modified) for pid, status, modified in rows}, operator)

    @property
    def to_change(self) -> set[int]:
        return {
            pid
            for pid, (status, _) in self.patrons.items()
            if status != "Inactive" and pid != self.operator
        }


def integrity(conn: sqlite3.Connection) -> None:
    problems = conn.execute("PRAGMA integrity_check").fetchall()
    assert problems == [("ok",)], f"integrity_check: {problems[:10]}"
    orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    assert orphans == [], f"foreign_key_check: {orphans[:10]}"


def all_or_nothing(path: Path, before: Before) -> str:
    """Check that the database at ``path`` is sound and holds either the whole of "Change
    Patron Status to Inactive for every patron" with its complete journal, or none of it
    and no journal; returns "all" or "none"."""
    conn = sqlite3.connect(path)  # a killed writer's WAL is recovered here
    try:
        integrity(conn)
        ops = conn.execute(
            "SELECT id, utility, matched, changed, unchanged, skipped, excluded, "
            "started, finished, undo_of FROM operations"
        ).fetchall()
        patrons = {
            pid: (status, modified)
            for pid, status, modified in conn.execute("SELECT id, status, modified FROM patrons")
        }
        changes = conn.execute(
            "SELECT operation_id, patron_id, outcome, before, after FROM operation_changes"
        ).fetchall()
        rows = conn.execute(
            "SELECT operation_id, table_name, row_id, action, "
            "json_extract(before, '$.status'), json_extract(after, '$.status'), "
            "json_extract(before, '$.modified') FROM operation_rows"
        ).fetchall()
    finally:
        conn.close()
    if not ops:
        assert changes == [], f"{len(changes)} report rows of an operation that is not there"
        assert rows == [], f"{len(rows)} before-images of an operation that is not there"
        changed = {pid for pid in before.patrons if patrons.get(pid) != before.patrons[pid]}
        assert patrons.keys() == before.patrons.keys(), "patrons added or removed"
        assert not changed, f"{len(changed)} patrons changed without an operation"
        return "none"

    assert len(ops) == 1, f"{len(ops)} operations: {ops}"
    op_id, utility, matched, n_changed, unchanged, skipped, excluded, started, finished, undo_of = (
        ops[0]
    )
    to_change = before.to_change
    assert (utility, undo_of) == ("change-status", None), ops
    expected = (len(before.patrons), len(to_change), len(before.patrons) - len(to_change) - 1, 1, 0)
    assert (matched, n_changed, unchanged, skipped, excluded) == expected, (ops, expected)
    assert finished is not None and finished >= started, ops
    # Every patron is Inactive; only those who were not were modified, by this operation.
    assert patrons.keys() == before.patrons.keys(), "patrons added or removed"
    missed = [
        pid
        for pid, (status, _) in patrons.items()
        if status != "Inactive" and pid != before.operator
    ]
    assert not missed, f"an operation is there, but {len(missed)} patrons were not changed"
    for pid, (_old_status, old_modified) in before.patrons.items():
        modified = patrons[pid][1]
        assert modified >= started if pid in to_change else modified == old_modified, (
            f"patron {pid}: modified {modified} (was {old_modified}, operation at {started})"
        )
    # The report: one row per matched patron, saying what it was and what it became.
    assert len(changes) == matched, f"{len(changes)} report rows for {matched} patrons"
    assert {c[0] for c in changes} == {op_id}, "report rows of another operation"
    by_patron = {pid: (outcome, old, new) for _, pid, outcome, old, new in changes}
    assert len(by_patron) == matched, "a patron reported twice"
    for pid, (old_status, _) in before.patrons.items():
        if pid == before.operator:
            assert by_patron[pid] == ("skip", old_status, old_status), (pid, by_patron[pid])
            continue
        outcome = "change" if pid in to_change else "unchanged"
        assert by_patron[pid] == (outcome, old_status, "Inactive"), (pid, by_patron[pid])
    # The before-images an undo restores from: one per changed patron.
    assert len(rows) == len(to_change), f"{len(rows)} before-images for {len(to_change)} changes"
    images = {}
    for operation_id, table, row_id, action, old, new, old_modified in rows:
        assert (operation_id, table, action, new) == (op_id, "patrons", "update", "Inactive"), (
            row_id,
            operation_id,
            table,
            action,
            new,
        )
        images[row_id] = (old, old_modified)
    wrong = [pid for pid in to_change if images.get(pid) != before.patrons[pid]]
    assert not wrong and len(images) == len(to_change), (
        f"before-images missing or wrong for {len(wrong)} patrons, e.g. {wrong[:5]}"
    )
    return "all"


def unlocked(path: Path) -> None:
    """Nobody still holds the write lock: a write starts at once."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()
