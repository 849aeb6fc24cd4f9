"""The result and the operation summary read like the preview: every patron a page at a
time (skipped first), the outcome word and reason in columns that fit 80 columns, End to
the last row, f to show one outcome."""

from __future__ import annotations

from tui.screens.confirm import ConfirmScreen, TypedConfirmScreen
from tui.screens.operations import OperationsScreen
from tui.screens.summary import SummaryScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import query
from .pilot import GRADE_12, SIZE, app_for, apply_change_status, press, preview, rendered, settle


async def test_the_summary_of_everyone_pages_filters_and_fits(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {}, {"status": "Card Lost"})
        await press(pilot, "f9")
        await settle(pilot)
        if isinstance(app.screen, TypedConfirmScreen):  # a large run asks for its count
            await press(pilot, *str(app.screen.expected), "enter")
        else:
            await press(pilot, "y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        [(matched, changed, skipped)] = query(
            path, "SELECT matched, changed, skipped FROM operations WHERE id = 1"
        )
        table = app.screen.query_one(PreviewTable)
        assert table.total == matched > 100
        # Skipped first: the operator's own account, with its reason.
        first = table.record(0)
        assert (first["outcome"], first["reason"]) == ("skip", "your own account")
        assert sum(w + 2 for w in table.widths) <= SIZE[0] - 2
        assert "Showing every patron, skipped first" in rendered(app, "#result-summary")
        await press(pilot, "end")
        for _ in range(20):
            if table.record(matched - 1) is not None:
                break
            await pilot.pause()
        assert table.cursor_row == matched - 1 and table.record(matched - 1) is not None
        assert rendered(app, "#row-detail").startswith(f"{matched:,} of {matched:,} · ")
        await press(pilot, "f")
        await settle(pilot)
        assert table.total == skipped
        assert "Showing skipped only" in rendered(app, "#result-summary")
        await press(pilot, "f")
        await settle(pilot)
        assert table.total == changed
        assert {table.record(i)["outcome"] for i in range(min(changed, 100))} == {"change"}
    assert query(path, "SELECT count(*) FROM patrons WHERE status = 'Card Lost'")[0][0] >= changed


async def test_u_on_the_operations_list_undoes_the_highlighted_operation(path):
    before = query(path, GRADE_12)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        await press(pilot, "escape", "f7")
        await settle(pilot)
        assert isinstance(app.screen, OperationsScreen)
        await press(pilot, "u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Undo operation #1?" in rendered(app, "#dialog-title")
        await press(pilot, "y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 2
    assert [(pid, status) for pid, status, _ in query(path, GRADE_12)] == [
        (pid, status) for pid, status, _ in before
    ]
    assert query(path, "SELECT undone_by FROM operations WHERE id = 1") == [(2,)]


async def test_a_summary_with_nothing_skipped_does_not_say_skipped_first(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        [(skipped, matched)] = query(path, "SELECT skipped, matched FROM operations WHERE id = 1")
        assert skipped == 0
        summary = rendered(app, "#result-summary")
        assert f"Showing every patron ({matched:,}) · f shows skipped only" in summary
        assert "skipped first" not in summary
