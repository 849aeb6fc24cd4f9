"""Advance All Grades from the Grade table tab of Preferences (F5): the utility screen opens
on its preview of every patron, F9 confirms as any utility does, the summary follows, and
Escape comes back to the Grade table; the database changes only after the confirm."""

from __future__ import annotations

import sqlite_utils
from textual.widgets import Static

from store import Store
from store.security import PREFERENCES
from tui.screens.confirm import ConfirmScreen
from tui.screens.picker import PickerScreen
from tui.screens.preferences import PreferencesScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen

from ..databases import query
from ..operators import ADMIN, operator_at
from .pilot import app_for, press, rendered, settle, table_rows

ADVANCED = "SELECT count(*) FROM patrons WHERE modified = '2026-06-01 09:00:00'"


def grades_by_id(path) -> dict[int, str | None]:
    return dict(query(path, "SELECT id, grade FROM patrons"))


def order(path) -> dict[str, int]:
    return dict(query(path, "SELECT name, position FROM grades"))


async def to_the_grade_table(pilot) -> PreferencesScreen:
    await settle(pilot)
    await press(pilot, "f4")
    await press(pilot, "f3")
    screen = pilot.app.screen
    assert isinstance(screen, PreferencesScreen)
    return screen


async def test_f5_previews_everyone_and_f9_advances_them_after_the_confirm(path):
    before = grades_by_id(path)
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        preferences = await to_the_grade_table(pilot)
        await press(pilot, "f5")
        screen = app.screen
        assert isinstance(screen, UtilityScreen) and screen.utility.key == "advance-all-grades"
        assert screen.query_one("TabbedContent").active == "preview"
        plan = screen.plan
        assert plan is not None and plan.counts.matched == len(before)
        status = rendered(app, "#counts")
        assert "Selections: Always: every patron" in status
        assert screen.check_action("save_run", ()) is False  # nothing asked: nothing to save
        await press(pilot, "f9")
        assert isinstance(app.screen, ConfirmScreen)
        assert grades_by_id(path) == before  # nothing yet
        await press(pilot, "y")
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        said = rendered(app, "#result-summary")
        assert "Next: If you name policies after grades" in said
        await press(pilot, "escape")
        assert app.screen is preferences
        assert preferences.query_one("TabbedContent").active == "grade-table"
        # The Grade table's patron counts are read again.
        shown = {row[1]: row[3] for row in table_rows(app, "#grades")}
    counts = query(
        path,
        "SELECT g.name, count(p.id) FROM grades g LEFT JOIN patrons p ON p.grade = g.name "
        "GROUP BY g.name",
    )
    assert shown == {name: f"{n:,}" for name, n in counts}
    assert shown["PK"] == "0"  # every pre-kindergartner moved on
    after = grades_by_id(path)
    moved = {pid for pid in before if after[pid] != before[pid]}
    assert moved and query(path, ADVANCED) == [(len(moved),)]
    positions = order(path)
    assert all(positions[after[pid]] == positions[before[pid]] + 1 for pid in moved)
    unmoved = {before[pid] for pid in before if pid not in moved}
    assert unmoved <= {"Graduated", None}
    assert query(path, "SELECT utility, changed FROM operations") == [
        ("advance-all-grades", len(moved))
    ]


async def test_escape_on_its_preview_goes_back_to_the_grade_table_writing_nothing(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        preferences = await to_the_grade_table(pilot)
        await press(pilot, "f5")
        assert isinstance(app.screen, UtilityScreen)
        await press(pilot, "escape")
        assert app.screen is preferences
        await press(pilot, "escape")
        assert isinstance(app.screen, PickerScreen)
        # Not a utility of the picker: the manual has it on the Grade table tab.
        assert "advance-all-grades" not in app.screen.reasons
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_f5_is_the_grade_tables_only(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "f4")
        screen = app.screen
        assert screen.query_one("TabbedContent").active == "library"
        assert screen.check_action("advance_all", ()) is False
        await press(pilot, "f5")
        assert app.screen is screen
        await press(pilot, "f3")
        assert screen.check_action("advance_all", ()) is True
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_an_operator_without_the_utilities_permission_is_told_here(path):
    db = sqlite_utils.Database(path)
    editor = operator_at(db, 1, (PREFERENCES,))
    db.close()
    before = grades_by_id(path)
    app = app_for(path, operator=editor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_the_grade_table(pilot)
        await press(pilot, "f5")
        assert app.screen is screen
        message = str(screen.query_one("#grade-message", Static).render())
        assert message == (
            "⚠ Advance All Grades needs the permission 'Patrons: Import, Export and Utilities'."
        )
    assert grades_by_id(path) == before


def test_snapshot_of_the_grade_tables_advance_all_grades_confirm(snap_compare, path):
    async def run_before(pilot):
        await to_the_grade_table(pilot)
        await press(pilot, "f5")
        await press(pilot, "f9")
        assert isinstance(pilot.app.screen, ConfirmScreen)

    before = grades_by_id(path)
    assert snap_compare(app_for(path), terminal_size=(80, 24), run_before=run_before)
    assert grades_by_id(path) == before  # the confirm itself writes nothing


async def test_what_that_confirm_says_is_what_applying_it_writes(path):
    """The snapshot's confirm, answered: its counts are what the database then holds."""
    before = grades_by_id(path)
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_grade_table(pilot)
        await press(pilot, "f5")
        counts = app.screen.plan.counts
        await press(pilot, "f9")
        said = rendered(app, "#dialog-body")
        await press(pilot, "y")
    after = grades_by_id(path)
    moved = sum(after[pid] != before[pid] for pid in before)
    assert f"{moved:,} patrons will be changed in one transaction" in said
    assert moved == counts.change
    assert query(path, "SELECT matched, changed, unchanged, skipped FROM operations") == [
        (counts.matched, counts.change, counts.unchanged, counts.skip)
    ]


async def test_it_says_the_librarys_word_for_grade(path):
    s = Store(path)
    try:
        s.save_preferences({**s.library_preferences().model_dump(), "grade_term": "Level"}, ADMIN)
    finally:
        s.close()
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_grade_table(pilot)
        await press(pilot, "f5")
        assert rendered(app, "#heading") == "Advance All Levels"
        assert "(Advance All Levels has no selections)" in rendered(app, "#counts")
    assert query(path, "SELECT value FROM preferences WHERE key = 'term.grade'") == [("Level",)]
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
