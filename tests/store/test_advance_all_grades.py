"""Advance All Grades on small_db (conftest): Advance Patron Grade's plan over every patron,
with no Selections (a criterion is refused, never dropped), journaled and undone; the
Grade table's, not the picker's."""

from __future__ import annotations

import pytest

import store
from store.catalog import CATALOG, GRADE_TABLE, RUNNABLE, get
from store.security import PREFERENCES, UTILITIES

from ..operators import ADMIN, AIDE, operator_at
from .runs import NOW, STAMP, assert_operation, changes, column, count, run

MOVED = {
    "9": ("K", "1"),
    "11": ("PK", "K"),
    "10": ("5", "6"),
    "99": ("1", "2"),
    "p150": ("7", "8"),
    "O'1": ("3", "4"),
    "P123": ("9", "10"),
    "100": ("12", "Graduated"),
    "101": ("12", "Graduated"),
}
KEPT = {
    "1000": ("unchanged", "already at Last Grade", "Graduated", "Graduated"),
    "2": ("unchanged", "already at Last Grade", "Graduated", "Graduated"),
    "P200": ("skip", "no grade", None, None),
    "STAFF001": ("skip", "your own account", None, None),
    "STAFF002": ("skip", "no grade", None, None),
}


def test_every_patron_moves_one_grade_along_and_the_last_grade_stays(small_db):
    plan, rows, report = run(small_db, "advance-all-grades", {}, {})
    assert plan.counts == store.Counts(matched=14, change=9, unchanged=2, skip=3)
    expected = {b: ("change", None, old, new) for b, (old, new) in MOVED.items()} | KEPT
    assert {b: (r.outcome, r.reason, r.current, r.new) for b, r in rows.items()} == expected
    assert changes(small_db, report.operation_id) == expected
    assert_operation(small_db, report, "advance-all-grades", plan.counts, {}, {})
    grade, modified = column(small_db, "grade"), column(small_db, "modified")
    assert {b: grade[b] for b in MOVED} == {b: new for b, (_, new) in MOVED.items()}
    assert {b for b, m in modified.items() if m == NOW} == set(MOVED)
    assert {b for b, m in modified.items() if m == STAMP} == set(KEPT)


def test_it_is_advance_patron_grade_with_an_empty_selection(small_db, tmp_path):
    """One piece of SQL serves both: over the same patrons, the same plan."""
    all_rows = {
        (r.barcode, r.current, r.new, r.outcome, r.reason)
        for r in small_db.plan("advance-all-grades", {}, {}, ADMIN).page(0, 100)
    }
    some_rows = {
        (r.barcode, r.current, r.new, r.outcome, r.reason)
        for r in small_db.plan("advance-grade", {}, {}, ADMIN).page(0, 100)
    }
    assert all_rows == some_rows and len(all_rows) == 14
    assert get("advance-all-grades").reminder == get("advance-grade").reminder
    assert "Change Patron Policy" in get("advance-all-grades").reminder


@pytest.mark.parametrize(
    "selection, field",
    [
        ({"grades": ["12"]}, "grades"),
        ({"barcodes": ["9"]}, "barcodes"),
        ({"last_name_from": "A", "last_name_to": ""}, "last_name_from"),
        ({"balance_from": "0.01"}, "balance_from"),
        ({"grades": ["no such grade"]}, "grades"),  # refused for being given, not its value
    ],
)
def test_a_criterion_is_refused_naming_it_and_nothing_is_written(small_db, selection, field):
    before = column(small_db, "grade")
    with pytest.raises(store.Invalid) as info:
        small_db.plan("advance-all-grades", selection, {}, ADMIN)
    assert [p.field for p in info.value.problems] == [field]
    assert "has no selections: it always advances every patron" in str(info.value)
    assert "Advance Patron Grade" in info.value.problems[0].message
    assert column(small_db, "grade") == before
    assert count(small_db, "operations") == 0


def test_an_empty_selection_given_in_full_is_no_criterion(small_db):
    plan = small_db.plan("advance-all-grades", store.Selection(), {}, ADMIN)
    assert plan.counts.matched == 14


def test_undo_puts_every_grade_back(small_db):
    before = column(small_db, "grade")
    _, _, report = run(small_db, "advance-all-grades", {}, {})
    assert column(small_db, "grade") != before
    check = small_db.check_undo(report.operation_id, ADMIN)
    assert check.changed == 9
    undone = small_db.undo(report.operation_id, ADMIN)
    assert column(small_db, "grade") == before
    assert undone.counts == store.Counts(matched=9, change=9, unchanged=0, skip=0)
    op = small_db.operation(report.operation_id)
    assert op["undone_by"] == undone.operation_id
    assert small_db.operation(undone.operation_id)["utility"] == "advance-all-grades"


def test_the_permission_is_advance_patron_grades(small_db):
    assert get("advance-all-grades").permissions == get("advance-grade").permissions
    assert get("advance-all-grades").permissions == (UTILITIES,)
    _, _, report = run(small_db, "advance-all-grades", {}, {}, operator=AIDE)
    assert report.counts.change > 0  # the aide's level (2) leaves no student out of reach
    preferences_only = operator_at(small_db.db, 1, (PREFERENCES,))
    before = column(small_db, "grade")
    with pytest.raises(store.NotPermitted, match="Patrons: Import, Export and Utilities"):
        small_db.plan("advance-all-grades", {}, {}, preferences_only)
    assert column(small_db, "grade") == before
    assert count(small_db, "operations") == 1  # the aide's alone


def test_it_is_the_grade_tables_not_the_pickers(small_db):
    utility = get("advance-all-grades")
    assert utility in GRADE_TABLE and utility in RUNNABLE
    assert utility not in CATALOG and utility not in small_db.catalog
    assert utility.criteria() == []
    assert utility.Options.model_fields == {}
    assert utility.title == "Advance All Grades"
