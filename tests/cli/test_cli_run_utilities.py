"""``list`` and ``run``: each utility's dry run and --yes against the Store; formats; busy."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

import cli.run as cli_run
import store.database
from store.catalog import RUNNABLE

from .commands import (
    Result,
    argv_for,
    assert_agrees,
    count,
    dump,
    json_rows,
    operations,
    store_apply,
    store_plan,
)

# -- list ----------------------------------------------------------------------------------


def test_list_prints_every_utility_key_and_title_one_per_line(cli):
    result = cli("list")
    assert result.code == 0 and result.err == ""
    lines = result.out.splitlines()
    # The picker's utilities, then the Grade table's (Advance All Grades): a script needs
    # every key.
    assert len(lines) == len(RUNNABLE) == 19
    for line, entry in zip(lines, RUNNABLE, strict=True):
        key, title = line.split(None, 1)
        assert (key, title.strip()) == (entry.key, entry.title)


def test_run_without_a_key_lists_the_keys_and_is_invalid(cli):
    result = cli("run")
    assert result.code == 2
    assert all(entry.key in result.out for entry in RUNNABLE)


# -- every utility: dry run, then --yes, against the Store ------------------------------------

# Selections and options valid on the demo database, each meant to change some patrons.
CASES: dict[str, tuple[dict, dict]] = {
    "add-notes": (
        {"grades": ["3", "4"]},
        {"note": "Summer reading starts June 10", "note_type": "General", "replace_existing": True},
    ),
    "advance-grade": ({}, {}),
    "advance-all-grades": ({}, {}),
    "change-grade": ({"sites": ["ELM"], "grades": ["K"]}, {"grade": "1"}),
    "change-location2": ({"locations2": ["Bus 4"]}, {"location2": "Bus 9"}),
    "change-location": ({"last_name_from": "A", "last_name_to": "M"}, {"location": "Room 9"}),
    "change-policy": ({"grades": ["9", "10"]}, {"policy": "Staff", "recompute_due_dates": True}),
    "change-security-group": (
        {"security_groups": ["Student"], "grades": ["12"]},
        {"group": "Teacher"},
    ),
    "change-status": ({"statuses": ["Active"], "expiration_to": "today"}, {"status": "Inactive"}),
    "forgive-charges": ({"balance_from": "0.01"}, {"category": "All Charges, Fees, and Fines"}),
    "move-to-site": ({"sites": ["MID"]}, {"site": "HIGH"}),
    "reassign-union-site": ({}, {"site": "ELM"}),
    "recompute-due-dates": ({"policies": ["Grade 9-12", "Staff"]}, {}),
    "remove-history": ({"grades": ["Graduated", "12"]}, {}),
    "remove-notes": ({}, {"note_type": "Alert"}),
    "remove-pictures": ({}, {}),
    "remove-patrons": ({"grades": ["Graduated"]}, {"force": True}),
    "renew-accounts": ({"expiration_to": "today"}, {}),
    # A small selection, usernames only (no password hashing, no random tokens).
    "reset-accounts": (
        {"barcode_from": "20260001", "barcode_to": "20260030"},
        {"username": "First Initial + Last Name", "use_nickname": True},
    ),
}


def test_every_utility_in_the_catalog_has_a_case():
    assert set(CASES) == {entry.key for entry in RUNNABLE}


@pytest.mark.parametrize("key", list(CASES))
def test_a_dry_run_writes_nothing_and_agrees_with_the_store(cli, db, key):
    selection, options = CASES[key]
    before = dump(db)
    result = cli("run", key, *argv_for(selection), *argv_for(options), "--format", "json")
    assert result.code == 0, result.err
    assert dump(db) == before, "a dry run wrote to the database"
    assert operations(db) == 0
    payload = result.json()
    assert payload["utility"] == key
    expected = store_plan(db, key, selection, options)
    assert expected.counts.change > 0, "the case should change someone"
    assert_agrees(payload, expected)


@pytest.mark.parametrize("key", list(CASES))
def test_yes_applies_exactly_what_the_store_applies(cli, db, twin, key):
    selection, options = CASES[key]
    dry = cli("run", key, *argv_for(selection), *argv_for(options), "--format", "json")
    assert dry.code == 0, dry.err
    done = cli("run", key, *argv_for(selection), *argv_for(options), "--yes", "--format", "json")
    assert done.code == 0, done.err
    payload = done.json()
    operation_id = store_apply(twin, key, selection, options)
    assert payload["operation_id"] == operation_id == 1
    assert count(db, "SELECT max(id) FROM operations") == operation_id
    assert dump(db, times=False) == dump(twin, times=False)
    # The JSON after --yes reports what the dry run previewed.
    assert payload["utility"] == key
    assert json_rows(payload) == json_rows(dry.json())
    assert {k: payload[k] for k in ("matched", "change", "unchanged", "skipped")} == {
        k: dry.json()[k] for k in ("matched", "change", "unchanged", "skipped")
    }


# -- output formats ------------------------------------------------------------------------


def test_csv_has_a_header_and_a_row_per_patron(cli, db):
    result = cli(
        "run", "change-status", "--grades", "12", "--status", "Inactive", "--format", "csv"
    )
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == ["barcode", "name", "outcome", "reason", "before", "after"]
    expected = store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Inactive"})
    assert len(rows) - 1 == expected.counts.matched > 0
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        (b, o, reason or "", current, new) for b, o, reason, current, new in expected.rows
    ]
    names = dict(
        sqlite3.connect(db)
        .execute("SELECT barcode, last_name || ', ' || first_name FROM patrons")
        .fetchall()
    )
    assert all(names[r[0]] == r[1] for r in rows[1:])  # commas in names stay one column


def test_text_says_dry_run_first_and_lists_each_patron(cli, db):
    result = cli("run", "change-status", "--grades", "12", "--status", "Inactive")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "dry run" in lines[0] and "--yes" in lines[0]
    expected = store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Inactive"})
    for barcode, *_ in expected.rows:
        assert any(line.startswith(barcode + "\t") for line in lines)
    applied = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    assert applied.code == 0
    assert applied.out.splitlines()[0] == "Operation #1: Change Patron Status"
    assert "dry run" not in applied.out


# -- busy and stale: exit 4, nothing written ----------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(store.database, "BUSY_TIMEOUT_MS", 200)


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another program in the middle of a write: it holds BEGIN IMMEDIATE."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def run_catching(cli, *argv) -> Result:
    try:
        return cli(*argv)
    except Exception as exc:  # noqa: BLE001 - the point: the CLI must not crash
        pytest.fail(f"patron-utils {' '.join(argv)} crashed with {exc!r} instead of exiting 4")


def test_a_database_locked_by_another_program_exits_4_on_yes(cli, db, short_busy_timeout):
    before = dump(db)
    other = hold_write_lock(db)
    try:
        result = run_catching(
            cli, "run", "change-status", "--grades", "12", "--status", "Inactive", "--yes"
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.code == 4, result.err
    assert "busy" in result.err and "Traceback" not in result.err
    assert dump(db) == before


def test_a_dry_run_while_another_program_writes_does_not_crash(cli, db, short_busy_timeout):
    """A dry run writes nothing; if it cannot proceed, it says busy (4), never a traceback."""
    before = dump(db)
    other = hold_write_lock(db)
    try:
        result = run_catching(
            cli,
            "run",
            "change-status",
            "--grades",
            "12",
            "--status",
            "Inactive",
            "--format",
            "json",
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.code in (0, 4), result.err
    assert dump(db) == before


def test_a_lock_taken_between_the_plan_and_the_apply_exits_4(
    cli, db, short_busy_timeout, monkeypatch
):
    held: list[sqlite3.Connection] = []
    real_progress = cli_run._progress

    def lock_then_progress():  # called after the plan, just before store.apply
        held.append(hold_write_lock(db))
        return real_progress()

    monkeypatch.setattr(cli_run, "_progress", lock_then_progress)
    before = dump(db)
    try:
        result = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    finally:
        for other in held:
            other.execute("ROLLBACK")
            other.close()
    assert held, "the apply was never reached"
    assert result.code == 4
    assert "busy" in result.err and "try again" in result.err
    assert result.out == ""
    assert dump(db) == before


def test_patrons_changed_between_the_plan_and_the_apply_exit_4(cli, db, monkeypatch):
    real_progress = cli_run._progress

    def someone_else_edits():
        other = sqlite3.connect(db)
        other.execute(
            "UPDATE patrons SET status = 'Inactive' WHERE grade = '12' AND id = "
            "(SELECT min(id) FROM patrons WHERE grade = '12' AND status = 'Active')"
        )
        other.commit()
        other.close()
        return real_progress()

    monkeypatch.setattr(cli_run, "_progress", someone_else_edits)
    result = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    assert result.code == 4
    assert "preview again" in result.err and "nothing was written" in result.err
    assert operations(db) == 0
    assert count(db, "SELECT count(*) FROM patrons WHERE status = 'Inactive' AND grade = '12'") == 1


def test_on_a_terminal_yes_shows_each_step_of_the_apply(cli, db, monkeypatch):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    result = cli("run", "change-status", "--db", db, "--status", "Inactive", "--yes")
    assert result.code == 0, result.err
    steps = [part.strip() for part in result.err.split("\r\x1b[K") if part.strip()]
    changed = count(db, "SELECT count(*) FROM operation_changes WHERE outcome = 'change'")
    assert steps == [
        "[0/4] waiting for the database (another technician may be writing)…",
        "[1/4] checking the preview is still current…",
        f"[2/4] recording the {count(db, 'SELECT count(*) FROM patrons'):,} previewed "
        "patrons in the journal…",
        f"[3/4] {changed:,} patrons being changed…",
        "[4/4] committing…",
    ]


def test_not_on_a_terminal_yes_prints_no_steps(cli, db):
    result = cli("run", "change-status", "--db", db, "--status", "Inactive", "--yes")
    assert result.code == 0 and "[1/4]" not in result.err
