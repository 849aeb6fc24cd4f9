"""A saved run or draft whose values the database no longer offers is refused by name —
on opening, on preview, at the command line and on apply — never dropped, which would
widen the selection to everyone."""

from __future__ import annotations

import pytest
from textual.widgets import SelectionList, Static

import store

from ..databases import everything, query
from ..operators import ADMIN
from .pilot import SIZE, app_for, press, settle


def save_run(path, key: str, name: str, selection: dict, options: dict) -> None:
    s = store.Store(path)
    try:
        s.save_run(key, name, selection, options, ADMIN)
    finally:
        s.close()


def sql(path, statement: str) -> None:
    s = store.Store(path)
    try:
        s.db.execute(statement)
    finally:
        s.close()


async def open_run(pilot, name: str) -> None:
    await settle(pilot)
    await press(pilot, *name.lower())
    await press(pilot, "enter")
    await settle(pilot)


async def test_a_run_whose_location_no_patron_has_now_is_refused_not_widened(path):
    sql(path, "UPDATE patrons SET location = 'Gone' WHERE id IN (1, 2)")
    save_run(path, "remove-patrons", "Leavers", {"locations": ["Gone"]}, {"force": True})
    sql(path, "UPDATE patrons SET location = 'Room 101' WHERE location = 'Gone'")
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, *"leavers")
        help_text = str(app.screen.query_one("#help", Static).render())
        assert "⚠ Patrons in Location: 'Gone' is not in the locations patrons have" in help_text
        await press(pilot, "enter")
        await settle(pilot)
        screen = app.screen
        counts = str(screen.query_one("#counts", Static).render())
        assert counts.startswith("Not previewable yet: fix the fields marked ⚠")
        assert "'Gone' is not in the locations patrons have" in counts
        # The value is still there, chosen, marked as no longer offered.
        widget = screen.query_one("#input-locations", SelectionList)
        assert widget.selected == ["Gone"]
        assert "Gone — no longer offered" in [
            str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)
        ]
        await press(pilot, "f5")
        assert screen.plan is None and "Gone" in str(screen.query_one("#counts", Static).render())
        await press(pilot, "f9")
        assert screen.plan is None
    assert everything(path) == before


async def test_a_run_of_a_renamed_grade_is_refused_until_the_grade_is_chosen_again(path):
    save_run(path, "change-status", "Seniors", {"grades": ["12"]}, {"status": "Inactive"})
    sql(path, "UPDATE grades SET name = 'Twelve' WHERE name = '12'")
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_run(pilot, "Seniors")
        screen = app.screen
        assert "'12' is not in the grade table" in str(screen.query_one("#counts", Static).render())
        widget = screen.query_one("#input-grades", SelectionList)
        widget.deselect("12")
        widget.select("Twelve")
        await pilot.press("f5")
        await settle(pilot)
        assert screen.plan is not None
        assert screen.plan.selection.grades == ["Twelve"]
        assert (
            screen.plan.counts.matched
            == query(path, "SELECT count(*) FROM patrons WHERE grade = 'Twelve'")[0][0]
        )
    assert everything(path) == before


def test_the_command_line_refuses_the_same_run(path, monkeypatch, capsys):
    from patron_utils import main

    sql(path, "UPDATE patrons SET location = 'Gone' WHERE id IN (1, 2)")
    save_run(path, "remove-patrons", "Leavers", {"locations": ["Gone"]}, {"force": True})
    sql(path, "UPDATE patrons SET location = 'Room 101' WHERE location = 'Gone'")
    before = everything(path)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")
    code = main(
        [
            "run",
            "remove-patrons",
            "--db",
            str(path),
            "--operator",
            "demo",
            "--preset",
            "Leavers",
            "--yes",
        ]
    )
    assert code == 2
    assert "'Gone' is not in the locations patrons have" in capsys.readouterr().err
    assert everything(path) == before


def test_apply_checks_the_values_again(path):
    s = store.Store(path)
    try:
        plan = s.plan("change-status", {"grades": ["12"]}, {"status": "Inactive"}, ADMIN)
        assert plan.counts.change
        s.db.execute("UPDATE grades SET name = 'Twelve' WHERE name = '12'")
        before = everything(path)
        with pytest.raises(store.Invalid, match="'12' is not in the grade table"):
            s.apply(plan)
        assert everything(path) == before
    finally:
        s.close()


async def test_a_damaged_saved_run_is_not_opened_with_empty_forms(path):
    from tui.screens.picker import PickerScreen

    from .pilot import notes

    save_run(path, "remove-patrons", "Leavers", {"locations": ["Room 101"]}, {"force": True})
    sql(path, "UPDATE saved_runs SET selection = '{\"locations\": ' WHERE name = 'Leavers'")
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_run(pilot, "leavers")
        assert isinstance(app.screen, PickerScreen)
        assert any(
            "The saved run 'Leavers' cannot be opened: its stored values cannot be read" in message
            for _, message in notes(app)
        )
        assert "⚠ Saved run: its stored values cannot be read" in str(
            app.screen.query_one("#help", Static).render()
        )
