"""Change Patron Policy on small_db (conftest) and its loans: due dates and fines kept or
recomputed from the new policy's loan period and fines, what the journal and the undo say of
them, existing policies only."""

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
    rows_of,
    run,
)

# -- Change Patron Policy -------------------------------------------------------------------------


@pytest.fixture
def loans(small_db):
    """Current loans of Adams (Elementary), Carter (Elementary) and Cobb (Secondary)."""
    small_db.db["items"].insert_all(
        [{"id": i, "barcode": f"3000{i}", "title": f"Book {i}"} for i in (1, 2, 3)]
    )
    small_db.db["checkouts"].insert_all(
        [
            {
                "id": 1,
                "item_id": 1,
                "patron_id": 1,
                "checked_out": "2026-05-20",
                "due_date": "2026-06-03",
            },
            {
                "id": 2,
                "item_id": 2,
                "patron_id": 2,
                "checked_out": "2026-05-10",
                "due_date": "2026-05-24",
            },
            {
                "id": 3,
                "item_id": 3,
                "patron_id": 3,
                "checked_out": "2026-05-10",
                "due_date": "2026-05-30",
            },
        ]
    )
    return small_db


ELM_AND_COBB = {"barcode_from": "9", "barcode_to": "100"}  # Adams, Carter, Bell, Czerny, Cobb


def test_change_policy_without_recompute_keeps_due_dates(loans):
    utility = loans.utility("change-policy")
    plan, rows, report = run(loans, "change-policy", ELM_AND_COBB, {"policy": "secondary"})
    assert plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0)
    assert (rows["100"].outcome, rows["100"].reason) == ("unchanged", "already Secondary")
    assert utility.notice(plan.options) == (
        "Current loans keep their due dates and fines (Recompute due dates is off)."
    )
    assert journal(loans, report.operation_id) == [
        (
            "patrons",
            pid,
            "update",
            {"policy": "Elementary", "modified": STAMP},
            {"policy": "Secondary", "modified": NOW},
        )
        for pid in (1, 2, 6, 7)
    ]
    assert [c["due_date"] for c in rows_of(loans, "checkouts")] == [
        "2026-06-03",
        "2026-05-24",
        "2026-05-30",
    ]
    policy = column(loans, "policy")
    assert {b for b, p in policy.items() if p == "Elementary"} == {"O'1", "P200"}
    outcomes = changes(loans, report.operation_id)
    assert outcomes == {
        "100": ("unchanged", "already Secondary", "Secondary", "Secondary"),
        **{b: ("change", None, "Elementary", "Secondary") for b in ("9", "10", "11", "99")},
    }
    assert_operation(
        loans,
        report,
        "change-policy",
        plan.counts,
        {"policy": "Secondary", "recompute_due_dates": False},
        ELM_AND_COBB,
    )


def test_change_policy_with_recompute_gives_current_loans_the_new_loan_period(loans):
    utility = loans.utility("change-policy")
    options = {"policy": "Secondary", "recompute_due_dates": True}
    plan, rows, report = run(loans, "change-policy", ELM_AND_COBB, options)
    assert utility.notice(plan.options) is None  # the tally says it, counted
    # Two of the three loans belong to patrons who change (Cobb is already Secondary).
    assert plan.tally == (
        "2 current loans of the patrons to change will get the loan period and fines of Secondary."
    )
    assert report.effects == (
        "2 current loans of the changed patrons got the loan period and fines of Secondary."
    )
    assert loans.operation(report.operation_id)["effects"] == report.effects
    # Secondary lends for 21 days, counted from the day each item was checked out.
    # and fined 10 cents a day up to $10.00 (Elementary: 5 cents, up to $2.00).
    due = {
        c["id"]: (c["due_date"], c["fine_per_day"], c["max_fine"])
        for c in rows_of(loans, "checkouts")
    }
    assert due == {
        1: ("2026-06-10", 10, 1000),
        2: ("2026-05-31", 10, 1000),
        3: ("2026-05-30", 10, 1000),
    }  # Cobb was already Secondary: not changed, loan untouched
    elementary = {"fine_per_day": 5, "max_fine": 200}
    secondary = {"fine_per_day": 10, "max_fine": 1000}
    assert journal(loans, report.operation_id) == [
        (
            "checkouts",
            1,
            "update",
            {"due_date": "2026-06-03", **elementary},
            {"due_date": "2026-06-10", **secondary},
        ),
        (
            "checkouts",
            2,
            "update",
            {"due_date": "2026-05-24", **elementary},
            {"due_date": "2026-05-31", **secondary},
        ),
        *[
            (
                "patrons",
                pid,
                "update",
                {"policy": "Elementary", "modified": STAMP},
                {"policy": "Secondary", "modified": NOW},
            )
            for pid in (1, 2, 6, 7)
        ],
    ]
    assert_operation(loans, report, "change-policy", store.Counts(5, 4, 1, 0), options)


def test_the_undo_of_a_recompute_says_it_put_the_loans_back(loans):
    before = rows_of(loans, "checkouts")
    _, _, report = run(
        loans, "change-policy", ELM_AND_COBB, {"policy": "Secondary", "recompute_due_dates": True}
    )
    undone = loans.undo(report.operation_id, ADMIN)
    assert rows_of(loans, "checkouts") == before  # due dates and fine terms
    assert loans.operation(undone.operation_id)["effects"] == "Also put back: 2 loans."
    # An undo of patrons' own values only says nothing more.
    _, _, plain = run(loans, "change-policy", ELM_AND_COBB, {"policy": "Secondary"})
    assert loans.operation(loans.undo(plain.operation_id, ADMIN).operation_id)["effects"] is None


def test_change_policy_records_the_loans_re_dated_at_the_moment_of_writing(loans):
    plan = loans.plan(
        "change-policy",
        {"barcode_from": "100", "barcode_to": "100"},
        {"policy": "Elementary", "recompute_due_dates": True},
        ADMIN,
    )
    assert plan.tally.startswith("1 current loan of the patrons to change")
    # Another loan for Cobb lands between the preview and the apply: the result counts it.
    item = loans.db.execute("INSERT INTO items (barcode, title) VALUES ('T9', 'Atlas')").lastrowid
    loans.db.execute(
        "INSERT INTO checkouts (item_id, patron_id, checked_out, due_date) "
        "SELECT ?, id, '2026-05-20', '2026-06-10' FROM patrons WHERE barcode = '100'",
        [item],
    )
    report = loans.apply(plan)
    assert report.effects.startswith("2 current loans of the changed patrons got the loan period")
    assert (
        count(
            loans,
            "operation_rows",
            "operation_id = ? AND table_name = 'checkouts'",
            report.operation_id,
        )
        == 2
    )


def test_change_policy_without_recompute_records_no_effects(loans):
    plan, _, report = run(loans, "change-policy", ELM_AND_COBB, {"policy": "Secondary"})
    assert (plan.tally, report.effects, loans.operation(report.operation_id)["effects"]) == (
        None,
        None,
        None,
    )


def test_change_policy_recompute_uses_the_new_policys_period_whichever_way(loans):
    loans.db.execute("UPDATE policies SET loan_days = 7 WHERE name = 'Elementary'")
    run(
        loans,
        "change-policy",
        {"barcode_from": "100", "barcode_to": "100"},
        {"policy": "Elementary", "recompute_due_dates": True},
    )
    assert [c["due_date"] for c in rows_of(loans, "checkouts")] == [
        "2026-06-03",
        "2026-05-24",
        "2026-05-17",
    ]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"policy": "Staff"}, "'Staff' is not in the policies; allowed: Elementary, Secondary"),
        ({}, "a value is required; choose one of: Elementary, Secondary"),
    ],
)
def test_change_policy_accepts_only_existing_policies(loans, options, message):
    with pytest.raises(store.Invalid) as info:
        loans.plan("change-policy", {}, options, ADMIN)
    [problem] = info.value.problems
    assert (problem.field, problem.title, problem.message) == (
        "policy",
        "Change Policy to",
        message,
    )
    assert count(loans, "operations") == 0
    assert count(loans, "patrons", "policy = 'Staff'") == 0
