"""The journal, undo, summaries written to files, saved runs and excluding patrons by hand,
driven by keys at 80×24 like a librarian, each asserting the database afterwards. Today is
fixed at 2026-06-01 (conftest), so every journal time is 2026-06-01 09:00:00."""
from __future__ import annotations

import csv
import json
import sqlite3

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from tui.screens.confirm import ConfirmScreen
from tui.screens.operations import OperationsScreen
from tui.screens.picker import PickerScreen
from tui.screens.prompt import PromptScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from .tui_helpers import app_for, demo_db, fill_all, open_utility, preview, query, settle

SIZE = (80, 24)
GRADE_12 = "SELECT id, status, modified FROM patrons WHERE grade = '12' ORDER BY id"
NOT_RESTORED = "not restored"
EXCLUDED_REASON = "excluded from the preview by hand"


@pytest.fixture
def path(tmp_path):
    return demo_db(tmp_path)


# -- helpers -----------------------------------------------------------------------------------


def everything(path) -> dict[str, list]:
    """Every row of every table, ordered by every column (operation_changes has no rowid):
    'nothing was written' compares two of these."""
    out = {}
    for (table,) in query(path, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        width = len(query(path, f"PRAGMA table_info('{table}')"))
        order = ", ".join(str(n) for n in range(1, width + 1))
        out[table] = query(path, f"SELECT * FROM {table} ORDER BY {order}")
    return out


def sql_write(path, sql: str, *params) -> None:
    """Another technician's change, made outside the app."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def rendered(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notes(app) -> list[tuple[str, str]]:
    """The notifications on screen now, as (severity, message)."""
    return [(n.severity, n.message) for n in app._notifications]


def table_rows(app, selector: str = DataTable) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def clear_and_type(pilot, text: str) -> None:
    """In the focused Input: remove what is there, then type ``text``."""
    await pilot.press("end", "ctrl+u")
    if text:
        await pilot.press(*text)


async def apply_change_status(pilot, grade: str, status: str) -> None:
    """From the picker: Change Patron Status for one grade, preview, F9, y → its summary."""
    await preview(pilot, "status", {"grades": [grade]}, {"status": status})
    assert isinstance(pilot.app.screen, UtilityScreen)
    assert pilot.app.screen.utility.key == "change-status"
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.press("y")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SummaryScreen)


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


# -- the journal and undo ----------------------------------------------------------------------


async def test_undo_from_the_operations_list_puts_the_patrons_back(path):
    patrons_before = query(path, "SELECT * FROM patrons ORDER BY id")
    grade12_before = query(path, GRADE_12)
    assert len(grade12_before) == 16 and all(s != "Inactive" for _, s, _ in grade12_before)

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        assert app.screen.operation_id == 1
        applied = query(path, GRADE_12)
        assert {s for _, s, _ in applied} == {"Inactive"}
        assert {m for _, _, m in applied} == {"2026-06-01 09:00:00"}

        await press(pilot, "escape")  # the summary → the picker
        assert isinstance(app.screen, PickerScreen)
        await press(pilot, "f7")
        assert isinstance(app.screen, OperationsScreen)
        rows = table_rows(app, "#operations-table")
        assert rows == [["1", "2026-06-01 09:00", "tester", "16", "0", "16", "",
                         "Change Patron Status"]]
        assert app.screen.query_one("#operations-table", DataTable).cursor_row == 0

        await press(pilot, "enter")
        summary = app.screen
        assert isinstance(summary, SummaryScreen) and summary.operation_id == 1
        assert "Done: Change Patron Status — operation #1" in rendered(app, "#heading")
        assert len(summary.rows) == 16

        await press(pilot, "u")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.heading == "Undo operation #1?"
        assert "The 16 changed patrons will be put back as they were before" in \
            rendered(app, "#dialog-body")
        assert "Press y or Enter to undo" in rendered(app, "#dialog-keys")
        await press(pilot, "y")

        undo = app.screen
        assert isinstance(undo, SummaryScreen) and undo.operation_id == 2
        assert "operation #2" in rendered(app, "#heading")
        assert "This put back what operation #1 changed" in rendered(app, "#result-summary")
        assert ("information", "Operation #1 undone: 16 patrons put back.") in notes(app)
        assert {r["outcome"] for r in undo.rows} == {"change"} and len(undo.rows) == 16

        # Back exactly as before: status and modified, and every other column of everyone.
        assert query(path, GRADE_12) == grade12_before
        assert query(path, "SELECT * FROM patrons ORDER BY id") == patrons_before
        assert query(path, "SELECT id, undo_of, undone_by, changed FROM operations "
                           "ORDER BY id DESC") == [(2, 1, None, 16), (1, None, 2, 16)]
        after_undo = everything(path)

        # An undo cannot itself be undone: a warning, no confirm, nothing written.
        app.clear_notifications()
        await press(pilot, "u")
        assert app.screen is undo
        [(severity, message)] = notes(app)
        assert severity == "warning"
        assert message.startswith("Operation #2 cannot be undone: it is itself an undo (of #1)")
        assert everything(path) == after_undo

        # Escape: the list, reloaded — the undo first, the operation marked undone by it.
        await press(pilot, "escape")
        assert isinstance(app.screen, OperationsScreen)
        rows = table_rows(app, "#operations-table")
        assert [r[0] for r in rows] == ["2", "1"]
        assert rows[0][7] == "Undo of Change Patron Status (#1)" and rows[0][6] == "undo of #1"
        assert rows[1][6] == "by #2"

        # Operation 1 again: already undone.
        await press(pilot, "down", "enter")
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 1
        assert "Undone by operation #2." in rendered(app, "#result-summary")
        app.clear_notifications()
        await press(pilot, "u")
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 1
        [(severity, message)] = notes(app)
        assert severity == "warning"
        assert message == ("Operation #1 cannot be undone: it was already undone by "
                           "operation #2.")
        assert everything(path) == after_undo

    assert query(path, "SELECT * FROM patrons ORDER BY id") == patrons_before
    assert query(path, "SELECT count(*) FROM operations") == [(2,)]


async def test_undo_leaves_a_patron_changed_since_and_lists_them(path):
    grade12_before = query(path, GRADE_12)
    conflicted = grade12_before[0][0]
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        # Another technician marks one of them Card Lost meanwhile.
        sql_write(path, "UPDATE patrons SET status = 'Card Lost' WHERE id = ?", conflicted)
        [(barcode, name)] = query(path, "SELECT barcode, last_name || ', ' || first_name "
                                        "FROM patrons WHERE id = ?", conflicted)

        await press(pilot, "u")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")
        undo = app.screen
        assert isinstance(undo, SummaryScreen) and undo.operation_id == 2
        assert ("warning", "Operation #1 undone: 15 patrons put back, 1 not (changed "
                               "again since; listed first).") in notes(app)
        # The skipped patron is listed first, saying why.
        first = undo.rows[0]
        assert (first["patron_id"], first["outcome"]) == (conflicted, "skip")
        assert first["reason"].startswith(NOT_RESTORED)
        assert "status is now 'Card Lost'" in first["reason"]
        cells = table_rows(app, "#result-table")
        assert cells[0][0] == barcode
        assert cells[0][4].startswith("skip: not restored")
        assert [c[4] for c in cells[1:]] == ["change"] * 15
        assert "skipped 1" in rendered(app, "#result-summary")
        assert f"{name} · skip: not restored" in rendered(app, "#row-detail")

    after = {pid: (status, modified) for pid, status, modified in query(path, GRADE_12)}
    before = {pid: (status, modified) for pid, status, modified in grade12_before}
    assert after.pop(conflicted) == ("Card Lost", "2026-06-01 09:00:00")
    before.pop(conflicted)
    assert after == before
    assert query(path, "SELECT outcome, reason LIKE 'not restored%' FROM operation_changes "
                       "WHERE operation_id = 2 AND patron_id = ?", conflicted) == [("skip", 1)]
    assert query(path, "SELECT id, matched, changed, skipped, undo_of, undone_by FROM operations "
                       "ORDER BY id") == [(1, 16, 16, 0, None, 2), (2, 16, 15, 1, 1, None)]


# -- writing a summary to a file ---------------------------------------------------------------


async def write_summary(pilot, target: str) -> None:
    await press(pilot, "w")
    prompt = pilot.app.screen
    assert isinstance(prompt, PromptScreen)
    field = prompt.query_one("#answer", Input)
    assert field.value == "operation-1.txt" and pilot.app.focused is field
    field.value = target  # a long temporary path: typed key by key it costs seconds
    await settle(pilot)
    pilot.app.clear_notifications()
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, SummaryScreen)


async def test_write_the_summary_as_csv_and_as_text(path, tmp_path):
    grade12 = {r[0] for r in query(path, "SELECT barcode FROM patrons WHERE grade = '12'")}
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        before = everything(path)

        target = tmp_path / "out" / "op1.csv"
        target.parent.mkdir()
        await write_summary(pilot, str(target))
        assert ("information", f"Written to {target}") in notes(app)
        with target.open(newline="", encoding="utf-8") as f:
            lines = list(csv.reader(f))
        assert lines[0] == ["operation", "barcode", "name", "outcome", "reason", "Status before",
                            "Status after"]
        body = lines[1:]
        assert len(body) == 16
        assert {r[1] for r in body} == grade12
        assert all(r[0] == "1" and r[3] == "change" and r[6] == "Inactive" for r in body)

        text = tmp_path / "out" / "op1.txt"
        await write_summary(pilot, str(text))
        assert ("information", f"Written to {text}") in notes(app)
        head, _, rest = text.read_text(encoding="utf-8").partition("\n\n")
        assert head.splitlines()[:2] == ["Operation #1: Change Patron Status",
                                         "By tester at 2026-06-01 09:00:00"]
        assert "Options: Change Status to: Inactive" in head
        patrons = rest.splitlines()
        assert len(patrons) == 16
        assert {line.split("\t")[0] for line in patrons} == grade12
        assert all(line.endswith("\tchange") and "→ Inactive" in line for line in patrons)

        # A directory that does not exist: an error notification, the summary stays.
        missing = tmp_path / "no-such-dir" / "op1.csv"
        await write_summary(pilot, str(missing))
        errors = [m for s, m in notes(app) if s == "error"]
        assert len(errors) == 1 and errors[0].startswith("Not written: ")
        assert str(missing) in errors[0]
        assert not missing.parent.exists()
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 1
        assert app.is_running

        # Writing reads the journal only.
        assert everything(path) == before


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
            path, "SELECT utility, name, selection, options, operator, saved FROM saved_runs")
        assert (utility, name, operator, saved) == ("change-status", "Seniors to inactive",
                                                    "tester", "2026-06-01 09:00:00")
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
        assert rendered(app, "#heading") == ("Change Patron Status — saved run "
                                             "'Seniors to inactive'")
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
        assert "Delete the saved run 'Class of 2026 inactive'?" == app.screen.heading
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


# -- excluding patrons by hand -------------------------------------------------------------------


async def to_row(pilot, index: int) -> None:
    await pilot.press("home", *["down"] * index)
    await settle(pilot)
    assert pilot.app.screen.query_one(PreviewTable).cursor_row == index


async def test_exclude_two_patrons_from_the_preview_by_hand(path):
    grade12_before = {pid: (s, m) for pid, s, m in query(path, GRADE_12)}
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        # Grade 12 to Transferred: fifteen would change, one already is Transferred.
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Transferred"})
        screen = app.screen
        assert isinstance(screen, UtilityScreen)
        assert app.focused is screen.query_one(PreviewTable)
        c = screen.plan.counts
        assert (c.matched, c.change, c.unchanged, c.skip, c.excluded) == (16, 15, 1, 0, 0)
        changing = [i for i, r in enumerate(screen.rows) if r.outcome == "change"]
        [unchanged] = [i for i, r in enumerate(screen.rows) if r.outcome == "unchanged"]
        first, second, third = changing[0], changing[1], changing[5]
        out = {screen.rows[first].patron_id, screen.rows[second].patron_id}

        # Space on an unchanged row: a warning, nothing toggled.
        await to_row(pilot, unchanged)
        app.clear_notifications()
        await press(pilot, "space")
        [(severity, message)] = notes(app)
        assert severity == "warning"
        assert message == ("Only a patron who would change can be excluded; this one is "
                           "unchanged.")
        assert screen.plan.counts.excluded == 0
        assert not any(r.excluded for r in screen.rows)

        # Space twice on one row puts it back.
        await to_row(pilot, third)
        await press(pilot, "space")
        assert screen.rows[third].excluded and screen.plan.counts.excluded == 1
        assert "excluded 1" in rendered(app, "#counts")
        await press(pilot, "space")
        assert not screen.rows[third].excluded and screen.plan.counts.excluded == 0
        assert "excluded" not in rendered(app, "#counts").splitlines()[0]

        # Two patrons out.
        for index in (first, second):
            await to_row(pilot, index)
            await press(pilot, "space")
            assert screen.rows[index].excluded
        assert "excluded by hand (space puts them back)" in rendered(app, "#row-detail")
        assert rendered(app, "#counts").splitlines()[0] == (
            "Matched 16 · will change 13 · unchanged 1 · skipped 0 · excluded 2")
        cells = table_rows(app, "#preview-table")
        assert [i for i, row in enumerate(cells) if row[4] == "excluded by hand"] == [first, second]
        assert query(path, "SELECT count(*) FROM operations") == [(0,)]

        await press(pilot, "f9")
        assert isinstance(app.screen, ConfirmScreen)
        body = rendered(app, "#dialog-body")
        assert body.splitlines()[0] == ("Matched 16 · will change 13 · unchanged 1 · skipped 0 · "
                                        "excluded 2")
        assert "13 patrons will be changed in one transaction" in body
        assert "2 patrons excluded by hand will be left as they are." in body
        await press(pilot, "y")
        assert isinstance(app.screen, SummaryScreen)
        assert "excluded 2" in rendered(app, "#result-summary")
        # The summary lists them first, as skipped by hand.
        summary = app.screen
        assert {r["patron_id"] for r in summary.rows[:2]} == out
        assert [c[4] for c in table_rows(app, "#result-table")[:2]] == [
            f"skip: {EXCLUDED_REASON}"] * 2

    after = {pid: (s, m) for pid, s, m in query(path, GRADE_12)}
    for pid in out:
        assert after[pid] == grade12_before[pid]
    assert all(after[pid] == ("Transferred", "2026-06-01 09:00:00")
               for pid, (status, _) in grade12_before.items()
               if pid not in out and status != "Transferred")
    # Counted as excluded, not skipped, in the journal; each is a 'skip' in its report.
    assert query(path, "SELECT matched, changed, unchanged, skipped, excluded FROM operations") \
        == [(16, 13, 1, 0, 2)]
    assert query(path, "SELECT patron_id, outcome, reason FROM operation_changes "
                       "WHERE operation_id = 1 AND outcome = 'skip' ORDER BY patron_id") == [
        (pid, "skip", EXCLUDED_REASON) for pid in sorted(out)]
    assert query(path, "SELECT count(*) FROM operation_rows WHERE row_id IN (?, ?)",
                 *sorted(out)) == [(0,)]
