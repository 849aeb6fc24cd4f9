"""The apply's second plan (store/roster/sync.py): left out only when nothing was written since
the plan, by this connection or any other; a commit from another connection, a write of this
one, another operator or the same plan applied twice still plan again and find it stale."""

from __future__ import annotations

import sqlite3

import pytest

import store
from store.roster import sync_plan
from store.roster.sync import SyncStale

from ..databases import demo_db
from ..operators import ADMIN, AIDE
from .roster_sync_helpers import demo_users, export
from .undo_helpers import dump


@pytest.fixture
def s(tmp_path):
    st = store.Store(demo_db(tmp_path))
    yield st
    st.close()


@pytest.fixture
def baseline(s, tmp_path):
    """The demo after its first sync."""
    users = demo_users(s.db)
    s.apply_sync(s.plan_sync(export(tmp_path, users, "first"), ADMIN), ADMIN)
    return users


@pytest.fixture
def planned(monkeypatch):
    """How many times the patrons were planned."""
    calls = []
    real = sync_plan._Planner.plan

    def counted(self, results):
        calls.append(1)
        return real(self, results)

    monkeypatch.setattr(sync_plan._Planner, "plan", counted)
    return calls


def test_nothing_written_since_the_plan_applies_it_without_planning_again(
    s,
    tmp_path,
    baseline,
    planned,
):
    plan = s.plan_sync(export(tmp_path, baseline[1:], "again"), ADMIN)
    result = s.apply_sync(plan, ADMIN)
    assert len(planned) == 1
    assert result.counts == plan.counts and result.counts["transferred"] == 1
    gone = baseline[0]["identifier"]
    assert s.db.execute("SELECT status FROM patrons WHERE barcode = ?", [gone]).fetchone() == (
        "Transferred",
    )


def test_a_commit_from_another_connection_plans_again_and_is_stale(
    s,
    tmp_path,
    baseline,
    planned,
):
    plan = s.plan_sync(export(tmp_path, baseline[1:], "stale"), ADMIN)
    other = sqlite3.connect(s.db.execute("PRAGMA database_list").fetchone()[2])
    other.execute(
        "UPDATE patrons SET status = 'Card Lost' WHERE barcode = ?", [baseline[0]["identifier"]]
    )
    other.commit()
    other.close()
    before = dump(s)
    with pytest.raises(SyncStale, match="nothing was written"):
        s.apply_sync(plan, ADMIN)
    assert len(planned) == 2 and dump(s) == before


def test_the_same_plan_applied_twice_is_stale_the_second_time(
    s,
    tmp_path,
    baseline,
):
    plan = s.plan_sync(export(tmp_path, baseline[1:], "twice"), ADMIN)
    s.apply_sync(plan, ADMIN)
    before = dump(s)
    with pytest.raises(SyncStale):
        s.apply_sync(plan, ADMIN)
    assert dump(s) == before


def test_a_refusal_comes_before_the_export_is_read(s, tmp_path):
    """The aide lacks the sync's permissions: refused before a byte of the export is read
    (a missing export would otherwise be the first thing said)."""
    with pytest.raises(store.NotPermitted):
        s.plan_sync(tmp_path / "no-such-export", AIDE)


def test_the_plan_says_what_it_is_doing(s, tmp_path):
    lines: list[str] = []
    users = demo_users(s.db)
    s.plan_sync(export(tmp_path, users, "roster"), ADMIN, said=lines.append)
    assert lines == ["Reading roster…", f"Planning the fates of {len(users):,} users…"]
