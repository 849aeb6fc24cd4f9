"""Preferences → Roster at the keyboard: the roster mapping's settings and tables edited,
saved by F9, refused (nothing written) while it names what the database lacks or for an
operator without Library Preferences: Edit."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Select, TabbedContent

from store import Store
from store.roster.mapping import RosterMapping
from store.roster.mapping_files import KEY
from tui.screens.code_row import RowScreen
from tui.screens.keys import KeysScreen
from tui.screens.preferences import PreferencesScreen

from ..databases import query, query_write
from ..operators import ADMIN, AIDE
from .pilot import app_for, fill_all, notes, press, rendered, settle
from .test_tui_standard_colours import SixteenColours

SAVED = "SELECT value FROM preferences WHERE key = 'roster.mapping'"


def saved_mapping(path):
    """The mapping as the store reads it back (a fresh connection, as the CLI's sync)."""
    store = Store(path)
    try:
        return store.roster_mapping()
    finally:
        store.close()


def lacking_a_grade(path) -> None:
    """A mapping saved while the grade table had Post-grad, which was removed since."""
    store = Store(path)
    try:
        store.edit_grades(ADMIN, "add", "Post-grad", "12")
        store.save_roster_mapping({"grades": {"PS": "Post-grad"}}, ADMIN)
        store.edit_grades(ADMIN, "remove", "Post-grad")
    finally:
        store.close()


async def to_the_roster_tab(pilot) -> PreferencesScreen:
    await settle(pilot)
    await press(pilot, "f4")  # the picker's Preferences
    await press(pilot, "f4")  # its Roster tab
    screen = pilot.app.screen
    assert isinstance(screen, PreferencesScreen)
    assert screen.query_one(TabbedContent).active == "roster"
    return screen


async def on_row(pilot, table: str, code: str) -> None:
    """The table focused on the row of ``code``, as the arrow keys put it."""
    grid = pilot.app.screen.query_one(f"#rows-{table}", DataTable)
    grid.focus()
    codes = [str(grid.get_row_at(i)[1]) for i in range(grid.row_count)]
    grid.move_cursor(row=codes.index(code))
    await settle(pilot)


async def choose(pilot, cell: str, value: str) -> None:
    """Set a row dialog's list the way picking from it does."""
    pilot.app.screen.query_one(f"#{cell}", Select).value = value
    await settle(pilot)


async def test_a_grade_code_a_school_and_a_setting_are_saved_by_f9(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_the_roster_tab(pilot)
        await on_row(pilot, "grades", "UG")
        await press(pilot, "e")  # the ungraded: Graduated, not no grade
        assert isinstance(app.screen, RowScreen)
        await press(pilot, "enter", *"Grad", "enter")  # open the list, type to find, pick
        assert app.screen.query_one("#cell-1", Select).value == "Graduated"
        await press(pilot, "f9")
        assert app.screen is screen
        screen.query_one("#rows-sites", DataTable).focus()
        await press(pilot, "a")  # the district's school 0042 is ELM here
        assert isinstance(app.screen, RowScreen)
        await press(pilot, *"0042", "tab")
        await choose(pilot, "cell-1", "ELM")
        await press(pilot, "f9")
        assert "ELM — Elm Street Elementary" in [
            str(c) for c in screen.query_one("#rows-sites", DataTable).get_row_at(0)
        ]
        await fill_all(pilot, transfer_guard_percent="35", nickname_from_preferred_name=False)
        await press(pilot, "f9")
        assert rendered(app, "#roster-message") == "Roster mapping saved."
        assert app.screen is screen  # saving one tab keeps the screen: the others stay as edited
    mapping = saved_mapping(path)
    assert mapping.grades["UG"] == "Graduated" and mapping.grades["KG"] == "K"
    assert mapping.sites == {"0042": "ELM"}
    assert mapping.transfer_guard_percent == 35
    assert mapping.nickname_from_preferred_name is False
    stored = json.loads(query(path, SAVED)[0][0])
    assert stored["sites"] == {"0042": "ELM"} and stored["transfer_guard_percent"] == 35


async def test_deleting_a_default_code_puts_its_default_back(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_the_roster_tab(pilot)
        await on_row(pilot, "roles", "aide")
        await press(pilot, "e")
        await choose(pilot, "cell-2", "Student")
        await press(pilot, "f9")
        await press(pilot, "d")  # a role of OneRoster: back to Staff / Teacher, not gone
        assert "aide is back to its default" in rendered(app, "#message-roles")
        await on_row(pilot, "grade_policies", "Graduated")
        await press(pilot, "d")  # not a default: gone
        await press(pilot, "f9")
        assert screen.query_one("#rows-grade_policies", DataTable).row_count == 7
    mapping = saved_mapping(path)
    assert mapping.roles["aide"].security_group == "Teacher"
    assert "Graduated" not in mapping.grade_policies


async def test_a_saved_mapping_naming_a_grade_the_table_lacks_is_flagged_and_not_saved(path):
    lacking_a_grade(path)
    before = query(path, SAVED)
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(PreferencesScreen(app.store, ADMIN, tab="roster"))
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "roster"
        assert "'Post-grad' is not in the grade table" in rendered(app, "#problems-grades")
        assert rendered(app, "#roster-message").startswith("⚠ 1 problem")
        await fill_all(pilot, transfer_guard_percent="50")
        await press(pilot, "f9")
        assert "PS: 'Post-grad' is not in the grade table" in rendered(app, "#problems-grades")
        assert app.focused is app.screen.query_one("#rows-grades")  # on the row to fix
    assert query(path, SAVED) == before
    assert saved_mapping(path).transfer_guard_percent == 20


async def test_a_grade_renamed_on_the_grade_table_tab_is_flagged_on_the_roster_tab(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_the_roster_tab(pilot)
        await press(pilot, "f3")
        grid = screen.query_one("#grades", DataTable)
        grid.move_cursor(row=screen.grade_names.index("Graduated"))
        await press(pilot, "r")
        await press(pilot, *["backspace"] * 9, *"Alumni", "enter")
        await press(pilot, "f4")
        problems = rendered(app, "#problems-grades") + rendered(app, "#problems-grade_policies")
        assert "PS: 'Graduated' is not in the grade table" in problems
        assert "Graduated: 'Graduated' is not in the grade table" in problems
        await press(pilot, "f9")
        assert app.screen is screen
    assert query(path, SAVED) == []
    assert query(path, "SELECT count(*) FROM grades WHERE name = 'Alumni'") == [(1,)]


async def test_the_aide_sees_the_tab_and_is_refused_by_the_store(path):
    app = app_for(path, operator=AIDE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(PreferencesScreen(app.store, AIDE, tab="roster"))  # as Sync does
        await settle(pilot)
        await fill_all(pilot, transfer_guard_percent="90")
        await press(pilot, "f9")
        assert "Library Preferences: Edit" in rendered(app, "#roster-message")
        assert isinstance(app.screen, PreferencesScreen)
    assert query(path, SAVED) == []


async def test_a_mapping_saved_in_another_session_since_is_not_overwritten(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_roster_tab(pilot)
        other = Store(path)  # another technician, meanwhile
        try:
            other.save_roster_mapping({"transfer_guard_percent": 5}, ADMIN)
        finally:
            other.close()
        await fill_all(pilot, transfer_guard_percent="35")
        await press(pilot, "f9")
        assert "another technician changed it" in rendered(app, "#error-transfer_guard_percent")
    assert saved_mapping(path).transfer_guard_percent == 5


async def test_f1_lists_the_roster_tables_keys(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_roster_tab(pilot)
        await on_row(pilot, "grades", "KG")
        await press(pilot, "f1")
        assert isinstance(app.screen, KeysScreen)
        listed = {(key, what) for _, key, what in app.screen.keys}
        assert {("a", "Add a row to the table"), ("e", "Edit the row"), ("F9", "Save")} <= listed
    assert query(path, SAVED) == []


def test_snapshot_of_the_roster_tab_flagging_a_grade_the_table_lacks(snap_compare, path):
    lacking_a_grade(path)
    before = query(path, SAVED)

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(PreferencesScreen(pilot.app.store, ADMIN, tab="roster"))
        await settle(pilot)
        await on_row(pilot, "grades", "PS")

    assert snap_compare(app_for(path), terminal_size=(80, 24), run_before=run_before)
    assert query(path, SAVED) == before
    assert json.loads(before[0][0])["grades"]["PS"] == "Post-grad"


def test_the_flagged_row_reads_in_sixteen_colours(snap_compare, path):
    """The row to fix is told by its ⚠ and the message naming it, not by a colour."""
    lacking_a_grade(path)
    before = query(path, SAVED)
    shown: list[str] = []

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(PreferencesScreen(pilot.app.store, ADMIN, tab="roster"))
        await settle(pilot)
        await on_row(pilot, "grades", "PS")
        shown.append(pilot.app.screen_text())

    app = SixteenColours(Store(path), ADMIN)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    text = " ".join(shown[0].split())
    assert "⚠ PS Post-grad" in text and "F4 Roster ⚠ 1" in text, shown[0]
    assert "⚠ PS: 'Post-grad' is not in the grade table" in text
    assert query(path, SAVED) == before


async def test_a_saved_mapping_that_cannot_be_read_is_said_and_f9_saves_over_it(path):
    query_write(path, "INSERT INTO preferences (key, value) VALUES (?, ?)", KEY, '{"ssn": 1}')
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_the_roster_tab(pilot)
        assert "The saved roster mapping cannot be read" in rendered(app, "#roster-message")
        assert query(path, SAVED) == [('{"ssn": 1}',)]  # opening it changed nothing
        await press(pilot, "f9")
        assert rendered(app, "#roster-message") == "Roster mapping saved."
        assert app.screen is screen
    assert saved_mapping(path) == RosterMapping()


async def test_saving_the_library_tab_keeps_the_roster_tabs_unsaved_changes(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_the_roster_tab(pilot)
        await fill_all(pilot, transfer_guard_percent="40")
        await press(pilot, "f2")
        await fill_all(pilot, location_term="Homeroom")
        await press(pilot, "f9")
        assert app.screen is screen  # not gone back with the Roster tab's 40 unsaved
        assert "Roster tab's changes are not saved yet" in str(notes(app))
        await press(pilot, "f4", "f9")
        assert rendered(app, "#roster-message") == "Roster mapping saved."
        await press(pilot, "f2")
        await fill_all(pilot, location2_term="Bus Route")
        await press(pilot, "f9")  # nothing left unsaved on the Roster tab: back
        assert app.screen is not screen
    assert saved_mapping(path).transfer_guard_percent == 40
    assert query(
        path,
        "SELECT key, value FROM preferences WHERE key IN ('term.location', 'term.location2') "
        "ORDER BY key",
    ) == [("term.location", "Homeroom"), ("term.location2", "Bus Route")]


async def test_a_setting_that_does_not_validate_is_shown_on_its_field_and_not_saved(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_roster_tab(pilot)
        await fill_all(pilot, transfer_guard_percent="lots", barcode_from="ssn")
        await press(pilot, "f9")
        assert "must be a whole number; this is 'lots'" in rendered(
            app, "#error-transfer_guard_percent"
        )
        assert "'ssn' is not a roster field for barcodes" in rendered(app, "#error-barcode_from")
        assert app.focused is app.screen.query_one("#input-barcode_from")  # the first, focused
    assert query(path, SAVED) == []
