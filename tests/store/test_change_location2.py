"""Change Patron 2nd Location on small_db (conftest): set, kept, blank removes it, at most 50."""

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

# -- Change Patron 2nd Location -----------------------------------------------------------------


def test_change_location2_sets_it_and_keeps_those_who_have_it(small_db):
    plan, rows, report = run(
        small_db, "change-location2", {"sites": ["ELM"]}, {"location2": "Bus 4"}
    )
    # ELM: Carter and Bell are on Bus 4 already; Adams, O'Brien and Zimmer have none.
    assert plan.counts == store.Counts(matched=5, change=3, unchanged=2, skip=0)
    assert changes(small_db, report.operation_id) == {
        "10": ("unchanged", "already Bus 4", "Bus 4", "Bus 4"),
        "11": ("unchanged", "already Bus 4", "Bus 4", "Bus 4"),
        "9": ("change", None, None, "Bus 4"),
        "O'1": ("change", None, None, "Bus 4"),
        "P200": ("change", None, None, "Bus 4"),
    }
    assert journal(small_db, report.operation_id) == [
        (
            "patrons",
            pid,
            "update",
            {"location2": None, "modified": STAMP},
            {"location2": "Bus 4", "modified": NOW},
        )
        for pid in (1, 10, 11)
    ]
    assert_operation(
        small_db,
        report,
        "change-location2",
        plan.counts,
        {"location2": "Bus 4"},
        {"sites": ["ELM"]},
    )
    location2 = column(small_db, "location2")
    assert {b for b, v in location2.items() if v == "Bus 4"} == {"9", "10", "11", "O'1", "P200"}
    assert location2["P123"] == "Bus 7" and location2["100"] is None  # not selected


@pytest.mark.parametrize("blank", ["", "   "])
def test_change_location2_to_blank_removes_it(small_db, blank):
    utility = small_db.utility("change-location2")
    plan, rows, report = run(small_db, "change-location2", {}, {"location2": blank})
    # The operators have none: the aide unchanged, the operator's own account skipped.
    assert plan.counts == store.Counts(matched=14, change=3, unchanged=10, skip=1)
    assert (rows["10"].current, rows["10"].new, utility.show(rows["10"].new)) == (
        "Bus 4",
        None,
        "(none)",
    )
    assert utility.show(rows["9"].current) == "(none)"
    assert (rows["9"].outcome, rows["9"].reason) == ("unchanged", "already has none")
    assert journal(small_db, report.operation_id) == [
        (
            "patrons",
            2,
            "update",
            {"location2": "Bus 4", "modified": STAMP},
            {"location2": None, "modified": NOW},
        ),
        (
            "patrons",
            5,
            "update",
            {"location2": "Bus 7", "modified": STAMP},
            {"location2": None, "modified": NOW},
        ),
        (
            "patrons",
            7,
            "update",
            {"location2": "Bus 4", "modified": STAMP},
            {"location2": None, "modified": NOW},
        ),
    ]
    assert count(small_db, "patrons", "location2 IS NOT NULL") == 0  # NULL, not ''
    assert small_db.choices("location2") == []
    assert changes(small_db, report.operation_id)["10"] == ("change", None, "Bus 4", None)
    assert_operation(small_db, report, "change-location2", plan.counts, {"location2": ""}, {})


def test_change_location2_longer_than_50_is_invalid(small_db):
    with pytest.raises(store.Invalid) as info:
        small_db.plan("change-location2", {}, {"location2": "x" * 51}, ADMIN)
    [problem] = info.value.problems
    assert (problem.field, problem.title) == ("location2", "Change 2nd Location to")
    assert "at most 50" in problem.message
    assert count(small_db, "operations") == 0
