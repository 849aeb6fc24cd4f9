"""Keys at 80×24: every footer fits, F1 lists every key of the screen (the footer's and the
hidden ones), the command palette reaches every screen, saved run and the open summary's
undo, and Esc closes whatever it opened."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from tui.screens.confirm import ConfirmScreen, TypedConfirmScreen
from tui.screens.keys import KeysScreen, key_name
from tui.screens.operations import OperationsScreen
from tui.screens.picker import PickerScreen
from tui.screens.preferences import PreferencesScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen

from ..databases import query
from .pilot import SIZE, app_for, apply_change_status, press, preview, settle


def cut_keys(app) -> list[str]:
    """The footer keys of the screen on top that are not wholly inside 80 columns, or that
    the palette's key (docked at the right) covers."""
    keys = list(app.screen.query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    end = palette[0].region.x if palette else SIZE[0]
    return [
        key.description
        for key in keys
        if key not in palette and (key.region.width == 0 or key.region.right > end)
    ]


async def test_every_footer_fits_at_80_columns(path):
    app = app_for(path)
    seen = []
    async with app.run_test(size=SIZE) as pilot:

        async def check(*keys):
            await press(pilot, *keys)
            await settle(pilot)
            assert app.screen.query(FooterKey), type(app.screen).__name__
            assert cut_keys(app) == [], type(app.screen).__name__
            seen.append(type(app.screen).__name__)

        await check()
        await check("f4")
        await check("f3")  # the grade table: its keys used to push Quit off the footer
        await check("escape", "f7")
        await press(pilot, "escape")
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await check()
        await check("f9")
        assert isinstance(app.screen, ConfirmScreen)
        await check("f1")
        await check("escape", "y")
        assert isinstance(app.screen, SummaryScreen)
        await check("w")
        await check("escape", "escape", "f7")
        assert isinstance(app.screen, OperationsScreen)
    assert seen == [
        "PickerScreen",
        "PreferencesScreen",
        "PreferencesScreen",
        "OperationsScreen",
        "UtilityScreen",
        "ConfirmScreen",
        "KeysScreen",
        "SummaryScreen",
        "PromptScreen",
        "OperationsScreen",
    ]
    assert query(path, "SELECT count(*) FROM operations") == [(1,)]


async def test_f1_lists_the_grade_tables_hidden_keys_and_escape_closes_it(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "f4", "f3")
        await settle(pilot)
        footer = {key.description for key in app.screen.query(FooterKey)}
        assert "Add a grade" not in footer  # on the tab's help line, not in the footer
        await press(pilot, "f1")
        await settle(pilot)
        assert isinstance(app.screen, KeysScreen)
        listed = {(key, what) for _, key, what in app.screen.keys}
        assert {
            ("a", "Add a grade"),
            ("-", "Move the grade up"),
            ("+ / =", "Move the grade down"),
            ("l", "Make it the Last Grade"),
            ("Esc", "Back"),
            ("F1", "Keys"),
            ("Ctrl+Q", "Quit"),
        } <= listed
        # The table's own Enter does nothing here: not listed as if it did.
        assert not any(what == "Select" for _, _, what in app.screen.keys)
        # The Library tab's Save cannot act on this tab: not listed as if it could.
        assert not any(
            what.startswith("Save") and "(not now)" not in what for _, _, what in app.screen.keys
        )
        await press(pilot, "escape")
        await settle(pilot)
        assert isinstance(app.screen, PreferencesScreen)
        await press(pilot, "f1", "f1")  # F1 again closes it too
        await settle(pilot)
        assert isinstance(app.screen, PreferencesScreen)
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


def test_keys_are_named_as_a_technician_writes_them():
    assert [key_name(k) for k in ("ctrl+q", "f9", "escape", "shift+tab", "u", "plus")] == [
        "Ctrl+Q",
        "F9",
        "Esc",
        "Shift+Tab",
        "u",
        "+",
    ]


async def palette(pilot, typed: str) -> None:
    await press(pilot, "ctrl+p")
    await settle(pilot)
    await press(pilot, *typed)
    await settle(pilot)
    await press(pilot, "enter")
    await settle(pilot)


async def test_the_palette_opens_a_saved_run_and_escape_comes_back(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.store.save_run(
            "change-status",
            "Seniors leave",
            {"grades": ["12"]},
            {"status": "Inactive"},
            app.operator,
        )
        await palette(pilot, "Seniors leave")
        assert isinstance(app.screen, UtilityScreen)
        assert app.screen.utility.key == "change-status"
        assert app.screen.query_one("#input-status").value == "Inactive"
        await press(pilot, "escape")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
    assert query(path, "SELECT name FROM saved_runs") == [("Seniors leave",)]


async def test_the_palette_undoes_the_open_summary_after_its_confirm(path):
    before = query(path, "SELECT id, status FROM patrons WHERE grade = '12' ORDER BY id")
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        await palette(pilot, "Undo operation")
        assert isinstance(app.screen, ConfirmScreen) and not isinstance(
            app.screen, TypedConfirmScreen
        )
        await press(pilot, "y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 2
    assert query(path, "SELECT id, status FROM patrons WHERE grade = '12' ORDER BY id") == before
    assert query(path, "SELECT undone_by FROM operations WHERE id = 1") == [(2,)]


async def test_the_palette_offers_no_screenshot_and_its_keys_entry_is_f1(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles == ["Keys", "Quit"]
        await palette(pilot, "Keys")
        assert isinstance(app.screen, KeysScreen)
        await press(pilot, "escape")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
