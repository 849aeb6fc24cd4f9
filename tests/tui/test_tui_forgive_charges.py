"""Forgive Charges by keys at 80×24: forgiving under a dollar; bad balances, dates refused."""

from __future__ import annotations

import pytest
from textual.widgets import Static, TabbedContent

from tui.screens.confirm import ConfirmScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen

from ..databases import everything, query, query_write
from .pilot import SIZE, app_for, focused_id, ids, open_listed, preview_rows, rendered, settle

ALL_CHARGES = "All Charges, Fees, and Fines"

# A patron's balance as the utility computes it (store/money.py): charges less credits plus
# the fines accruing today on overdue loans, capped by the policy's maximum. Today is fixed
# at 2026-06-01 (conftest).
BALANCE_SQL = """
SELECT p.id,
  (SELECT coalesce(sum(CASE WHEN c.is_credit THEN -c.amount ELSE c.amount END), 0)
   FROM charges c WHERE c.patron_id = p.id) +
  (SELECT coalesce(sum(min(
       max(0, CAST(julianday('2026-06-01') - julianday(max(k.due_date,
           coalesce(k.fines_from, k.due_date))) AS INTEGER)) * coalesce(pol.fine_per_day, 0),
       coalesce(pol.max_fine, max(0, CAST(julianday('2026-06-01') - julianday(max(k.due_date,
           coalesce(k.fines_from, k.due_date))) AS INTEGER)) * coalesce(pol.fine_per_day, 0)))), 0)
   FROM checkouts k JOIN patrons o ON o.id = k.patron_id
   LEFT JOIN policies pol ON pol.name = o.policy WHERE k.patron_id = p.id)
FROM patrons p ORDER BY p.id
"""


# -- helpers -----------------------------------------------------------------------------------


def balances(path) -> dict[int, int]:
    return dict(query(path, BALANCE_SQL))


def tab_label(app, tab_id: str) -> str:
    return str(app.screen.query_one(TabbedContent).get_tab(tab_id).label)


async def type_balance(pilot, low: str, high: str) -> None:
    """The Selections tab opens on the Patron Balance range: type both ends."""
    assert focused_id(pilot.app) == "input-balance_from"
    await pilot.press(*low, "tab")
    assert focused_id(pilot.app) == "input-balance_to"
    await pilot.press(*high)
    await settle(pilot)


async def choose_first_category(pilot) -> None:
    """F3, then open the category list with Enter and take its first entry (All …)."""
    await pilot.press("f3")
    await settle(pilot)
    assert focused_id(pilot.app) == "input-category"
    await pilot.press("enter", "down", "enter")
    await settle(pilot)
    assert pilot.app.screen.query_one("#input-category").value == ALL_CHARGES


# -- Forgive Charges -----------------------------------------------------------------------------


async def test_forgive_charges_under_a_dollar_leaves_no_balance_and_keeps_credits(path):
    # A patron owing $3.50 with a $3.00 credit has a balance of $0.50: in the range, and the
    # credit must outlive the forgiving (credits are never forgiven). Only the $0.50 owed is
    # forgiven: no balance goes below zero.
    [(credited,)] = query(
        path,
        """
        SELECT p.id FROM patrons p
        WHERE NOT EXISTS (SELECT 1 FROM checkouts k WHERE k.patron_id = p.id)
        AND (SELECT count(*) FROM charges c WHERE c.patron_id = p.id) = 1
        AND (SELECT amount FROM charges c WHERE c.patron_id = p.id AND NOT is_credit) = 350
        ORDER BY p.id LIMIT 1""",
    )
    query_write(
        path,
        "INSERT INTO charges (patron_id, amount, description, note, transaction_date, "
        "is_credit) VALUES (?, 300, 'Credit', '', '2026-05-01', 1)",
        credited,
    )
    before = balances(path)
    in_range = {pid for pid, cents in before.items() if 1 <= cents <= 99}
    assert credited in in_range and before[credited] == 50
    credits = query(path, "SELECT * FROM charges WHERE is_credit ORDER BY id")
    others_charges = query(
        path,
        "SELECT * FROM charges WHERE patron_id NOT IN ({}) ORDER BY id".format(
            ",".join(map(str, in_range))
        ),
    )
    others_loans = query(
        path,
        "SELECT * FROM checkouts WHERE patron_id NOT IN ({}) ORDER BY id".format(
            ",".join(map(str, in_range))
        ),
    )
    to_forgive = query(
        path,
        "SELECT id, patron_id FROM charges WHERE NOT is_credit AND patron_id IN "
        "({}) ORDER BY id".format(",".join(map(str, in_range))),
    )
    history_before = query(path, "SELECT count(*) FROM history")[0][0]

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_listed(pilot, "forgive", "Forgive Charges")
        await type_balance(pilot, "0.01", "0.99")
        await choose_first_category(pilot)
        await pilot.press("f5")
        await settle(pilot)
        counts = rendered(app, "#counts")
        assert "will be forgiven" in counts
        assert f"Matched {len(in_range)} · will change {len(in_range)} ·" in counts
        screen = app.screen
        previewed = {row.patron_id for row in preview_rows(app)}
        assert previewed == in_range
        assert screen.plan.counts.change == len(in_range)
        total = sum(before[pid] for pid in in_range)  # each balance, to zero
        assert f"In all, ${total // 100}.{total % 100:02d} will be forgiven." in counts
        await pilot.press("f9")
        await settle(pilot)
        assert type(app.screen) is ConfirmScreen
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)

    after = balances(path)
    assert all(after[pid] == 0 for pid in previewed), {p: after[p] for p in previewed}
    assert after[credited] == 0
    assert {pid: after[pid] for pid in after if pid not in previewed} == {
        pid: before[pid] for pid in before if pid not in previewed
    }
    # Their non-credit charges are gone (the credited patron's $3.50 forgiven in part: $3.00
    # left against the $3.00 credit), each leaving a 'forgiven' history entry (plus one per
    # forgiven accruing fine); credits and everyone else's charges and loans stay.
    assert query(
        path,
        "SELECT patron_id, amount FROM charges WHERE NOT is_credit AND patron_id IN ({})".format(
            ",".join(map(str, previewed))
        ),
    ) == [(credited, 300)]
    assert query(path, "SELECT * FROM charges WHERE is_credit ORDER BY id") == credits
    assert (
        query(
            path,
            "SELECT * FROM charges WHERE patron_id NOT IN ({}) ORDER BY id".format(
                ",".join(map(str, previewed))
            ),
        )
        == others_charges
    )
    assert (
        query(
            path,
            "SELECT * FROM checkouts WHERE patron_id NOT IN ({}) ORDER BY id".format(
                ",".join(map(str, previewed))
            ),
        )
        == others_loans
    )
    forgiven = query(
        path, "SELECT patron_id, detail, date FROM history WHERE kind = 'forgiven' ORDER BY id"
    )
    fined = ids(path, "SELECT patron_id FROM checkouts WHERE fines_from = '2026-06-01'")
    assert (
        len(forgiven)
        == len(to_forgive)
        + query(path, "SELECT count(*) FROM checkouts WHERE fines_from = '2026-06-01'")[0][0]
    )
    assert query(path, "SELECT count(*) FROM history")[0][0] == history_before + len(forgiven)
    assert {pid for pid, _, _ in forgiven} == previewed
    assert {pid for _, pid in to_forgive} | fined == previewed
    assert all(
        d == "2026-06-01" and d_.startswith("Forgave $") and "(operation #1)" in d_
        for _, d_, d in forgiven
    )
    assert query(
        path, "SELECT utility, operator, matched, changed, unchanged, skipped FROM operations"
    ) == [("forgive-charges", "demo", len(previewed), len(previewed), 0, 0)]


@pytest.mark.parametrize(
    "low, high, field, message",
    [
        (
            "1.005",
            "",
            "balance_from",
            "'1.005' has more than two decimals: amounts are in whole cents",
        ),
        ("0.99", "0.01", "balance_to", "'0.01' is before the start of the range, '0.99'"),
    ],
)
async def test_forgive_with_a_bad_patron_balance_is_refused(path, low, high, field, message):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_listed(pilot, "forgive", "Forgive Charges")
        await type_balance(pilot, low, high)
        await choose_first_category(pilot)
        await pilot.press("f5")
        await settle(pilot)
        # Flagged on its tab, which comes forward with the field focused and its error shown.
        assert tab_label(app, "selections").endswith("Selections ⚠ 1")
        assert "⚠" not in tab_label(app, "options")
        assert app.screen.query_one(TabbedContent).active == "selections"
        assert focused_id(app) == f"input-{field}"
        assert app.screen.query_one(f"#field-{field}").has_class("-invalid")
        error = app.screen.query_one(f"#error-{field}", Static)
        assert error.display and error.region.height > 0  # on screen, not only in the DOM
        assert message in str(error.render())
        assert rendered(app, "#counts").startswith("Not previewed: fix the fields marked ⚠.")
        assert app.screen.plan is None
        await pilot.press("f9")  # nothing to apply without a preview
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
    assert everything(path) == before


async def test_forgive_with_transaction_dates_out_of_order_is_refused(path):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_listed(pilot, "forgive", "Forgive Charges")
        await type_balance(pilot, "0.01", "0.99")
        await choose_first_category(pilot)
        await pilot.press("tab")
        assert focused_id(app) == "input-transaction_from"
        await pilot.press(*"05/01/2026", "tab")
        assert focused_id(app) == "input-transaction_to"
        await pilot.press(*"04/01/2026", "f5")
        await settle(pilot)
        assert tab_label(app, "options").endswith("Options ⚠ 1")
        assert "⚠" not in tab_label(app, "selections")
        assert app.screen.query_one(TabbedContent).active == "options"
        assert focused_id(app) == "input-transaction_to"
        error = app.screen.query_one("#error-transaction_to", Static)
        assert error.display and error.region.height > 0
        assert "'04/01/2026' is before the start of the range, '05/01/2026'" in str(error.render())
        assert not app.screen.query_one("#field-transaction_from").has_class("-invalid")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
    assert everything(path) == before
