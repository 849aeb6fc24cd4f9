"""The command line in the library's terminology, as the app says it (store.preferences.localize,
the app's ``say``): a library calling Grade "Level" and Location "Homeroom" reads "Change
Patron Level" and "Patrons in Level" from list, run, its --help, its refusals and show; and
a utility's reminder (Advance Patron Grade's) follows a run that changed patrons."""

from __future__ import annotations

import json
import sqlite3

import pytest

from .commands import count


@pytest.fixture
def levels(db):
    conn = sqlite3.connect(db)
    conn.executemany(
        "INSERT OR REPLACE INTO preferences (key, value) VALUES (?, ?)",
        [("term.grade", "Level"), ("term.location", "Homeroom")],
    )
    conn.commit()
    conn.close()
    return db


def test_list_says_the_librarys_words(cli, levels):
    lines = dict(line.split(None, 1) for line in cli("list").out.splitlines())
    assert lines["change-grade"] == "Change Patron Level"
    assert lines["advance-grade"] == "Advance Patron Level"
    assert lines["change-location"] == "Change Patron Homeroom"
    assert lines["change-location2"] == "Change Patron 2nd Location"


def test_a_dry_run_and_its_apply_say_the_librarys_words(cli, levels):
    argv = ["run", "change-location", "--grades", "12", "--location", "Room 9"]
    dry = cli(*argv)
    assert dry.code == 0, dry.err
    head = dry.out.split("\n\n")[0]
    assert head.startswith("Change Patron Homeroom — dry run")
    assert "Selections: Patrons in Level: 12" in head and "Change Homeroom to: Room 9" in head
    assert "Grade" not in head and "Location" not in head
    done = cli(*argv, "--yes")
    assert done.code == 0, done.err
    head = done.out.split("\n\n")[0]
    assert "Operation #1: Change Patron Homeroom" in head
    assert "Selections: Patrons in Level: 12" in head
    assert (
        count(levels, "SELECT count(*) FROM patrons WHERE grade = '12' AND location <> 'Room 9'")
        == 0
    )
    assert "Change Patron Homeroom" in cli("show", "1").out.splitlines()[0]
    assert "\tChange Patron Homeroom\t" in cli("log").out


def test_help_and_refusals_say_the_librarys_words(cli, levels, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")
    shown = cli("run", "change-grade", "--help").out
    assert "Change Patron Level: " in shown
    assert "Patrons in Level. Any of these levels (from the level table)." in shown
    assert "Change Level to." in shown and "Change Grade" not in shown
    refused = cli("run", "change-grade", "--grades", "99", "--grade", "1", "--yes")
    assert refused.code == 2
    assert "--grades (Patrons in Level): '99' is not in the level table" in refused.err


def test_the_default_words_without_a_database(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_DB", str(tmp_path / "none.db"))
    listed = cli("list")
    assert listed.code == 0 and "Change Patron Grade" in listed.out
    missing = cli("list", "--db", tmp_path / "typo.db")
    assert missing.code == 2 and "--db: there is no database at" in missing.err


REMINDER = "If you name policies after levels, change those patrons' policies now"


def test_advances_reminder_follows_a_run_that_changed_patrons(cli, levels):
    dry = cli("run", "advance-grade", "--grades", "11")
    assert dry.code == 0 and "Next:" not in dry.out
    done = cli("run", "advance-grade", "--grades", "11", "--yes")
    assert done.code == 0, done.err
    head = done.out.split("\n\n")[0]
    assert f"Next: {REMINDER}" in head and "Patrons in Level selection" in head
    # JSON stays one document: the reminder comes on stderr.
    as_json = cli("run", "advance-grade", "--grades", "10", "--yes", "--format", "json")
    assert as_json.code == 0 and json.loads(as_json.out)["change"] > 0
    assert REMINDER in as_json.err
    # Nothing changed (no patron in that grade any more): nothing to follow up.
    none = cli("run", "advance-grade", "--grades", "10", "--yes")
    assert none.code == 0 and "Next:" not in none.out and json.dumps(none.err) == '""'


def test_a_utility_without_a_reminder_prints_none(cli, levels):
    done = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    assert done.code == 0 and "Next:" not in done.out + done.err
