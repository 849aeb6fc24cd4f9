"""Remove Patrons by keys at 80×24: the typed confirmation, the option on, Tab and commas."""

from __future__ import annotations

from textual.widgets import Input

from tui.screens.confirm import TypedConfirmScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen

from ..databases import everything, query, query_write
from .pilot import SIZE, app_for, focused_id, ids, open_listed, rendered, settle

# -- Remove Patrons ------------------------------------------------------------------------------

GRADUATED = "SELECT id FROM patrons WHERE grade = 'Graduated'"
HOLDING = (
    "EXISTS (SELECT 1 FROM checkouts k WHERE k.patron_id = p.id) OR "
    "EXISTS (SELECT 1 FROM charges c WHERE c.patron_id = p.id)"
)


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
        query_write(
            path, "INSERT INTO reviews (patron_id, title, text) VALUES (?, 'Holes', 'Fine')", pid
        )
    their_reviews = ids(path, "SELECT id FROM reviews WHERE patron_id IN (?, ?)", *two)
    other_reviews = query(
        path, "SELECT * FROM reviews WHERE patron_id NOT IN (?, ?) ORDER BY id", *two
    )
    kept_rows = query(
        path,
        "SELECT * FROM patrons WHERE id NOT IN ({}) ORDER BY id".format(
            ",".join(map(str, removable))
        ),
    )
    assert query(path, "SELECT count(*) FROM patrons WHERE is_unknown") == [(0,)]
    before = everything(path)

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_listed(pilot, "remove patrons", "Remove Patrons")
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
        assert f"Type {expected} — the number of patrons that will be removed" in rendered(
            app, "#dialog-keys"
        )
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

    assert (
        ids(path, "SELECT id FROM patrons WHERE id IN ({})".format(",".join(map(str, removable))))
        == set()
    )
    assert ids(path, GRADUATED) == holding
    # Everyone else, the skipped graduates included, is exactly as before.
    assert query(path, "SELECT * FROM patrons WHERE NOT is_unknown ORDER BY id") == kept_rows
    [(unknown, name)] = query(path, "SELECT id, last_name FROM patrons WHERE is_unknown")
    assert name == "Unknown Patron"
    assert ids(path, "SELECT id FROM reviews WHERE patron_id = ?", unknown) == their_reviews
    assert (
        query(
            path,
            "SELECT * FROM reviews WHERE id NOT IN ({}) ORDER BY id".format(
                ",".join(map(str, their_reviews))
            ),
        )
        == other_reviews
    )
    assert ids(path, "SELECT patron_id FROM reviews WHERE patron_id = ?", kept_writer) == {
        kept_writer
    }
    for table in ("notes", "history", "holds", "reservations", "patron_emails", "pictures"):
        assert query(
            path,
            f"SELECT count(*) FROM {table} WHERE patron_id IN (%s)" % ",".join(map(str, removable)),
        ) == [(0,)], table
    assert query(path, "PRAGMA foreign_key_check") == []
    assert query(path, "SELECT count(*) FROM items WHERE status = 'Lost'") == [(0,)]
    assert query(path, "SELECT utility, matched, changed, unchanged, skipped FROM operations") == [
        ("remove-patrons", len(graduated), len(removable), 0, len(holding))
    ]


async def test_remove_graduated_patrons_with_the_option_on_declares_their_items_lost(path):
    graduated = ids(path, GRADUATED)
    loans = query(
        path,
        f"SELECT item_id, patron_id FROM checkouts WHERE patron_id IN ({GRADUATED}) "
        "ORDER BY item_id",
    )
    their_items = {item for item, _ in loans}
    other_items = query(
        path,
        "SELECT * FROM items WHERE id NOT IN ({}) ORDER BY id".format(
            ",".join(map(str, their_items))
        ),
    )
    assert len(graduated) == 21 and len(their_items) == 15

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_listed(pilot, "remove patrons", "Remove Patrons")
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
    assert query(
        path, "SELECT count(*) FROM patrons WHERE id IN ({})".format(",".join(map(str, graduated)))
    ) == [(0,)]
    assert query(path, "SELECT id FROM items WHERE status = 'Lost' ORDER BY id") == [
        (i,) for i in sorted(their_items)
    ]
    assert (
        query(
            path,
            "SELECT * FROM items WHERE id NOT IN ({}) ORDER BY id".format(
                ",".join(map(str, their_items))
            ),
        )
        == other_items
    )
    assert query(
        path,
        "SELECT count(*) FROM checkouts WHERE item_id IN ({})".format(
            ",".join(map(str, their_items))
        ),
    ) == [(0,)]
    assert query(
        path,
        "SELECT count(*) FROM charges WHERE patron_id IN ({})".format(
            ",".join(map(str, graduated))
        ),
    ) == [(0,)]
    lost = query(path, "SELECT item_id, kind, detail, date FROM item_history ORDER BY item_id")
    assert [i for i, *_ in lost] == sorted(their_items)
    assert all(
        kind == "lost"
        and "removed by Remove Patrons (operation #1)" in detail
        and date == "2026-06-01"
        for _, kind, detail, date in lost
    )
    assert query(path, "PRAGMA foreign_key_check") == []
    assert query(path, "SELECT utility, matched, changed, skipped FROM operations") == [
        ("remove-patrons", 21, 21, 0)
    ]


# -- the typed confirmation from the keyboard ---------------------------------------------------


async def test_tab_in_the_typed_confirmation_reaches_the_hidden_end_of_the_summary(path):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_listed(pilot, "remove patrons", "Remove Patrons")
        await choose_graduated(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = await typed_confirm(pilot)
        body = screen.query_one("#dialog-scroll")
        assert "Records will be removed; the journal keeps a copy of each." in rendered(
            app, "#dialog-body"
        )
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
        await open_listed(pilot, "remove patrons", "Remove Patrons")
        await choose_graduated(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.plan.counts.change == 10
        screen = await typed_confirm(pilot)
        await pilot.press(*"1,0", "enter")
        await settle(pilot)
        assert app.screen is screen, "'1,0' applied the removal"
    assert everything(path) == before
