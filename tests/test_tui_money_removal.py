"""Forgive Charges and Remove Patrons driven by keys at 80×24, like a librarian: the picker,
the forms, the preview, the confirm (typed, for a removal) and the apply, asserting the
database afterwards — and that nothing at all is written when a step is refused or cancelled."""
from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Input, OptionList, Static, TabbedContent

from tui.screens.confirm import ConfirmScreen, TypedConfirmScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen

from .tui_helpers import app_for, demo_db, query, settle

SIZE = (80, 24)
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


@pytest.fixture
def path(tmp_path):
    return demo_db(tmp_path)


# -- helpers -----------------------------------------------------------------------------------


def tables(path) -> list[str]:
    return [r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def everything(path) -> dict[str, list]:
    """Every row of every table: 'nothing was written' compares two of these. Ordered by
    every column, as a WITHOUT ROWID table (operation_changes) has no rowid."""
    out = {}
    for table in tables(path):
        width = len(query(path, f"PRAGMA table_info('{table}')"))
        order = ", ".join(str(n) for n in range(1, width + 1))
        out[table] = query(path, f"SELECT * FROM {table} ORDER BY {order}")
    return out


def query_write(path, sql: str, *params) -> None:
    """Test data the demo lacks, added before the app opens the database."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def balances(path) -> dict[int, int]:
    return dict(query(path, BALANCE_SQL))


def ids(path, sql: str, *params) -> set:
    return {r[0] for r in query(path, sql, *params)}


def rendered(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def tab_label(app, tab_id: str) -> str:
    return str(app.screen.query_one(TabbedContent).get_tab(tab_id).label)


async def open_first(pilot, phrase: str, title: str) -> None:
    """Type ``phrase`` in the picker's filter; ``title`` must be listed first (the one
    holding the whole phrase), highlighted; Enter opens it."""
    await settle(pilot)
    await pilot.press(*phrase)
    await settle(pilot)
    options = pilot.app.screen.query_one("#utilities", OptionList)
    assert options.highlighted == 0
    assert str(options.get_option_at_index(0).prompt) == title
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, UtilityScreen)
    assert pilot.app.screen.utility.title == title


def focused_id(app) -> str | None:
    return app.focused.id if app.focused is not None else None


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
    # credit must outlive the forgiving (credits are never forgiven).
    [(credited,)] = query(path, """
        SELECT p.id FROM patrons p WHERE NOT EXISTS (SELECT 1 FROM checkouts k WHERE k.patron_id = p.id)
        AND (SELECT count(*) FROM charges c WHERE c.patron_id = p.id) = 1
        AND (SELECT amount FROM charges c WHERE c.patron_id = p.id AND NOT is_credit) = 350
        ORDER BY p.id LIMIT 1""")
    query_write(path, "INSERT INTO charges (patron_id, amount, description, note, transaction_date, "
                      "is_credit) VALUES (?, 300, 'Credit', '', '2026-05-01', 1)", credited)
    before = balances(path)
    in_range = {pid for pid, cents in before.items() if 1 <= cents <= 99}
    assert credited in in_range and before[credited] == 50
    credits = query(path, "SELECT * FROM charges WHERE is_credit ORDER BY id")
    others_charges = query(path, "SELECT * FROM charges WHERE patron_id NOT IN (%s) ORDER BY id"
                           % ",".join(map(str, in_range)))
    others_loans = query(path, "SELECT * FROM checkouts WHERE patron_id NOT IN (%s) ORDER BY id"
                         % ",".join(map(str, in_range)))
    to_forgive = query(path, "SELECT id, patron_id FROM charges WHERE NOT is_credit AND patron_id IN "
                             "(%s) ORDER BY id" % ",".join(map(str, in_range)))
    history_before = query(path, "SELECT count(*) FROM history")[0][0]

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "forgive", "Forgive Charges")
        await type_balance(pilot, "0.01", "0.99")
        await choose_first_category(pilot)
        await pilot.press("f5")
        await settle(pilot)
        counts = rendered(app, "#counts")
        assert "will be forgiven" in counts
        assert f"Matched {len(in_range)} · will change {len(in_range)} ·" in counts
        screen = app.screen
        previewed = {row.patron_id for row in screen.rows}
        assert previewed == in_range
        assert screen.plan.counts.change == len(in_range)
        total = sum(before[pid] for pid in in_range) + 300  # the credit is not forgiven
        assert f"In all, ${total // 100}.{total % 100:02d} will be forgiven." in counts
        await pilot.press("f9")
        await settle(pilot)
        assert type(app.screen) is ConfirmScreen
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)

    after = balances(path)
    assert all(after[pid] <= 0 for pid in previewed), {p: after[p] for p in previewed}
    assert after[credited] == -300
    assert {pid: after[pid] for pid in after if pid not in previewed} == \
        {pid: before[pid] for pid in before if pid not in previewed}
    # Their non-credit charges are gone, each leaving a 'forgiven' history entry (plus one
    # per forgiven accruing fine); credits and everyone else's charges and loans stay.
    assert query(path, "SELECT count(*) FROM charges WHERE NOT is_credit AND patron_id IN (%s)"
                 % ",".join(map(str, previewed))) == [(0,)]
    assert query(path, "SELECT * FROM charges WHERE is_credit ORDER BY id") == credits
    assert query(path, "SELECT * FROM charges WHERE patron_id NOT IN (%s) ORDER BY id"
                 % ",".join(map(str, previewed))) == others_charges
    assert query(path, "SELECT * FROM checkouts WHERE patron_id NOT IN (%s) ORDER BY id"
                 % ",".join(map(str, previewed))) == others_loans
    forgiven = query(path, "SELECT patron_id, detail, date FROM history WHERE kind = 'forgiven' "
                           "ORDER BY id")
    fined = ids(path, "SELECT patron_id FROM checkouts WHERE fines_from = '2026-06-01'")
    assert len(forgiven) == len(to_forgive) + query(
        path, "SELECT count(*) FROM checkouts WHERE fines_from = '2026-06-01'")[0][0]
    assert query(path, "SELECT count(*) FROM history")[0][0] == history_before + len(forgiven)
    assert {pid for pid, _, _ in forgiven} == previewed
    assert {pid for _, pid in to_forgive} | fined == previewed
    assert all(d == "2026-06-01" and d_.startswith("Forgave $") and "(operation #1)" in d_
               for _, d_, d in forgiven)
    assert query(path, "SELECT utility, operator, matched, changed, unchanged, skipped "
                       "FROM operations") == [
        ("forgive-charges", "tester", len(previewed), len(previewed), 0, 0)]


@pytest.mark.parametrize("low, high, field, message", [
    ("1.005", "", "balance_from", "'1.005' has more than two decimals: amounts are in whole cents"),
    ("0.99", "0.01", "balance_to", "'0.01' is before the start of the range, '0.99'"),
])
async def test_forgive_with_a_bad_patron_balance_is_refused(path, low, high, field, message):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "forgive", "Forgive Charges")
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
        await open_first(pilot, "forgive", "Forgive Charges")
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


# -- Remove Patrons ------------------------------------------------------------------------------

GRADUATED = "SELECT id FROM patrons WHERE grade = 'Graduated'"
HOLDING = ("EXISTS (SELECT 1 FROM checkouts k WHERE k.patron_id = p.id) OR "
           "EXISTS (SELECT 1 FROM charges c WHERE c.patron_id = p.id)")


async def choose_graduated(pilot) -> None:
    """Tab down to Patrons in Grade, jump to its last entry (Graduated) and tick it."""
    app = pilot.app
    for _ in range(10):
        if focused_id(app) == "input-grades":
            break
        await pilot.press("tab")
    assert focused_id(app) == "input-grades"
    await pilot.press("end", "space")
    await settle(pilot)
    assert list(app.screen.query_one("#input-grades").selected) == ["Graduated"]


async def typed_confirm(pilot) -> TypedConfirmScreen:
    await pilot.press("f9")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TypedConfirmScreen)
    assert focused_id(pilot.app) == "dialog-typed"
    return screen


async def test_remove_graduated_patrons_needs_the_typed_number(path):
    graduated = ids(path, GRADUATED)
    holding = ids(path, f"SELECT id FROM patrons p WHERE grade = 'Graduated' AND ({HOLDING})")
    removable = graduated - holding
    assert len(removable) == 10 and len(holding) == 11
    # Demo graduates wrote no reviews: give two removable ones and a kept one a review each.
    two = sorted(removable)[:2]
    kept_writer = min(holding)
    for pid in (*two, kept_writer):
        query_write(path, "INSERT INTO reviews (patron_id, title, text) VALUES (?, 'Holes', 'Fine')",
                    pid)
    their_reviews = ids(path, "SELECT id FROM reviews WHERE patron_id IN (?, ?)", *two)
    other_reviews = query(path, "SELECT * FROM reviews WHERE patron_id NOT IN (?, ?) ORDER BY id",
                          *two)
    kept_rows = query(path, "SELECT * FROM patrons WHERE id NOT IN (%s) ORDER BY id"
                      % ",".join(map(str, removable)))
    assert query(path, "SELECT count(*) FROM patrons WHERE is_unknown") == [(0,)]
    before = everything(path)

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "remove patrons", "Remove Patrons")
        await choose_graduated(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert focused_id(app) == "input-force"
        assert app.screen.query_one("#input-force").value is False
        await pilot.press("f5")
        await settle(pilot)
        plan = app.screen.plan
        assert plan.counts.matched == len(graduated)
        assert plan.counts.change == len(removable)
        assert plan.counts.skip == len(holding)
        assert "skipped" in rendered(app, "#counts")
        expected = str(plan.counts.change)

        # A wrong number: the modal stays, says so, and nothing is written.
        screen = await typed_confirm(pilot)
        assert f"Type {expected} — the number of patrons that will be removed" in \
            rendered(app, "#dialog-keys")
        await pilot.press(*str(len(graduated)), "enter")
        await settle(pilot)
        assert app.screen is screen
        problem = rendered(app, "#dialog-problem")
        assert f"You typed '{len(graduated)}', not {expected}: nothing was removed." in problem
        assert screen.query_one("#dialog-typed", Input).value == ""
        assert everything(path) == before

        # 'y' and Enter, which apply any other utility, do not apply a removal.
        await pilot.press("y", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert "You typed nothing, not" in rendered(app, "#dialog-problem")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert everything(path) == before

        # Escape cancels: back on the preview, still nothing written.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
        assert app.screen.plan is plan
        assert everything(path) == before

        # The right number applies.
        screen = await typed_confirm(pilot)
        assert rendered(app, "#dialog-problem") == ""  # a fresh dialog: no old message
        await pilot.press(*expected, "enter")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)

    assert ids(path, "SELECT id FROM patrons WHERE id IN (%s)" % ",".join(map(str, removable))) == set()
    assert ids(path, GRADUATED) == holding
    # Everyone else, the skipped graduates included, is exactly as before.
    assert query(path, "SELECT * FROM patrons WHERE NOT is_unknown ORDER BY id") == kept_rows
    [(unknown, name)] = query(path, "SELECT id, last_name FROM patrons WHERE is_unknown")
    assert name == "Unknown Patron"
    assert ids(path, "SELECT id FROM reviews WHERE patron_id = ?", unknown) == their_reviews
    assert query(path, "SELECT * FROM reviews WHERE id NOT IN (%s) ORDER BY id"
                 % ",".join(map(str, their_reviews))) == other_reviews
    assert ids(path, "SELECT patron_id FROM reviews WHERE patron_id = ?", kept_writer) == {kept_writer}
    for table in ("notes", "history", "holds", "reservations", "patron_emails", "pictures"):
        assert query(path, f"SELECT count(*) FROM {table} WHERE patron_id IN (%s)"
                     % ",".join(map(str, removable))) == [(0,)], table
    assert query(path, "PRAGMA foreign_key_check") == []
    assert query(path, "SELECT count(*) FROM items WHERE status = 'Lost'") == [(0,)]
    assert query(path, "SELECT utility, matched, changed, unchanged, skipped FROM operations") == [
        ("remove-patrons", len(graduated), len(removable), 0, len(holding))]


async def test_remove_graduated_patrons_with_the_option_on_declares_their_items_lost(path):
    graduated = ids(path, GRADUATED)
    loans = query(path, f"SELECT item_id, patron_id FROM checkouts WHERE patron_id IN ({GRADUATED}) "
                        "ORDER BY item_id")
    their_items = {item for item, _ in loans}
    other_items = query(path, "SELECT * FROM items WHERE id NOT IN (%s) ORDER BY id"
                        % ",".join(map(str, their_items)))
    assert len(graduated) == 21 and len(their_items) == 15

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "remove patrons", "Remove Patrons")
        await choose_graduated(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert focused_id(app) == "input-force"
        await pilot.press("space")
        await settle(pilot)
        assert app.screen.query_one("#input-force").value is True
        await pilot.press("f5")
        await settle(pilot)
        plan = app.screen.plan
        assert (plan.counts.matched, plan.counts.change, plan.counts.skip) == (21, 21, 0)
        assert "items they have out are declared lost" in rendered(app, "#counts")
        await typed_confirm(pilot)
        await pilot.press(*str(plan.counts.change), "enter")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)

    assert ids(path, GRADUATED) == set()
    assert query(path, "SELECT count(*) FROM patrons WHERE id IN (%s)"
                 % ",".join(map(str, graduated))) == [(0,)]
    assert query(path, "SELECT id FROM items WHERE status = 'Lost' ORDER BY id") == \
        [(i,) for i in sorted(their_items)]
    assert query(path, "SELECT * FROM items WHERE id NOT IN (%s) ORDER BY id"
                 % ",".join(map(str, their_items))) == other_items
    assert query(path, "SELECT count(*) FROM checkouts WHERE item_id IN (%s)"
                 % ",".join(map(str, their_items))) == [(0,)]
    assert query(path, "SELECT count(*) FROM charges WHERE patron_id IN (%s)"
                 % ",".join(map(str, graduated))) == [(0,)]
    lost = query(path, "SELECT item_id, kind, detail, date FROM item_history ORDER BY item_id")
    assert [i for i, *_ in lost] == sorted(their_items)
    assert all(kind == "lost" and "removed by Remove Patrons (operation #1)" in detail
               and date == "2026-06-01" for _, kind, detail, date in lost)
    assert query(path, "PRAGMA foreign_key_check") == []
    assert query(path, "SELECT utility, matched, changed, skipped FROM operations") == [
        ("remove-patrons", 21, 21, 0)]


# -- the typed confirmation from the keyboard ---------------------------------------------------


async def test_tab_in_the_typed_confirmation_reaches_the_hidden_end_of_the_summary(path):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "remove patrons", "Remove Patrons")
        await choose_graduated(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = await typed_confirm(pilot)
        body = screen.query_one("#dialog-scroll")
        assert "Records will be removed; the journal keeps a copy of each." in \
            rendered(app, "#dialog-body")
        assert body.max_scroll_y > 0  # the warning is below the fold …
        assert [w.id for w in screen.focus_chain] == ["dialog-scroll", "dialog-typed"]
        await pilot.press("tab")  # … and Tab should lead to it
        await settle(pilot)
        try:
            assert focused_id(app) == "dialog-scroll"
        finally:
            assert everything(path) == before


async def test_a_misplaced_comma_is_not_the_number_typed_exactly(path):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "remove patrons", "Remove Patrons")
        await choose_graduated(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.plan.counts.change == 10
        screen = await typed_confirm(pilot)
        await pilot.press(*"1,0", "enter")
        await settle(pilot)
        assert app.screen is screen, "'1,0' applied the removal"
    assert everything(path) == before
