"""Undo conflicts (listed, not overwritten) and what cannot be undone, saying why."""

from __future__ import annotations

import pytest

import store
from store.undo import Conflict

from ..operators import ADMIN, AIDE
from .runs import NOW, changes, column, count, journal, operation, run
from .undo_helpers import dump, foreign_key_problems, unstamped

pytestmark = pytest.mark.usefixtures("fast")  # Reset Patron Accounts hashes: cheaply here


# -- conflicts -------------------------------------------------------------------------------


def test_a_patron_changed_again_is_a_conflict_and_the_others_are_restored(small_db):
    s = small_db
    statuses = column(s, "status")
    modified = column(s, "modified")
    # HIGH: Cobb (already Inactive, unchanged), Davis, de la Cruz, Éluard, Ng change.
    _, _, report = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    assert report.counts.change == 4
    s.db.execute("UPDATE patrons SET status = 'Suspended' WHERE barcode = '101'")

    undone = s.undo(report.operation_id, ADMIN)

    now = column(s, "status")
    assert now["101"] == "Suspended"  # left as it is
    for barcode in ("1000", "P123", "p150", "100"):
        assert now[barcode] == statuses[barcode]
    # Every row the undo wrote carries its time, and so does the row left as it is (the
    # operation's own stamp); the rest keep theirs.
    restored = {"1000", "P123", "p150"}
    assert {b: m for b, m in column(s, "modified").items() if b in restored | {"101"}} == {
        b: NOW for b in restored | {"101"}
    }
    assert {b: m for b, m in column(s, "modified").items() if b not in restored | {"101"}} == {
        b: m for b, m in modified.items() if b not in restored | {"101"}
    }
    reason = "status is now 'Suspended' (the operation set 'Inactive')"
    assert undone.conflicts == [Conflict("patrons", 8, 8, reason)]
    assert undone.counts == store.Counts(matched=4, change=3, unchanged=0, skip=1)
    report_rows = changes(s, undone.operation_id)
    assert report_rows["101"] == ("skip", f"not restored: {reason}", "Inactive", "Active")
    assert report_rows["1000"] == ("change", None, "Inactive", "Transferred")
    assert report_rows["P123"] == ("change", None, "Inactive", "Suspended")
    assert report_rows["p150"] == ("change", None, "Inactive", "Active")
    assert set(report_rows) == {"101", "1000", "P123", "p150"}
    op = operation(s, undone.operation_id)
    assert (op["matched"], op["changed"], op["unchanged"], op["skipped"]) == (4, 3, 0, 1)
    # The conflict is not in the undo's journal: nothing was written to that row.
    assert {rid for _, rid, *_ in journal(s, undone.operation_id)} == {4, 5, 12}


def _dependents(s: store.Store) -> list[str]:
    return [
        t
        for (t,) in s.db.execute(
            "SELECT name FROM sqlite_master "
            "WHERE type = 'table' AND name <> 'patrons' ORDER BY name"
        )
        if any(fk[2] == "patrons" for fk in s.db.execute(f"PRAGMA foreign_key_list('{t}')"))
    ]


@pytest.fixture
def rich_small_db(small_db):
    """small_db with more that belongs to Ann Adams (id 1) and Ben Carter (id 2)."""
    db = small_db.db
    for pid in (1, 2):
        db["patron_emails"].insert(
            {"patron_id": pid, "position": 0, "address": f"p{pid}@example.org"}
        )
        db["holds"].insert({"patron_id": pid, "title": "Holes", "placed": "2026-05-01"})
        db["history"].insert(
            {"patron_id": pid, "kind": "payment", "detail": "Paid", "date": "2026-04-01"}
        )
        db["pictures"].insert({"patron_id": pid, "image": bytes([0x89, 0x50, pid])})
        db["charges"].insert(
            {
                "patron_id": pid,
                "amount": 250,
                "description": "Printing",
                "transaction_date": "2026-03-01",
            }
        )
    return small_db


@pytest.mark.parametrize("taken", ["id", "barcode"])
def test_a_removed_patron_whose_id_or_barcode_is_taken_is_a_conflict(rich_small_db, taken):
    s = rich_small_db
    before = dump(s)
    # ELM: Adams (1), Carter (2), Bell (7), Zimmer (10), O'Brien (11).
    _, _, report = run(s, "remove-patrons", {"sites": ["ELM"]}, {"force": True})
    assert report.counts.change == 5
    newcomer = {
        "barcode": "NEW1",
        "first_name": "New",
        "last_name": "Comer",
        "site": "HIGH",
        "created": NOW,
        "modified": NOW,
    }
    if taken == "id":
        newcomer["id"] = 1
    else:
        newcomer["barcode"] = "9"  # Ann Adams' barcode
    new_id = s.db["patrons"].insert(newcomer).last_pk

    undone = s.undo(report.operation_id, ADMIN)

    after = unstamped(dump(s))
    before = unstamped(before)
    dependents = _dependents(s)
    assert {"notes", "patron_emails", "holds", "history", "pictures", "charges"} <= set(dependents)
    for table, (cols, rows) in before.items():
        got_cols, got_rows = after[table]
        assert got_cols == cols
        if table == "patrons":
            expected = [r for r in rows if r[0] != 1] + [
                r for r in after["patrons"][1] if r[0] == new_id
            ]
            assert sorted(got_rows) == sorted(expected)
        elif table in dependents:
            at = cols.index("patron_id")
            assert [r for r in got_rows if r[at] != 1] == [r for r in rows if r[at] != 1], table
            assert [r for r in got_rows if r[at] == 1] == [], f"{table} of the conflict restored"
        else:
            assert got_rows == rows, table
    assert foreign_key_problems(s) == []

    patron_reason = (
        "its id is used by a row added since"
        if taken == "id"
        else "a unique value it had (such as a barcode) is now used by another row"
    )
    assert Conflict("patrons", 1, 1, patron_reason) in undone.conflicts
    others = [c for c in undone.conflicts if c.table != "patrons"]
    assert {c.table for c in others} == {
        "notes",
        "patron_emails",
        "holds",
        "history",
        "pictures",
        "charges",
    }
    assert all(c.patron_id == 1 and c.reason == "patron 1 could not be restored" for c in others)
    assert len(undone.conflicts) == 1 + 2 + 5  # the patron, 2 notes, 1 row in each other table
    assert undone.counts == store.Counts(matched=5, change=4, unchanged=0, skip=1)
    report_rows = changes(s, undone.operation_id)
    outcome, reason, _, _ = report_rows["9"]
    assert outcome == "skip"
    assert reason.startswith("not restored: ")
    assert patron_reason in reason and "patron 1 could not be restored" in reason
    assert {b: r[0] for b, r in report_rows.items() if b != "9"} == {
        "10": "change",
        "11": "change",
        "P200": "change",
        "O'1": "change",
    }


def test_a_forgiven_charges_history_entry_deleted_since_is_the_only_conflict(small_db):
    s = small_db
    for pid, amount in ((1, 1299), (2, 500), (3, 250)):
        s.db["charges"].insert(
            {
                "patron_id": pid,
                "amount": amount,
                "description": "Lost",
                "transaction_date": "2026-05-01",
            }
        )
    before = dump(s)
    _, _, report = run(s, "forgive-charges", {}, {"category": "All Charges, Fees, and Fines"})
    assert report.counts.change == 3
    entry = s.db.execute(
        "SELECT id FROM history WHERE patron_id = 2 AND kind = 'forgiven'"
    ).fetchone()[0]
    s.db.execute("DELETE FROM history WHERE id = ?", [entry])

    undone = s.undo(report.operation_id, ADMIN)

    assert undone.conflicts == [Conflict("history", entry, 2, "already removed")]
    # Everything else went back, Ben Carter's charge included; his deleted entry stays gone.
    assert unstamped(dump(s)) == unstamped(before)
    assert undone.counts == store.Counts(matched=3, change=2, unchanged=0, skip=1)
    report_rows = changes(s, undone.operation_id)
    assert report_rows["10"][:2] == ("skip", "not restored: already removed")
    assert report_rows["9"][0] == report_rows["100"][0] == "change"


# -- what cannot be undone ------------------------------------------------------------------


def test_an_undone_operation_cannot_be_undone_again(small_db):
    _, _, report = run(small_db, "change-status", {}, {"status": "Inactive"})
    undone = small_db.undo(report.operation_id, ADMIN)
    operations = count(small_db, "operations")
    with pytest.raises(store.NotUndoable) as info:
        small_db.undo(report.operation_id, ADMIN)
    assert f"#{undone.operation_id}" in str(info.value)
    assert f"#{report.operation_id}" in str(info.value)
    assert "already undone" in str(info.value)
    assert count(small_db, "operations") == operations


def test_an_undo_cannot_be_undone(small_db):
    _, _, report = run(small_db, "change-status", {}, {"status": "Inactive"})
    undone = small_db.undo(report.operation_id, ADMIN)
    statuses = column(small_db, "status")
    with pytest.raises(store.NotUndoable) as info:
        small_db.undo(undone.operation_id, ADMIN)
    assert "itself an undo" in str(info.value)
    assert f"#{report.operation_id}" in str(info.value)
    assert column(small_db, "status") == statuses
    assert small_db.operation(undone.operation_id)["undone_by"] is None


def test_an_unknown_operation_cannot_be_undone(small_db):
    with pytest.raises(store.NotUndoable) as info:
        small_db.undo(999, ADMIN)
    assert "#999" in str(info.value)
    assert count(small_db, "operations") == 0


def test_an_operator_without_the_utilitys_permission_may_not_undo_it(rich_small_db):
    s = rich_small_db
    _, _, report = run(s, "remove-patrons", {"sites": ["ELM"]}, {"force": True})
    before = dump(s)
    journal_counts = [count(s, t) for t in ("operations", "operation_changes", "operation_rows")]
    with pytest.raises(store.NotPermitted) as info:
        s.undo(report.operation_id, AIDE)
    assert "Remove Patrons" in str(info.value)
    assert dump(s) == before
    assert [
        count(s, t) for t in ("operations", "operation_changes", "operation_rows")
    ] == journal_counts
    assert s.operation(report.operation_id)["undone_by"] is None
    # The aide may undo what their permissions allow.
    _, _, status = run(s, "change-status", {}, {"status": "Other"}, operator=AIDE)
    assert s.undo(status.operation_id, AIDE).conflicts == []


def test_the_undo_is_an_operation_linked_both_ways(small_db):
    s = small_db
    _, _, report = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    original = operation(s, report.operation_id)
    undone = s.undo(report.operation_id, ADMIN)
    assert undone.undone_id == report.operation_id
    assert undone.title == f"Undo of Change Patron Status (#{report.operation_id})"
    op = operation(s, undone.operation_id)
    assert op["undo_of"] == report.operation_id
    assert op["undone_by"] is None
    assert op["title"] == undone.title
    assert (op["utility"], op["operator"]) == ("change-status", "demo")
    assert (op["started"], op["finished"]) == (NOW, NOW)
    assert (op["selection"], op["options"]) == (original["selection"], original["options"])
    assert (op["matched"], op["changed"], op["unchanged"], op["skipped"]) == (4, 4, 0, 0)
    assert s.operation(report.operation_id)["undone_by"] == undone.operation_id
    assert s.operation(report.operation_id)["undo_of"] is None
    assert [o["id"] for o in s.operations()] == [undone.operation_id, report.operation_id]


def test_an_undo_that_could_not_finish_can_be_finished_later(small_db):
    """Forgive Charges, then one of those patrons removed: undoing the forgiveness leaves
    that patron's charge (their record is gone). Once the removal is undone, undoing the
    forgiveness again puts back exactly what was left — and nothing twice."""
    s = small_db
    for pid, amount in ((1, 1299), (2, 500), (3, 250)):
        s.db["charges"].insert(
            {
                "patron_id": pid,
                "amount": amount,
                "description": "Lost",
                "transaction_date": "2026-05-01",
            }
        )
    charges = count(s, "charges")
    _, _, forgiven = run(s, "forgive-charges", {}, {"category": "All Charges, Fees, and Fines"})
    _, _, removed = run(s, "remove-patrons", {"barcodes": ["10"]}, {"force": True})
    first = s.undo(forgiven.operation_id, ADMIN)
    assert first.conflicts and count(s, "charges") == charges - 1
    op = s.operation(forgiven.operation_id)
    assert (op["undone_by"], op["partly_undone_by"]) == (None, first.operation_id)
    check = s.check_undo(forgiven.operation_id, ADMIN)
    assert check.changed == 1 and "put back part of it" in check.notes[0]

    s.undo(removed.operation_id, ADMIN)  # Ben Carter is back (his charge was already gone)
    second = s.undo(forgiven.operation_id, ADMIN)
    assert second.conflicts == []
    assert second.title.endswith(", again")
    assert count(s, "charges") == charges
    assert [r["barcode"] for r in s.operation_changes(second.operation_id)] == ["10"]
    op = s.operation(forgiven.operation_id)
    assert op["undone_by"] == second.operation_id
    assert count(s, "history", "kind = 'forgiven'") == 0
    with pytest.raises(store.NotUndoable, match="already undone"):
        s.undo(forgiven.operation_id, ADMIN)
