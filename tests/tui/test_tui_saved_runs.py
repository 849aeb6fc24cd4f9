"""Saving, opening, renaming and deleting a saved run, by keys at 80×24."""

from __future__ import annotations

import json

from textual.widgets import Input, OptionList

from tui.screens.confirm import ConfirmScreen
from tui.screens.picker import PickerScreen
from tui.screens.prompt import PromptScreen
from tui.screens.utility import UtilityScreen

from ..databases import everything, query
from .pilot import SIZE, app_for, fill_all, notes, open_utility, press, rendered, settle

# -- helpers -----------------------------------------------------------------------------------


async def clear_and_type(pilot, text: str) -> None:
    """In the focused Input: remove what is there, then type ``text``."""
    await pilot.press("end", "ctrl+u")
    if text:
        await pilot.press(*text)


# -- saved runs ----------------------------------------------------------------------------------


def picker_lines(app) -> list[str]:
    options = app.screen.query_one("#utilities", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def highlighted_line(app) -> str:
    options = app.screen.query_one("#utilities", OptionList)
    return str(options.get_option_at_index(options.highlighted).prompt)


async def test_save_open_rename_and_delete_a_saved_run(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_utility(pilot, "status")
        assert isinstance(app.screen, UtilityScreen)
        await fill_all(pilot, grades=["12"])
        await pilot.press("f3")
        await fill_all(pilot, status="Inactive")

        # A blank name is refused, with a message, and nothing is saved.
        for blank in ("", "   "):
            await press(pilot, "f6")
            assert isinstance(app.screen, PromptScreen)
            assert app.screen.query_one("#answer", Input).value == ""
            app.clear_notifications()
            await clear_and_type(pilot, blank)
            await press(pilot, "enter")
            assert isinstance(app.screen, UtilityScreen)
            errors = [m for s, m in notes(app) if s == "error"]
            assert errors and "a name is required" in errors[0], notes(app)
            assert query(path, "SELECT count(*) FROM saved_runs") == [(0,)]

        await press(pilot, "f6")
        await clear_and_type(pilot, "Seniors to inactive")
        await press(pilot, "enter")
        assert isinstance(app.screen, UtilityScreen)
        [(utility, name, selection, options, operator, saved)] = query(
            path, "SELECT utility, name, selection, options, operator, saved FROM saved_runs"
        )
        assert (utility, name, operator, saved) == (
            "change-status",
            "Seniors to inactive",
            "demo",
            "2026-06-01 09:00:00",
        )
        assert json.loads(selection)["grades"] == ["12"]
        assert json.loads(options) == {"status": "Inactive"}
        assert any("Saved as 'Seniors to inactive'" in m for _, m in notes(app))

        # Back at the picker, the run is listed under its utility.
        await press(pilot, "escape")
        assert isinstance(app.screen, PickerScreen)
        lines = picker_lines(app)
        under = lines.index("Change Patron Status")
        assert lines[under + 1] == "  ↳ Seniors to inactive"

        # Typing part of its name highlights it; Enter opens the utility with its values.
        await press(pilot, *"seniors")
        assert highlighted_line(app) == "  ↳ Seniors to inactive"
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, UtilityScreen) and screen.utility.key == "change-status"
        assert rendered(app, "#heading") == (
            "Change Patron Status — saved run 'Seniors to inactive'"
        )
        assert screen.query_one("#selection-form").values()["grades"] == ["12"]
        assert screen.query_one("#options-form").values()["status"] == "Inactive"
        await press(pilot, "escape")
        assert isinstance(app.screen, PickerScreen)

        # F6 in the picker renames the highlighted run.
        await press(pilot, *"inactive")
        assert highlighted_line(app) == "  ↳ Seniors to inactive"
        await press(pilot, "f6")
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one("#answer", Input).value == "Seniors to inactive"
        await clear_and_type(pilot, "Class of 2026 inactive")
        await press(pilot, "enter")
        assert isinstance(app.screen, PickerScreen)
        assert query(path, "SELECT name FROM saved_runs") == [("Class of 2026 inactive",)]
        assert "  ↳ Class of 2026 inactive" in picker_lines(app)

        # F8 and y delete it.
        await press(pilot, *"class of")
        assert highlighted_line(app) == "  ↳ Class of 2026 inactive"
        await press(pilot, "f8")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.heading == "Delete the saved run 'Class of 2026 inactive'?"
        await press(pilot, "y")
        assert isinstance(app.screen, PickerScreen)
        assert query(path, "SELECT count(*) FROM saved_runs") == [(0,)]
        assert not any("↳" in line for line in picker_lines(app))

    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_f6_and_f8_in_the_picker_need_a_highlighted_run(path):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, *"status")
        assert highlighted_line(app) == "Change Patron Status"
        for key in ("f6", "f8"):
            app.clear_notifications()
            await press(pilot, key)
            assert isinstance(app.screen, PickerScreen)
            [(severity, message)] = notes(app)
            assert severity == "warning" and message.startswith("Highlight a saved run")
    assert everything(path) == before


async def test_someone_elses_run_is_refused_before_a_name_or_a_confirm_is_asked(path):
    """The aide sees the administrator's run but may not rename or delete it: said at once."""
    from store import Store

    from ..operators import ADMIN, AIDE

    s = Store(path)
    try:
        s.save_run("change-status", "Summer", {}, {"status": "Inactive"}, ADMIN)
    finally:
        s.close()
    before = everything(path)
    app = app_for(path, operator=AIDE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, *"summer")
        assert highlighted_line(app) == "  ↳ Summer"
        for key in ("f6", "f8"):
            app.clear_notifications()
            await press(pilot, key)
            assert isinstance(app.screen, PickerScreen)
            [(severity, message)] = notes(app)
            assert severity == "warning"
            assert message.startswith("Aide may not ") and "it belongs to demo" in message
    assert everything(path) == before
