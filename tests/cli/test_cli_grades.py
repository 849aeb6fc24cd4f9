"""``patron-utils grades``: the grade table listed, and edited through Store.edit_grades (the
app's Grade table call): the same permission, one journaled operation per edit, undone by
``patron-utils undo``; what the store refuses is said plainly and writes nothing."""

from __future__ import annotations

import sqlite3

import pytest

from store import Store
from store.store import COMMAND_LINE

from .commands import AIDE, AIDE_PASSWORD, OPERATOR, PASSWORD, dump


def table(path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT name, is_last FROM grades ORDER BY position").fetchall()
    finally:
        conn.close()


def names(path) -> list[str]:
    return [name for name, _ in table(path)]


def store_grades(path) -> list[dict]:
    s = Store(path)
    try:
        return s.grades()
    finally:
        s.close()


def test_list_shows_the_table_in_order_with_the_last_grade_and_patrons(db, cli):
    expected = store_grades(db)
    listed = cli("grades", "list", "--format", "json")
    assert listed.code == 0, listed.err
    assert listed.json() == [
        {"grade": g["name"], "last": bool(g["is_last"]), "patrons": g["patrons"]} for g in expected
    ]
    text = cli("grades", "list").out.splitlines()
    assert text[0].split() == ["Order", "Grade", "Last", "Grade", "Patrons"]
    assert len(text) == len(expected) + 1
    last = text[-1].split()
    assert last == ["15", "Graduated", "Last", "Grade", f"{expected[-1]['patrons']:,}"]
    assert text[1].split() == ["1", "PK", f"{expected[0]['patrons']:,}"]


# (argv after "grades", the Store.edit_grades call, what it says)
EDITS = [
    (["add", "13", "--after", "12"], ("add", "13", "12"), "Added 13 after 12 (15 of 16)"),
    (["add", "Alumni"], ("add", "Alumni", None), "Added Alumni at the end (16 of 16)"),
    (["move", "3", "up"], ("move", "3", -1), "Moved 3 up (now 4 of 15)"),
    (["move", "3", "down"], ("move", "3", 1), "Moved 3 down (now 6 of 15)"),
    (["last", "12"], ("set_last", "12"), "12 is now the Last Grade"),
]


@pytest.mark.parametrize("argv, call, says", EDITS, ids=lambda v: " ".join(map(str, v)))
def test_each_edit_writes_what_the_apps_grade_table_writes(db, twin, cli, argv, call, says):
    result = cli("grades", *argv)
    assert result.code == 0, result.err
    assert result.out == f"{says}: operation #1 (patron-utils undo 1 --yes undoes it).\n"
    assert table(db) != table(twin)  # the twin is as the demo was
    s = Store(twin, via=COMMAND_LINE)
    try:
        assert s.edit_grades(s.login(OPERATOR, PASSWORD), *call) == 1
    finally:
        s.close()
    assert dump(db, times=False) == dump(twin, times=False)


def test_rename_takes_the_patrons_along_and_undo_puts_it_back(db, cli):
    before, patrons = table(db), {g["name"]: g["patrons"] for g in store_grades(db)}
    result = cli("grades", "rename", "12", "Twelve")
    assert result.code == 0, result.err
    assert result.out.startswith(f"Renamed 12 to Twelve; {patrons['12']:,} patrons follow")
    assert {g["name"]: g["patrons"] for g in store_grades(db)}["Twelve"] == patrons["12"]
    journal = cli("log").out.splitlines()[0]
    assert "Grade Table: 12 renamed to Twelve" in journal and "command line" in journal
    undone = cli("undo", "1", "--yes")
    assert undone.code == 0, undone.err
    assert table(db) == before


def test_remove_a_grade_no_patron_has(db, cli):
    assert cli("grades", "add", "13", "--after", "12").code == 0
    result = cli("grades", "remove", "13")
    assert result.code == 0, result.err
    assert result.out.startswith("Removed 13: operation #2")
    assert "13" not in names(db)


@pytest.mark.parametrize(
    "argv, says",
    [
        (["rename", "Nope", "X"], "'Nope' is not in the grade table"),
        (["remove", "Nope"], "'Nope' is not in the grade table"),
        (["move", "Nope", "up"], "'Nope' is not in the grade table"),
        (["last", "Nope"], "'Nope' is not in the grade table"),
        (["add", "k"], "'k' is already in the grade table"),
        (["rename", "1", "2"], "'2' is already in the grade table"),
        (["rename", "K", "K"], "'K' is already its name"),
        (["add", "13", "--after", "Nope"], "--after: 'Nope' is not in the grade table"),
        (["add", "x" * 31], "at most 30 characters are allowed; this has 31"),
        (["add", "Twelve\x1b[31m"], "contains a control character (\\x1b)"),
        (["add", "  "], "a grade needs a name"),
        (["remove", "5"], "still have grade '5'; change their grade first"),
        (["remove", "Graduated"], "still have grade 'Graduated'"),
        (["move", "PK", "up"], "'PK' is already the first grade of the order"),
        (["move", "Graduated", "down"], "'Graduated' is already the last grade of the order"),
        (["last", "Graduated"], "'Graduated' is already the Last Grade"),
    ],
)
def test_what_the_store_refuses_is_said_and_nothing_is_written(db, cli, argv, says):
    before = dump(db)
    result = cli("grades", *argv)
    assert result.code == 2
    assert says in result.err and result.err.endswith("; nothing was written\n"), result.err
    assert "Traceback" not in result.err
    assert dump(db) == before


@pytest.mark.parametrize(
    "argv", [["move", "3", "sideways"], ["rename", "3"], ["promote", "3"], []], ids=str
)
def test_a_malformed_command_is_refused_by_its_usage(db, cli, argv):
    before = dump(db)
    result = cli("grades", *argv)
    assert result.code == 2 and "usage: patron-utils grades" in result.err
    assert dump(db) == before


def test_the_aide_lists_them_but_may_not_edit(db, cli, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    before = dump(db)
    assert cli("grades", "list").code == 0
    for argv in (["add", "13"], ["rename", "12", "Twelve"], ["move", "3", "up"], ["last", "12"]):
        result = cli("grades", *argv)
        assert result.code == 3, argv
        assert "aide may not change Preferences" in result.err
        assert "'Library Preferences: Edit'" in result.err
    assert dump(db) == before


def test_the_database_may_be_named_before_or_after_the_command(db, cli, monkeypatch):
    monkeypatch.delenv("PATRON_UTILS_DB")
    assert cli("grades", "add", "13", "--db", db).code == 0
    assert cli("--db", db, "grades", "add", "14").code == 0
    assert cli("grades", "--db", db, "add", "15").code == 0  # before the action, too
    assert names(db)[-3:] == ["13", "14", "15"]
    assert "--db PATH" in cli("grades", "--help").out
    # --operator before the action is kept too (the aide's own refusal, not demo's edit).
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    refused = cli("grades", "--operator", AIDE, "add", "16", "--db", db)
    assert refused.code == 3 and "aide may not change Preferences" in refused.err
