"""The plan's order: last name, first name (ignoring case), then barcode, read off the
patrons_preview_order index into the plan in that order, never sorted patron by patron.

The expected order is computed here in Python, independently of SQLite: NOCASE folds
ASCII letters only, and BINARY compares code points (as UTF-8 bytes compare)."""

from __future__ import annotations

import string

import pytest

from store.plan import plan_selects

from ..operators import ADMIN
from .remove_patrons_helpers import add_unknown

NOCASE = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Ties on both names under NOCASE, barcodes that differ in case, an empty first name,
# accented capitals (after Z under NOCASE).
TIES = [
    ("t1", "smith", "Ann"),
    ("T2", "Smith", "ann"),
    ("a3", "SMITH", "ANN"),
    ("B3", "Smith", "Ann"),
    ("z9", "Smith", ""),
    ("Z8", "Smith", "Ánn"),
    ("y7", "Éluard", "Paul"),
    ("Y6", "zed", "Amy"),
    ("x5", "Zed", "amy"),
]
EVERYONE = "NOT coalesce(p.is_unknown, 0)"


@pytest.fixture
def tied(small_db):
    for barcode, last, first in TIES:
        small_db.db.execute(
            "INSERT INTO patrons (barcode, last_name, first_name, site, created, modified) "
            "VALUES (?, ?, ?, 'ELM', '2026-01-01', '2026-01-01')",
            [barcode, last, first],
        )
    add_unknown(small_db)
    return small_db


def name_order(s, where: str, barcodes: list[str] | None = None) -> list[str]:
    """Barcodes of the patrons ``where`` takes in (of those listed, if given), in name order."""
    rows = s.db.execute(f"SELECT barcode, last_name, first_name FROM patrons p WHERE {where}")
    listed = None if barcodes is None else {b.lower() for b in barcodes}
    kept = [r for r in rows if listed is None or r[0].lower() in listed]
    kept.sort(key=lambda r: (r[1].translate(NOCASE), r[2].translate(NOCASE), r[0]))
    return [r[0] for r in kept]


def rows_of(plan) -> list:
    rows = plan.page(0, 10_000)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    return rows


def test_every_patron_in_name_order_ties_broken_by_barcode(tied):
    plan = tied.plan("change-status", {}, {"status": "Inactive"}, ADMIN)
    rows = rows_of(plan)
    assert [r.barcode for r in rows] == name_order(tied, EVERYONE)
    smiths = [r.barcode for r in rows if r.name.lower().startswith("smith")]
    assert smiths == ["z9", "B3", "T2", "a3", "t1", "Z8"]


def test_listed_missing_first_in_list_order_then_set_aside_then_matched(tied):
    # 't2' and 'P150' are T2's and p150's (a list ignores case).
    listed = ["NOPE2", "t1", "UNKNOWN", "B3", "nope1", "t2", "Z8", "a3", "101", "P150"]
    selection = {"barcodes": listed}
    plan = tied.plan("change-status", selection, {"status": "Inactive"}, ADMIN)
    rows = rows_of(plan)
    found = name_order(tied, EVERYONE, listed)
    assert [r.barcode for r in rows] == ["NOPE2", "nope1", "UNKNOWN", *found]
    assert {"T2", "p150"} <= set(found)
    assert [r.reason for r in rows[:2]] == ["not found", "not found"]
    assert rows[2].reason.startswith("the Unknown Patron")
    # The first page, read without the rest, is the plan's own first rows, across each part.
    for limit in (1, 2, 3, 4, len(rows), len(rows) + 5):
        first = tied.first_rows("change-status", selection, {"status": "Inactive"}, ADMIN, limit)
        assert first == rows[:limit]


def test_fixed_where_utility_sets_aside_listed_patrons_in_name_order(tied):
    listed = ["a3", "2", "NOPE", "t1", "Y6"]  # only '2' is on the Union Site
    plan = tied.plan("reassign-union-site", {"barcodes": listed}, {"site": "HIGH"}, ADMIN)
    rows = rows_of(plan)
    aside = name_order(tied, "p.site <> 'UNION'", listed)
    assert [r.barcode for r in rows] == ["NOPE", *aside, "2"]
    assert {r.reason for r in rows[1:-1]} == {"not on the Union Site"}
    whole = tied.plan("reassign-union-site", {}, {"site": "HIGH"}, ADMIN)
    union = name_order(tied, f"p.site = 'UNION' AND {EVERYONE}")
    assert [r.barcode for r in rows_of(whole)] == union


def test_utility_with_extra_columns_keeps_name_order(tied):
    plan = tied.plan("remove-patrons", {}, {}, ADMIN)
    assert [r.barcode for r in rows_of(plan)] == name_order(tied, EVERYONE)


def query_plan(s, utility: str, selection: dict, options: dict) -> list[list[str]]:
    """EXPLAIN QUERY PLAN of each of the plan's SELECTs, in turn."""
    chosen, sel, opts = s._planned(utility, selection, options, ADMIN)
    selects, params = plan_selects(chosen, sel, opts, ADMIN)
    return [
        [row[-1] for row in s.db.execute(f"EXPLAIN QUERY PLAN {select}", params)]
        for select in selects
    ]


@pytest.mark.parametrize(
    "utility, selection, options",
    [
        ("change-status", {}, {"status": "Inactive"}),
        ("change-status", {"barcode_from": "1", "barcode_to": "500"}, {"status": "Inactive"}),
        ("change-status", {"last_name_from": "C"}, {"status": "Inactive"}),
        ("reassign-union-site", {}, {"site": "HIGH"}),
    ],
)
def test_plan_walks_the_name_index_without_a_sort(small_db, utility, selection, options):
    (steps,) = query_plan(small_db, utility, selection, options)
    assert any("USING INDEX patrons_preview_order" in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps


def test_listed_plan_sorts_only_the_listed_patrons(small_db):
    parts = query_plan(
        small_db, "change-status", {"barcodes": ["100", "NOPE"]}, {"status": "Inactive"}
    )
    # A list's few patrons are found in one pass over patrons and sorted: walking the name
    # index would look up every patron to find them.
    for steps in parts:
        assert not any("patrons_preview_order" in step for step in steps), steps
        assert any("USE TEMP B-TREE FOR ORDER BY" in step for step in steps), steps


def test_unordered_plan_holds_the_same_rows(tied):
    """The stale check at apply rebuilds the plan unordered: the same rows, in any order."""
    selection = {"barcodes": ["NOPE", "t1", "UNKNOWN", "B3", "101"]}
    chosen, sel, opts = tied._planned("change-status", selection, {"status": "Inactive"}, ADMIN)
    tables = {}
    for ordered in (True, False):
        selects, params = plan_selects(chosen, sel, opts, ADMIN, ordered=ordered)
        tables[ordered] = sorted(
            (row for select in selects for row in tied.db.execute(select, params)), key=repr
        )
    assert len(tables[True]) == 5
    assert tables[True] == tables[False]
