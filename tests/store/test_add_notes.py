"""Add Patron Notes: each note type, what counts as already there, Replace Existing and what
it removes, the limits of a note's text, and a failure rolled back."""

from __future__ import annotations

import json

import pytest

import store
from store.catalog import get
from store.schema import NOTE_TYPES

from .options_helpers import invalid_options
from .runs import count, run


def notes_of(s: store.Store, barcode: str) -> list[tuple[str, str]]:
    return s.db.execute(
        "SELECT n.type, n.text FROM notes n JOIN patrons p ON p.id = n.patron_id "
        "WHERE p.barcode = ? ORDER BY n.id",
        [barcode],
    ).fetchall()


# -- add-notes ---------------------------------------------------------------------

ADAMS = {"barcode_from": "9", "barcode_to": "9"}
CARTER = {"barcode_from": "10", "barcode_to": "10"}


@pytest.mark.parametrize("note_type", NOTE_TYPES)
def test_add_note_of_each_type(small_db, note_type):
    before = notes_of(small_db, "9")
    plan, rows, report = run(
        small_db, "add-notes", ADAMS, {"note": "Summer reading", "note_type": note_type}
    )
    assert plan.counts.change == 1
    assert notes_of(small_db, "9") == before + [(note_type, "Summer reading")]
    [inserted] = small_db.db.execute(
        "SELECT action, before, after FROM operation_rows WHERE operation_id = ?",
        [report.operation_id],
    ).fetchall()
    assert inserted[0] == "insert" and inserted[1] is None
    assert json.loads(inserted[2])["type"] == note_type


def test_add_note_counts_current_and_new(small_db):
    plan, rows, _ = run(
        small_db,
        "add-notes",
        {"sites": ["ELM"]},
        {"note": "Prefers large print", "note_type": "General"},
    )
    # Adams already has this General note; Carter has another General note.
    assert rows["9"].outcome == "unchanged" and rows["9"].reason == "already has this note"
    assert (rows["10"].current, rows["10"].new) == (1, 2)
    assert (rows["11"].current, rows["11"].new) == (0, 1)
    assert plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0)
    assert notes_of(small_db, "9").count(("General", "Prefers large print")) == 1


def test_same_text_of_another_type_is_added(small_db):
    plan, rows, _ = run(
        small_db, "add-notes", ADAMS, {"note": "Prefers large print", "note_type": "Alert"}
    )
    assert rows["9"].outcome == "change"
    assert ("Alert", "Prefers large print") in notes_of(small_db, "9")


def test_adding_an_identical_note_again_is_unchanged(small_db):
    options = {"note": "Lost library card twice", "note_type": "Contact"}
    run(small_db, "add-notes", {"sites": ["UNION"]}, options)
    total = count(small_db, "notes")
    plan, rows, _ = run(small_db, "add-notes", {"sites": ["UNION"]}, options)
    assert plan.counts == store.Counts(matched=2, change=0, unchanged=2, skip=0)
    assert count(small_db, "notes") == total


def test_note_of_exactly_500_characters_is_accepted(small_db):
    note = "x" * 500
    run(small_db, "add-notes", ADAMS, {"note": note, "note_type": "General"})
    assert ("General", note) in notes_of(small_db, "9")


def test_note_of_501_characters_is_invalid(small_db):
    problem = invalid_options(small_db, "add-notes", {"note": "x" * 501, "note_type": "General"})
    assert (problem.field, problem.title) == ("note", "Add Note")
    assert "500" in problem.message
    assert str(problem).startswith("Add Note: ")


@pytest.mark.parametrize("note", ["", "    "])
def test_empty_note_is_invalid(small_db, note):
    problem = invalid_options(small_db, "add-notes", {"note": note, "note_type": "General"})
    assert (problem.field, problem.title) == ("note", "Add Note")


def test_unknown_note_type_lists_the_four(small_db):
    problem = invalid_options(small_db, "add-notes", {"note": "Hi", "note_type": "Memo"})
    assert problem.field == "note_type"
    assert all(repr(t) in problem.message for t in NOTE_TYPES)


def test_replace_existing_removes_only_notes_of_that_type(small_db):
    deleted_rows = small_db.db.execute(
        "SELECT * FROM notes WHERE patron_id = 2 AND type = 'Alert' ORDER BY id"
    ).fetchall()
    plan, rows, report = run(
        small_db,
        "add-notes",
        CARTER,
        {"note": "New alert", "note_type": "Alert", "replace_existing": True},
    )
    assert (rows["10"].current, rows["10"].new, rows["10"].outcome) == (2, 1, "change")
    assert notes_of(small_db, "10") == [("General", "Keep me"), ("Alert", "New alert")]
    assert notes_of(small_db, "9") == [
        ("General", "Prefers large print"),
        ("Alert", "Needs to meet with librarian"),
    ]
    journal = small_db.db.execute(
        "SELECT table_name, row_id, action, before, after FROM operation_rows "
        "WHERE operation_id = ? ORDER BY id",
        [report.operation_id],
    ).fetchall()
    deletes = [j for j in journal if j[2] == "delete"]
    inserts = [j for j in journal if j[2] == "insert"]
    assert len(journal) == 3 and len(deletes) == 2 and len(inserts) == 1
    columns = ["id", "patron_id", "type", "text", "created"]
    for (table, row_id, _, before, after), full in zip(deletes, deleted_rows, strict=True):
        assert table == "notes" and after is None
        assert json.loads(before) == dict(zip(columns, full, strict=True))
        assert row_id == full[0]
    new = json.loads(inserts[0][4])
    assert (new["patron_id"], new["type"], new["text"]) == (2, "Alert", "New alert")
    assert new["created"].startswith("2026-06-01")
    assert inserts[0][3] is None


def test_replace_when_the_only_note_is_already_this_one_is_unchanged(small_db):
    plan, rows, _ = run(
        small_db,
        "add-notes",
        {"sites": ["ELM"]},
        {"note": "Needs to meet with librarian", "note_type": "Alert", "replace_existing": True},
    )
    assert rows["9"].outcome == "unchanged"
    assert rows["9"].reason == "already has only this note"
    assert rows["10"].outcome == "change"  # two Alerts, neither this one
    assert rows["11"].outcome == "change"  # none yet
    assert notes_of(small_db, "10") == [
        ("General", "Keep me"),
        ("Alert", "Needs to meet with librarian"),
    ]
    assert count(small_db, "notes") == 6 - 2 + 4  # Carter's two replaced; 4 patrons gained one


def test_replace_names_the_notes_it_removes_and_counts_them(small_db):
    texts = [
        t
        for (t,) in small_db.db.execute(
            "SELECT text FROM notes WHERE patron_id = 2 AND type = 'Alert' ORDER BY id"
        )
    ]
    plan, rows, report = run(
        small_db,
        "add-notes",
        {"sites": ["ELM"]},
        {"note": "New alert", "note_type": "Alert", "replace_existing": True},
    )
    # Carter loses two Alerts, Adams one; those with none lose nothing and are not quoted.
    assert rows["10"].reason == "removes " + ", ".join(f'"{t}"' for t in texts)
    assert rows["9"].reason == 'removes "Needs to meet with librarian"'
    assert rows["11"].reason is None
    assert plan.tally == (
        "3 existing Alert notes will be removed (each patron's reason quotes them)."
    )
    assert (
        report.effects == "3 existing Alert notes removed (their text is in each patron's reason)."
    )
    assert [
        c["reason"] for c in small_db.operation_changes(report.operation_id) if c["barcode"] == "10"
    ] == [rows["10"].reason]
    # Without Replace nothing is removed and nothing is said about it.
    plan, _, report = run(
        small_db, "add-notes", {"sites": ["ELM"]}, {"note": "Another", "note_type": "Alert"}
    )
    assert (plan.tally, report.effects) == (None, None)


def test_replace_keeps_nothing_of_the_type_but_the_new_note(small_db):
    small_db.db["notes"].insert(
        {"patron_id": 1, "type": "Alert", "text": "Second alert", "created": "2026-01-03"}
    )
    plan, rows, _ = run(
        small_db,
        "add-notes",
        ADAMS,
        {"note": "Needs to meet with librarian", "note_type": "Alert", "replace_existing": True},
    )
    assert rows["9"].outcome == "change"  # the same note is there, but not alone
    assert [n for n in notes_of(small_db, "9") if n[0] == "Alert"] == [
        ("Alert", "Needs to meet with librarian")
    ]


def test_notes_add_failure_rolls_back_deletes(small_db, monkeypatch):
    def broken(tx):
        tx.db.execute("DELETE FROM notes")
        raise RuntimeError("boom")

    monkeypatch.setattr(get("add-notes"), "apply", broken)
    with pytest.raises(RuntimeError, match="boom"):
        run(
            small_db,
            "add-notes",
            CARTER,
            {"note": "x", "note_type": "Alert", "replace_existing": True},
        )
    assert count(small_db, "notes") == 6
    assert count(small_db, "operations") == 0


def test_note_text_is_stored_literally(small_db):
    hostile = '\'); DELETE FROM notes; -- "quoted"'
    run(small_db, "add-notes", ADAMS, {"note": hostile, "note_type": "Category"})
    assert ("Category", hostile) in notes_of(small_db, "9")
    assert count(small_db, "notes") == 7
