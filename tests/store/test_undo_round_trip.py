"""Undo from the journal puts every table back exactly, for every utility in the catalog (and
the Grade table's Advance All Grades)."""

from __future__ import annotations

import pytest

import store
from store.catalog import CATALOG, RUNNABLE

from ..operators import ADMIN
from .runs import count, run
from .undo_helpers import dump, foreign_key_problems, stamps, unstamped

pytestmark = pytest.mark.usefixtures("fast")  # Reset Patron Accounts hashes: cheaply here


def differing(a: dict, b: dict) -> list[str]:
    """The tables whose dumps differ (a readable assertion message)."""
    return sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))


# -- every utility round-trips ---------------------------------------------------------------

RESET_GRADE = {"grades": ["3"]}  # a small selection: hashing passwords is slow by design
CASES = [
    pytest.param(
        "add-notes",
        {},
        {"note": "Undo me", "note_type": "Alert", "replace_existing": True},
        id="add-notes-replace",
    ),
    pytest.param(
        "add-notes", {}, {"note": "Undo me too", "note_type": "General"}, id="add-notes-append"
    ),
    pytest.param("advance-grade", {}, {}, id="advance-grade"),
    pytest.param("advance-all-grades", {}, {}, id="advance-all-grades"),
    pytest.param("change-grade", {}, {"grade": "K"}, id="change-grade"),
    pytest.param("change-location2", {}, {"location2": "Bus 9"}, id="change-location2"),
    pytest.param("change-location2", {}, {"location2": ""}, id="change-location2-blank"),
    pytest.param("change-location", {}, {"location": "Room 9"}, id="change-location"),
    pytest.param(
        "change-policy",
        {},
        {"policy": "Grade 9-12", "recompute_due_dates": True},
        id="change-policy-recompute",
    ),
    pytest.param("change-security-group", {}, {"group": "Teacher"}, id="change-security-group"),
    pytest.param("change-status", {}, {"status": "Inactive"}, id="change-status"),
    pytest.param(
        "forgive-charges",
        {},
        {"category": "All Charges, Fees, and Fines"},
        id="forgive-charges-all",
    ),
    pytest.param("move-to-site", {}, {"site": "MID"}, id="move-to-site"),
    pytest.param("reassign-union-site", {}, {"site": "ELM"}, id="reassign-union-site"),
    pytest.param("recompute-due-dates", {}, {}, id="recompute-due-dates"),
    pytest.param("remove-history", {}, {}, id="remove-history"),
    pytest.param("remove-notes", {}, {"note_type": "Alert"}, id="remove-notes"),
    pytest.param("remove-pictures", {}, {}, id="remove-pictures"),
    pytest.param("remove-patrons", {}, {"force": True}, id="remove-patrons-force"),
    pytest.param("remove-patrons", {}, {"force": False}, id="remove-patrons-no-force"),
    pytest.param("renew-accounts", {}, {}, id="renew-accounts"),
    pytest.param(
        "reset-accounts",
        RESET_GRADE,
        {"username": "First Initial + Last Name", "password": "Last Name (non-secure)"},
        id="reset-accounts-initial-last-name",
    ),
    pytest.param(
        "reset-accounts",
        RESET_GRADE,
        {"username": "No Change", "password": "Patron (email link)"},
        id="reset-accounts-email-link",
    ),
]


def test_the_round_trip_cases_cover_every_utility_in_the_catalog():
    assert {case.values[0] for case in CASES} == {entry.key for entry in RUNNABLE}
    assert len(CATALOG) == 18


def test_the_demo_has_a_centralized_catalog(demo_store):
    assert demo_store.preferences().get("centralized_catalog") == "1"


@pytest.mark.parametrize("key, selection, options", CASES)
def test_undo_puts_every_table_back_exactly(demo_store, key, selection, options):
    s = demo_store
    before = dump(s)
    plan, _, report = run(s, key, selection, options)
    assert report.counts.change > 0, "these options must make real changes"
    after_apply = dump(s)
    assert after_apply != before, f"{key} changed nothing in the database"

    stamped_before = stamps(s)
    undone = s.undo(report.operation_id, ADMIN)

    after_undo = dump(s)
    assert differing(unstamped(after_undo), unstamped(before)) == []
    assert unstamped(after_undo) == unstamped(before)
    # The rows it wrote carry the undo's time; every other row keeps its own.
    written = {
        pid
        for (pid,) in s.db.execute(
            "SELECT row_id FROM operation_rows WHERE operation_id = ? AND table_name = 'patrons'",
            [undone.operation_id],
        )
    }
    now = s.operation(undone.operation_id)["started"]
    assert {pid: stamp for pid, stamp in stamps(s).items() if pid in written} == {
        pid: now for pid in written if pid in stamps(s)
    }  # (an Unknown Patron it made is gone)
    assert {pid: stamp for pid, stamp in stamps(s).items() if pid not in written} == {
        pid: stamp for pid, stamp in stamped_before.items() if pid not in written
    }
    assert undone.conflicts == []
    changed = report.counts.change
    assert undone.counts == store.Counts(matched=changed, change=changed, unchanged=0, skip=0)
    assert foreign_key_problems(s) == []
    assert s.operation(report.operation_id)["undone_by"] == undone.operation_id


def test_undo_after_remove_patrons_recreates_the_unknown_patron_only_as_needed(demo_store):
    """Reviews moved to the Unknown Patron (made by the run) go back; the Unknown Patron goes."""
    s = demo_store
    reviewers = s.db.execute("SELECT id, patron_id FROM reviews ORDER BY id").fetchall()
    assert reviewers, "the demo has reviews"
    _, _, report = run(s, "remove-patrons", {}, {"force": True})
    assert count(s, "patrons", "is_unknown") == 1
    s.undo(report.operation_id, ADMIN)
    assert count(s, "patrons", "is_unknown") == 0
    assert s.db.execute("SELECT id, patron_id FROM reviews ORDER BY id").fetchall() == reviewers


@pytest.mark.parametrize("key, selection, options", CASES)
def test_an_undo_journals_the_operation_s_images_swapped_exactly(
    demo_store, key, selection, options
):
    """An undo's update rows are the operation's after-image as before and its before-image as
    after, value for value and type for type ('modified' aside: the live row's, then the
    undo's), so the undo can itself be undone; its inserts and deletes mirror the deletes and
    inserts."""
    s = demo_store
    _, _, report = run(s, key, selection, options)
    undone = s.undo(report.operation_id, ADMIN)
    swapped = {"update": "update", "insert": "delete", "delete": "insert"}

    def images(operation_id: int, flip: bool) -> list[tuple]:
        rows = s.db.execute(
            """SELECT table_name, row_id, action,
                      json_remove(before, '$.modified'), json_remove(after, '$.modified')
               FROM operation_rows WHERE operation_id = ?""",
            [operation_id],
        ).fetchall()
        if flip:
            rows = [(t, r, swapped[a], after, before) for t, r, a, before, after in rows]
        return sorted(rows, key=repr)

    assert images(undone.operation_id, flip=True) == images(report.operation_id, flip=False)
    stamped = s.db.execute(
        """SELECT count(*) FROM operation_rows WHERE operation_id = ? AND action = 'update'
           AND json_type(after, '$.modified') IS NOT NULL
           AND json_extract(after, '$.modified') IS NOT ?""",
        [undone.operation_id, s.operation(undone.operation_id)["started"]],
    ).fetchone()[0]
    assert stamped == 0
