"""Advance Grade, 2nd Location, Policy, Move to Site, Reassign Union Site: plan, apply, journal
and the database afterwards, on small_db (conftest) plus the rows each test needs.

Renew and the three Remove utilities are in test_more_utilities_renew_remove.py."""
from __future__ import annotations

import pytest

import store

from ..operators import ADMIN
from .store_helpers import (
    NOW,
    STAMP,
    assert_operation,
    changes,
    column,
    count,
    journal,
    rows_of,
    run,
    set_preference,
)

# -- Advance Patron Grade ------------------------------------------------------------------


def test_advance_grade_moves_each_patron_one_grade_along_the_table(small_db):
    # A grade the table does not know (an old import; the foreign key was off then).
    small_db.db.execute("PRAGMA foreign_keys = OFF")
    small_db.db.execute("UPDATE patrons SET grade = '13' WHERE barcode = 'O''1'")
    small_db.db.execute("PRAGMA foreign_keys = ON")
    plan, rows, report = run(small_db, "advance-grade", {}, {})
    assert plan.counts == store.Counts(matched=14, change=8, unchanged=2, skip=4)
    moved = {"9": ("K", "1"), "11": ("PK", "K"), "10": ("5", "6"), "99": ("1", "2"),
             "p150": ("7", "8"), "P123": ("9", "10"), "100": ("12", "Graduated"),
             "101": ("12", "Graduated")}
    expected = {b: ("change", None, old, new) for b, (old, new) in moved.items()}
    expected |= {"1000": ("unchanged", "already at Last Grade", "Graduated", "Graduated"),
                 "2": ("unchanged", "already at Last Grade", "Graduated", "Graduated"),
                 "O'1": ("skip", "grade 13 is not in the grade table", "13", None),
                 "P200": ("skip", "no grade", None, None),
                 # The operator (never their own account) and the aide (staff have no grade).
                 "STAFF001": ("skip", "your own account", None, None),
                 "STAFF002": ("skip", "no grade", None, None)}
    assert {b: (r.outcome, r.reason, r.current, r.new) for b, r in rows.items()} == expected
    assert changes(small_db, report.operation_id) == expected
    assert_operation(small_db, report, "advance-grade", plan.counts, {}, {})
    ids = dict(small_db.db.execute("SELECT barcode, id FROM patrons").fetchall())
    assert journal(small_db, report.operation_id) == sorted(
        ("patrons", ids[b], "update", {"grade": old, "modified": STAMP},
         {"grade": new, "modified": NOW})
        for b, (old, new) in moved.items())
    grade, modified = column(small_db, "grade"), column(small_db, "modified")
    assert {b: grade[b] for b in moved} == {b: new for b, (_, new) in moved.items()}
    assert (grade["1000"], grade["2"], grade["O'1"], grade["P200"]) == ("Graduated", "Graduated",
                                                                        "13", None)
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
        assert (rows[barcode].outcome, rows[barcode].reason) == ("unchanged", "already at Last Grade")
    for barcode in ("1000", "2"):
        assert (rows[barcode].outcome, rows[barcode].reason) == (
            "skip", "no grade after Graduated in the grade table")
    grade = column(small_db, "grade")
    assert (grade["9"], grade["p150"], grade["99"], grade["100"], grade["1000"]) == (
        "2", "1", "3", "12", "Graduated")
    assert (rows["P200"].outcome, rows["P200"].reason) == ("skip", "no grade")
    assert plan.counts == store.Counts(matched=14, change=7, unchanged=2, skip=5)
    assert count(small_db, "operation_rows") == 7


def test_advance_grade_respects_the_selection(small_db):
    plan, rows, report = run(small_db, "advance-grade", {"grades": ["12", "PK"]}, {})
    assert set(rows) == {"100", "101", "11"}
    assert {b: column(small_db, "grade")[b] for b in rows} == {"100": "Graduated",
                                                                "101": "Graduated", "11": "K"}
    assert column(small_db, "grade")["9"] == "K"  # not selected


def test_advance_grade_has_no_options_and_reminds_about_policies(small_db):
    utility = small_db.utility("advance-grade")
    assert "Change Patron Policy" in utility.reminder
    assert utility.Options.model_fields == {}
    with pytest.raises(store.Invalid) as info:
        small_db.plan("advance-grade", {}, {"grade": "K"}, ADMIN)
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("grade", "is not a field of this form")]


# -- Change Patron 2nd Location -----------------------------------------------------------------


def test_change_location2_sets_it_and_keeps_those_who_have_it(small_db):
    plan, rows, report = run(small_db, "change-location2", {"sites": ["ELM"]},
                             {"location2": "Bus 4"})
    # ELM: Carter and Bell are on Bus 4 already; Adams, O'Brien and Zimmer have none.
    assert plan.counts == store.Counts(matched=5, change=3, unchanged=2, skip=0)
    assert changes(small_db, report.operation_id) == {
        "10": ("unchanged", "already Bus 4", "Bus 4", "Bus 4"),
        "11": ("unchanged", "already Bus 4", "Bus 4", "Bus 4"),
        "9": ("change", None, None, "Bus 4"), "O'1": ("change", None, None, "Bus 4"),
        "P200": ("change", None, None, "Bus 4")}
    assert journal(small_db, report.operation_id) == [
        ("patrons", pid, "update", {"location2": None, "modified": STAMP},
         {"location2": "Bus 4", "modified": NOW}) for pid in (1, 10, 11)]
    assert_operation(small_db, report, "change-location2", plan.counts, {"location2": "Bus 4"},
                     {"sites": ["ELM"]})
    location2 = column(small_db, "location2")
    assert {b for b, v in location2.items() if v == "Bus 4"} == {"9", "10", "11", "O'1", "P200"}
    assert location2["P123"] == "Bus 7" and location2["100"] is None  # not selected


@pytest.mark.parametrize("blank", ["", "   "])
def test_change_location2_to_blank_removes_it(small_db, blank):
    utility = small_db.utility("change-location2")
    plan, rows, report = run(small_db, "change-location2", {}, {"location2": blank})
    # The operators have none: the aide unchanged, the operator's own account skipped.
    assert plan.counts == store.Counts(matched=14, change=3, unchanged=10, skip=1)
    assert (rows["10"].current, rows["10"].new, utility.show(rows["10"].new)) == ("Bus 4", None,
                                                                                   "(none)")
    assert utility.show(rows["9"].current) == "(none)"
    assert (rows["9"].outcome, rows["9"].reason) == ("unchanged", "already has none")
    assert journal(small_db, report.operation_id) == [
        ("patrons", 2, "update", {"location2": "Bus 4", "modified": STAMP},
         {"location2": None, "modified": NOW}),
        ("patrons", 5, "update", {"location2": "Bus 7", "modified": STAMP},
         {"location2": None, "modified": NOW}),
        ("patrons", 7, "update", {"location2": "Bus 4", "modified": STAMP},
         {"location2": None, "modified": NOW})]
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


# -- Change Patron Policy -------------------------------------------------------------------------


@pytest.fixture
def loans(small_db):
    """Current loans of Adams (Elementary), Carter (Elementary) and Cobb (Secondary)."""
    small_db.db["items"].insert_all([{"id": i, "barcode": f"3000{i}", "title": f"Book {i}"}
                                     for i in (1, 2, 3)])
    small_db.db["checkouts"].insert_all([
        {"id": 1, "item_id": 1, "patron_id": 1, "checked_out": "2026-05-20", "due_date": "2026-06-03"},
        {"id": 2, "item_id": 2, "patron_id": 2, "checked_out": "2026-05-10", "due_date": "2026-05-24"},
        {"id": 3, "item_id": 3, "patron_id": 3, "checked_out": "2026-05-10", "due_date": "2026-05-30"},
    ])
    return small_db


ELM_AND_COBB = {"barcode_from": "9", "barcode_to": "100"}  # Adams, Carter, Bell, Czerny, Cobb


def test_change_policy_without_recompute_keeps_due_dates(loans):
    utility = loans.utility("change-policy")
    plan, rows, report = run(loans, "change-policy", ELM_AND_COBB, {"policy": "secondary"})
    assert plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0)
    assert (rows["100"].outcome, rows["100"].reason) == ("unchanged", "already Secondary")
    assert utility.notice(plan.options) == ("Current loans keep their due dates "
                                            "(Recompute due dates is off).")
    assert journal(loans, report.operation_id) == [
        ("patrons", pid, "update", {"policy": "Elementary", "modified": STAMP},
         {"policy": "Secondary", "modified": NOW})
        for pid in (1, 2, 6, 7)]
    assert [c["due_date"] for c in rows_of(loans, "checkouts")] == ["2026-06-03", "2026-05-24",
                                                                    "2026-05-30"]
    policy = column(loans, "policy")
    assert {b for b, p in policy.items() if p == "Elementary"} == {"O'1", "P200"}
    outcomes = changes(loans, report.operation_id)
    assert outcomes == {"100": ("unchanged", "already Secondary", "Secondary", "Secondary"),
                        **{b: ("change", None, "Elementary", "Secondary")
                           for b in ("9", "10", "11", "99")}}
    assert_operation(loans, report, "change-policy", plan.counts,
                     {"policy": "Secondary", "recompute_due_dates": False}, ELM_AND_COBB)


def test_change_policy_with_recompute_gives_current_loans_the_new_loan_period(loans):
    utility = loans.utility("change-policy")
    options = {"policy": "Secondary", "recompute_due_dates": True}
    plan, rows, report = run(loans, "change-policy", ELM_AND_COBB, options)
    assert utility.notice(plan.options) is None  # the tally says it, counted
    # Two of the three loans belong to patrons who change (Cobb is already Secondary).
    assert plan.tally == ("2 current loans of the patrons to change will get due dates from "
                          "the loan period of Secondary.")
    assert report.effects == ("2 current loans of the changed patrons got due dates from the "
                              "loan period of Secondary.")
    assert loans.operation(report.operation_id)["effects"] == report.effects
    # Secondary lends for 21 days, counted from the day each item was checked out.
    due = {c["id"]: c["due_date"] for c in rows_of(loans, "checkouts")}
    assert due == {1: "2026-06-10", 2: "2026-05-31",
                   3: "2026-05-30"}  # Cobb was already Secondary: not changed, loan untouched
    assert journal(loans, report.operation_id) == [
        ("checkouts", 1, "update", {"due_date": "2026-06-03"}, {"due_date": "2026-06-10"}),
        ("checkouts", 2, "update", {"due_date": "2026-05-24"}, {"due_date": "2026-05-31"}),
        *[("patrons", pid, "update", {"policy": "Elementary", "modified": STAMP},
           {"policy": "Secondary", "modified": NOW})
          for pid in (1, 2, 6, 7)]]
    assert_operation(loans, report, "change-policy", store.Counts(5, 4, 1, 0), options)


def test_the_undo_of_a_recompute_says_it_put_the_loans_back(loans):
    before = [(c["id"], c["due_date"]) for c in rows_of(loans, "checkouts")]
    _, _, report = run(loans, "change-policy", ELM_AND_COBB,
                       {"policy": "Secondary", "recompute_due_dates": True})
    undone = loans.undo(report.operation_id, ADMIN)
    assert [(c["id"], c["due_date"]) for c in rows_of(loans, "checkouts")] == before
    assert loans.operation(undone.operation_id)["effects"] == "Also put back: 2 loans."
    # An undo of patrons' own values only says nothing more.
    _, _, plain = run(loans, "change-policy", ELM_AND_COBB, {"policy": "Secondary"})
    assert loans.operation(loans.undo(plain.operation_id, ADMIN).operation_id)["effects"] is None


def test_change_policy_records_the_loans_re_dated_at_the_moment_of_writing(loans):
    plan = loans.plan("change-policy", {"barcode_from": "100", "barcode_to": "100"},
                      {"policy": "Elementary", "recompute_due_dates": True}, ADMIN)
    assert plan.tally.startswith("1 current loan of the patrons to change")
    # Another loan for Cobb lands between the preview and the apply: the result counts it.
    item = loans.db.execute("INSERT INTO items (barcode, title) VALUES ('T9', 'Atlas')").lastrowid
    loans.db.execute("INSERT INTO checkouts (item_id, patron_id, checked_out, due_date) "
                     "SELECT ?, id, '2026-05-20', '2026-06-10' FROM patrons WHERE barcode = '100'",
                     [item])
    report = loans.apply(plan)
    assert report.effects.startswith("2 current loans of the changed patrons got due dates")
    assert count(loans, "operation_rows", "operation_id = ? AND table_name = 'checkouts'",
                 report.operation_id) == 2


def test_change_policy_without_recompute_records_no_effects(loans):
    plan, _, report = run(loans, "change-policy", ELM_AND_COBB, {"policy": "Secondary"})
    assert (plan.tally, report.effects, loans.operation(report.operation_id)["effects"]) == (
        None, None, None)


def test_change_policy_recompute_uses_the_new_policys_period_whichever_way(loans):
    loans.db.execute("UPDATE policies SET loan_days = 7 WHERE name = 'Elementary'")
    run(loans, "change-policy", {"barcode_from": "100", "barcode_to": "100"},
        {"policy": "Elementary", "recompute_due_dates": True})
    assert [c["due_date"] for c in rows_of(loans, "checkouts")] == ["2026-06-03", "2026-05-24",
                                                                    "2026-05-17"]


@pytest.mark.parametrize("options, message", [
    ({"policy": "Staff"}, "'Staff' is not in the policies; allowed: Elementary, Secondary"),
    ({}, "a value is required; choose one of: Elementary, Secondary"),
])
def test_change_policy_accepts_only_existing_policies(loans, options, message):
    with pytest.raises(store.Invalid) as info:
        loans.plan("change-policy", {}, options, ADMIN)
    [problem] = info.value.problems
    assert (problem.field, problem.title, problem.message) == ("policy", "Change Policy to", message)
    assert count(loans, "operations") == 0
    assert count(loans, "patrons", "policy = 'Staff'") == 0


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
    plan, rows, report = run(small_db, "move-to-site", {"grades": ["12", "Graduated", "1"]},
                             {"site": "high"})
    # Cobb, de la Cruz and Davis are at HIGH already; Chen (UNION) and Czerny (UNION) move.
    assert plan.counts == store.Counts(matched=5, change=2, unchanged=3, skip=0)
    assert changes(small_db, report.operation_id)["101"] == ("unchanged", "already HIGH", "HIGH",
                                                             "HIGH")
    assert journal(small_db, report.operation_id) == [
        ("patrons", 6, "update", {"site": "UNION", "modified": STAMP},
         {"site": "HIGH", "modified": NOW}),
        ("patrons", 9, "update", {"site": "UNION", "modified": STAMP},
         {"site": "HIGH", "modified": NOW})]
    assert_operation(small_db, report, "move-to-site", plan.counts, {"site": "HIGH"},
                     {"grades": ["12", "Graduated", "1"]})
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
    assert problem.message == (f"{site!r} is not in the sites (not the Union Site); "
                               "allowed: ELM, HIGH, OFFICE")
    assert count(small_db, "operations") == 0


# -- Reassign Union Site Patrons ------------------------------------------------------------------


def test_reassign_union_site_with_no_selection_takes_only_union_patrons(small_db):
    utility = small_db.utility("reassign-union-site")
    assert utility.fixed_description == "Always: only patrons of the Union Site"
    plan, rows, report = run(small_db, "reassign-union-site", {}, {"site": "ELM"})
    assert set(rows) == {"2", "99"}
    assert plan.counts == store.Counts(matched=2, change=2, unchanged=0, skip=0)
    assert changes(small_db, report.operation_id) == {"2": ("change", None, "UNION", "ELM"),
                                                      "99": ("change", None, "UNION", "ELM")}
    assert journal(small_db, report.operation_id) == [
        ("patrons", 6, "update", {"site": "UNION", "modified": STAMP},
         {"site": "ELM", "modified": NOW}),
        ("patrons", 9, "update", {"site": "UNION", "modified": STAMP},
         {"site": "ELM", "modified": NOW})]
    assert_operation(small_db, report, "reassign-union-site", plan.counts, {"site": "ELM"}, {})
    site = column(small_db, "site")
    assert {b for b, v in site.items() if v == "ELM"} == {"9", "10", "11", "O'1", "P200", "2", "99"}
    assert {b for b, v in site.items() if v == "HIGH"} == {"100", "1000", "P123", "101", "p150"}


@pytest.mark.parametrize("selection, matched", [
    ({"sites": ["ELM", "HIGH"]}, set()),
    ({"grades": ["K", "12", "5"]}, set()),
    ({"sites": ["ELM", "UNION"], "grades": ["Graduated"]}, {"2"}),
    ({"barcode_from": "1", "barcode_to": "99"}, {"2", "99"}),
])
def test_reassign_union_site_never_matches_patrons_of_other_sites(small_db, selection, matched):
    plan = small_db.plan("reassign-union-site", selection, {"site": "HIGH"}, ADMIN)
    assert {r.barcode for r in plan.page(0, 100)} == matched
    assert plan.counts.matched == plan.counts.change == len(matched)
    small_db.apply(plan)
    site = column(small_db, "site")
    assert {b for b, v in site.items() if v == "UNION"} == {"2", "99"} - matched
    assert count(small_db, "operation_rows") == len(matched)
