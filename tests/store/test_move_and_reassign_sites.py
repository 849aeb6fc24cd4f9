"""Move Patrons to Site and Reassign Union Site Patrons on small_db (conftest): a centralized
catalog needed, the Union Site never a target, only Union Site patrons reassigned."""

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
    set_preference,
)

# -- Move Patrons to Site -----------------------------------------------------------------------


@pytest.mark.parametrize("catalog", [None, "0"])
def test_move_to_site_needs_a_centralized_catalog(small_db, catalog):
    if catalog is not None:
        set_preference(small_db, "centralized_catalog", catalog)
    entry = small_db.utility("move-to-site")
    reason = small_db.unavailable(entry, ADMIN)
    assert reason == "only available to libraries with a Centralized Catalog (Preferences)"
    with pytest.raises(store.Unavailable) as info:
        small_db.plan("move-to-site", {}, {"site": "HIGH"}, ADMIN)
    assert str(info.value) == f"Move Patrons to Site cannot run: {reason}"
    assert count(small_db, "operations") == 0
    assert count(small_db, "patrons", "site = 'HIGH'") == 5


def test_move_to_site_with_a_centralized_catalog(small_db):
    set_preference(small_db, "centralized_catalog", "1")
    assert small_db.unavailable(small_db.utility("move-to-site"), ADMIN) is None
    plan, rows, report = run(
        small_db, "move-to-site", {"grades": ["12", "Graduated", "1"]}, {"site": "high"}
    )
    # Cobb, de la Cruz and Davis are at HIGH already; Chen (UNION) and Czerny (UNION) move.
    assert plan.counts == store.Counts(matched=5, change=2, unchanged=3, skip=0)
    assert changes(small_db, report.operation_id)["101"] == (
        "unchanged",
        "already HIGH",
        "HIGH",
        "HIGH",
    )
    assert journal(small_db, report.operation_id) == [
        (
            "patrons",
            6,
            "update",
            {"site": "UNION", "modified": STAMP},
            {"site": "HIGH", "modified": NOW},
        ),
        (
            "patrons",
            9,
            "update",
            {"site": "UNION", "modified": STAMP},
            {"site": "HIGH", "modified": NOW},
        ),
    ]
    assert_operation(
        small_db,
        report,
        "move-to-site",
        plan.counts,
        {"site": "HIGH"},
        {"grades": ["12", "Graduated", "1"]},
    )
    assert count(small_db, "patrons", "site = 'UNION'") == 0
    assert count(small_db, "patrons", "site = 'ELM'") == 5


@pytest.mark.parametrize("key", ["move-to-site", "reassign-union-site"])
@pytest.mark.parametrize("site", ["UNION", "union", "Nowhere"])
def test_the_union_site_cannot_be_the_target(small_db, key, site):
    set_preference(small_db, "centralized_catalog", "1")
    with pytest.raises(store.Invalid) as info:
        small_db.plan(key, {}, {"site": site}, ADMIN)
    [problem] = info.value.problems
    assert (problem.field, problem.title) == ("site", "New Site")
    assert problem.message == (
        f"{site!r} is not in the sites (not the Union Site); allowed: ELM, HIGH, OFFICE"
    )
    assert count(small_db, "operations") == 0


# -- Reassign Union Site Patrons -----------------------------------------------------------------


def test_reassign_union_site_with_no_selection_takes_only_union_patrons(small_db):
    utility = small_db.utility("reassign-union-site")
    assert utility.fixed_description == "Always: only patrons of the Union Site"
    plan, rows, report = run(small_db, "reassign-union-site", {}, {"site": "ELM"})
    assert set(rows) == {"2", "99"}
    assert plan.counts == store.Counts(matched=2, change=2, unchanged=0, skip=0)
    assert changes(small_db, report.operation_id) == {
        "2": ("change", None, "UNION", "ELM"),
        "99": ("change", None, "UNION", "ELM"),
    }
    assert journal(small_db, report.operation_id) == [
        (
            "patrons",
            6,
            "update",
            {"site": "UNION", "modified": STAMP},
            {"site": "ELM", "modified": NOW},
        ),
        (
            "patrons",
            9,
            "update",
            {"site": "UNION", "modified": STAMP},
            {"site": "ELM", "modified": NOW},
        ),
    ]
    assert_operation(small_db, report, "reassign-union-site", plan.counts, {"site": "ELM"}, {})
    site = column(small_db, "site")
    assert {b for b, v in site.items() if v == "ELM"} == {"9", "10", "11", "O'1", "P200", "2", "99"}
    assert {b for b, v in site.items() if v == "HIGH"} == {"100", "1000", "P123", "101", "p150"}


@pytest.mark.parametrize(
    "selection, matched",
    [
        ({"sites": ["ELM", "HIGH"]}, set()),
        ({"grades": ["K", "12", "5"]}, set()),
        ({"sites": ["ELM", "UNION"], "grades": ["Graduated"]}, {"2"}),
        ({"barcode_from": "1", "barcode_to": "99"}, {"2", "99"}),
    ],
)
def test_reassign_union_site_never_matches_patrons_of_other_sites(small_db, selection, matched):
    plan = small_db.plan("reassign-union-site", selection, {"site": "HIGH"}, ADMIN)
    assert {r.barcode for r in plan.page(0, 100)} == matched
    assert plan.counts.matched == plan.counts.change == len(matched)
    small_db.apply(plan)
    site = column(small_db, "site")
    assert {b for b, v in site.items() if v == "UNION"} == {"2", "99"} - matched
    assert count(small_db, "operation_rows") == len(matched)


def test_listed_patrons_not_on_the_union_site_are_skipped_with_the_reason(small_db):
    # '2' is on the Union Site; '10' is at ELM, 'p150' at HIGH; 'NOPE' is nobody's.
    listed = ["10", "2", "NOPE", "p150"]
    plan, rows, report = run(
        small_db, "reassign-union-site", {"barcodes": listed}, {"site": "HIGH"}
    )
    assert {b: (r.outcome, r.reason) for b, r in rows.items()} == {
        "NOPE": ("skip", "not found"),
        "10": ("skip", "not on the Union Site"),
        "p150": ("skip", "not on the Union Site"),
        "2": ("change", None),
    }
    assert plan.counts == store.Counts(matched=4, change=1, unchanged=0, skip=3, not_found=1)
    assert changes(small_db, report.operation_id) == {
        "NOPE": ("skip", "not found", None, None),
        "10": ("skip", "not on the Union Site", "ELM", "ELM"),  # where they are, kept
        "p150": ("skip", "not on the Union Site", "HIGH", "HIGH"),
        "2": ("change", None, "UNION", "HIGH"),
    }
    site = column(small_db, "site")
    assert (site["10"], site["p150"], site["2"]) == ("ELM", "HIGH", "HIGH")
    assert count(small_db, "operation_rows") == 1


def test_a_listed_patron_the_other_criteria_leave_out_gets_no_line(small_db):
    # '10' is not Graduated either: the operator's own criteria narrow the list as before.
    plan = small_db.plan(
        "reassign-union-site",
        {"barcodes": ["10", "2"], "grades": ["Graduated"]},
        {"site": "ELM"},
        ADMIN,
    )
    assert {r.barcode: r.outcome for r in plan.page(0, 10)} == {"2": "change"}
