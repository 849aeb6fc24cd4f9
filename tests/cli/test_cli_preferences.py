"""``patron-utils preferences``: shown to any operator; set through Store.save_preferences
(the app's call), so the same permission and rules; a bad value names what was typed and
what is allowed, and nothing is saved."""

from __future__ import annotations

import sqlite3

import pytest

from store import Store
from store.preferences import LibraryPreferences
from store.store import COMMAND_LINE

from .commands import AIDE, AIDE_PASSWORD, OPERATOR, PASSWORD, dump


def stored(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM preferences").fetchall())
    finally:
        conn.close()


def test_shown_as_the_store_reads_them_with_how_to_set_each(db, cli):
    s = Store(db)
    try:
        expected = s.library_preferences().model_dump()
    finally:
        s.close()
    assert cli("preferences", "--format", "json").json() == expected
    result = cli("preferences")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == len(LibraryPreferences.model_fields)
    for line, field in zip(lines, LibraryPreferences.model_fields.values(), strict=True):
        assert line.startswith(field.title)
    assert lines[0].split()[3:5] == ["Grade", "--term"]
    assert "on" in lines[3].split() and "--set centralized-catalog=on|off" in lines[3]
    assert "--set credential-retention-days=1…3650" in lines[5]


def test_a_term_and_a_switch_are_saved_as_the_app_saves_them(db, twin, cli):
    before = stored(db)
    assert before["centralized_catalog"] == "1"
    result = cli(
        "preferences",
        "--term",
        "Grade=Level",
        "--term",
        "2nd location = Bus Route",
        "--set",
        "centralized-catalog=off",
        "--set",
        "credential-retention-days=60",
    )
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "Term for Grade: Grade → Level",
        "Term for 2nd Location: 2nd Location → Bus Route",
        "Centralized catalog: on → off",
        "Keep password hashes in the journal (days): 30 → 60",
        "Preferences saved.",
    ]
    s = Store(twin, via=COMMAND_LINE)
    try:
        data = s.library_preferences().model_dump()
        data.update(
            grade_term="Level",
            location2_term="Bus Route",
            centralized_catalog=False,
            credential_retention_days=60,
        )
        s.save_preferences(data, s.login(OPERATOR, PASSWORD))
    finally:
        s.close()
    # Everything the app's call writes, and nothing else (no journal entry, as in the app).
    assert dump(db) == dump(twin)
    assert stored(db)["term.grade"] == "Level" and stored(db)["centralized_catalog"] == "0"


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--term", "Year=Level"], "--term: 'Year' is not a term; one of: Grade, Location, 2nd"),
        (["--term", "Grade"], "--term: 'Grade' is not WORD=NEW, as in --term Grade=Level"),
        (["--term", "Grade="], "--term Grade (Term for Grade): a value is required"),
        (["--term", "Grade=" + "x" * 31], "--term Grade (Term for Grade): at most 30 characters"),
        (["--term", "Grade=Le\x1bvel"], "--term Grade (Term for Grade): contains a control"),
        (
            ["--term", "Grade=Location"],
            "Term for 2nd Location: the three terms must differ from each other "
            "(given: --term Grade=Location)",
        ),
        (
            ["--term", "Grade=Level", "--set", "grade-term=Year"],
            "--set grade-term: Term for Grade is given twice (also as --term Grade)",
        ),
        (["--set", "catalog=on"], "--set: 'catalog' is not a preference; one of: grade-term,"),
        (["--set", "centralized-catalog"], "--set: 'centralized-catalog' is not NAME=VALUE"),
        (
            ["--set", "centralized-catalog=maybe"],
            "--set centralized-catalog (Centralized catalog): 'maybe' is not allowed; on or off",
        ),
        (
            ["--set", "credential-retention-days=0"],
            "--set credential-retention-days (Keep password hashes in the journal (days)): "
            "0 is not allowed; from 1 to 3,650",
        ),
        (["--set", "largest-import-mb=lots"], "'lots' is not a whole number"),
        # One bad value among good ones: none of them is saved.
        (["--term", "Grade=Level", "--set", "share-with-group=sometimes"], "on or off"),
    ],
)
def test_a_bad_value_is_refused_naming_it_and_nothing_is_saved(db, cli, argv, says):
    before = dump(db)
    result = cli("preferences", *argv)
    assert result.code == 2
    assert says in result.err, result.err
    assert "Traceback" not in result.err
    assert dump(db) == before


def test_the_aide_sees_them_but_may_not_change_them(db, cli, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    before = dump(db)
    shown = cli("preferences")
    assert shown.code == 0 and shown.out.startswith("Term for Grade")
    refused = cli("preferences", "--term", "Grade=Level")
    assert refused.code == 3
    assert "aide may not change Preferences" in refused.err
    assert "'Library Preferences: Edit'" in refused.err
    assert dump(db) == before


def test_the_database_may_be_named_before_or_after_the_command(db, cli, monkeypatch):
    monkeypatch.delenv("PATRON_UTILS_DB")
    for argv in (["preferences", "--db", db], ["--db", db, "preferences"]):
        result = cli(*argv, "--set", "disable-account-expiration=on")
        assert result.code == 0, result.err
    assert stored(db)["disable_account_expiration"] == "1"
