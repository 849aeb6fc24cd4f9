"""The journal, a summary, the undo confirm, a preview with patrons excluded by hand and the
picker with a saved run, at 80×24 with a fixed "today" (so every journal time reads
2026-06-01 09:00), each paired with a database assertion."""

from __future__ import annotations

import json

from textual.widgets import Input

from tui.screens.confirm import ConfirmScreen
from tui.screens.operations import OperationsScreen
from tui.screens.picker import PickerScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import query
from .pilot import SIZE, app_for, fill_all, open_utility, preview, preview_rows, settle


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def still(pilot) -> None:
    """No toast and no blinking cursor: the picture depends on nothing but the screen."""
    pilot.app.clear_notifications()
    await settle(pilot)


async def apply_change_status(pilot, grade: str, status: str) -> None:
    await preview(pilot, "status", {"grades": [grade]}, {"status": status})
    await press(pilot, "f9")
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await press(pilot, "y")
    assert isinstance(pilot.app.screen, SummaryScreen)


def test_operations_list_after_two_applies_and_an_undo(snap_compare, path):
    async def run_before(pilot):
        await apply_change_status(pilot, "12", "Inactive")  # operation 1
        await press(pilot, "escape")
        await apply_change_status(pilot, "11", "Inactive")  # operation 2
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, PickerScreen)
        await press(pilot, "f7")
        await press(pilot, "down", "enter")  # operation 1, the second row
        assert pilot.app.screen.operation_id == 1
        await press(pilot, "u")
        await press(pilot, "y")  # operation 3 undoes operation 1
        assert pilot.app.screen.operation_id == 3
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, OperationsScreen)
        assert [op["id"] for op in pilot.app.screen.operations] == [3, 2, 1]
        await still(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(
        path, "SELECT id, utility, started, undo_of, undone_by FROM operations ORDER BY id"
    ) == [
        (1, "change-status", "2026-06-01 09:00:00", None, 3),
        (2, "change-status", "2026-06-01 09:00:00", None, None),
        (3, "change-status", "2026-06-01 09:00:00", 1, None),
    ]
    assert query(path, "SELECT DISTINCT status FROM patrons WHERE grade = '11'") == [("Inactive",)]
    assert query(
        path, "SELECT count(*) FROM patrons WHERE grade = '12' AND status = 'Inactive'"
    ) == [(0,)]


def test_summary_of_an_applied_operation(snap_compare, path):
    async def run_before(pilot):
        await apply_change_status(pilot, "12", "Inactive")
        assert pilot.app.screen.operation_id == 1
        await still(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(
        path, "SELECT matched, changed, unchanged, skipped, undone_by FROM operations"
    ) == [(16, 16, 0, 0, None)]
    assert query(path, "SELECT DISTINCT status, modified FROM patrons WHERE grade = '12'") == [
        ("Inactive", "2026-06-01 09:00:00")
    ]


def test_undo_confirm(snap_compare, path):
    async def run_before(pilot):
        await apply_change_status(pilot, "12", "Inactive")
        await press(pilot, "u")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await still(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    # Only asked: nothing is undone.
    assert query(path, "SELECT id, undone_by FROM operations") == [(1, None)]
    assert query(path, "SELECT DISTINCT status FROM patrons WHERE grade = '12'") == [("Inactive",)]


def test_preview_with_two_patrons_excluded_by_hand(snap_compare, path):
    before = query(path, "SELECT * FROM patrons ORDER BY id")

    async def run_before(pilot):
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Transferred"})
        screen = pilot.app.screen
        assert isinstance(screen, UtilityScreen)
        changing = [i for i, r in enumerate(preview_rows(pilot.app)) if r.outcome == "change"]
        for index in changing[:2]:
            await pilot.press("home", *["down"] * index)
            await press(pilot, "space")
            assert preview_rows(pilot.app)[index].excluded
        await pilot.press("home")
        await still(pilot)
        assert screen.query_one(PreviewTable).cursor_row == 0
        assert screen.plan.counts.excluded == 2

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(path, "SELECT * FROM patrons ORDER BY id") == before
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


def test_picker_with_a_saved_run(snap_compare, path):
    async def run_before(pilot):
        await open_utility(pilot, "status")
        await fill_all(pilot, grades=["12"])
        await pilot.press("f3")
        await fill_all(pilot, status="Inactive")
        await press(pilot, "f6")
        await pilot.press(*"Seniors to inactive")
        assert pilot.app.screen.query_one("#answer", Input).value == "Seniors to inactive"
        await press(pilot, "enter")
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, PickerScreen)
        await press(pilot, *"status")  # the utility, with its run listed under it
        await press(pilot, "down", "down")  # the list, on the run: its help at the right
        options = pilot.app.screen.query_one("#utilities")
        assert (
            str(options.get_option_at_index(options.highlighted).prompt)
            == "  ↳ Seniors to inactive"
        )
        await still(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    [(utility, name, selection, options)] = query(
        path, "SELECT utility, name, selection, options FROM saved_runs"
    )
    assert (utility, name) == ("change-status", "Seniors to inactive")
    assert json.loads(selection)["grades"] == ["12"]
    assert json.loads(options) == {"status": "Inactive"}
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
