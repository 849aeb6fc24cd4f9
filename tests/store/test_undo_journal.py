"""The undo's own journal and report, and undo after exclusions or later changes."""

from __future__ import annotations

import json

import pytest

import store
from store.undo import Conflict

from ..operators import ADMIN
from .runs import NOW, STAMP, changes, column, count, journal, run
from .undo_helpers import dump, unstamped

pytestmark = pytest.mark.usefixtures("fast")  # Reset Patron Accounts hashes: cheaply here


# -- the undo's own journal -----------------------------------------------------------------


def test_the_undos_journal_holds_the_inverse_images_of_an_update(small_db):
    s = small_db
    _, _, report = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    undone = s.undo(report.operation_id, ADMIN)
    original = journal(s, report.operation_id)
    inverse = journal(s, undone.operation_id)
    assert len(original) == 4
    # What it wrote: the values from before, stamped with the undo's own time.
    assert inverse == [
        (t, rid, "update", after, {**before, "modified": NOW})
        for t, rid, action, before, after in original
    ]
    assert (
        "patrons",
        4,
        "update",
        {"status": "Inactive", "modified": NOW},
        {"status": "Transferred", "modified": NOW},
    ) in inverse
    assert all(before["modified"] == STAMP for _, _, _, before, _ in original)


def test_the_undos_journal_holds_the_inverse_of_removals_and_insertions(small_db):
    s = small_db
    _, _, removed = run(s, "remove-notes", {}, {"note_type": "Alert"})
    undone = s.undo(removed.operation_id, ADMIN)
    original = journal(s, removed.operation_id)
    assert {action for _, _, action, _, _ in original} == {"delete"}
    assert journal(s, undone.operation_id) == [
        (t, rid, "insert", None, before) for t, rid, _, before, _ in original
    ]

    _, _, added = run(s, "add-notes", {"sites": ["UNION"]}, {"note": "Hi", "note_type": "General"})
    undone = s.undo(added.operation_id, ADMIN)
    original = journal(s, added.operation_id)
    assert [action for _, _, action, _, _ in original] == ["insert", "insert"]
    assert journal(s, undone.operation_id) == [
        (t, rid, "delete", after, None) for t, rid, _, _, after in original
    ]


def test_the_undos_journal_keeps_pictures_as_hex(demo_store):
    s = demo_store
    pictures = s.db.execute("SELECT patron_id, image FROM pictures ORDER BY patron_id").fetchall()
    _, _, report = run(s, "remove-pictures", {}, {})
    undone = s.undo(report.operation_id, ADMIN)
    inverse = journal(s, undone.operation_id)
    assert [(rid, bytes.fromhex(after["image"])) for _, rid, _, _, after in inverse] == pictures
    assert (
        s.db.execute("SELECT patron_id, image FROM pictures ORDER BY patron_id").fetchall()
        == pictures
    )


def test_the_undo_report_lists_the_inverse_values(small_db):
    s = small_db
    _, _, report = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    undone = s.undo(report.operation_id, ADMIN)
    original = changes(s, report.operation_id)
    assert changes(s, undone.operation_id) == {
        b: ("change", None, after, before)
        for b, (outcome, _, before, after) in original.items()
        if outcome == "change"
    }


def test_an_undo_of_an_operation_with_excluded_patrons_touches_only_those_it_changed(small_db):
    s = small_db
    statuses = column(s, "status")
    plan = s.plan("change-status", {"sites": ["HIGH"]}, {"status": "Inactive"}, ADMIN)
    seq = {r.barcode: r.seq for r in plan.page(0, 100)}
    s.toggle_excluded(plan, seq["P123"])
    report = s.apply(plan)
    s.db.execute("UPDATE patrons SET status = 'Other' WHERE barcode = 'P123'")
    undone = s.undo(report.operation_id, ADMIN)
    assert undone.conflicts == []
    assert undone.counts == store.Counts(matched=3, change=3, unchanged=0, skip=0)
    assert column(s, "status") == {**statuses, "P123": "Other"}
    assert "P123" not in changes(s, undone.operation_id)


def test_the_operation_journal_json_round_trips(small_db):
    """operation.selection and options are copied verbatim into the undo's row."""
    s = small_db
    _, _, report = run(s, "change-location", {"grades": ["12"]}, {"location": "Room 9"})
    undone = s.undo(report.operation_id, ADMIN)
    raw = s.db.execute(
        "SELECT selection, options FROM operations WHERE id IN (?, ?) ORDER BY id",
        [report.operation_id, undone.operation_id],
    ).fetchall()
    assert raw[0] == raw[1]
    assert json.loads(raw[0][0]) == {"grades": ["12"]}


def test_items_of_a_removed_patron_who_cannot_be_restored_stay_lost(demo_store):
    """The loan of a patron who is a conflict is not restored, so neither may the item's
    'Checked Out' status be: every item checked out must have a loan, and an item left Lost
    keeps the history entry that says why."""
    s = demo_store
    unloaned = (
        "SELECT id FROM items WHERE status = 'Checked Out' "
        "AND id NOT IN (SELECT item_id FROM checkouts) ORDER BY id"
    )
    assert s.db.execute(unloaned).fetchall() == []  # the demo is consistent to start with
    victim = s.db.execute("SELECT min(patron_id) FROM checkouts").fetchone()[0]
    items = [
        i
        for (i,) in s.db.execute(
            "SELECT item_id FROM checkouts WHERE patron_id = ? ORDER BY item_id", [victim]
        )
    ]
    _, _, report = run(s, "remove-patrons", {}, {"force": True})
    s.db.execute(
        "INSERT INTO patrons (id, barcode, last_name, site, created, modified) "
        "VALUES (?, 'NEWCOMER', 'Comer', 'ELM', ?, ?)",
        [victim, NOW, NOW],
    )

    undone = s.undo(report.operation_id, ADMIN)

    assert (
        Conflict("patrons", victim, victim, "its id is used by a row added since")
        in undone.conflicts
    )
    assert count(s, "checkouts", "patron_id = ?", victim) == 0
    marks = ",".join("?" * len(items))
    assert s.db.execute(
        f"SELECT id, status FROM items WHERE id IN ({marks}) ORDER BY id", items
    ).fetchall() == [(i, "Lost") for i in items]
    assert count(s, "item_history", f"item_id IN ({marks}) AND kind = 'lost'", *items) == len(items)
    assert s.db.execute(unloaned).fetchall() == []
    # The items not restored are listed, with their patron.
    assert {(c.row_id, c.patron_id) for c in undone.conflicts if c.table == "items"} == {
        (i, victim) for i in items
    }
    # Everyone else's items went back to Checked Out with their loans.
    assert count(s, "items", "status = 'Lost'") == len(items)


def test_stacked_operations_undo_newest_first(small_db):
    s = small_db
    before = dump(s)
    _, _, status = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    _, _, location = run(s, "change-location", {"sites": ["HIGH"]}, {"location": "Room 9"})
    s.undo(location.operation_id, ADMIN)
    assert s.undo(status.operation_id, ADMIN).conflicts == []
    assert unstamped(dump(s)) == unstamped(before)


def test_a_username_taken_since_is_a_conflict_and_the_row_is_left_alone(small_db):
    s = small_db
    s.db.execute("UPDATE patrons SET username = 'czerny' WHERE id = 6")
    s.db.execute("UPDATE patrons SET username = 'cchen' WHERE id = 9")
    # The Union Site's patrons: Czerny (6, barcode 99) and Chen (9, barcode 2).
    _, _, report = run(s, "reset-accounts", {"sites": ["UNION"]}, {"username": "Barcode"})
    assert report.counts.change == 2
    s.db.execute("UPDATE patrons SET username = 'CZERNY' WHERE id = 1")

    undone = s.undo(report.operation_id, ADMIN)

    assert undone.conflicts == [
        Conflict("patrons", 6, 6, "a value it had is now used by another row")
    ]
    assert s.db.execute(
        "SELECT id, username FROM patrons WHERE id IN (1, 6, 9) ORDER BY id"
    ).fetchall() == [(1, "CZERNY"), (6, "99"), (9, "cchen")]
    assert changes(s, undone.operation_id)["99"][:2] == (
        "skip",
        "not restored: a value it had is now used by another row",
    )
    assert changes(s, undone.operation_id)["2"][0] == "change"
    assert [rid for _, rid, *_ in journal(s, undone.operation_id)] == [9]


def test_a_later_change_to_another_column_does_not_block_the_undo(small_db):
    """Status, then (later) location, on the same patrons: undoing the status change puts
    the statuses back, keeps the later location, and stamps the rows with its own time."""
    elm = "SELECT barcode, status, location, modified FROM patrons WHERE site = 'ELM' ORDER BY id"
    before = small_db.db.execute(elm).fetchall()
    _, _, status = run(small_db, "change-status", {"sites": ["ELM"]}, {"status": "Inactive"})
    run(small_db, "change-location", {"sites": ["ELM"]}, {"location": "Room 9"})
    # The clock is fixed in tests: stamp the later change as a later time would.
    small_db.db.execute("UPDATE patrons SET modified = '2026-06-01 10:00:00' WHERE site = 'ELM'")
    undone = small_db.undo(status.operation_id, ADMIN)
    assert undone.conflicts == [] and undone.counts.change == status.counts.change
    assert small_db.db.execute(elm).fetchall() == [
        (barcode, old_status, "Room 9", NOW) for barcode, old_status, _, _ in before
    ]
    # Its journal says what the row was just before it wrote: the later stamp.
    assert {b["modified"] for _, _, _, b, _ in journal(small_db, undone.operation_id)} == {
        "2026-06-01 10:00:00"
    }
