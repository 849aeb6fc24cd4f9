"""What used to be a traceback is a message and an exit status."""

from __future__ import annotations

import sqlite3

import pytest

import store

from .commands import dump


@pytest.mark.parametrize(
    "argv, says",
    [
        (["log", "--operator", "de\udcffmo"], "argument 3 is not UTF-8 text"),
        (["undo", "99999999999999999999999"], "is not allowed; from 1 to"),
        (["undo", "0"], "is not allowed; from 1 to"),
        (["log", "--limit", "99999999999999999999999"], "is not allowed; from 1 to 1,000,000"),
        (["log", "--limit", "many"], "'many' is not a whole number"),
        (
            ["run", "add-notes", "--note", "Hi\x1b]0;owned\x07", "--note-type", "General", "--yes"],
            "--note (Add Note): contains a control character (\\x1b)",
        ),
        (
            ["run", "change-location", "--location", "Room\n9", "--yes"],
            "contains a control character (\\n)",
        ),
        # An empty value would take in every patron: refused, not read as "no selection".
        (
            ["run", "remove-patrons", "--barcodes", "", "--force", "--yes"],
            "--barcodes (Barcode list): is empty: give a value, or leave the flag out",
        ),
        (
            ["run", "change-status", "--status", "Inactive", "--last-name-from", " ", "--yes"],
            "--last-name-from (Last name from): is empty",
        ),
        (
            [
                "run",
                "change-status",
                "--status",
                "Inactive",
                "--grades",
                "12",
                "--grades",
                "",
                "--yes",
            ],
            "--grades (Patrons in Grade): is empty",
        ),
        (["export", "--barcode-from", ""], "--barcode-from (Barcode from): is empty"),
    ],
)
def test_odd_arguments_are_refused_plainly(db, cli, argv, says):
    before = dump(db)
    result = cli(*argv)
    assert result.code == 2 and says in result.err, result.err
    assert "Traceback" not in result.err
    assert dump(db) == before


def test_send_mail_while_the_database_is_busy_says_so_and_sends_nothing(db, cli, monkeypatch):
    s = store.Store(db)
    try:
        s.db.execute(
            "INSERT INTO outbox (kind, address, subject, body, created) "
            "VALUES ('message', 'a@example.org', 'Hi', 'Hello', '2026-06-01')"
        )
    finally:
        s.close()
    monkeypatch.setattr(store.database, "BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        result = cli("send-mail", "--host", "127.0.0.1", "--port", "9", "--from", "l@example.org")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.code == 4 and "the database is busy" in result.err, result.err
    assert "Traceback" not in result.err
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT sent, attempts FROM outbox").fetchall() == [(None, 0)]
    finally:
        conn.close()


def test_a_transaction_range_starting_after_today_needs_an_end(db, cli):
    result = cli(
        "run",
        "forgive-charges",
        "--category",
        "All Charges, Fees, and Fines",
        "--transaction-from",
        "+2w",
    )
    assert result.code == 2
    assert "--transaction-to (And Ending): blank means up to today, which is before" in result.err


def test_a_file_given_as_barcodes_is_quoted_only_in_a_short_excerpt(db, cli, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$saltsaltsalt$" + "h" * 80 + ":19000:0:99999:7:::\n")
    result = cli("run", "change-status", "--status", "Active", "--barcodes-file", secret)
    assert result.code == 2
    assert "'root:$6$saltsaltsalt$hhhhhhhhh…' is not a barcode" in result.err
    assert "h" * 40 not in result.err


@pytest.mark.parametrize("stored", ['{"grades": ', "null", '["12"]'])
def test_a_damaged_saved_run_is_refused_by_name(db, cli, stored):
    s = store.Store(db)
    try:
        s.save_run(
            "change-status",
            "Twelfth",
            {"grades": ["12"]},
            {"status": "Inactive"},
            s.login("demo", "demo-librarian"),
        )
        s.db.execute("UPDATE saved_runs SET selection = ? WHERE name = 'Twelfth'", [stored])
    finally:
        s.close()
    before = dump(db)
    result = cli("run", "change-status", "--preset", "Twelfth", "--yes")
    assert result.code == 2 and "Traceback" not in result.err
    assert (
        "--preset: saved run 'Twelfth' is damaged: its stored values cannot be read" in result.err
    )
    assert dump(db) == before
    missing = cli("run", "change-status", "--preset", "Nope")  # the others are still read
    assert missing.code == 2 and "does not exist; saved runs: Twelfth" in missing.err
