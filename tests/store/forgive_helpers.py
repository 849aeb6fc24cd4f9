"""Forgive Charges on small_db: charges, loans, previews and balances in integer cents."""

from __future__ import annotations

import pytest

import store
from store.utilities.forgive_charges import ChargeCategory

from ..operators import ADMIN
from .runs import count, rows_of

# small_db (conftest): today is 2026-06-01; Elementary fines 5c a day up to 200c, Secondary
# 10c a day up to 1000c. Amounts are integer cents throughout.
KEY = "forgive-charges"
ALL, LOST, OVERDUE, OTHER = (
    ChargeCategory.ALL,
    ChargeCategory.LOST,
    ChargeCategory.OVERDUE,
    ChargeCategory.OTHER,
)
# small_db ids of the patrons these tests charge: barcode -> id.
ADAMS, CARTER, COBB, DAVIS, BELL = 1, 2, 3, 4, 7  # "9", "10", "100", "1000", "11"
ADAMS_ONLY = {"barcode_from": "9", "barcode_to": "9"}


def charge(
    s: store.Store,
    patron_id: int,
    amount: int,
    description: str = "Printing",
    date: str = "2026-05-01",
    note: str = "",
    credit: bool = False,
) -> int:
    """A charge (or credit) row; returns its id."""
    return (
        s.db["charges"]
        .insert(
            {
                "patron_id": patron_id,
                "amount": amount,
                "description": description,
                "note": note,
                "transaction_date": date,
                "is_credit": int(credit),
            }
        )
        .last_pk
    )


def lend(s: store.Store, patron_id: int, due: str, fines_from: str | None = None) -> int:
    """An item checked out to the patron, due on ``due``; returns the checkout id."""
    n = count(s, "items") + 1
    item_id = (
        s.db["items"]
        .insert({"barcode": f"B{n}", "title": f"Book {n}", "status": "Checked Out"})
        .last_pk
    )
    return (
        s.db["checkouts"]
        .insert(
            {
                "item_id": item_id,
                "patron_id": patron_id,
                "checked_out": "2026-01-02",
                "due_date": due,
                "fines_from": fines_from,
            }
        )
        .last_pk
    )


def preview(
    s: store.Store, category=ALL, selection: dict | None = None, operator=ADMIN, **dates
) -> tuple[store.Plan, dict[str, store.PlanRow]]:
    """A plan (not applied) and its rows by barcode."""
    plan = s.plan(KEY, selection or {}, {"category": category, **dates}, operator)
    return plan, {r.barcode: r for r in plan.page(0, 100)}


def balances(s: store.Store, selection: dict | None = None) -> dict[str, int]:
    """barcode -> balance in cents (the plan's current column) of the matched patrons."""
    plan, rows = preview(s, ALL, selection)
    s.discard(plan)
    return {b: r.current for b, r in rows.items()}


def problem_of(call) -> store.Problem:
    with pytest.raises(store.Invalid) as info:
        call()
    [problem] = info.value.problems
    return problem


def charge_ids(s: store.Store, patron_id: int) -> set[int]:
    return {r["id"] for r in rows_of(s, "charges", "patron_id = ?", patron_id)}
