"""The Preferences screen at the keyboard: terminology everywhere, the grade table."""

from __future__ import annotations

import sqlite3

from textual.widgets import DataTable, Static

from store import Store
from tui.screens.picker import PickerScreen
from tui.screens.preferences import PreferencesScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import query
from ..operators import ADMIN, AIDE
from .pilot import app_for, fill_all, open_utility, settle


def saved_elsewhere(path, **changes) -> None:
    """Preferences saved by another technician's session (its own connection)."""
    other = Store(path)
    try:
        prefs = other.library_preferences().model_dump()
        other.save_preferences({**prefs, **changes}, ADMIN)
    finally:
        other.close()


async def rename_location_to_homeroom(pilot) -> None:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    await fill_all(pilot, location_term="Homeroom")
    await pilot.press("f9")
    await settle(pilot)


async def test_homeroom_replaces_location_in_picker_labels_and_headers(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await rename_location_to_homeroom(pilot)
        assert isinstance(app.screen, PickerScreen)
        await open_utility(pilot, "change patron homeroom")
        screen = app.screen
        assert isinstance(screen, UtilityScreen) and screen.utility.key == "change-location"
        assert str(screen.query_one("#heading", Static).render()) == "Change Patron Homeroom"
        assert "Patrons in Homeroom" in str(screen.query_one("#label-locations").render())
        await pilot.press("f3")
        assert "Change Homeroom to" in str(screen.query_one("#label-location").render())
        await fill_all(pilot, location="Room 9")
        await pilot.press("f5")
        await settle(pilot)
        assert "Homeroom" in [c.title for c in screen.query_one(PreviewTable).columns]
    assert query(path, "SELECT value FROM preferences WHERE key = 'term.location'") == [
        ("Homeroom",)
    ]


async def test_grade_table_keys_add_and_refuse_removing_a_grade_in_use(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PreferencesScreen)
        screen.query_one("TabbedContent").active = "grade-table"
        await settle(pilot)
        table = screen.query_one("#grades", DataTable)
        table.move_cursor(row=screen.grade_names.index("12"))
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Post-grad", "enter")
        await settle(pilot)
        assert screen.grade_names[-2:] == ["Post-grad", "Graduated"]
        table.move_cursor(row=screen.grade_names.index("5"))
        await pilot.press("d")
        await settle(pilot)
        assert "still have grade '5'" in str(screen.query_one("#grade-message", Static).render())
    assert query(path, "SELECT name FROM grades ORDER BY position DESC LIMIT 2") == [
        ("Graduated",),
        ("Post-grad",),
    ]
    assert query(path, "SELECT count(*) FROM grades WHERE name = '5'") == [(1,)]


async def test_the_aide_cannot_open_preferences(path):
    app = app_for(path, operator=AIDE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
    assert query(path, "SELECT value FROM preferences WHERE key = 'term.location'") == [
        ("Location",)
    ]


def test_terminology_snapshot_of_the_options_tab(snap_compare, path):
    async def run_before(pilot):
        await rename_location_to_homeroom(pilot)
        await open_utility(pilot, "change patron homeroom")
        await pilot.press("f3")
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=(80, 24), run_before=run_before)
    assert query(path, "SELECT value FROM preferences WHERE key = 'term.location'") == [
        ("Homeroom",)
    ]
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_a_preference_saved_in_another_session_is_seen_without_restarting(path):
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE preferences SET value = '0' WHERE key = 'centralized_catalog'")
    conn.close()
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.reasons["move-to-site"]  # no centralized catalog yet
        saved_elsewhere(path, centralized_catalog=True)  # another technician's session
        await open_utility(pilot, "move patrons to site")
        assert isinstance(app.screen, UtilityScreen) and app.screen.utility.key == "move-to-site"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen) and app.screen.reasons["move-to-site"] is None
    assert query(path, "SELECT value FROM preferences WHERE key = 'centralized_catalog'") == [
        ("1",)
    ]


async def test_the_grade_table_shows_a_grade_another_session_added(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        await pilot.press("f3")
        await settle(pilot)
        assert "Post-grad" not in screen.grade_names
        other = Store(path)
        try:
            other.edit_grades(ADMIN, "add", "Post-grad", "12")
        finally:
            other.close()
        await pilot.press("f2", "f3")  # back to the Grade table tab: read again
        await settle(pilot)
        assert screen.grade_names[-2:] == ["Post-grad", "Graduated"]
        assert "Post-grad" in [
            str(c) for c in screen.query_one("#grades", DataTable).get_column_at(1)
        ]
    assert query(path, "SELECT count(*) FROM grades WHERE name = 'Post-grad'") == [(1,)]


async def test_saving_preferences_refuses_to_undo_another_sessions_save_unseen(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        saved_elsewhere(path, centralized_catalog=False)  # another technician, meanwhile
        await fill_all(pilot, location_term="Homeroom")
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is screen  # not saved: the screen stays, saying why
        assert "another technician changed it to No" in str(
            screen.query_one("#error-centralized_catalog").render()
        )
    assert query(
        path,
        "SELECT key, value FROM preferences WHERE key IN "
        "('centralized_catalog', 'term.location') ORDER BY key",
    ) == [("centralized_catalog", "0"), ("term.location", "Location")]
