"""Remove Patron Notes, Pictures and History on small_db (conftest): what each removes and keeps,
what the journal holds, and who may remove."""

from __future__ import annotations

import sqlite3

import pytest

import store
from store.schema import HISTORY_KINDS, NOTE_TYPES
from store.security import REMOVE_RECORDS

from ..operators import ADMIN, AIDE
from .runs import (
    assert_operation,
    changes,
    count,
    journal,
    rows_of,
    run,
    set_preference,
)

# -- Remove Patron Notes --------------------------------------------------------------------------


def test_remove_notes_removes_every_note_of_the_type_and_nothing_else(small_db):
    utility = small_db.utility("remove-notes")
    alerts = rows_of(small_db, "notes", "type = 'Alert'")
    plan, rows, report = run(
        small_db, "remove-notes", {"sites": ["ELM", "HIGH", "UNION"]}, {"note_type": "alert"}
    )
    assert utility.label(plan.options) == "Alert notes"
    assert_operation(
        small_db,
        report,
        "remove-notes",
        plan.counts,
        {"note_type": "Alert"},
        {"sites": ["ELM", "HIGH", "UNION"]},
    )
    assert plan.counts == store.Counts(matched=12, change=2, unchanged=10, skip=0)
    outcomes = changes(small_db, report.operation_id)
    assert outcomes.pop("9") == ("change", None, 1, 0)
    assert outcomes.pop("10") == ("change", None, 2, 0)
    assert set(outcomes.values()) == {("unchanged", "no Alert notes", 0, 0)}
    assert (
        utility.show(rows["10"].current),
        utility.show(rows["9"].current),
        utility.show(rows["10"].new),
    ) == ("2 notes", "1 note", "0 notes")
    assert [n["id"] for n in alerts] == [2, 3, 4]
    assert journal(small_db, report.operation_id) == [
        ("notes", n["id"], "delete", n, None) for n in alerts
    ]  # whole rows, for an undo
    assert [(n["patron_id"], n["type"], n["text"]) for n in rows_of(small_db, "notes")] == [
        (1, "General", "Prefers large print"),
        (2, "General", "Keep me"),
        (3, "Contact", "Call home"),
    ]


@pytest.mark.parametrize("note_type", NOTE_TYPES)
def test_remove_notes_of_each_type_keeps_the_other_types(small_db, note_type):
    before = rows_of(small_db, "notes")
    plan, rows, report = run(
        small_db, "remove-notes", {"sites": ["ELM", "HIGH"]}, {"note_type": note_type}
    )
    assert rows_of(small_db, "notes") == [n for n in before if n["type"] != note_type]
    assert journal(small_db, report.operation_id) == [
        ("notes", n["id"], "delete", n, None) for n in before if n["type"] == note_type
    ]
    assert plan.counts.change == len({n["patron_id"] for n in before if n["type"] == note_type})


@pytest.mark.parametrize(
    "options, message",
    [
        ({}, "a value is required; choose one of: Contact, General, Alert, Category"),
        ({"note_type": "Memo"}, "'Memo' is not allowed; allowed: "),
    ],
)
def test_remove_notes_needs_one_of_the_four_types(small_db, options, message):
    with pytest.raises(store.Invalid) as info:
        small_db.plan("remove-notes", {}, options, ADMIN)
    [problem] = info.value.problems
    assert (problem.field, problem.title) == ("note_type", "Note Type")
    assert problem.message.startswith(message)
    assert all(t in problem.message for t in NOTE_TYPES)
    assert count(small_db, "notes") == 6


def test_remove_notes_refuses_a_preview_made_stale_by_a_new_note(small_db, tmp_path):
    plan = small_db.plan("remove-notes", {"sites": ["ELM"]}, {"note_type": "Alert"}, ADMIN)
    other = sqlite3.connect(tmp_path / "small.db")
    other.execute(
        "INSERT INTO notes (patron_id, type, text, created) "
        "VALUES (7, 'Alert', 'Added meanwhile', '2026-06-01')"
    )
    other.commit()
    other.close()
    with pytest.raises(store.Stale):
        small_db.apply(plan)
    assert count(small_db, "notes", "type = 'Alert'") == 4
    assert count(small_db, "operations") == count(small_db, "operation_rows") == 0


# -- Remove Patron Pictures ----------------------------------------------------------------------

ADAMS_PICTURE = b"\x89PNG\r\n\x1a\n\x00\xff\x10"


def test_remove_pictures_journals_the_bytes_as_hex_and_removes_them(small_db):
    small_db.db["pictures"].insert_all(
        [{"patron_id": 1, "image": ADAMS_PICTURE}, {"patron_id": 3, "image": b"\x01\x02"}]
    )
    utility = small_db.utility("remove-pictures")
    plan, rows, report = run(small_db, "remove-pictures", {"sites": ["ELM"]}, {})
    assert plan.counts == store.Counts(matched=5, change=1, unchanged=4, skip=0)
    assert_operation(small_db, report, "remove-pictures", plan.counts, {}, {"sites": ["ELM"]})
    assert (utility.show(rows["9"].current), utility.show(rows["9"].new)) == ("picture", "(none)")
    outcomes = changes(small_db, report.operation_id)
    assert outcomes.pop("9") == ("change", None, "picture", None)
    assert set(outcomes.values()) == {("unchanged", "no picture", None, None)}
    [entry] = journal(small_db, report.operation_id)
    assert entry == (
        "pictures",
        1,
        "delete",
        {"patron_id": 1, "image": ADAMS_PICTURE.hex().upper()},
        None,
    )
    assert bytes.fromhex(entry[3]["image"]) == ADAMS_PICTURE
    assert rows_of(small_db, "pictures") == [{"patron_id": 3, "image": b"\x01\x02"}]  # not selected


# -- Remove Patron History -----------------------------------------------------------------------


def test_remove_history_keeps_lexile_and_removes_every_other_kind(small_db):
    small_db.db["history"].insert_all(
        [
            {"patron_id": 1, "kind": kind, "detail": f"Adams {kind}", "date": f"2026-01-0{i + 1}"}
            for i, kind in enumerate(HISTORY_KINDS)
        ]
        + [
            {"patron_id": 2, "kind": "lexile", "detail": "500L", "date": "2026-02-01"},
            {"patron_id": 3, "kind": "payment", "detail": "Cobb paid", "date": "2026-02-01"},
        ]
    )
    before = rows_of(small_db, "history")
    utility = small_db.utility("remove-history")
    plan, rows, report = run(small_db, "remove-history", {"sites": ["ELM"]}, {})
    assert plan.counts == store.Counts(matched=5, change=1, unchanged=4, skip=0)
    assert_operation(small_db, report, "remove-history", plan.counts, {}, {"sites": ["ELM"]})
    outcomes = changes(small_db, report.operation_id)
    assert outcomes.pop("9") == ("change", None, 7, 0)
    assert set(outcomes.values()) == {("unchanged", "no history but Lexile", 0, 0)}
    assert (utility.show(rows["9"].current), utility.show(1)) == ("7 entries", "1 entry")
    removed = [h for h in before if h["patron_id"] == 1 and h["kind"] != "lexile"]
    assert {h["kind"] for h in removed} == {
        "payment",
        "credit",
        "renewal",
        "lost",
        "refund",
        "returned",
        "forgiven",
    }
    assert journal(small_db, report.operation_id) == [
        ("history", h["id"], "delete", h, None) for h in removed
    ]
    assert [(h["patron_id"], h["kind"]) for h in rows_of(small_db, "history")] == [
        (1, "lexile"),
        (2, "lexile"),
        (3, "payment"),
    ]


# -- who may remove ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, options",
    [("remove-notes", {"note_type": "General"}), ("remove-pictures", {}), ("remove-history", {})],
)
def test_removing_records_needs_its_own_permission(small_db, key, options):
    small_db.db["pictures"].insert({"patron_id": 1, "image": b"\x00"})
    small_db.db["history"].insert({"patron_id": 1, "kind": "payment", "date": "2026-01-01"})
    entry = small_db.utility(key)
    assert entry.destructive and REMOVE_RECORDS in entry.permissions
    assert small_db.unavailable(entry, AIDE) == f"needs the permission '{REMOVE_RECORDS}'"
    with pytest.raises(store.NotPermitted) as info:
        small_db.plan(key, {}, options, AIDE)
    assert REMOVE_RECORDS in str(info.value)
    assert (count(small_db, "notes"), count(small_db, "pictures"), count(small_db, "history")) == (
        6,
        1,
        1,
    )
    assert count(small_db, "operations") == 0
    assert small_db.unavailable(entry, ADMIN) is None


@pytest.mark.parametrize(
    "key",
    [
        "advance-grade",
        "change-location2",
        "change-policy",
        "move-to-site",
        "reassign-union-site",
        "renew-accounts",
    ],
)
def test_the_other_new_utilities_need_only_the_utilities_permission(small_db, key):
    set_preference(small_db, "centralized_catalog", "1")
    entry = small_db.utility(key)
    assert not entry.destructive
    assert small_db.unavailable(entry, AIDE) is None
