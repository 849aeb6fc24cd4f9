"""Forgive Charges applied: what is deleted, recorded and journaled; who may forgive."""

from __future__ import annotations

import datetime as dt

import pytest

import store
from store import clock
from store.security import FORGIVE

from ..operators import ADMIN, AIDE
from .forgive_helpers import (
    ADAMS,
    ADAMS_ONLY,
    ALL,
    BELL,
    CARTER,
    COBB,
    KEY,
    OVERDUE,
    balances,
    charge,
    charge_ids,
    lend,
    preview,
)
from .runs import NOW, changes, count, journal, rows_of, run

# -- apply: what is deleted, recorded and journaled -----------------------------------------------


@pytest.fixture
def to_forgive(small_db):
    """Adams ("9"): two charges, a credit and a loan 10 days overdue (50c); Carter ("10"): one
    charge; Bell ("11"): a loan forgiven before (fines_from 05/27: 25c); Cobb ("100", HIGH)
    a charge outside the selection (ELM)."""
    s = small_db
    s.db["history"].insert(
        {"patron_id": ADAMS, "kind": "payment", "detail": "Paid $1.00", "date": "2026-02-01"}
    )
    ids = {
        "lost": charge(s, ADAMS, 1299, "Lost", "2026-03-15", "Charlotte's Web"),
        "printing": charge(s, ADAMS, 25, "Printing", "2026-05-20"),
        "credit": charge(s, ADAMS, 100, "Credit", "2026-04-01", credit=True),
        "carter": charge(s, CARTER, 150, "Overdue Fine", "2026-05-10"),
        "cobb": charge(s, COBB, 500, "Lost", "2026-05-10"),
        "adams_loan": lend(s, ADAMS, "2026-05-22"),
        "bell_loan": lend(s, BELL, "2026-05-01", fines_from="2026-05-27"),
    }
    return s, ids


def test_apply_deletes_records_and_journals_each_forgiven_charge_and_fine(to_forgive):
    s, ids = to_forgive
    charges_before = {r["id"]: r for r in rows_of(s, "charges")}
    loans_before = {r["id"]: r for r in rows_of(s, "checkouts")}
    utility = s.utility(KEY)

    plan, rows, report = run(s, KEY, {"sites": ["ELM"]}, {"category": ALL})
    assert plan.counts == store.Counts(matched=5, change=3, unchanged=2, skip=0)
    assert {b: (r.current, r.new, r.outcome, r.reason) for b, r in rows.items()} == {
        # Adams owes $12.74 (his $1.00 credit offsets $13.74): no more than that is forgiven.
        "9": (
            1299 + 25 - 100 + 50,
            0,
            "change",
            "2 charges + 1 fine, $12.74 of $13.74 forgiven (up to the balance)",
        ),
        "10": (150, 0, "change", "1 charge, $1.50 forgiven"),
        "11": (25, 0, "change", "1 fine, $0.25 forgiven"),
        "P200": (0, 0, "unchanged", "no charges or accruing fines"),
        "O'1": (0, 0, "unchanged", "no charges or accruing fines"),
    }
    assert (utility.show(rows["9"].current), utility.show(rows["9"].new)) == ("$12.74", "$0.00")
    assert changes(s, report.operation_id)["9"] == (
        "change",
        "2 charges + 1 fine, $12.74 of $13.74 forgiven (up to the balance)",
        1274,
        0,
    )

    # Charges: the forgiven ones are gone; the credit and the unselected patron's stay. Adams's
    # fine goes first ($0.50), then his charges oldest first: the Lost fee reaches the balance
    # and is forgiven in part ($12.24 of $12.99: $0.75 left), Printing is not reached.
    assert charge_ids(s, ADAMS) == {ids["credit"], ids["lost"], ids["printing"]}
    assert s.db["charges"].get(ids["lost"])["amount"] == 75
    assert charge_ids(s, CARTER) == set()
    assert charge_ids(s, COBB) == {ids["cobb"]}
    # Loans: still checked out, fines now counted from today.
    after = {r["id"]: r for r in rows_of(s, "checkouts")}
    assert set(after) == set(loans_before)
    for loan in ("adams_loan", "bell_loan"):
        assert after[ids[loan]] == {**loans_before[ids[loan]], "fines_from": "2026-06-01"}
    assert count(s, "items") == 2

    # History: one 'forgiven' entry per charge and per accruing fine, dated today.
    op = report.operation_id
    forgiven = rows_of(s, "history", "kind = 'forgiven'")
    assert [(h["patron_id"], h["date"]) for h in forgiven] == [
        (ADAMS, "2026-06-01"),
        (CARTER, "2026-06-01"),
        (ADAMS, "2026-06-01"),
        (BELL, "2026-06-01"),
    ]
    assert [h["detail"] for h in forgiven[:2]] == [
        f"Forgave $12.24 of $12.99 Lost charged 03/15/2026 (operation #{op})",
        f"Forgave $1.50 Overdue Fine charged 05/10/2026 (operation #{op})",
    ]
    # (How the fine's start date reads: test_forgiven_fine_history_dates_the_fine_as_mm_dd_yyyy.)
    assert forgiven[2]["detail"].startswith(
        "Forgave $0.50 overdue fine accrued on Book 1 (B1) since "
    )
    assert forgiven[3]["detail"].startswith(
        "Forgave $0.25 overdue fine accrued on Book 2 (B2) since "
    )
    assert all(h["detail"].endswith(f"(operation #{op})") for h in forgiven)
    assert count(s, "history", "kind = 'payment'") == 1  # earlier history untouched

    # The journal: deleted charges whole, the one forgiven in part its amount, the history
    # inserts whole, the loans' fines_from.
    assert journal(s, op) == sorted(
        [
            ("charges", ids["carter"], "delete", charges_before[ids["carter"]], None),
            ("charges", ids["lost"], "update", {"amount": 1299}, {"amount": 75}),
        ]
        + [
            (
                "checkouts",
                ids[loan],
                "update",
                {"fines_from": loans_before[ids[loan]]["fines_from"]},
                {"fines_from": "2026-06-01"},
            )
            for loan in ("adams_loan", "bell_loan")
        ]
        + [("history", h["id"], "insert", None, h) for h in forgiven]
    )
    assert journal(s, op)[1][3] == {
        "id": ids["carter"],
        "patron_id": CARTER,
        "amount": 150,
        "description": "Overdue Fine",
        "note": "",
        "transaction_date": "2026-05-10",
        "is_credit": 0,
    }

    # The operations row, and the balances now equal the plan's new values.
    operation = s.operation(op)
    assert (operation["utility"], operation["operator"], operation["started"]) == (KEY, "demo", NOW)
    assert (operation["matched"], operation["changed"], operation["unchanged"]) == (5, 3, 2)
    assert balances(s, {"sites": ["ELM"]}) == {b: r.new for b, r in rows.items()}


def test_a_second_plan_finds_nothing_left_to_forgive(to_forgive):
    s, _ = to_forgive
    run(s, KEY, {"sites": ["ELM"]}, {"category": ALL})
    plan, rows = preview(s, ALL, {"sites": ["ELM"]})
    # Adams still has $1.00 of charges, which his $1.00 credit covers: nothing is owed.
    assert plan.counts == store.Counts(matched=5, change=0, unchanged=4, skip=1)
    assert {b: (r.current, r.new, r.reason) for b, r in rows.items()} == {
        "9": (0, 0, "no balance owed ($0.00): forgiving would leave a credit"),
        "10": (0, 0, "no charges or accruing fines"),
        "11": (0, 0, "no charges or accruing fines"),
        "P200": (0, 0, "no charges or accruing fines"),
        "O'1": (0, 0, "no charges or accruing fines"),
    }


def test_forgiven_fine_history_dates_the_fine_as_mm_dd_yyyy(to_forgive):
    """Every date a librarian reads is MM/DD/YYYY, like the charge entries' 'charged 03/15/2026'."""
    s, _ = to_forgive
    plan, rows, report = run(s, KEY, {"sites": ["ELM"]}, {"category": OVERDUE})
    op = report.operation_id
    fines = rows_of(s, "history", "kind = 'forgiven' AND detail LIKE '%accrued%'")
    assert [h["detail"] for h in fines] == [
        f"Forgave $0.50 overdue fine accrued on Book 1 (B1) since 05/22/2026 (operation #{op})",
        f"Forgave $0.25 overdue fine accrued on Book 2 (B2) since 05/27/2026 (operation #{op})",
    ]


def test_the_fine_restarts_from_today_and_accrues_again_tomorrow(to_forgive):
    s, ids = to_forgive
    run(s, KEY, {"barcode_from": "9", "barcode_to": "9"}, {"category": OVERDUE})
    assert balances(s, ADAMS_ONLY) == {"9": 1299 + 25 - 100}
    clock.fix_today(dt.date(2026, 6, 3))  # conftest's fixture resets it
    assert balances(s, ADAMS_ONLY) == {"9": 1299 + 25 - 100 + 2 * 5}


# -- who may forgive -----------------------------------------------------------------------------


def test_the_aide_may_not_forgive(to_forgive):
    s, _ = to_forgive
    entry = s.utility(KEY)
    assert FORGIVE in entry.permissions
    assert s.unavailable(entry, AIDE) == f"needs the permission '{FORGIVE}'"
    with pytest.raises(store.NotPermitted) as info:
        s.plan(KEY, {}, {"category": ALL}, AIDE)
    assert str(info.value) == (
        f"aide may not run Forgive Charges: it needs the permission '{FORGIVE}'"
    )
    assert count(s, "charges") == 5
    assert count(s, "operations") == count(s, "history", "kind = 'forgiven'") == 0
    assert s.unavailable(entry, ADMIN) is None


def test_a_plan_made_by_an_admin_is_refused_to_an_aide_at_apply(to_forgive):
    """apply re-checks the operator the plan carries."""
    s, _ = to_forgive
    plan, _ = preview(s, ALL)
    plan.operator = AIDE
    with pytest.raises(store.NotPermitted):
        s.apply(plan)
    assert count(s, "charges") == 5
    assert count(s, "operations") == 0
