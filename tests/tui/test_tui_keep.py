"""What the technician typed and where they were survive an apply: the forms keep their
values until F8 clears them, and the picker comes back on the utility last opened."""

from __future__ import annotations

from textual.widgets import OptionList

from tui.screens.picker import PickerScreen
from tui.screens.utility import UtilityScreen

from ..databases import query
from .pilot import GRADE_12, SIZE, app_for, apply_change_status, open_utility, press, settle


def highlighted_key(app) -> str:
    options = app.screen.query_one("#utilities", OptionList)
    return options.get_option_at_index(options.highlighted).id


async def test_forms_keep_their_values_after_an_apply_until_f8_clears_them(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        await press(pilot, "escape")  # the summary → the picker, on Change Patron Status
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        assert highlighted_key(app) == "change-status"
        await press(pilot, "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UtilityScreen) and screen.utility.key == "change-status"
        selection, options = (form.values() for form in screen.forms)
        assert selection["grades"] == ["12"] and options["status"] == "Inactive"
        await press(pilot, "f8")
        await settle(pilot)
        cleared = app.screen
        assert isinstance(cleared, UtilityScreen) and cleared is not screen
        selection, options = (form.values() for form in cleared.forms)
        assert selection.get("grades", []) == [] and "status" not in options
    assert {status for _, status, _ in query(path, GRADE_12)} == {"Inactive"}
    assert query(path, "SELECT count(*) FROM operations") == [(1,)]


async def test_the_picker_comes_back_on_the_utility_last_opened(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_utility(pilot, "2nd location")
        assert app.screen.utility.key == "change-location2"
        await press(pilot, "escape")
        await settle(pilot)
        assert highlighted_key(app) == "change-location2"
        await press(pilot, "enter")  # Esc then Enter: the same utility again
        await settle(pilot)
        assert app.screen.utility.key == "change-location2"


async def test_f9_after_a_busy_database_tries_again(path, monkeypatch):
    import sqlite3

    import store.database
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.summary import SummaryScreen

    from .pilot import preview, rendered

    monkeypatch.setattr(store.database, "BUSY_TIMEOUT_MS", 300)
    app = app_for(path)
    other = sqlite3.connect(path, isolation_level=None)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        app.screen.store.db.conn.execute("PRAGMA busy_timeout = 300")
        other.execute("BEGIN IMMEDIATE")  # another technician's write
        await press(pilot, "f9")
        await press(pilot, "y")
        await settle(pilot)
        assert "F9 tries again" in rendered(app, "#counts")
        other.execute("ROLLBACK")
        await press(pilot, "f9")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
    other.close()
    assert {status for _, status, _ in query(path, GRADE_12)} == {"Inactive"}


async def test_the_warning_count_follows_the_fields_as_they_are_fixed(path):
    from textual.widgets import TabbedContent

    from .pilot import fill, rendered

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_utility(pilot, "status")
        fill(pilot, "barcode_from", "1" * 16)
        fill(pilot, "barcode_to", "2" * 16)
        await press(pilot, "f5")
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        label = lambda: str(tabs.get_tab("selections").label)  # noqa: E731
        assert label() == "F2 Selections ⚠ 2"
        fill(pilot, "barcode_from", "1")
        await settle(pilot)
        assert label() == "F2 Selections ⚠ 1"
        fill(pilot, "barcode_to", "2")
        await settle(pilot)
        assert label() == "F2 Selections"
        assert "Barcode" not in rendered(app, "#counts")  # only the Options tab's left
        assert str(tabs.get_tab("options").label) == "F3 Options ⚠ 1"
        fill(pilot, "status", "Inactive")
        await settle(pilot)
        assert str(tabs.get_tab("options").label) == "F3 Options"
        assert "press F5 to preview" in rendered(app, "#counts")
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
