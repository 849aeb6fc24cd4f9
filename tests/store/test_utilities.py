"""The four built utilities, their Options, and the catalog of the vendor manual's seventeen."""

from __future__ import annotations

import json

import pytest

import store
from store.catalog import BY_KEY, CATALOG, get
from store.schema import NOTE_TYPES
from store.utilities.base import Utility

from ..operators import ADMIN

MANUAL_TITLES = [
    "Add Patron Notes",
    "Advance Patron Grade",
    "Change Patron Grade",
    "Change Patron 2nd Location",
    "Change Patron Location",
    "Change Patron Policy",
    "Change Patron Security Group",
    "Change Patron Status",
    "Forgive Charges",
    "Move Patrons to Site",
    "Reassign Union Site Patrons",
    "Remove Patron History",
    "Remove Patron Notes",
    "Remove Patron Pictures",
    "Remove Patrons",
    "Renew Patron Accounts",
    "Reset Patron Accounts",
]
# Marked "Textbook Tracker" in the vendor manual.
TEXTBOOK_TRACKER = {
    "Change Patron Grade",
    "Change Patron 2nd Location",
    "Change Patron Location",
    "Change Patron Policy",
    "Change Patron Security Group",
    "Change Patron Status",
    "Forgive Charges",
    "Move Patrons to Site",
    "Remove Patrons",
    "Renew Patron Accounts",
    "Reset Patron Accounts",
}
STAMP = "2026-01-01 00:00:00"  # created/modified of every small_db patron (conftest)
BUILT = {
    "add-notes",
    "advance-grade",
    "change-grade",
    "change-location2",
    "change-location",
    "change-policy",
    "change-security-group",
    "change-status",
    "move-to-site",
    "reassign-union-site",
    "remove-history",
    "remove-notes",
    "remove-pictures",
    "renew-accounts",
    "reset-accounts",
    "forgive-charges",
    "remove-patrons",
}


def column(s: store.Store, name: str) -> dict:
    """barcode -> value of one patrons column."""
    return dict(s.db.execute(f"SELECT barcode, {name} FROM patrons").fetchall())


def count(s: store.Store, table: str) -> int:
    return s.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def run(s: store.Store, key: str, selection: dict, options: dict):
    plan = s.plan(key, selection, options, ADMIN)
    rows = {r.barcode: r for r in plan.page(0, 100)}
    return plan, rows, s.apply(plan)


def invalid_options(s: store.Store, key: str, options: dict) -> store.Problem:
    with pytest.raises(store.Invalid) as info:
        s.plan(key, {}, options, ADMIN)
    [problem] = info.value.problems
    return problem


def notes_of(s: store.Store, barcode: str) -> list[tuple[str, str]]:
    return s.db.execute(
        "SELECT n.type, n.text FROM notes n JOIN patrons p ON p.id = n.patron_id "
        "WHERE p.barcode = ? ORDER BY n.id",
        [barcode],
    ).fetchall()


# -- the catalog -------------------------------------------------------------


def test_catalog_has_the_manuals_seventeen_utilities_in_order():
    assert [e.title for e in CATALOG] == MANUAL_TITLES
    assert len({e.key for e in CATALOG}) == 17
    # The journal knows imports and grade table edits too.
    assert set(BY_KEY) == {e.key for e in CATALOG} | {"import-patrons", "grade-table"}
    assert all(e.summary and e.guidance for e in CATALOG)


def test_only_the_built_utilities_can_run():
    built = {e.key for e in CATALOG if isinstance(e, Utility)}
    assert built == BUILT
    assert len(BUILT) == 17


def test_textbook_tracker_flags_follow_the_seed():
    assert {e.title for e in CATALOG if e.textbook_tracker} == TEXTBOOK_TRACKER


def test_get_returns_built_utilities():
    for key in BUILT:
        assert get(key) is BY_KEY[key]


@pytest.mark.parametrize("key", ["no-such-utility", "Remove Patrons", ""])
def test_get_refuses_unknown_keys_naming_what_is_available(key):
    with pytest.raises(KeyError) as info:
        get(key)
    message = str(info.value)
    assert repr(key) in message
    for built in BUILT:
        assert built in message


# -- change-status -----------------------------------------------------------


def test_change_status_reactivates_inactive_and_suspended(small_db):
    plan, rows, report = run(
        small_db,
        "change-status",
        {"statuses": ["Inactive", "Suspended", "Active"], "sites": ["HIGH"]},
        {"status": "Active"},
    )
    assert plan.counts == store.Counts(matched=4, change=2, unchanged=2, skip=0)
    assert {b for b, r in rows.items() if r.outcome == "unchanged"} == {"101", "p150"}
    assert rows["101"].reason == "already Active"
    status = column(small_db, "status")
    assert status["100"] == status["P123"] == "Active"
    assert status["1000"] == "Transferred"  # not selected
    assert column(small_db, "modified")["101"] == STAMP


def test_change_status_rejects_unknown_status(small_db):
    problem = invalid_options(small_db, "change-status", {"status": "Retired"})
    assert problem.field == "status"
    assert problem.title == "Change Status to"
    assert "'Transferred'" in problem.message


# -- change-grade ----------------------------------------------------------------


def test_change_grade_with_canonicalised_grade(small_db, all_barcodes):
    plan, rows, report = run(
        small_db, "change-grade", {"grades": ["12", "Graduated"]}, {"grade": "graduated"}
    )
    assert plan.counts == store.Counts(matched=4, change=2, unchanged=2, skip=0)
    assert rows["100"].current == "12" and rows["100"].new == "Graduated"
    assert rows["1000"].reason == "already Graduated"
    grade = column(small_db, "grade")
    assert {b for b in all_barcodes if grade[b] == "Graduated"} == {"100", "101", "1000", "2"}
    assert json.loads(small_db.operation(report.operation_id)["options"]) == {"grade": "Graduated"}


def test_change_grade_sets_a_patron_without_grade(small_db):
    plan, rows, _ = run(
        small_db, "change-grade", {"barcode_from": "P200", "barcode_to": "P200"}, {"grade": "K"}
    )
    assert rows["P200"].current is None and rows["P200"].outcome == "change"
    assert column(small_db, "grade")["P200"] == "K"


@pytest.mark.parametrize("grade", ["13", "Senior", ""])
def test_change_grade_to_unknown_grade_is_invalid(small_db, grade):
    problem = invalid_options(small_db, "change-grade", {"grade": grade} if grade else {})
    assert problem.field == "grade"
    assert problem.title == "Change Grade to"
    if grade:
        assert "grade table" in problem.message
        assert "PK, K, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, Graduated" in problem.message
    assert count(small_db, "operations") == 0


# -- change-location ---------------------------------------------------------------


def test_change_location_including_null_and_unchanged(small_db):
    plan, rows, report = run(
        small_db, "change-location", {"sites": ["ELM"]}, {"location": "Room 1"}
    )
    # ELM: Adams, Carter, O'Brien already Room 1; Bell in Room 3; Zimmer has none.
    assert plan.counts == store.Counts(matched=5, change=2, unchanged=3, skip=0)
    assert rows["P200"].current is None and rows["P200"].new == "Room 1"
    assert rows["9"].reason == "already Room 1"
    location = column(small_db, "location")
    assert location["11"] == location["P200"] == "Room 1"
    assert location["100"] == "Room 2"
    rows_journal = small_db.db.execute(
        "SELECT before FROM operation_rows WHERE operation_id = ? ORDER BY row_id",
        [report.operation_id],
    ).fetchall()
    assert [json.loads(r[0]) for r in rows_journal] == [
        {"location": "Room 3", "modified": STAMP},
        {"location": None, "modified": STAMP},
    ]


def test_change_location_to_a_new_location(small_db):
    run(small_db, "change-location", {"locations": ["Gone"]}, {"location": "  Room 42  "})
    assert column(small_db, "location")["2"] == "Room 42"
    assert "Room 42" in small_db.choices("location")


@pytest.mark.parametrize(
    "options", [{"location": ""}, {"location": "   "}, {}, {"location": "x" * 51}]
)
def test_change_location_to_blank_is_invalid(small_db, options):
    problem = invalid_options(small_db, "change-location", options)
    assert problem.field == "location"
    assert problem.title == "Change Location to"


# -- add-notes ---------------------------------------------------------------------

ADAMS = {"barcode_from": "9", "barcode_to": "9"}
CARTER = {"barcode_from": "10", "barcode_to": "10"}


@pytest.mark.parametrize("note_type", NOTE_TYPES)
def test_add_note_of_each_type(small_db, note_type):
    before = notes_of(small_db, "9")
    plan, rows, report = run(
        small_db, "add-notes", ADAMS, {"note": "Summer reading", "note_type": note_type}
    )
    assert plan.counts.change == 1
    assert notes_of(small_db, "9") == before + [(note_type, "Summer reading")]
    [inserted] = small_db.db.execute(
        "SELECT action, before, after FROM operation_rows WHERE operation_id = ?",
        [report.operation_id],
    ).fetchall()
    assert inserted[0] == "insert" and inserted[1] is None
    assert json.loads(inserted[2])["type"] == note_type


def test_add_note_counts_current_and_new(small_db):
    plan, rows, _ = run(
        small_db,
        "add-notes",
        {"sites": ["ELM"]},
        {"note": "Prefers large print", "note_type": "General"},
    )
    # Adams already has this General note; Carter has another General note.
    assert rows["9"].outcome == "unchanged" and rows["9"].reason == "already has this note"
    assert (rows["10"].current, rows["10"].new) == (1, 2)
    assert (rows["11"].current, rows["11"].new) == (0, 1)
    assert plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0)
    assert notes_of(small_db, "9").count(("General", "Prefers large print")) == 1


def test_same_text_of_another_type_is_added(small_db):
    plan, rows, _ = run(
        small_db, "add-notes", ADAMS, {"note": "Prefers large print", "note_type": "Alert"}
    )
    assert rows["9"].outcome == "change"
    assert ("Alert", "Prefers large print") in notes_of(small_db, "9")


def test_adding_an_identical_note_again_is_unchanged(small_db):
    options = {"note": "Lost library card twice", "note_type": "Contact"}
    run(small_db, "add-notes", {"sites": ["UNION"]}, options)
    total = count(small_db, "notes")
    plan, rows, _ = run(small_db, "add-notes", {"sites": ["UNION"]}, options)
    assert plan.counts == store.Counts(matched=2, change=0, unchanged=2, skip=0)
    assert count(small_db, "notes") == total


def test_note_of_exactly_500_characters_is_accepted(small_db):
    note = "x" * 500
    run(small_db, "add-notes", ADAMS, {"note": note, "note_type": "General"})
    assert ("General", note) in notes_of(small_db, "9")


def test_note_of_501_characters_is_invalid(small_db):
    problem = invalid_options(small_db, "add-notes", {"note": "x" * 501, "note_type": "General"})
    assert (problem.field, problem.title) == ("note", "Add Note")
    assert "500" in problem.message
    assert str(problem).startswith("Add Note: ")


@pytest.mark.parametrize("note", ["", "    "])
def test_empty_note_is_invalid(small_db, note):
    problem = invalid_options(small_db, "add-notes", {"note": note, "note_type": "General"})
    assert (problem.field, problem.title) == ("note", "Add Note")


def test_unknown_note_type_lists_the_four(small_db):
    problem = invalid_options(small_db, "add-notes", {"note": "Hi", "note_type": "Memo"})
    assert problem.field == "note_type"
    assert all(repr(t) in problem.message for t in NOTE_TYPES)


def test_replace_existing_removes_only_notes_of_that_type(small_db):
    deleted_rows = small_db.db.execute(
        "SELECT * FROM notes WHERE patron_id = 2 AND type = 'Alert' ORDER BY id"
    ).fetchall()
    plan, rows, report = run(
        small_db,
        "add-notes",
        CARTER,
        {"note": "New alert", "note_type": "Alert", "replace_existing": True},
    )
    assert (rows["10"].current, rows["10"].new, rows["10"].outcome) == (2, 1, "change")
    assert notes_of(small_db, "10") == [("General", "Keep me"), ("Alert", "New alert")]
    assert notes_of(small_db, "9") == [
        ("General", "Prefers large print"),
        ("Alert", "Needs to meet with librarian"),
    ]
    journal = small_db.db.execute(
        "SELECT table_name, row_id, action, before, after FROM operation_rows "
        "WHERE operation_id = ? ORDER BY id",
        [report.operation_id],
    ).fetchall()
    deletes = [j for j in journal if j[2] == "delete"]
    inserts = [j for j in journal if j[2] == "insert"]
    assert len(journal) == 3 and len(deletes) == 2 and len(inserts) == 1
    columns = ["id", "patron_id", "type", "text", "created"]
    for (table, row_id, _, before, after), full in zip(deletes, deleted_rows, strict=True):
        assert table == "notes" and after is None
        assert json.loads(before) == dict(zip(columns, full, strict=True))
        assert row_id == full[0]
    new = json.loads(inserts[0][4])
    assert (new["patron_id"], new["type"], new["text"]) == (2, "Alert", "New alert")
    assert new["created"].startswith("2026-06-01")
    assert inserts[0][3] is None


def test_replace_when_the_only_note_is_already_this_one_is_unchanged(small_db):
    plan, rows, _ = run(
        small_db,
        "add-notes",
        {"sites": ["ELM"]},
        {"note": "Needs to meet with librarian", "note_type": "Alert", "replace_existing": True},
    )
    assert rows["9"].outcome == "unchanged"
    assert rows["9"].reason == "already has only this note"
    assert rows["10"].outcome == "change"  # two Alerts, neither this one
    assert rows["11"].outcome == "change"  # none yet
    assert notes_of(small_db, "10") == [
        ("General", "Keep me"),
        ("Alert", "Needs to meet with librarian"),
    ]
    assert count(small_db, "notes") == 6 - 2 + 4  # Carter's two replaced; 4 patrons gained one


def test_replace_names_the_notes_it_removes_and_counts_them(small_db):
    texts = [
        t
        for (t,) in small_db.db.execute(
            "SELECT text FROM notes WHERE patron_id = 2 AND type = 'Alert' ORDER BY id"
        )
    ]
    plan, rows, report = run(
        small_db,
        "add-notes",
        {"sites": ["ELM"]},
        {"note": "New alert", "note_type": "Alert", "replace_existing": True},
    )
    # Carter loses two Alerts, Adams one; those with none lose nothing and are not quoted.
    assert rows["10"].reason == "removes " + ", ".join(f'"{t}"' for t in texts)
    assert rows["9"].reason == 'removes "Needs to meet with librarian"'
    assert rows["11"].reason is None
    assert plan.tally == (
        "3 existing Alert notes will be removed (each patron's reason quotes them)."
    )
    assert (
        report.effects == "3 existing Alert notes removed (their text is in each patron's reason)."
    )
    assert [
        c["reason"] for c in small_db.operation_changes(report.operation_id) if c["barcode"] == "10"
    ] == [rows["10"].reason]
    # Without Replace nothing is removed and nothing is said about it.
    plan, _, report = run(
        small_db, "add-notes", {"sites": ["ELM"]}, {"note": "Another", "note_type": "Alert"}
    )
    assert (plan.tally, report.effects) == (None, None)


def test_replace_keeps_nothing_of_the_type_but_the_new_note(small_db):
    small_db.db["notes"].insert(
        {"patron_id": 1, "type": "Alert", "text": "Second alert", "created": "2026-01-03"}
    )
    plan, rows, _ = run(
        small_db,
        "add-notes",
        ADAMS,
        {"note": "Needs to meet with librarian", "note_type": "Alert", "replace_existing": True},
    )
    assert rows["9"].outcome == "change"  # the same note is there, but not alone
    assert [n for n in notes_of(small_db, "9") if n[0] == "Alert"] == [
        ("Alert", "Needs to meet with librarian")
    ]


def test_notes_add_failure_rolls_back_deletes(small_db, monkeypatch):
    def broken(tx):
        tx.db.execute("DELETE FROM notes")
        raise RuntimeError("boom")

    monkeypatch.setattr(get("add-notes"), "apply", broken)
    with pytest.raises(RuntimeError, match="boom"):
        run(
            small_db,
            "add-notes",
            CARTER,
            {"note": "x", "note_type": "Alert", "replace_existing": True},
        )
    assert count(small_db, "notes") == 6
    assert count(small_db, "operations") == 0


def test_note_text_is_stored_literally(small_db):
    hostile = '\'); DELETE FROM notes; -- "quoted"'
    run(small_db, "add-notes", ADAMS, {"note": hostile, "note_type": "Category"})
    assert ("Category", hostile) in notes_of(small_db, "9")
    assert count(small_db, "notes") == 7


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_utility_class_is_in_the_catalog_or_the_journal():
    """A utility written but left out of the registry would never be offered, planned or
    undone; an intermediate base (SetPatronColumn) declares no key."""
    import importlib
    import pkgutil

    import store.utilities as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"store.utilities.{module.name}")
    concrete = {cls for cls in _subclasses(Utility) if "key" in vars(cls)}
    assert {type(u) for u in BY_KEY.values()} == concrete
    assert len(concrete) == 19  # the seventeen, imports and grade table edits
