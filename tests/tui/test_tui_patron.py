"""A patron's whole record on screen: Enter on a row of the preview or of an operation's
summary opens it (space still excludes), Escape goes back, w writes the Patron History
report — or over SSH says the command that saves it. A snapshot at 80×24, paired with what
the database holds."""

from __future__ import annotations

import csv
import sqlite3

from textual.widgets import Input

from store import Store
from store.money import BALANCE
from tui.app import session_app
from tui.screens.patron import PatronScreen
from tui.screens.prompt import PromptScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import everything, query, query_write
from .pilot import SIZE, app_for, apply_change_status, notes, press, preview, rendered, settle

FIRST_OF_GRADE_12 = "20260140"  # Churchwick, Aryan: the preview's first row for grade 12


def balance(path, barcode: str) -> int:
    """The Patron Balance selection's figure for the patron, today (2026-06-01)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            f"SELECT {BALANCE} FROM patrons p WHERE p.barcode = :barcode",
            {"barcode": barcode, "today": "2026-06-01"},
        ).fetchone()[0]
    finally:
        conn.close()


def enrich(path, barcode: str) -> int:
    """Give the patron a note of two types, one overdue loan, a charge, a credit, a hold and
    history of three kinds (before the app opens the database); the library says Level."""
    [(pid,)] = query(path, "SELECT id FROM patrons WHERE barcode = ?", barcode)
    rows = [
        ("INSERT INTO notes (patron_id, type, text, created) VALUES (?, 'Alert', "
         "'Owes a library book', '2026-05-02')", pid),
        ("INSERT INTO notes (patron_id, type, text, created) VALUES (?, 'Contact', "
         "'Call mother after 5pm', '2026-05-03')", pid),
        ("INSERT INTO charges (patron_id, amount, description, transaction_date) "
         "VALUES (?, 450, 'Lost', '2026-05-10')", pid),
        ("INSERT INTO charges (patron_id, amount, description, transaction_date, is_credit) "
         "VALUES (?, 100, 'Payment', '2026-05-12', 1)", pid),
        ("INSERT INTO holds (patron_id, title, placed) VALUES (?, 'Hatchet', '2026-05-20')", pid),
        ("INSERT INTO history (patron_id, kind, detail, date) VALUES (?, 'payment', "
         "'Paid $1.00', '2026-05-12')", pid),
        ("INSERT INTO history (patron_id, kind, detail, date) VALUES (?, 'lost', "
         "'Holes', '2026-05-10')", pid),
        ("INSERT INTO history (patron_id, kind, detail, date) VALUES (?, 'renewal', "
         "'Account renewed', '2026-05-30')", pid),
        # One loan, overdue since 05/25 (fines on the terms of the patron's policy).
        ("DELETE FROM checkouts WHERE patron_id = ?", pid),
        ("INSERT INTO items (barcode, title) VALUES ('39999999', 'The Giver')",),
        ("INSERT INTO checkouts (item_id, patron_id, checked_out, due_date) VALUES "
         "((SELECT id FROM items WHERE barcode = '39999999'), ?, '2026-05-18', '2026-05-25')",
         pid),
        ("INSERT INTO preferences (key, value) VALUES ('term.grade', 'Level') "
         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", ),
    ]  # fmt: skip
    for sql, *params in rows:
        query_write(path, sql, *params)
    return pid


async def test_enter_on_a_preview_row_opens_the_record_and_escape_goes_back(path):
    before = everything(path)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        utility = app.screen
        table = utility.query_one(PreviewTable)
        await press(pilot, "down")
        barcode = table.record(1).barcode
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, PatronScreen) and screen.view is not None
        assert rendered(app, "#heading").endswith(f"· {barcode}")
        assert screen.view.balance == balance(path, barcode)
        [(pid,)] = query(path, "SELECT id FROM patrons WHERE barcode = ?", barcode)
        assert [h["date"] for h in screen.view.history] == [
            d for (d,) in query(
                path, "SELECT date FROM history WHERE patron_id = ? ORDER BY date DESC", pid
            )
        ]  # fmt: skip
        await press(pilot, "escape")
        assert app.screen is utility and table.cursor_row == 1
        # Space still takes the patron out of the run.
        await press(pilot, "space")
        assert table.record(1).excluded
    assert everything(path) == before  # looking wrote nothing


async def test_a_listed_barcode_no_patron_has_is_said_not_opened(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"barcodes": "NOBODY-1"}, {"status": "Inactive"})
        assert app.screen.query_one(PreviewTable).record(0).patron_id is None
        app.clear_notifications()
        await press(pilot, "enter")
        assert isinstance(app.screen, UtilityScreen)
        assert notes(app) == [
            ("warning", "No patron has the barcode NOBODY-1: it was listed, not found.")
        ]


async def test_enter_on_a_row_of_the_result_opens_the_record(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        summary = app.screen
        await press(pilot, "down", "down")
        row = summary.query_one(PreviewTable).record(2)
        await press(pilot, "enter")
        assert isinstance(app.screen, PatronScreen) and app.screen.view is not None
        shown = dict(app.screen.view.details)
        assert shown["Barcode"] == row["barcode"] and shown["Status"] == "Inactive"
        assert query(path, "SELECT status FROM patrons WHERE barcode = ?", row["barcode"]) == [
            ("Inactive",)
        ]
        await press(pilot, "escape")
        assert app.screen is summary and isinstance(summary, SummaryScreen)


async def test_w_writes_the_patron_history_report(path, tmp_path):
    enrich(path, FIRST_OF_GRADE_12)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await press(pilot, "enter")
        before = everything(path)
        await press(pilot, "w")
        assert isinstance(app.screen, PromptScreen)
        field = app.screen.query_one("#answer", Input)
        assert field.value == f"patron-{FIRST_OF_GRADE_12}.csv"
        target = tmp_path / "history.csv"
        field.value = str(target)
        app.clear_notifications()
        await press(pilot, "enter")
        assert isinstance(app.screen, PatronScreen)
        assert ("information", f"Written to {target}") in notes(app)
    with target.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["barcode", "name", "date", "kind", "detail"]
    assert [r[2:4] for r in rows[1:4]] == [
        ["05/30/2026", "Renewal"],
        ["05/12/2026", "Payment"],
        ["05/10/2026", "Lost item"],
    ]
    [(pid,)] = query(path, "SELECT id FROM patrons WHERE barcode = ?", FIRST_OF_GRADE_12)
    assert (
        len(rows) - 1 == query(path, "SELECT count(*) FROM history WHERE patron_id = ?", pid)[0][0]
    )
    assert everything(path) == before


async def test_over_ssh_w_says_the_command_instead_of_writing(path, tmp_path, monkeypatch):
    here = tmp_path / "here"  # where the service runs: nothing is written there
    here.mkdir()
    monkeypatch.chdir(here)
    store = Store(path, via="ssh from 127.0.0.1", server_files=False)
    app = session_app(store, "demo", store.session_operator("demo"))
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, PatronScreen)
        app.clear_notifications()
        await press(pilot, "w")
        assert app.screen is screen  # no file-name prompt
        [(severity, said)] = notes(app)
        assert severity == "warning"
        assert (
            f"ssh … patron {FIRST_OF_GRADE_12} --format csv > patron-{FIRST_OF_GRADE_12}.csv"
            in said
        )
    assert list(here.iterdir()) == []


def test_the_patron_record_at_80x24(snap_compare, path):
    pid = enrich(path, FIRST_OF_GRADE_12)
    seen = {}

    async def run_before(pilot):
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await pilot.press("enter")
        await settle(pilot)
        seen["view"] = pilot.app.screen.view

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    view = seen["view"]
    # What the screen shows is what the database holds: the library's word for Grade, the
    # balance the Patron Balance selection computes, the notes and the history.
    assert dict(view.details)["Level"] == "12" and "Grade" not in dict(view.details)
    assert view.balance == balance(path, FIRST_OF_GRADE_12) == 450 - 100 + view.accruing
    assert view.accruing == 70  # due 05/25, 7 days at 10¢ (Grade 9-12)
    assert [n["text"] for n in view.notes["Alert"]] == ["Owes a library book"]
    assert (
        len(view.history)
        == query(path, "SELECT count(*) FROM history WHERE patron_id = ?", pid)[0][0]
    )


def test_the_end_of_the_record_is_the_patron_history_report(snap_compare, path):
    pid = enrich(path, FIRST_OF_GRADE_12)

    async def run_before(pilot):
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    # The history shown, newest first, is the database's: three added to the demo's own.
    assert query(
        path,
        "SELECT kind FROM history WHERE patron_id = ? AND date >= '2026-05-01' ORDER BY date DESC",
        pid,
    ) == [("renewal",), ("payment",), ("lost",)]
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_a_patron_gone_since_the_summary_is_said_and_the_summary_stays(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await apply_change_status(pilot, "12", "Inactive")
        summary = app.screen
        barcode = summary.query_one(PreviewTable).record(0)["barcode"]
        # Another technician's import gave the patron a new barcode meanwhile.
        query_write(path, "UPDATE patrons SET barcode = 'RENUMBERED' WHERE barcode = ?", barcode)
        app.clear_notifications()
        await press(pilot, "enter")
        assert app.screen is summary
        assert notes(app) == [("warning", f"Not shown: no patron has the barcode '{barcode}'")]
