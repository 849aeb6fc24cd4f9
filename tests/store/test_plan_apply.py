"""The plan → preview → apply engine: counts, paging, the journal, stale, twice, rollback, busy."""

from __future__ import annotations

import json
import sqlite3

import pytest

import store
import store.apply
from store.catalog import get

from ..operators import ADMIN
from .runs import NOW

STAMP = "2026-01-01 00:00:00"  # created/modified of every small_db patron (conftest)
HIGH_TO_INACTIVE = ({"sites": ["HIGH"]}, {"status": "Inactive"})
# HIGH: Cobb (already Inactive), Davis, de la Cruz, Éluard, Ng.
HIGH_CHANGES = {"1000": "Transferred", "101": "Active", "P123": "Suspended", "p150": "Active"}


def column(s: store.Store, name: str) -> dict:
    """barcode -> value of one patrons column."""
    return dict(s.db.execute(f"SELECT barcode, {name} FROM patrons").fetchall())


def count(s: store.Store, table: str) -> int:
    return s.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def snapshot(s: store.Store) -> dict:
    """Everything an apply could touch."""
    return {
        "patrons": s.db.execute("SELECT * FROM patrons ORDER BY id").fetchall(),
        "notes": s.db.execute("SELECT * FROM notes ORDER BY id").fetchall(),
        "journal": [count(s, t) for t in ("operations", "operation_changes", "operation_rows")],
    }


@pytest.fixture
def high_plan(small_db):
    return small_db.plan("change-status", *HIGH_TO_INACTIVE, ADMIN)


def test_counts(high_plan):
    assert high_plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0)


def test_counts_for_empty_selection_cover_everyone(small_db, all_barcodes):
    plan = small_db.plan("change-status", {}, {"status": "Active"}, ADMIN)
    active = sum(1 for v in column(small_db, "status").values() if v == "Active")
    # The operator's own account is skipped (it is Active, so no longer "unchanged").
    assert plan.counts == store.Counts(len(all_barcodes), len(all_barcodes) - active, active - 1, 1)


def test_plan_rows_show_current_new_and_reason(high_plan):
    rows = {r.barcode: r for r in high_plan.page(0, 100)}
    assert set(rows) == {"100", *HIGH_CHANGES}
    cobb = rows["100"]
    assert (cobb.current, cobb.new, cobb.outcome) == ("Inactive", "Inactive", "unchanged")
    assert cobb.reason == "already Inactive"
    assert cobb.name == "Cobb, Cara"
    for barcode, before in HIGH_CHANGES.items():
        row = rows[barcode]
        assert (row.current, row.new, row.outcome, row.reason) == (
            before,
            "Inactive",
            "change",
            None,
        )


def test_page_is_keyset_over_seq_in_last_name_order(small_db):
    plan = small_db.plan("change-status", {"last_name_to": "O"}, {"status": "Active"}, ADMIN)
    full = plan.page(0, 100)
    # The range folds accents (Éluard is an E), while the order is SQLite's NOCASE,
    # which puts accented capitals after Z: cheap on a million patrons.
    assert [r.name.split(",")[0] for r in full] == [
        "Adams",
        "Bell",
        "Carter",
        "Chen",
        "Cobb",
        "Czerny",
        "Davis",
        "de la Cruz",
        "Kim",
        "Ng",
        "O'Brien",
        "Éluard",
    ]
    assert [r.seq for r in full] == list(range(1, 13))
    pages = [plan.page(offset, 3) for offset in range(0, 12, 3)]
    assert [len(p) for p in pages] == [3, 3, 3, 3]
    assert [r for p in pages for r in p] == full
    assert plan.page(12, 5) == []
    assert plan.page(2, 2) == full[2:4]


def test_page_order_on_the_demo_follows_last_name_first_name_barcode(demo_store):
    plan = demo_store.plan("change-status", {}, {"status": "Active"}, ADMIN)
    total = demo_store.patron_count()  # 300 and the demo's operators
    assert plan.counts.matched == total
    rows = [r for offset in range(0, total, 50) for r in plan.page(offset, 50)]
    assert [r.seq for r in rows] == list(range(1, total + 1))
    assert len({r.patron_id for r in rows}) == total
    fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # NOCASE
    people = {p["id"]: p for p in demo_store.db["patrons"].rows}
    keys = [
        (
            people[r.patron_id]["last_name"].translate(fold),
            people[r.patron_id]["first_name"].translate(fold),
            r.barcode,
        )
        for r in rows
    ]
    assert keys == sorted(keys)


def test_apply_changes_exactly_the_change_rows(small_db, high_plan, all_barcodes):
    before = column(small_db, "status")
    report = small_db.apply(high_plan)
    assert report.counts == high_plan.counts
    assert report.title == "Change Patron Status"
    after = column(small_db, "status")
    for barcode in all_barcodes:
        expected = "Inactive" if barcode in HIGH_CHANGES else before[barcode]
        assert after[barcode] == expected


def test_unchanged_and_unselected_rows_are_not_touched(small_db, high_plan, all_barcodes):
    small_db.apply(high_plan)
    modified = column(small_db, "modified")
    assert modified["100"] == STAMP  # already Inactive
    assert all(modified[b] == STAMP for b in all_barcodes - {"100", *HIGH_CHANGES})
    assert all(modified[b].startswith("2026-06-01 ") for b in HIGH_CHANGES)


def test_journal_operation_row(small_db, high_plan):
    report = small_db.apply(high_plan)
    op = small_db.operation(report.operation_id)
    assert op["utility"] == "change-status"
    assert op["title"] == "Change Patron Status"
    assert op["operator"] == "demo"
    assert json.loads(op["selection"]) == {"sites": ["HIGH"]}
    assert json.loads(op["options"]) == {"status": "Inactive"}
    assert (op["matched"], op["changed"], op["unchanged"], op["skipped"]) == (5, 4, 1, 0)
    assert op["started"].startswith("2026-06-01") and op["finished"] >= op["started"]
    assert op["undo_of"] is None and op["undone_by"] is None
    assert count(small_db, "operations") == 1


def test_journal_changes_one_row_per_matched_patron(small_db, high_plan):
    report = small_db.apply(high_plan)
    changes = small_db.operation_changes(report.operation_id)
    assert len(changes) == 5 == count(small_db, "operation_changes")
    assert [c["seq"] for c in changes] == [1, 2, 3, 4, 5]
    by_barcode = {c["barcode"]: c for c in changes}
    assert by_barcode["100"]["outcome"] == "unchanged"
    assert by_barcode["100"]["reason"] == "already Inactive"
    for barcode, before in HIGH_CHANGES.items():
        c = by_barcode[barcode]
        assert (c["outcome"], c["before"], c["after"], c["reason"]) == (
            "change",
            before,
            "Inactive",
            None,
        )
    only_unchanged = small_db.operation_changes(report.operation_id, outcome="unchanged")
    assert [c["barcode"] for c in only_unchanged] == ["100"]
    assert len(small_db.operation_changes(report.operation_id, limit=2, offset=4)) == 1


def test_journal_before_images_for_changed_patrons_only(small_db, high_plan):
    report = small_db.apply(high_plan)
    rows = small_db.db.execute(
        "SELECT table_name, row_id, action, before, after FROM operation_rows "
        "WHERE operation_id = ?",
        [report.operation_id],
    ).fetchall()
    ids = dict(small_db.db.execute("SELECT id, barcode FROM patrons").fetchall())
    assert len(rows) == len(HIGH_CHANGES)
    for table, row_id, action, before, after in rows:
        assert (table, action) == ("patrons", "update")
        assert json.loads(before) == {"status": HIGH_CHANGES[ids[row_id]], "modified": STAMP}
        assert json.loads(after) == {"status": "Inactive", "modified": NOW}


def test_stale_preview_is_refused_and_nothing_is_written(small_db, high_plan):
    other = sqlite3.connect(small_db.path)
    with other:
        other.execute("UPDATE patrons SET status = 'Active' WHERE barcode = '100'")
    other.close()
    before = snapshot(small_db)
    with pytest.raises(store.Stale) as info:
        small_db.apply(high_plan)
    assert info.value.changed >= 1
    assert "preview again" in str(info.value)
    assert snapshot(small_db) == before
    assert column(small_db, "status")["101"] == "Active"


def test_patron_leaving_the_selection_makes_the_preview_stale(small_db, high_plan):
    other = sqlite3.connect(small_db.path)
    with other:
        other.execute("UPDATE patrons SET site = 'ELM' WHERE barcode = 'p150'")
    other.close()
    before = snapshot(small_db)
    with pytest.raises(store.Stale):
        small_db.apply(high_plan)
    assert snapshot(small_db) == before


def test_unrelated_change_does_not_make_the_preview_stale(small_db, high_plan):
    other = sqlite3.connect(small_db.path)
    with other:
        other.execute("UPDATE patrons SET status = 'Other' WHERE barcode = '9'")  # not HIGH
    other.close()
    assert small_db.apply(high_plan).counts.change == 4


def test_applying_the_same_plan_twice_is_refused(small_db, high_plan):
    store.apply.apply(small_db.db, high_plan, via="terminal")
    assert high_plan.applied
    before = snapshot(small_db)
    with pytest.raises(store.AlreadyApplied, match="already been applied"):
        store.apply.apply(small_db.db, high_plan, via="terminal")
    assert snapshot(small_db) == before


def test_store_apply_twice_is_refused_clearly(small_db, high_plan):
    small_db.apply(high_plan)
    before = snapshot(small_db)
    with pytest.raises(store.AlreadyApplied, match="preview again"):
        small_db.apply(high_plan)
    assert snapshot(small_db) == before
    assert count(small_db, "operations") == 1


def test_error_inside_apply_rolls_everything_back(small_db, high_plan, monkeypatch):
    utility = get("change-status")
    real_apply = utility.apply

    def half_done(tx):
        real_apply(tx)
        assert (
            tx.db.execute("SELECT count(*) FROM patrons WHERE status = 'Inactive'").fetchone()[0]
            == 5
        )
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(utility, "apply", half_done)
    before = snapshot(small_db)
    with pytest.raises(RuntimeError, match="disk on fire"):
        small_db.apply(high_plan)
    assert snapshot(small_db) == before
    assert before["journal"] == [0, 0, 0]
    assert not high_plan.applied
    monkeypatch.undo()
    # Still the same preview: it can be applied once the fault is gone.
    assert small_db.apply(high_plan).counts.change == 4


def test_busy_database_raises_busy_and_writes_nothing(small_db, high_plan):
    small_db.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(small_db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(store.Busy, match="busy"):
            small_db.apply(high_plan)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert count(small_db, "operations") == 0
    assert column(small_db, "status")["1000"] == "Transferred"
    assert not high_plan.applied
    # Once the other writer is done, the same preview applies.
    assert small_db.apply(high_plan).counts.change == 4


def test_plan_with_no_change_rows_still_journals_the_report(small_db):
    plan = small_db.plan("change-status", {"statuses": ["Inactive"]}, {"status": "Inactive"}, ADMIN)
    assert plan.counts == store.Counts(1, 0, 1, 0)
    report = small_db.apply(plan)
    assert count(small_db, "operation_rows") == 0
    assert [c["outcome"] for c in small_db.operation_changes(report.operation_id)] == ["unchanged"]
    assert column(small_db, "modified")["100"] == STAMP


def test_plan_matching_nobody(small_db):
    plan = small_db.plan("change-status", {"barcode_from": "5000"}, {"status": "Active"}, ADMIN)
    assert plan.counts == store.Counts(0, 0, 0, 0)
    assert plan.page(0, 10) == []


def test_plan_accepts_models_as_well_as_dicts(small_db):
    sel = store.Selection(sites=["HIGH"])
    options = get("change-status").Options(status="Inactive")
    plan = small_db.plan("change-status", sel, options, ADMIN)
    assert plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0)
    assert plan.selection == sel and plan.options == options


def test_unknown_utility_key(small_db):
    with pytest.raises(KeyError, match="change-status"):
        small_db.plan("change-colour", {}, {}, ADMIN)


def test_discard_drops_the_plan_table(small_db, high_plan):
    name = high_plan.table
    temp = "SELECT count(*) FROM sqlite_temp_master WHERE name = ?"
    assert small_db.db.execute(temp, [name]).fetchone()[0] == 1
    small_db.discard(high_plan)
    assert small_db.db.execute(temp, [name]).fetchone()[0] == 0


def test_a_write_on_the_same_connection_makes_the_preview_stale(small_db, high_plan):
    # The quick freshness test trusts data_version only for other connections' commits.
    small_db.db.execute("UPDATE patrons SET status = 'Active' WHERE barcode = '100'")
    with pytest.raises(store.Stale):
        small_db.apply(high_plan)
    assert column(small_db, "status")["101"] == "Active"


def test_a_new_day_rechecks_the_preview_in_full(small_db, high_plan, monkeypatch):
    import datetime as dt

    from store import clock

    # A new day with nothing changed: the full recheck finds the same plan and applies.
    monkeypatch.setattr(clock, "today", lambda: dt.date(2031, 1, 1))
    assert not high_plan.unchanged_since()
    assert small_db.apply(high_plan).counts.change == 4


def test_a_discarded_plan_pages_nothing(small_db, high_plan):
    # A page the preview asked for just before a new preview finds the plan gone: no error.
    assert len(high_plan.page(0, 10)) == 5
    small_db.discard(high_plan)
    assert high_plan.page(0, 10) == []
