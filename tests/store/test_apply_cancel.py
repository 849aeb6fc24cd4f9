"""Cancelling an apply before its commit: nothing written, the preview still good."""

from __future__ import annotations

import sqlite3
import threading

import pytest

import store
from store.apply import STAGES
from store.usernames import as_password

from ..operators import ADMIN

EVERYONE_INACTIVE = ({}, {"status": "Inactive"})


def tables(s: store.Store) -> dict:
    return {
        t: s.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
        for t in ("patrons", "operations", "operation_changes", "operation_rows")
    }


def cancel_at(number: int, cancel: threading.Event, heard: list):
    def stage(n: int, of: int, what: str) -> None:
        heard.append((n, of, what))
        if n == number:
            cancel.set()

    return stage


def test_the_stages_are_heard_in_order(demo_store):
    heard = []
    plan = demo_store.plan("change-status", *EVERYONE_INACTIVE, ADMIN)
    demo_store.apply(plan, stage=lambda n, of, what: heard.append((n, of, what)))
    assert [n for n, _, _ in heard] == [0, 1, 2, 3, 4] and {of for _, of, _ in heard} == {STAGES}
    assert heard[0][2] == "waiting for the database (another technician may be writing)"
    assert heard[3][2] == f"{plan.counts.change:,} patrons being changed"


def test_a_cancel_during_the_change_interrupts_the_statement_and_writes_nothing(demo_store):
    before = tables(demo_store)
    plan = demo_store.plan("change-status", *EVERYONE_INACTIVE, ADMIN)
    cancel, heard = threading.Event(), []
    with pytest.raises(store.Cancelled, match="nothing was written") as info:
        demo_store.apply(plan, stage=cancel_at(3, cancel, heard), cancel=cancel)
    # Stopped inside the utility's first statement, not after it.
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    assert "interrupt" in str(info.value.__cause__)
    assert [n for n, _, _ in heard] == [0, 1, 2, 3]
    assert tables(demo_store) == before
    assert demo_store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # The preview was not used up: applied now, it changes everyone (but the operator).
    assert not plan.applied
    report = demo_store.apply(plan)
    assert report.counts.change == plan.counts.change
    assert demo_store.db.execute(
        "SELECT id FROM patrons WHERE status <> 'Inactive'"
    ).fetchall() == [(ADMIN.patron_id,)]


@pytest.mark.parametrize("number", [1, 2])
def test_a_cancel_in_an_earlier_stage_writes_nothing(demo_store, number):
    before = tables(demo_store)
    plan = demo_store.plan("change-status", *EVERYONE_INACTIVE, ADMIN)
    cancel = threading.Event()
    with pytest.raises(store.Cancelled):
        demo_store.apply(plan, stage=cancel_at(number, cancel, []), cancel=cancel)
    assert tables(demo_store) == before


def test_a_cancel_once_committing_is_too_late_and_the_change_is_whole(demo_store):
    plan = demo_store.plan("change-status", *EVERYONE_INACTIVE, ADMIN)
    cancel = threading.Event()
    report = demo_store.apply(plan, stage=cancel_at(4, cancel, []), cancel=cancel)
    assert cancel.is_set() and report.counts.change == plan.counts.change
    assert demo_store.db.execute(
        "SELECT count(*) FROM operation_rows WHERE operation_id = ?", [report.operation_id]
    ).fetchone() == (plan.counts.change,)


def test_a_cancel_while_passwords_are_hashed_stops_before_the_transaction(demo_store, monkeypatch):
    from argon2 import PasswordHasher

    from store import security

    monkeypatch.setattr(
        security, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    before = tables(demo_store)
    plan = demo_store.plan(
        "reset-accounts",
        {"grades": ["1", "2", "3", "4", "5", "6"]},
        {"password": "Last Name (non-secure)"},
        ADMIN,
    )
    assert plan.counts.change > 8  # more than the hashes in flight at once
    cancel = threading.Event()
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        cancel.set()

    with pytest.raises(store.Cancelled):
        demo_store.apply(plan, progress=progress, cancel=cancel)
    assert calls == [1]  # stopped at the first patron hashed, not after a batch
    assert tables(demo_store) == before


def test_hashing_reports_each_patron_in_turn_up_to_the_total(demo_store, monkeypatch):
    from argon2 import PasswordHasher

    from store import security

    monkeypatch.setattr(
        security, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    plan = demo_store.plan(
        "reset-accounts", {"grades": ["1", "2"]}, {"password": "Last Name (non-secure)"}, ADMIN
    )
    calls: list[tuple[int, int]] = []
    report = demo_store.apply(plan, progress=lambda done, total: calls.append((done, total)))
    changed = report.counts.change
    assert changed > 8
    assert calls == [(n, changed) for n in range(1, changed + 1)]
    # Each patron got the hash of their own last name, whatever order the hashes finished in.
    hashed_rows = demo_store.db.execute(
        """SELECT p.last_name, p.password_hash FROM patrons p
           JOIN operation_rows j ON j.row_id = p.id AND j.table_name = 'patrons'
           WHERE j.operation_id = ? AND json_type(j.after, '$.password_hash') IS NOT NULL""",
        [report.operation_id],
    ).fetchall()
    assert len(hashed_rows) == changed
    for last_name, hashed in hashed_rows:
        assert security.HASHER.verify(hashed, as_password(last_name))
