"""Undo from the journal: every utility round-trips, conflicts are listed not overwritten,
what cannot be undone says why, and the undo is an operation with its own journal."""
from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher

import store
from store import security
from store.undo import Conflict
from store.utilities import CATALOG

from .operators import ADMIN, AIDE
from .store_helpers import NOW, STAMP, changes, column, count, journal, operation, run

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# The journal and the login lockouts are not what an undo puts back.
NOT_DUMPED = {"operations", "operation_changes", "operation_rows", "login_failures"}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Reset Patron Accounts hashes each password with argon2: make it cheap here."""
    monkeypatch.setattr(security, "PATRON_HASHER", CHEAP)


def dump(s: store.Store) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table but the journal's: its columns and all its rows, in rowid order."""
    tables = [name for (name,) in s.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    out = {}
    for table in tables:
        if table in NOT_DUMPED:
            continue
        cursor = s.db.execute(f"SELECT * FROM {table} ORDER BY rowid")
        out[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    return out


def differing(a: dict, b: dict) -> list[str]:
    """The tables whose dumps differ (a readable assertion message)."""
    return sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))


def foreign_key_problems(s: store.Store) -> list[tuple]:
    return s.db.execute("PRAGMA foreign_key_check").fetchall()


# -- every utility round-trips ---------------------------------------------------------------

RESET_GRADE = {"grades": ["3"]}  # a small selection: hashing passwords is slow by design
CASES = [
    pytest.param("add-notes", {}, {"note": "Undo me", "note_type": "Alert",
                                   "replace_existing": True}, id="add-notes-replace"),
    pytest.param("add-notes", {}, {"note": "Undo me too", "note_type": "General"},
                 id="add-notes-append"),
    pytest.param("advance-grade", {}, {}, id="advance-grade"),
    pytest.param("change-grade", {}, {"grade": "K"}, id="change-grade"),
    pytest.param("change-location2", {}, {"location2": "Bus 9"}, id="change-location2"),
    pytest.param("change-location2", {}, {"location2": ""}, id="change-location2-blank"),
    pytest.param("change-location", {}, {"location": "Room 9"}, id="change-location"),
    pytest.param("change-policy", {}, {"policy": "Grade 9-12", "recompute_due_dates": True},
                 id="change-policy-recompute"),
    pytest.param("change-security-group", {}, {"group": "Teacher"}, id="change-security-group"),
    pytest.param("change-status", {}, {"status": "Inactive"}, id="change-status"),
    pytest.param("forgive-charges", {}, {"category": "All Charges, Fees, and Fines"},
                 id="forgive-charges-all"),
    pytest.param("move-to-site", {}, {"site": "MID"}, id="move-to-site"),
    pytest.param("reassign-union-site", {}, {"site": "ELM"}, id="reassign-union-site"),
    pytest.param("remove-history", {}, {}, id="remove-history"),
    pytest.param("remove-notes", {}, {"note_type": "Alert"}, id="remove-notes"),
    pytest.param("remove-pictures", {}, {}, id="remove-pictures"),
    pytest.param("remove-patrons", {}, {"force": True}, id="remove-patrons-force"),
    pytest.param("remove-patrons", {}, {"force": False}, id="remove-patrons-no-force"),
    pytest.param("renew-accounts", {}, {}, id="renew-accounts"),
    pytest.param("reset-accounts", RESET_GRADE,
                 {"username": "First Initial + Last Name", "password": "Last Name (non-secure)"},
                 id="reset-accounts-initial-last-name"),
    pytest.param("reset-accounts", RESET_GRADE,
                 {"username": "No Change", "password": "Patron (email link)"},
                 id="reset-accounts-email-link"),
]


def test_the_round_trip_cases_cover_every_utility_in_the_catalog():
    assert {case.values[0] for case in CASES} == {entry.key for entry in CATALOG}
    assert len(CATALOG) == 17


def test_the_demo_has_a_centralized_catalog(demo_store):
    assert demo_store.preferences().get("centralized_catalog") == "1"


@pytest.mark.parametrize("key, selection, options", CASES)
def test_undo_puts_every_table_back_exactly(demo_store, key, selection, options):
    s = demo_store
    before = dump(s)
    plan, _, report = run(s, key, selection, options)
    assert report.counts.change > 0, "these options must make real changes"
    after_apply = dump(s)
    assert after_apply != before, f"{key} changed nothing in the database"

    undone = s.undo(report.operation_id, ADMIN)

    after_undo = dump(s)
    assert differing(after_undo, before) == []
    assert after_undo == before
    assert undone.conflicts == []
    changed = report.counts.change
    assert undone.counts == store.Counts(matched=changed, change=changed, unchanged=0, skip=0)
    assert foreign_key_problems(s) == []
    assert s.operation(report.operation_id)["undone_by"] == undone.operation_id


def test_undo_after_remove_patrons_recreates_the_unknown_patron_only_as_needed(demo_store):
    """Reviews moved to the Unknown Patron (made by the run) go back; the Unknown Patron goes."""
    s = demo_store
    reviewers = s.db.execute("SELECT id, patron_id FROM reviews ORDER BY id").fetchall()
    assert reviewers, "the demo has reviews"
    _, _, report = run(s, "remove-patrons", {}, {"force": True})
    assert count(s, "patrons", "is_unknown") == 1
    s.undo(report.operation_id, ADMIN)
    assert count(s, "patrons", "is_unknown") == 0
    assert s.db.execute("SELECT id, patron_id FROM reviews ORDER BY id").fetchall() == reviewers


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
    assert column(s, "modified")["101"] == NOW
    assert {b: m for b, m in column(s, "modified").items() if b != "101"} == \
        {b: m for b, m in modified.items() if b != "101"}
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
    return [t for (t,) in s.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'patrons' ORDER BY name")
        if any(fk[2] == "patrons" for fk in s.db.execute(f"PRAGMA foreign_key_list('{t}')"))]


@pytest.fixture
def rich_small_db(small_db):
    """small_db with more that belongs to Ann Adams (id 1) and Ben Carter (id 2)."""
    db = small_db.db
    for pid in (1, 2):
        db["patron_emails"].insert({"patron_id": pid, "position": 0, "address": f"p{pid}@example.org"})
        db["holds"].insert({"patron_id": pid, "title": "Holes", "placed": "2026-05-01"})
        db["history"].insert({"patron_id": pid, "kind": "payment", "detail": "Paid",
                              "date": "2026-04-01"})
        db["pictures"].insert({"patron_id": pid, "image": bytes([0x89, 0x50, pid])})
        db["charges"].insert({"patron_id": pid, "amount": 250, "description": "Printing",
                              "transaction_date": "2026-03-01"})
    return small_db


@pytest.mark.parametrize("taken", ["id", "barcode"])
def test_a_removed_patron_whose_id_or_barcode_is_taken_is_a_conflict(rich_small_db, taken):
    s = rich_small_db
    before = dump(s)
    # ELM: Adams (1), Carter (2), Bell (7), Zimmer (10), O'Brien (11).
    _, _, report = run(s, "remove-patrons", {"sites": ["ELM"]}, {"force": True})
    assert report.counts.change == 5
    newcomer = {"barcode": "NEW1", "first_name": "New", "last_name": "Comer", "site": "HIGH",
                "created": NOW, "modified": NOW}
    if taken == "id":
        newcomer["id"] = 1
    else:
        newcomer["barcode"] = "9"  # Ann Adams' barcode
    new_id = s.db["patrons"].insert(newcomer).last_pk

    undone = s.undo(report.operation_id, ADMIN)

    after = dump(s)
    dependents = _dependents(s)
    assert {"notes", "patron_emails", "holds", "history", "pictures", "charges"} <= set(dependents)
    for table, (cols, rows) in before.items():
        got_cols, got_rows = after[table]
        assert got_cols == cols
        if table == "patrons":
            expected = [r for r in rows if r[0] != 1] + [
                r for r in after["patrons"][1] if r[0] == new_id]
            assert sorted(got_rows) == sorted(expected)
        elif table in dependents:
            at = cols.index("patron_id")
            assert [r for r in got_rows if r[at] != 1] == [r for r in rows if r[at] != 1], table
            assert [r for r in got_rows if r[at] == 1] == [], f"{table} of the conflict restored"
        else:
            assert got_rows == rows, table
    assert foreign_key_problems(s) == []

    patron_reason = ("its id is used by a row added since" if taken == "id"
                     else "a unique value it had (such as a barcode) is now used by another row")
    assert Conflict("patrons", 1, 1, patron_reason) in undone.conflicts
    others = [c for c in undone.conflicts if c.table != "patrons"]
    assert {c.table for c in others} == {"notes", "patron_emails", "holds", "history",
                                         "pictures", "charges"}
    assert all(c.patron_id == 1 and c.reason == "patron 1 could not be restored"
               for c in others)
    assert len(undone.conflicts) == 1 + 2 + 5  # the patron, 2 notes, 1 row in each other table
    assert undone.counts == store.Counts(matched=5, change=4, unchanged=0, skip=1)
    report_rows = changes(s, undone.operation_id)
    outcome, reason, _, _ = report_rows["9"]
    assert outcome == "skip"
    assert reason.startswith("not restored: ")
    assert patron_reason in reason and "patron 1 could not be restored" in reason
    assert {b: r[0] for b, r in report_rows.items() if b != "9"} == {
        "10": "change", "11": "change", "P200": "change", "O'1": "change"}


def test_a_forgiven_charges_history_entry_deleted_since_is_the_only_conflict(small_db):
    s = small_db
    for pid, amount in ((1, 1299), (2, 500), (3, 250)):
        s.db["charges"].insert({"patron_id": pid, "amount": amount, "description": "Lost",
                                "transaction_date": "2026-05-01"})
    before = dump(s)
    _, _, report = run(s, "forgive-charges", {}, {"category": "All Charges, Fees, and Fines"})
    assert report.counts.change == 3
    entry = s.db.execute("SELECT id FROM history WHERE patron_id = 2 AND kind = 'forgiven'"
                         ).fetchone()[0]
    s.db.execute("DELETE FROM history WHERE id = ?", [entry])

    undone = s.undo(report.operation_id, ADMIN)

    assert undone.conflicts == [Conflict("history", entry, 2, "already removed")]
    # Everything else went back, Ben Carter's charge included; his deleted entry stays gone.
    assert dump(s) == before
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
    assert [count(s, t) for t in ("operations", "operation_changes", "operation_rows")] == \
        journal_counts
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
    assert (op["utility"], op["operator"]) == ("change-status", "tester")
    assert (op["started"], op["finished"]) == (NOW, NOW)
    assert (op["selection"], op["options"]) == (original["selection"], original["options"])
    assert (op["matched"], op["changed"], op["unchanged"], op["skipped"]) == (4, 4, 0, 0)
    assert s.operation(report.operation_id)["undone_by"] == undone.operation_id
    assert s.operation(report.operation_id)["undo_of"] is None
    assert [o["id"] for o in s.operations()] == [undone.operation_id, report.operation_id]


# -- the undo's own journal -----------------------------------------------------------------

def test_the_undos_journal_holds_the_inverse_images_of_an_update(small_db):
    s = small_db
    _, _, report = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    undone = s.undo(report.operation_id, ADMIN)
    original = journal(s, report.operation_id)
    inverse = journal(s, undone.operation_id)
    assert len(original) == 4
    assert inverse == [(t, rid, "update", after, before)
                       for t, rid, action, before, after in original]
    assert ("patrons", 4, "update", {"status": "Inactive", "modified": NOW},
            {"status": "Transferred", "modified": STAMP}) in inverse


def test_the_undos_journal_holds_the_inverse_of_removals_and_insertions(small_db):
    s = small_db
    _, _, removed = run(s, "remove-notes", {}, {"note_type": "Alert"})
    undone = s.undo(removed.operation_id, ADMIN)
    original = journal(s, removed.operation_id)
    assert {action for _, _, action, _, _ in original} == {"delete"}
    assert journal(s, undone.operation_id) == [
        (t, rid, "insert", None, before) for t, rid, _, before, _ in original]

    _, _, added = run(s, "add-notes", {"sites": ["UNION"]}, {"note": "Hi", "note_type": "General"})
    undone = s.undo(added.operation_id, ADMIN)
    original = journal(s, added.operation_id)
    assert [action for _, _, action, _, _ in original] == ["insert", "insert"]
    assert journal(s, undone.operation_id) == [
        (t, rid, "delete", after, None) for t, rid, _, _, after in original]


def test_the_undos_journal_keeps_pictures_as_hex(demo_store):
    s = demo_store
    pictures = s.db.execute("SELECT patron_id, image FROM pictures ORDER BY patron_id").fetchall()
    _, _, report = run(s, "remove-pictures", {}, {})
    undone = s.undo(report.operation_id, ADMIN)
    inverse = journal(s, undone.operation_id)
    assert [(rid, bytes.fromhex(after["image"])) for _, rid, _, _, after in inverse] == pictures
    assert s.db.execute("SELECT patron_id, image FROM pictures ORDER BY patron_id").fetchall() \
        == pictures


def test_the_undo_report_lists_the_inverse_values(small_db):
    s = small_db
    _, _, report = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    undone = s.undo(report.operation_id, ADMIN)
    original = changes(s, report.operation_id)
    assert changes(s, undone.operation_id) == {
        b: ("change", None, after, before)
        for b, (outcome, _, before, after) in original.items() if outcome == "change"}


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
    raw = s.db.execute("SELECT selection, options FROM operations WHERE id IN (?, ?) ORDER BY id",
                       [report.operation_id, undone.operation_id]).fetchall()
    assert raw[0] == raw[1]
    assert json.loads(raw[0][0]) == {"grades": ["12"]}


def test_items_of_a_removed_patron_who_cannot_be_restored_stay_lost(demo_store):
    """The loan of a patron who is a conflict is not restored, so neither may the item's
    'Checked Out' status be: every item checked out must have a loan, and an item left Lost
    keeps the history entry that says why."""
    s = demo_store
    unloaned = ("SELECT id FROM items WHERE status = 'Checked Out' "
                "AND id NOT IN (SELECT item_id FROM checkouts) ORDER BY id")
    assert s.db.execute(unloaned).fetchall() == []  # the demo is consistent to start with
    victim = s.db.execute("SELECT min(patron_id) FROM checkouts").fetchone()[0]
    items = [i for (i,) in s.db.execute(
        "SELECT item_id FROM checkouts WHERE patron_id = ? ORDER BY item_id", [victim])]
    _, _, report = run(s, "remove-patrons", {}, {"force": True})
    s.db.execute("INSERT INTO patrons (id, barcode, last_name, site, created, modified) "
                 "VALUES (?, 'NEWCOMER', 'Comer', 'ELM', ?, ?)", [victim, NOW, NOW])

    undone = s.undo(report.operation_id, ADMIN)

    assert Conflict("patrons", victim, victim, "its id is used by a row added since") \
        in undone.conflicts
    assert count(s, "checkouts", "patron_id = ?", victim) == 0
    marks = ",".join("?" * len(items))
    assert s.db.execute(f"SELECT id, status FROM items WHERE id IN ({marks}) ORDER BY id",
                        items).fetchall() == [(i, "Lost") for i in items]
    assert count(s, "item_history", f"item_id IN ({marks}) AND kind = 'lost'", *items) \
        == len(items)
    assert s.db.execute(unloaned).fetchall() == []
    # The items not restored are listed, with their patron.
    assert {(c.row_id, c.patron_id) for c in undone.conflicts if c.table == "items"} == \
        {(i, victim) for i in items}
    # Everyone else's items went back to Checked Out with their loans.
    assert count(s, "items", "status = 'Lost'") == len(items)


def test_stacked_operations_undo_newest_first(small_db):
    s = small_db
    before = dump(s)
    _, _, status = run(s, "change-status", {"sites": ["HIGH"]}, {"status": "Inactive"})
    _, _, location = run(s, "change-location", {"sites": ["HIGH"]}, {"location": "Room 9"})
    s.undo(location.operation_id, ADMIN)
    assert s.undo(status.operation_id, ADMIN).conflicts == []
    assert dump(s) == before


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
        Conflict("patrons", 6, 6, "a value it had is now used by another row")]
    assert s.db.execute("SELECT id, username FROM patrons WHERE id IN (1, 6, 9) ORDER BY id"
                        ).fetchall() == [(1, "CZERNY"), (6, "99"), (9, "cchen")]
    assert changes(s, undone.operation_id)["99"][:2] == (
        "skip", "not restored: a value it had is now used by another row")
    assert changes(s, undone.operation_id)["2"][0] == "change"
    assert [rid for _, rid, *_ in journal(s, undone.operation_id)] == [9]


def test_a_later_change_to_another_column_does_not_block_the_undo(small_db):
    """Status, then (later) location, on the same patrons: undoing the status change puts
    the statuses back and keeps the later location and its stamp."""
    elm = "SELECT barcode, status, location, modified FROM patrons WHERE site = 'ELM' ORDER BY id"
    before = small_db.db.execute(elm).fetchall()
    _, _, status = run(small_db, "change-status", {"sites": ["ELM"]}, {"status": "Inactive"})
    run(small_db, "change-location", {"sites": ["ELM"]}, {"location": "Room 9"})
    # The clock is fixed in tests: stamp the later change as a later time would.
    small_db.db.execute("UPDATE patrons SET modified = '2026-06-01 10:00:00' WHERE site = 'ELM'")
    undone = small_db.undo(status.operation_id, ADMIN)
    assert undone.conflicts == [] and undone.counts.change == status.counts.change
    assert small_db.db.execute(elm).fetchall() == [
        (barcode, old_status, "Room 9", "2026-06-01 10:00:00")
        for barcode, old_status, _, _ in before]
