"""A process killed (SIGKILL: no handler runs, nothing is cleaned up) while it applies a
large change leaves the database sound and holding all of the change or none of it.

The change is Change Patron Status to Inactive for every patron of a 20,000-patron demo
(the apply takes half a second to a second). Each attempt works on its own copy of one demo
and is killed at a seeded random moment: inside Store.apply (a process that has planned and
is told to apply), or anywhere in the life of ``patron-utils run change-status … --yes``.
The check (reliability_helpers.all_or_nothing) opens the copy afterwards, runs PRAGMA
integrity_check and compares every patron, the operations row, its report and its
before-images with what a whole apply writes. Set PATRON_UTILS_CRASH_SEED to try other
moments.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..databases import copy_db
from ..reliability_helpers import (
    Before,
    Process,
    all_or_nothing,
    build_demo,
    child,
    patron_utils,
    unlocked,
)

PATRONS = 20_000
SEED = int(os.environ.get("PATRON_UTILS_CRASH_SEED", "20260601"))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = build_demo(tmp_path_factory.mktemp("crash") / "demo.db", PATRONS)
    return path, Before.of(path)


@pytest.fixture
def check(template):
    """Check a killed copy in the background (integrity_check takes a while) while the next
    attempt runs; ``check.outcomes()`` waits for every check and gives each one's outcome."""
    _, before = template
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: list = []

        class Checks:
            def __call__(self, label: str, db) -> None:
                pending.append((label, pool.submit(_checked, db, before)))

            def outcomes(self) -> list[tuple[str, str]]:
                done = []
                for label, future in pending:
                    try:
                        done.append((label, future.result()))
                    except AssertionError as exc:
                        raise AssertionError(f"{label}: {exc}") from exc
                return done

        yield Checks()


def _checked(db, before: Before) -> str:
    outcome = all_or_nothing(db, before)
    unlocked(db)
    return outcome


def spread(rng: random.Random, end: float, n: int) -> list[float]:
    """n moments in [0, end], one drawn in each n-th of it: early, middle and late all occur."""
    return [rng.uniform(end * i / n, end * (i + 1) / n) for i in range(n)]


def test_a_store_apply_killed_at_random_moments_writes_all_or_nothing(template, check, tmp_path):
    source, before = template
    rng = random.Random(SEED)
    dbs = [copy_db(source, tmp_path / f"{n}.db") for n in range(4)]
    # One process per copy, each forked from one that has done the imports: it logs in,
    # plans, says "ready PID", and applies when told to.
    proc = Process(child("status", *dbs), stdin=True)

    def applying() -> int:
        word, pid, change = proc.line(60).split()
        assert (word, change) == ("ready", str(len(before.to_change)))
        proc.send()
        assert proc.line() == "applying"
        return int(pid)

    # The first applies undisturbed: the whole change, and how long writing it takes.
    applying()
    word, operation_id, seconds = proc.line().split()
    assert (word, operation_id) == ("applied", "1")
    assert proc.line() == "ended 0"
    check("undisturbed", dbs[0])

    # The others are killed: at once (before anything is committed), then at moments
    # spread over the time the apply took (a little past it, too).
    for db, delay in zip(dbs[1:], [0.0] + spread(rng, float(seconds) * 1.2, 2), strict=True):
        pid = applying()
        time.sleep(delay)
        # A kill a little past the apply's length may find it already ended (and reaped):
        # that is the "ended 0" case below, not an error.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        ended = proc.line()
        if ended.startswith("applied"):  # it was done before the kill
            ended = proc.line()
        assert ended in ("ended -9", "ended 0"), ended
        check(f"killed {delay:.3f} s into the apply", db)
    assert proc.finish() == (0, "", "")
    outcomes = check.outcomes()
    assert outcomes[0][1] == "all" and outcomes[1][1] == "none", (SEED, outcomes)


def test_patron_utils_run_killed_at_random_moments_writes_all_or_nothing(template, check, tmp_path):
    source, before = template
    rng = random.Random(SEED + 1)
    command = ("run", "change-status", "--status", "Inactive", "--yes", "--format", "json")

    # One run to the end: what a whole run writes, and how long a run lasts here.
    db = copy_db(source, tmp_path / "whole.db")
    proc = Process(patron_utils(*command, "--db", db))
    status, out, err = proc.finish()
    lifetime = time.monotonic() - proc.started
    assert (status, err) == (0, "")
    payload = json.loads(out)
    assert (payload["operation_id"], payload["change"]) == (1, len(before.to_change))
    check("whole run", db)

    # Then killed at moments spread over a run's life: starting up, logging in, planning,
    # applying, printing the result.
    for n, delay in enumerate(spread(rng, lifetime, 3)):
        db = copy_db(source, tmp_path / f"{n}.db")
        proc = Process(patron_utils(*command, "--db", db), stdout=False)
        time.sleep(max(0.0, proc.started + delay - time.monotonic()))
        proc.kill()
        assert proc.proc.returncode in (-signal.SIGKILL, 0), proc.stderr()
        check(f"killed {delay:.3f} s after starting", db)
    outcomes = check.outcomes()
    assert outcomes[0][1] == "all", (SEED, outcomes)
