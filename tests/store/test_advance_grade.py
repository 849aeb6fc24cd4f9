"""Advance Patron Grade on small_db (conftest): one grade along the grade table, its last grade
kept, the selection respected, no options and a reminder about policies."""

from __future__ import annotations

import pytest

import store

from ..operators import ADMIN
from .runs import (
    NOW,
    STAMP,
    assert_operation,
    changes,
    column,
    count,
    journal,
    run,
)

# -- Advance Patron Grade ------------------------------------------------------------------


def test_advance_grade_moves_each_patron_one_grade_along_the_table(small_db):
    # A grade the table does not know (an old import; the foreign key was off then).
    small_db.db.execute("PRAGMA foreign_keys = OFF")
    small_db.db.execute("UPDATE patrons SET grade = '13' WHERE barcode = 'O''1'")
    small_db.db.execute("PRAGMA foreign_keys = ON")
    plan, rows, report = run(small_db, "advance-grade", {}, {})
    assert plan.counts == store.Counts(matched=14, change=8, unchanged=2, skip=4)
    moved = {
        "9": ("K", "1"),
        "11": ("PK", "K"),
        "10": ("5", "6"),
        "99": ("1", "2"),
        "p150": ("7", "8"),
        "P123": ("9", "10"),
        "100": ("12", "Graduated"),
        "101": ("12", "Graduated"),
    }
    expected = {b: ("change", None, old, new) for b, (old, new) in moved.items()}
    expected |= {
        "1000": ("unchanged", "already at Last Grade", "Graduated", "Graduated"),
        "2": ("unchanged", "already at Last Grade", "Graduated", "Graduated"),
        "O'1": ("skip", "grade 13 is not in the grade table", "13", None),
        "P200": ("skip", "no grade", None, None),
        # The operator (never their own account) and the aide (staff have no grade).
        "STAFF001": ("skip", "your own account", None, None),
        "STAFF002": ("skip", "no grade", None, None),
    }
    assert {b: (r.outcome, r.reason, r.current, r.new) for b, r in rows.items()} == expected
    assert changes(small_db, report.operation_id) == expected
    assert_operation(small_db, report, "advance-grade", plan.counts, {}, {})
    ids = dict(small_db.db.execute("SELECT barcode, id FROM patrons").fetchall())
    assert journal(small_db, report.operation_id) == sorted(
        (
            "patrons",
            ids[b],
            "update",
            {"grade": old, "modified": STAMP},
            {"grade": new, "modified": NOW},
        )
        for b, (old, new) in moved.items()
    )
    grade, modified = column(small_db, "grade"), column(small_db, "modified")
    assert {b: grade[b] for b in moved} == {b: new for b, (_, new) in moved.items()}
    assert (grade["1000"], grade["2"], grade["O'1"], grade["P200"]) == (
        "Graduated",
        "Graduated",
        "13",
        None,
    )
    assert {b for b, m in modified.items() if m == NOW} == set(moved)
    assert {b for b, m in modified.items() if m == STAMP} == set(expected) - set(moved)


def test_advance_grade_follows_the_grade_tables_order_and_its_last_grade(small_db):
    db = small_db.db
    order = ["PK", "K", "2", "1"] + [str(n) for n in range(3, 13)] + ["Graduated"]
    db.execute("UPDATE grades SET position = -1 - position")
    for position, name in enumerate(order):
        db.execute("UPDATE grades SET position = ? WHERE name = ?", [position, name])
    db.execute("UPDATE grades SET is_last = (name = '12')")  # "Graduated" now comes after it
    db.execute("UPDATE patrons SET grade = '2' WHERE barcode = 'p150'")
    plan, rows, report = run(small_db, "advance-grade", {}, {})
    assert (rows["9"].current, rows["9"].new) == ("K", "2")
    assert (rows["p150"].current, rows["p150"].new) == ("2", "1")
    assert (rows["99"].current, rows["99"].new) == ("1", "3")
    assert (rows["O'1"].current, rows["O'1"].new) == ("3", "4")
    for barcode in ("100", "101"):
        assert (rows[barcode].outcome, rows[barcode].reason) == (
            "unchanged",
            "already at Last Grade",
        )
    for barcode in ("1000", "2"):
        assert (rows[barcode].outcome, rows[barcode].reason) == (
            "skip",
            "no grade after Graduated in the grade table",
        )
    grade = column(small_db, "grade")
    assert (grade["9"], grade["p150"], grade["99"], grade["100"], grade["1000"]) == (
        "2",
        "1",
        "3",
        "12",
        "Graduated",
    )
    assert (rows["P200"].outcome, rows["P200"].reason) == ("skip", "no grade")
    assert plan.counts == store.Counts(matched=14, change=7, unchanged=2, skip=5)
    assert count(small_db, "operation_rows") == 7


def test_advance_grade_respects_the_selection(small_db):
    plan, rows, report = run(small_db, "advance-grade", {"grades": ["12", "PK"]}, {})
    assert set(rows) == {"100", "101", "11"}
    assert {b: column(small_db, "grade")[b] for b in rows} == {
        "100": "Graduated",
        "101": "Graduated",
        "11": "K",
    }
    assert column(small_db, "grade")["9"] == "K"  # not selected


def test_advance_grade_has_no_options_and_reminds_about_policies(small_db):
    utility = small_db.utility("advance-grade")
    assert "Change Patron Policy" in utility.reminder
    assert utility.Options.model_fields == {}
    with pytest.raises(store.Invalid) as info:
        small_db.plan("advance-grade", {}, {"grade": "K"}, ADMIN)
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("grade", "is not a field of this form")
    ]
