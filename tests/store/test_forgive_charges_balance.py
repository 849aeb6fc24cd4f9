"""Forgive Charges never leaves a balance below zero: at most the balance is forgiven (the
charge that reaches it in part), in the preview, the apply, the journal and its undo."""

from __future__ import annotations

import store

from ..operators import ADMIN
from .forgive_helpers import ADAMS, ALL, CARTER, balances, charge, charge_ids, lend, preview
from .runs import changes, journal, rows_of

UNDER_A_DOLLAR = {"balance_from": "0.01", "balance_to": "0.99"}


def owes_90_cents(s: store.Store) -> dict[str, int]:
    """Adams ("9"): a $1.50 charge and a $0.60 credit (balance $0.90); Carter ("10"): $0.40."""
    return {
        "late": charge(s, ADAMS, 150, "Late fee", "2026-05-01"),
        "credit": charge(s, ADAMS, 60, "Overpayment", "2026-04-01", credit=True),
        "carter": charge(s, CARTER, 40, "Printing", "2026-05-02"),
    }


def test_a_credit_is_not_deepened_only_the_balance_is_forgiven(small_db):
    s = small_db
    ids = owes_90_cents(s)
    charges_before = {r["id"]: r for r in rows_of(s, "charges")}
    plan, rows = preview(s, ALL, UNDER_A_DOLLAR)
    assert {b: (r.current, r.new, r.outcome, r.reason) for b, r in rows.items()} == {
        "9": (90, 0, "change", "1 charge, $0.90 of $1.50 forgiven (up to the balance)"),
        "10": (40, 0, "change", "1 charge, $0.40 forgiven"),
    }
    assert plan.tally == "In all, $1.30 will be forgiven."
    report = s.apply(plan)
    assert report.effects == "In all, $1.30 was forgiven."
    assert changes(s, report.operation_id)["9"] == (
        "change",
        "1 charge, $0.90 of $1.50 forgiven (up to the balance)",
        90,
        0,
    )
    # The applied balances are the previewed ones: never below zero.
    assert balances(s, {"barcodes": ["9", "10"]}) == {"9": 0, "10": 0}
    late = s.db["charges"].get(ids["late"])
    assert late == {**charges_before[ids["late"]], "amount": 60}
    assert charge_ids(s, ADAMS) == {ids["late"], ids["credit"]}
    [history] = rows_of(s, "history", "patron_id = ?", ADAMS)
    assert history["detail"] == (
        f"Forgave $0.90 of $1.50 Late fee charged 05/01/2026 (operation #{report.operation_id})"
    )
    entries = [e for e in journal(s, report.operation_id) if e[0] == "charges"]
    assert entries == [
        ("charges", ids["late"], "update", {"amount": 150}, {"amount": 60}),
        ("charges", ids["carter"], "delete", charges_before[ids["carter"]], None),
    ]
    # Undo puts the $1.50 and Carter's charge back, and removes the history entries.
    s.undo(report.operation_id, ADMIN)
    assert {r["id"]: r for r in rows_of(s, "charges")} == charges_before
    assert rows_of(s, "history", "kind = 'forgiven'") == []


def test_an_excluded_patron_keeps_the_charge_and_the_others_are_forgiven(small_db):
    s = small_db
    ids = owes_90_cents(s)
    plan, rows = preview(s, ALL, UNDER_A_DOLLAR)
    assert s.toggle_excluded(plan, rows["9"].seq) is True
    assert plan.counts == store.Counts(matched=2, change=1, unchanged=0, skip=0, excluded=1)
    assert plan.tally == "In all, $0.40 will be forgiven."
    report = s.apply(plan)
    assert changes(s, report.operation_id)["9"] == (
        "skip",
        "excluded from the preview by hand",
        90,
        90,
    )
    assert s.db["charges"].get(ids["late"])["amount"] == 150
    assert charge_ids(s, CARTER) == set()
    assert balances(s, {"barcodes": ["9", "10"]}) == {"9": 90, "10": 0}


def test_no_balance_owed_or_fines_over_the_balance_are_skipped_with_the_reason(small_db):
    s = small_db
    charge(s, ADAMS, 100, "Printing", "2026-05-01")
    charge(s, ADAMS, 150, "Overpayment", "2026-04-01", credit=True)  # balance -$0.50
    lend(s, CARTER, "2026-05-22")  # 10 days at 5c: 50c accruing
    charge(s, CARTER, 30, "Overpayment", "2026-04-01", credit=True)  # balance $0.20
    plan, rows = preview(s, ALL, {"barcodes": ["9", "10"]})
    assert {b: (r.current, r.new, r.outcome, r.reason) for b, r in rows.items()} == {
        "9": (-50, -50, "skip", "no balance owed (-$0.50): forgiving would leave a credit"),
        "10": (20, 20, "skip", "accruing fines of $0.50 are more than the balance of $0.20"),
    }
    s.apply(plan)
    assert balances(s, {"barcodes": ["9", "10"]}) == {"9": -50, "10": 20}
    assert rows_of(s, "history") == []
