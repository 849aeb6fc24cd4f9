"""Two technicians at once: overlapping applies from two processes lose nothing, a write
waits for another to finish, and a database that stays busy is refused plainly."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict

import pytest

import store.database
from store import Busy, LoginFailed, Store

from ..databases import copy_db, everything
from ..reliability_helpers import (
    OPERATOR,
    PASSWORD,
    Before,
    Process,
    all_or_nothing,
    build_demo,
    child,
    integrity,
    unlocked,
)

PATRONS = 3_000
ROUNDS = 10
# Two overlapping selections: grades 5 to 8 are in both.
WRITERS = {"first": [str(g) for g in range(1, 9)], "second": [str(g) for g in range(5, 13)]}
SHORT_TIMEOUT_MS = 300  # instead of the store's ten seconds, so a refusal comes quickly


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("concurrency") / "demo.db", PATRONS)


@pytest.fixture
def db(template, tmp_path):
    return copy_db(template, tmp_path / "a.db")


def general_notes(conn: sqlite3.Connection) -> dict[int, int]:
    return dict(
        conn.execute(
            "SELECT patron_id, count(*) FROM notes WHERE type = 'General' GROUP BY patron_id"
        )
    )


def test_two_processes_applying_overlapping_notes_lose_nothing(db):
    """Two processes, each ROUNDS times: plan Add Patron Notes (a General note of its own)
    for grades overlapping the other's, apply, and plan again whenever the apply says
    another changed those patrons since (Stale). Every note each was told it added is
    there, journaled, and counted; and no apply went ahead on a count the other had
    already changed."""
    conn = sqlite3.connect(db)
    notes_before = general_notes(conn)
    selected = {
        name: {
            pid
            for (pid,) in conn.execute(
                f"SELECT id FROM patrons WHERE grade IN ({', '.join('?' * len(grades))})", grades
            )
        }
        for name, grades in WRITERS.items()
    }
    conn.close()
    assert selected["first"] & selected["second"]

    writers = {
        name: Process(child("notes", db, name, ROUNDS, *grades), stdin=True)
        for name, grades in WRITERS.items()
    }
    for proc in writers.values():
        assert proc.line(60) == "ready"
    for proc in writers.values():  # both start together
        proc.send()
    results = {}
    for name, proc in writers.items():
        status, out, err = proc.finish(120)
        assert (status, err) == (0, ""), err
        results[name] = json.loads(out)

    conn = sqlite3.connect(db)
    try:
        integrity(conn)
        # Every apply a writer was told succeeded is in the journal, and nothing else is.
        reported = {
            op["id"]: (name, op) for name, result in results.items() for op in result["operations"]
        }
        assert len(reported) == 2 * ROUNDS
        journal = dict(conn.execute("SELECT id, utility FROM operations").fetchall())
        assert journal == {op_id: "add-notes" for op_id in reported}
        # They really ran at once: they took turns, or one had to plan again because the
        # other had changed its patrons (a stale preview, retried), or both.
        ids = {
            name: sorted(op["id"] for op in result["operations"])
            for name, result in results.items()
        }
        took_turns = ids["first"][0] < ids["second"][-1] and ids["second"][0] < ids["first"][-1]
        assert took_turns or sum(r["stale"] for r in results.values()) > 0, (ids, results)

        for op_id, (name, op) in reported.items():
            # The note reached exactly the patrons its writer selected…
            notes = dict(
                conn.execute(
                    "SELECT id, patron_id FROM notes WHERE text = ?", [op["note"]]
                ).fetchall()
            )
            assert sorted(notes.values()) == sorted(selected[name]), op
            assert op["matched"] == op["change"] == len(selected[name])
            assert conn.execute(
                "SELECT matched, changed FROM operations WHERE id = ?", [op_id]
            ).fetchone() == (op["matched"], op["change"])
            # …and its journal holds each new note and a report line per patron.
            rows = conn.execute(
                "SELECT table_name, action, row_id FROM operation_rows WHERE operation_id = ?",
                [op_id],
            ).fetchall()
            assert sorted(rows) == sorted(("notes", "insert", nid) for nid in notes)
            assert (
                conn.execute(
                    "SELECT count(*) FROM operation_changes WHERE operation_id = ?", [op_id]
                ).fetchone()[0]
                == op["matched"]
            )

        # No apply worked from a count another had already changed: patron by patron, in the
        # order they committed, each saw exactly the notes the ones before it left.
        seen: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for patron_id, old, new in conn.execute(
            "SELECT patron_id, before, after FROM operation_changes ORDER BY operation_id"
        ):
            seen[patron_id].append((old, new))
        for patron_id, steps in seen.items():
            start = notes_before.get(patron_id, 0)
            assert steps == [(start + k, start + k + 1) for k in range(len(steps))], patron_id
        assert general_notes(conn) == {
            pid: notes_before.get(pid, 0) + len(seen.get(pid, ()))
            for pid in notes_before.keys() | seen.keys()
        }
    finally:
        conn.close()


def hold_write_lock(db) -> sqlite3.Connection:
    """Another technician's apply in progress: a transaction holding the write lock."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE preferences SET value = value WHERE key = 'demo'")
    return conn


def test_an_apply_waits_for_another_write_to_finish(db):
    before = Before.of(db)
    proc = Process(child("status", db), stdin=True)
    word, _, change = proc.line(60).split()
    assert (word, change) == ("ready", str(len(before.to_change)))
    other = hold_write_lock(db)
    try:
        proc.send()
        assert proc.line() == "applying"
        applying = time.monotonic()  # the apply began before this
        assert proc.quiet(0.5), "applied while another transaction held the write lock"
    finally:
        other.execute("COMMIT")
        released = time.monotonic()
        other.close()
    word, operation_id, seconds = proc.line().split()
    assert (word, operation_id) == ("applied", "1")
    assert float(seconds) >= released - applying >= 0.5  # it waited, then applied
    assert proc.line() == "ended 0"
    assert proc.finish() == (0, "", "")
    assert all_or_nothing(db, before) == "all"


def test_patron_utils_run_refuses_a_database_that_stays_busy(db):
    """Exit status 4 and a plain message, after the busy timeout (shortened here)."""
    unchanged = everything(db)
    other = hold_write_lock(db)
    try:
        proc = Process(
            child(
                "cli",
                SHORT_TIMEOUT_MS,
                "run",
                "change-status",
                "--status",
                "Inactive",
                "--yes",
                "--db",
                db,
            )
        )
        status, out, err = proc.finish(60)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert status == 4, err
    assert out == ""
    assert err.startswith("patron-utils: the database is busy") and "Traceback" not in err, err
    assert len(err.splitlines()) == 1
    assert everything(db) == unchanged
    unlocked(db)


def test_an_apply_refused_as_busy_writes_nothing(db, monkeypatch):
    """The apply itself (logged in and planned before the other write began) gives up after
    the busy timeout with Busy, and nothing of it is written."""
    monkeypatch.setattr(store.database, "BUSY_TIMEOUT_MS", SHORT_TIMEOUT_MS)
    unchanged = everything(db)
    s = Store(db)
    try:
        plan = s.plan("change-status", {}, {"status": "Inactive"}, s.login(OPERATOR, PASSWORD))
        assert plan.counts.change > 0
        other = hold_write_lock(db)
        try:
            started = time.monotonic()
            with pytest.raises(Busy, match="the database is busy"):
                s.apply(plan)
            assert time.monotonic() - started >= SHORT_TIMEOUT_MS / 1000 * 0.9
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert s.db.execute("SELECT count(*) FROM operations").fetchone()[0] == 0
    finally:
        s.close()
    assert everything(db) == unchanged
    unlocked(db)


def test_thirty_logins_at_once_count_every_failure_and_the_lock_holds(db):
    """Thirty processes try the demo operator's name at the same moment, one with the right
    password: the lock is checked and each failure counted in one write transaction, so it
    engages after five whatever the interleaving, and holds against the right password."""
    from store.security import HASHER, LOCK_AFTER

    # The product's real cost: checking a password takes long enough for thirty attempts to
    # overlap (with a cheap hash they would hardly meet).
    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE patrons SET password_hash = ? WHERE username = ?", [HASHER.hash(PASSWORD), OPERATOR]
    )
    conn.commit()
    conn.close()
    proc = Process(child("logins", db, OPERATOR, 30, 29))
    lines = [proc.line(120) for _ in range(31)]
    assert lines[-1] == "ended 0", lines
    assert all(len(line.split()) == 2 for line in lines), lines
    outcomes = [line.split()[1] for line in lines[:-1]]
    assert len(outcomes) == 30 and set(outcomes) <= {"ok", "failed", "locked", "busy"}
    checked = outcomes.count("failed") + outcomes.count("ok")
    # Five counted failures lock the name; a success before that clears the count once.
    assert outcomes.count("failed") <= 2 * LOCK_AFTER - 1, outcomes
    assert checked <= 2 * LOCK_AFTER, outcomes
    assert outcomes.count("locked") >= 30 - 2 * LOCK_AFTER - outcomes.count("busy"), outcomes
    conn = sqlite3.connect(db)
    try:
        [(failures, locked_until)] = conn.execute(
            "SELECT failures, locked_until FROM login_failures WHERE username = ?", [OPERATOR]
        )
    finally:
        conn.close()
    assert failures == LOCK_AFTER and locked_until is not None
    s = Store(db)
    try:
        with pytest.raises(LoginFailed, match="locked"):
            s.login(OPERATOR, PASSWORD)
    finally:
        s.close()
