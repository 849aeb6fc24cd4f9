"""The catalog of the vendor manual's seventeen and Recompute Due Dates, and three built
utilities with their Options: change-status, change-grade and change-location (Add Patron Notes:
test_add_notes.py)."""

from __future__ import annotations

import json

import pytest

import store
from store.catalog import BY_KEY, CATALOG, GRADE_TABLE, get
from store.utilities.base import Utility

from .options_helpers import invalid_options
from .runs import column, count, run

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
    # Not a section of the page: its Change Patron Policy says to run it after.
    "Recompute Due Dates",
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
    "Recompute Due Dates",  # loans, as its Change Patron Policy
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
    "recompute-due-dates",
    "remove-history",
    "remove-notes",
    "remove-pictures",
    "renew-accounts",
    "reset-accounts",
    "forgive-charges",
    "remove-patrons",
}


# -- the catalog -------------------------------------------------------------


def test_catalog_has_the_manuals_eighteen_utilities_in_order():
    assert [e.title for e in CATALOG] == MANUAL_TITLES
    assert len({e.key for e in CATALOG}) == 18
    # The journal knows imports and grade table edits too, and the Grade table's Advance
    # All Grades (not in the picker: the manual puts it on the Grade Table tab).
    assert [e.key for e in GRADE_TABLE] == ["advance-all-grades"]
    assert set(BY_KEY) == {e.key for e in CATALOG} | {
        "import-patrons",
        "grade-table",
        "advance-all-grades",
        "sync-roster",  # Sync from Roster: its own screen, not the Selections engine
        "patron-password",  # a patron's own new password, from the password page
    }
    assert all(e.summary and e.guidance for e in CATALOG)


def test_only_the_built_utilities_can_run():
    built = {e.key for e in CATALOG if isinstance(e, Utility)}
    assert built == BUILT
    assert len(BUILT) == 18


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
    # the eighteen, Advance All Grades, imports, grade table edits, roster syncs and the
    # passwords patrons choose
    assert len(concrete) == 23
