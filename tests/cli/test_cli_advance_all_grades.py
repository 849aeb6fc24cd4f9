"""``patron-utils run advance-all-grades``: every patron, no selections (a selection flag is
refused by name, never ignored), the policies reminder, undo, the utilities permission."""

from __future__ import annotations

import sqlite3

import pytest

from store.security import PREFERENCES
from store.selection import Selection

from .commands import AIDE, AIDE_PASSWORD, count, dump


def grades(path) -> dict[str, str | None]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT barcode, grade FROM patrons").fetchall())
    finally:
        conn.close()


def test_help_offers_no_selection_flags(cli):
    result = cli("run", "advance-all-grades", "--help")
    assert result.code == 0
    assert "It has no selections: it acts on every patron." in " ".join(result.out.split())
    for name in Selection.model_fields:
        assert "--" + name.replace("_", "-") not in result.out
    assert "--barcodes-file" not in result.out
    for common in ("--yes", "--format", "--preset", "--operator", "--db"):
        assert common in result.out


@pytest.mark.parametrize(
    "argv, named",
    [
        (["--grades", "12"], "--grades (Patrons in Grade)"),
        (["--grades", ""], "--grades (Patrons in Grade)"),
        (["--barcodes", "20260001"], "--barcodes (Barcode list)"),
        (["--last-name-from", "A", "--last-name-to", "M"], "--last-name-from (Last name from)"),
        (["--balance-from", "0.01"], "--balance-from (Patron Balance from)"),
        (["--barcodes-file", "no-such-file.txt"], "--barcodes-file"),
    ],
)
def test_a_selection_flag_is_refused_by_name_and_nothing_is_written(db, cli, argv, named):
    before = dump(db)
    result = cli("run", "advance-all-grades", *argv, "--yes")
    assert result.code == 2
    assert f"{named}: Advance All Grades has no selections: it always advances every patron" in (
        result.err
    ), result.err
    assert "run Advance Patron Grade" in result.err
    assert dump(db) == before


def test_yes_advances_everyone_says_what_to_do_next_and_undo_puts_it_back(db, cli):
    before = grades(db)
    dry = cli("run", "advance-all-grades")
    assert dry.code == 0, dry.err
    assert "Selections: Always: every patron" in dry.out
    assert grades(db) == before
    done = cli("run", "advance-all-grades", "--yes")
    assert done.code == 0, done.err
    head = done.out.partition("\n\n")[0].splitlines()
    assert head[0] == "Operation #1: Advance All Grades"
    assert head[-1].startswith("Next: If you name policies after grades")
    after = grades(db)
    moved = {b for b in before if after[b] != before[b]}
    assert len(moved) == count(db, "SELECT changed FROM operations WHERE id = 1") > 0
    order = dict(sqlite3.connect(db).execute("SELECT name, position FROM grades").fetchall())
    assert all(order[after[b]] > order[before[b]] for b in moved)
    assert all(before[b] == "Graduated" or before[b] is None for b in set(before) - moved)
    listed = cli("log")
    assert "Advance All Grades" in listed.out.splitlines()[0]
    undone = cli("undo", "1", "--yes")
    assert undone.code == 0, undone.err
    assert grades(db) == before


def test_the_aide_may_run_it_as_advance_patron_grade(db, cli, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    for key in ("advance-grade", "advance-all-grades"):
        result = cli("run", key)
        assert result.code == 0, result.err


def test_an_operator_without_the_utilities_permission_is_refused(db, cli, monkeypatch):
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE security_groups SET permissions = ? WHERE name = 'Library Aide'",
            [f'["{PREFERENCES}"]'],
        )
    conn.close()
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    before = dump(db)
    for key in ("advance-grade", "advance-all-grades"):
        result = cli("run", key, "--yes")
        assert result.code == 3
        assert "Patrons: Import, Export and Utilities" in result.err, result.err
    assert dump(db) == before
