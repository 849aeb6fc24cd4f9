"""A utility's screen by keys: cancelling at the confirm, a stale preview, errors by their
fields, paging the preview, the picker and the command palette, Escape stepping back, the
confirm and the row detail (each utility's whole flow: test_tui_utility_flows.py)."""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Static

from tui.screens.picker import PickerScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import query
from ..operators import AIDE
from .pilot import app_for, fill_all, open_utility, preview, rendered, settle


async def test_cancel_at_confirm_writes_nothing(path):
    before = query(path, "SELECT id, status FROM patrons ORDER BY id")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", {}, dict(status="Suspended"))
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
        await pilot.press("f9", "n")
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
    assert query(path, "SELECT id, status FROM patrons ORDER BY id") == before
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_stale_preview_is_refused_at_apply(path):
    victim = query(path, "SELECT id FROM patrons WHERE grade = '3' AND status = 'Active' LIMIT 1")[
        0
    ][0]
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", dict(grades=["3"]), dict(status="Inactive"))
        # Another technician changes a matched patron between preview and apply.
        other = sqlite3.connect(path)
        other.execute("UPDATE patrons SET status = 'Suspended' WHERE id = ?", (victim,))
        other.commit()
        other.close()
        await pilot.press("f9", "y")
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
        assert "Not applied" in str(app.screen.query_one("#counts", Static).render())
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
    assert query(
        path, "SELECT count(*) FROM patrons WHERE grade = '3' AND status = 'Inactive'"
    ) == query(path, "SELECT 0")  # nothing of the stale plan was written
    assert query(path, "SELECT status FROM patrons WHERE id = ?", victim) == [("Suspended",)]


async def test_options_error_is_shown_by_its_field_and_flags_the_tab(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_utility(pilot, "status")
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        error = str(screen.query_one("#error-status", Static).render())
        assert "a value is required; choose one of: Active, Card Lost" in error
        assert screen.query_one("#field-status").has_class("-invalid")
        assert "⚠" in str(screen.query_one("TabbedContent").get_tab("options").label)
        assert screen.plan is None
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_bad_date_in_selections_names_the_field(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", dict(graduation_from="13/45/2026"), dict(status="Inactive"))
        screen = app.screen
        assert screen.query_one("TabbedContent").active == "selections"
        error = str(screen.query_one("#error-graduation_from", Static).render())
        assert "13/45/2026" in error and "MM/DD/YYYY" in error
        assert app.focused.id == "input-graduation_from"
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_preview_pages_rows_instead_of_loading_all(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", {}, dict(status="Other"))
        table = app.screen.query_one(PreviewTable)
        assert table.total == 300 + 2  # and the demo's two operators
        assert list(table.pages) == [0]  # the first page only
        await pilot.press("end")
        await settle(pilot)
        # The rows now on screen (286-301) span pages 2 and 3; page 1 was never fetched.
        assert table.cursor_row == 301 and sorted(table.pages) == [0, 2, 3]
        last = table.record(301)
        assert last == app.screen.plan.page(301, 1)[0]
        assert f"302 of 302 · {last.name}" in rendered(app, "#row-detail")
        assert "No selections: every patron matches (the Unknown Patron never does)." in str(
            app.screen.query_one("#counts", Static).render()
        )


async def test_editing_after_preview_requires_a_new_preview(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", {}, dict(status="Other"))
        await pilot.press("f3")
        await fill_all(pilot, status="Active")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)  # no confirm: the preview is outdated
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_picker_refuses_a_denied_utility_and_escape_goes_back(path):
    app = app_for(path, operator=AIDE)  # an aide may not remove patrons
    async with app.run_test(size=(80, 24)) as pilot:
        await open_utility(pilot, "remove patrons")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("escape")  # clears the filter
        await open_utility(pilot, "status")
        assert isinstance(app.screen, UtilityScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)


async def test_command_palette_opens_a_utility(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Change Patron Grade")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
        assert app.screen.utility.key == "change-grade"


@pytest.mark.parametrize(
    "name, screen", [("Operations", "OperationsScreen"), ("Preferences", "PreferencesScreen")]
)
async def test_command_palette_opens_operations_and_preferences(path, name, screen):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*name)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == screen
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_escape_steps_back_and_the_forms_are_kept_for_the_session(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", dict(grades=["12"]), dict(status="Inactive"))
        assert app.screen.query_one("TabbedContent").active == "preview"
        await pilot.press("escape")  # preview → the form it came from
        await settle(pilot)
        assert isinstance(app.screen, UtilityScreen)
        assert app.screen.query_one("TabbedContent").active == "options"
        await pilot.press("escape")  # form → picker
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("escape")  # clear the filter
        await open_utility(pilot, "status")
        screen = app.screen
        assert screen.query_one("#selection-form").values()["grades"] == ["12"]
        assert screen.query_one("#options-form").values()["status"] == "Inactive"
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_fixing_a_field_clears_its_message(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", dict(barcode_from="9999999999999999"), dict(status="Other"))
        field = app.screen.query_one("#field-barcode_from")
        assert field.has_class("-invalid")
        assert "at most 15 characters are allowed; this has 16" in str(
            app.screen.query_one("#error-barcode_from", Static).render()
        )
        await fill_all(pilot, barcode_from="1")
        assert not field.has_class("-invalid")
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_confirm_shortens_a_long_note_and_keeps_its_keys(path):
    note = "Needs to meet with the librarian about overdue books. " * 9  # 495 characters
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(
            pilot, "notes", dict(grades=["12"]), dict(note=note.strip(), note_type="General")
        )
        await pilot.press("f9")
        await settle(pilot)
        body = str(app.screen.query_one("#dialog-body", Static).render())
        assert note.strip() not in body and "…" in body
        keys = app.screen.query_one("#dialog-keys")
        assert keys.region.bottom <= 24 and keys.region.height == 1
        await pilot.press("n")
        await settle(pilot)
    assert query(
        path, "SELECT count(*) FROM notes WHERE type = 'General' AND text LIKE 'Needs to meet%'"
    ) == [(0,)]


async def test_row_detail_shows_the_full_reason_of_the_highlighted_patron(path):
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, "status", dict(statuses=["Transferred"]), dict(status="Transferred"))
        detail = str(app.screen.query_one("#row-detail", Static).render())
        assert detail.startswith("1 of ") and "unchanged: already Transferred" in detail
        await pilot.press("end")
        await settle(pilot)
        total = query(path, "SELECT count(*) FROM patrons WHERE status = 'Transferred'")[0][0]
        assert str(app.screen.query_one("#row-detail", Static).render()).startswith(
            f"{total} of {total}"
        )
