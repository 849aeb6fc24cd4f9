"""Undo from the operations list, and writing a summary to a file, by keys at 80×24."""

from __future__ import annotations

import csv
import sqlite3

from textual.widgets import DataTable, Input

from tui.screens.confirm import ConfirmScreen
from tui.screens.operations import OperationsScreen
from tui.screens.picker import PickerScreen
from tui.screens.prompt import PromptScreen
from tui.screens.summary import SummaryScreen

from ..databases import everything, query
from .pilot import (
    GRADE_12,
    SIZE,
    app_for,
    apply_change_status,
    notes,
    press,
    preview_rows,
    rendered,
    settle,
    table_rows,
)

NOW = "2026-06-01 09:00:00"  # clock.now() with "today" fixed (conftest)
MODIFIED = 19  # patrons.modified's place in a row of SELECT * (an undo stamps what it writes)


def unstamped(rows: list[tuple]) -> list[tuple]:
    return [row[:MODIFIED] + row[MODIFIED + 1 :] for row in rows]


NOT_RESTORED = "not restored"


# -- helpers -----------------------------------------------------------------------------------


def sql_write(path, sql: str, *params) -> None:
    """Another technician's change, made outside the app."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


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
        assert rows == [
            ["#1", "2026-06-01\n09:00", "demo", "Change Patron Status\nchanged 16, skipped 0 of 16"]
        ]
        assert app.screen.query_one("#operations-table", DataTable).cursor_row == 0

        await press(pilot, "enter")
        summary = app.screen
        assert isinstance(summary, SummaryScreen) and summary.operation_id == 1
        assert "Done: Change Patron Status — operation #1" in rendered(app, "#heading")
        assert len(preview_rows(app)) == 16

        await press(pilot, "u")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.heading == "Undo operation #1?"
        assert "The 16 changed patrons will be put back as they were before" in rendered(
            app, "#dialog-body"
        )
        assert "Press y or Enter to undo" in rendered(app, "#dialog-keys")
        await press(pilot, "y")

        undo = app.screen
        assert isinstance(undo, SummaryScreen) and undo.operation_id == 2
        assert "operation #2" in rendered(app, "#heading")
        assert "This put back what operation #1 changed" in rendered(app, "#result-summary")
        assert ("information", "Operation #1 undone: 16 patrons put back.") in notes(app)
        rows = preview_rows(app)
        assert {r["outcome"] for r in rows} == {"change"} and len(rows) == 16

        # Back as before, every column of everyone; the rows it wrote carry its time.
        assert query(path, GRADE_12) == [(pid, status, NOW) for pid, status, _ in grade12_before]
        assert unstamped(query(path, "SELECT * FROM patrons ORDER BY id")) == unstamped(
            patrons_before
        )
        assert query(
            path, "SELECT id, undo_of, undone_by, changed FROM operations ORDER BY id DESC"
        ) == [(2, 1, None, 16), (1, None, 2, 16)]
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
        assert [r[0] for r in rows] == ["#2", "#1"]
        assert rows[0][3].startswith("Undo of Change Patron Status (#1)\n")
        assert rows[0][3].endswith(" · undo of #1") and rows[1][3].endswith(" · undone by #2")
        # The cursor stayed on the operation it was on (#1, now the second row).
        assert app.screen.query_one("#operations-table", DataTable).cursor_row == 1

        # Operation 1 again: already undone.
        await press(pilot, "down", "enter")
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 1
        assert "Undone by operation #2." in rendered(app, "#result-summary")
        app.clear_notifications()
        await press(pilot, "u")
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 1
        [(severity, message)] = notes(app)
        assert severity == "warning"
        assert message == ("Operation #1 cannot be undone: it was already undone by operation #2.")
        assert everything(path) == after_undo

    assert unstamped(query(path, "SELECT * FROM patrons ORDER BY id")) == unstamped(patrons_before)
    assert query(path, "SELECT count(*) FROM operations") == [(2,)]


async def test_undo_leaves_a_patron_changed_since_and_lists_them(path):
    grade12_before = query(path, GRADE_12)
    conflicted = grade12_before[0][0]
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        # Another technician marks one of them Card Lost meanwhile.
        sql_write(path, "UPDATE patrons SET status = 'Card Lost' WHERE id = ?", conflicted)
        [(barcode, name)] = query(
            path,
            "SELECT barcode, last_name || ', ' || first_name FROM patrons WHERE id = ?",
            conflicted,
        )

        await press(pilot, "u")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")
        undo = app.screen
        assert isinstance(undo, SummaryScreen) and undo.operation_id == 2
        assert (
            "warning",
            "Operation #1 undone: 15 patrons put back, 1 not (listed first, with the reason).",
        ) in notes(app)
        # The skipped patron is listed first, saying why.
        first = preview_rows(app)[0]
        assert (first["patron_id"], first["outcome"]) == (conflicted, "skip")
        assert first["reason"].startswith(NOT_RESTORED)
        assert "status is now 'Card Lost'" in first["reason"]
        cells = table_rows(app, "#result-table")
        assert cells[0][0] == barcode
        assert cells[0][4] == "skip" and cells[0][5].startswith("not restored")
        assert [c[4] for c in cells[1:]] == ["change"] * 15
        assert "skipped 1" in rendered(app, "#result-summary")
        detail = rendered(app, "#row-detail")
        assert detail.startswith(f"1 of 16 · {name} · ") and " · skip: not restored" in detail

    after = {pid: (status, modified) for pid, status, modified in query(path, GRADE_12)}
    before = {pid: (status, NOW) for pid, status, modified in grade12_before}
    assert after.pop(conflicted) == ("Card Lost", NOW)
    before.pop(conflicted)
    assert after == before
    assert query(
        path,
        "SELECT outcome, reason LIKE 'not restored%' FROM operation_changes "
        "WHERE operation_id = 2 AND patron_id = ?",
        conflicted,
    ) == [("skip", 1)]
    # Partly undone: it stays open for the patron left.
    assert query(
        path,
        "SELECT id, matched, changed, skipped, undo_of, undone_by, "
        "partly_undone_by FROM operations ORDER BY id",
    ) == [(1, 16, 16, 0, None, None, 2), (2, 16, 15, 1, 1, None, None)]


# -- writing a summary to a file ---------------------------------------------------------------


async def write_summary(pilot, target: str, then: type = SummaryScreen) -> None:
    await press(pilot, "w")
    prompt = pilot.app.screen
    assert isinstance(prompt, PromptScreen)
    field = prompt.query_one("#answer", Input)
    assert field.value == "operation-1.txt" and pilot.app.focused is field
    field.value = target  # a long temporary path: typed key by key it costs seconds
    await settle(pilot)
    pilot.app.clear_notifications()
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, then)


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
        assert lines[0] == [
            "operation",
            "barcode",
            "name",
            "outcome",
            "reason",
            "Status before",
            "Status after",
        ]
        body = lines[1:]
        assert len(body) == 16
        assert {r[1] for r in body} == grade12
        assert all(r[0] == "1" and r[3] == "change" and r[6] == "Inactive" for r in body)

        text = tmp_path / "out" / "op1.txt"
        await write_summary(pilot, str(text))
        assert ("information", f"Written to {text}") in notes(app)
        head, _, rest = text.read_text(encoding="utf-8").partition("\n\n")
        assert head.splitlines()[:2] == [
            "Operation #1: Change Patron Status",
            "By demo at 2026-06-01 09:00:00",
        ]
        assert "Options: Change Status to: Inactive" in head
        patrons = rest.splitlines()
        assert len(patrons) == 16
        assert {line.split("\t")[0] for line in patrons} == grade12
        assert all(line.endswith("\tchange") and "→ Inactive" in line for line in patrons)

        # A directory that does not exist: an error notification, the summary stays.
        missing = tmp_path / "no-such-dir" / "op1.csv"
        await write_summary(pilot, str(missing), then=PromptScreen)
        errors = [m for s, m in notes(app) if s == "error"]
        assert len(errors) == 1 and errors[0].startswith("Not written: ")
        assert str(missing) in errors[0]
        assert not missing.parent.exists()
        # The question again, with the path as typed; Escape gives up.
        assert app.screen.query_one("#answer", Input).value == str(missing)
        await press(pilot, "escape")
        assert isinstance(app.screen, SummaryScreen) and app.screen.operation_id == 1
        assert app.is_running

        # Writing reads the journal only.
        assert everything(path) == before


async def test_writing_over_an_existing_file_asks_first(path, tmp_path):
    target = tmp_path / "op1.txt"
    target.write_text("last year's report")
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        await write_summary(pilot, str(target), then=ConfirmScreen)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen) and confirm.heading == f"Replace {target}?"
        await press(pilot, "n")  # no: the question again, the path as typed
        assert app.screen.query_one("#answer", Input).value == str(target)
        assert target.read_text() == "last year's report"
        await press(pilot, "enter")
        await press(pilot, "y")
        assert isinstance(app.screen, SummaryScreen)
    assert target.read_text().startswith("Operation #1: Change Patron Status")


async def test_over_ssh_w_says_how_to_save_the_summary_instead_of_writing_here(path):
    """A session over SSH (server_files=False) cannot write the summary to the server's
    files: w opens no prompt and says how to save it on the technician's own computer (the
    store refuses the write too: tests/store)."""
    from store import Store
    from tui.app import session_app

    store = Store(path, via="ssh from 127.0.0.1", server_files=False)
    app = session_app(store, "demo", store.session_operator("demo"))
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        screen = app.screen
        app.clear_notifications()
        await press(pilot, "w")
        assert app.screen is screen  # no file-name prompt
        [(severity, said)] = notes(app)
        assert severity == "warning" and "ssh … log 1 --format csv > operation-1.csv" in said
    assert query(path, "SELECT via FROM operations") == [("ssh from 127.0.0.1",)]
