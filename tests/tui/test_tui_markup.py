"""Data is shown as text: a name, note or grade holding Rich markup ("[/x]" would crash a
screen; "[@click=app.quit]" would be a live link) or a control character is drawn literally,
escaped, on every screen that shows it — and the utility still does its work."""

from __future__ import annotations

from textual.widgets import DataTable, Select

from tui.screens.confirm import ConfirmScreen
from tui.screens.operations import OperationsScreen
from tui.screens.preferences import PreferencesScreen
from tui.screens.summary import SummaryScreen

from ..databases import query
from .pilot import SIZE, app_for, notes, press, preview, rendered, settle, table_rows

GRADE = "[/x]"
NAME = "[@click=app.quit]Quit[/]"


def hostile(path) -> int:
    """Grade 12 renamed to closing markup; its first patron named with a click action and a
    terminal escape. Returns that patron's id."""
    conn = __import__("sqlite3").connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("UPDATE grades SET name = ? WHERE name = '12'", (GRADE,))
    pid = conn.execute("SELECT min(id) FROM patrons WHERE grade = ?", (GRADE,)).fetchone()[0]
    conn.execute(
        "UPDATE patrons SET last_name = ?, first_name = 'Bea\x1b[31m' WHERE id = ?", (NAME, pid)
    )
    conn.commit()
    conn.close()
    return pid


def cells(app, selector) -> str:
    return " ".join(" ".join(row) for row in table_rows(app, selector))


async def test_markup_and_escapes_in_the_data_are_drawn_as_text_on_every_screen(path):
    pid = hostile(path)
    in_grade = query(
        path, "SELECT count(*) FROM patrons WHERE grade = ? AND status != 'Inactive'", GRADE
    )[0][0]
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"grades": [GRADE]}, {"status": "Inactive"})
        assert "Error" not in rendered(app, "#counts")
        await pilot.press("f2")
        await settle(pilot)
        grades = app.screen.query_one("#input-grades")
        prompts = [str(grades.get_option_at_index(i).prompt) for i in range(grades.option_count)]
        assert GRADE in prompts
        assert f"will change {in_grade:,}" in rendered(app, "#counts")
        await press(pilot, "f5", "f9")
        assert isinstance(app.screen, ConfirmScreen)
        assert GRADE in rendered(app, "#dialog-body")
        await press(pilot, "y")
        assert isinstance(app.screen, SummaryScreen)
        assert GRADE in rendered(app, "#result-summary")
        shown = cells(app, "#result-table")
        assert NAME in shown and "Bea\\x1b[31m" in shown and "\x1b" not in shown
        await press(pilot, "escape", "escape", "escape", "f7")
        assert isinstance(app.screen, OperationsScreen)
        assert app.screen.query_one(DataTable).row_count == 1
        await press(pilot, "escape", "f4")
        assert isinstance(app.screen, PreferencesScreen)
        assert GRADE in cells(app, "#grades")
        assert app.is_running
    assert query(path, "SELECT status FROM patrons WHERE id = ?", pid) == [("Inactive",)]
    assert (
        query(path, "SELECT count(*) FROM patrons WHERE grade = ? AND status = 'Inactive'", GRADE)[
            0
        ][0]
        >= in_grade
    )


async def test_a_notification_quoting_data_is_not_markup(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.notify(f"Saved '{NAME}'.")
        app.notify("Bad [/b] tag")
        await pilot.pause()
        assert ("information", f"Saved '{NAME}'.") in notes(app)
        assert all(not n.markup for n in app._notifications)
        assert app.is_running


async def test_a_choice_holding_markup_is_offered_as_text(path):
    hostile(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "change patron grade", {}, {})
        await pilot.press("f3")
        await settle(pilot)
        widget = app.screen.query_one("#input-grade", Select)
        labels = [str(label) for label, _ in widget._options]
        assert GRADE in labels
