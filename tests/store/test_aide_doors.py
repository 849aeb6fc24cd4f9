"""An aide who wants more rights, at the doors that write preferences, the grade table, the
roster mapping and saved runs, and through Advance All Grades and Recompute Due Dates: each
door refuses in the store with what is missing, or leaves the patrons above the aide as they
are, and a refusal writes nothing (the doors of undo: test_aide_doors_undo.py; of import and
the roster: test_aide_doors_files.py)."""

from __future__ import annotations

import json

import pytest

import store
from store.security import PREFERENCES

from ..databases import everything
from ..district import LIBRARIAN_ID, SECOND_ADMIN_ID, District, patron

pytestmark = pytest.mark.usefixtures("fast")

ABOVE_THE_AIDE = (LIBRARIAN_ID, SECOND_ADMIN_ID)  # levels 1 and 0
MISSING = f"it needs the permission '{PREFERENCES}'"


def refused(district: District, door, match: str = MISSING) -> None:
    """``door`` raises NotPermitted saying ``match``, and the database is as it was."""
    before = everything(district.path)
    with pytest.raises(store.NotPermitted, match=match):
        door()
    assert everything(district.path) == before


# -- preferences, terminology, the roster mapping, the grade table ------------------------------


def test_the_aide_may_not_save_preferences_or_terminology(district: District):
    s = district.store
    read = s.library_preferences().model_dump()
    for change in (
        {"grade_term": "Year", "location_term": "Homeroom"},  # the library's words
        {"centralized_catalog": not read["centralized_catalog"]},
        {"disable_account_expiration": not read["disable_account_expiration"]},
    ):
        refused(
            district, lambda change=change: s.save_preferences({**read, **change}, district.aide)
        )
        refused(
            district,
            lambda change=change: s.save_preferences({**read, **change}, district.aide, read),
        )
    assert s.preferences()["term.grade"] == "Grade"


def test_the_aide_may_not_save_the_roster_mapping(district: District):
    s = district.store
    mapping = s.roster_mapping().model_dump(mode="json")
    refused(
        district,
        lambda: s.save_roster_mapping({**mapping, "transfer_guard_percent": 100}, district.aide),
    )
    assert s.roster_mapping().transfer_guard_percent == mapping["transfer_guard_percent"]


@pytest.mark.parametrize(
    "action, args",
    [
        ("add", ("13", "12")),
        ("rename", ("K", "Kindergarten")),
        ("remove", ("PK",)),
        ("move", ("K", -1)),
        ("set_last", ("12",)),
    ],
)
def test_the_aide_may_not_edit_the_grade_table(district: District, action, args):
    s = district.store
    db = s.db
    db.execute("UPDATE patrons SET grade = NULL WHERE grade = 'PK'")  # removable, had it passed
    grades = s.grades()
    refused(district, lambda: s.edit_grades(district.aide, action, *args))
    assert s.grades() == grades
    s.edit_grades(district.librarian, action, *args)  # the door itself works
    assert s.grades() != grades


def test_a_grade_table_edit_is_not_undone_by_the_aide(district: District):
    s = district.store
    op = s.edit_grades(district.admin, "rename", "K", "Kindergarten")
    refused(district, lambda: s.check_undo(op, district.aide))
    refused(district, lambda: s.undo(op, district.aide))
    assert "Kindergarten" in s.choices("grade")


# -- Advance All Grades and Recompute Due Dates run by the aide ---------------------------------


def test_advance_all_grades_by_the_aide_leaves_every_patron_at_or_above_level_2(
    district: District,
):
    s = district.store
    staff = (*ABOVE_THE_AIDE, district.admin.patron_id, district.aide.patron_id, 25)  # 25: Teacher
    s.db.execute(
        f"UPDATE patrons SET grade = '5' WHERE id IN ({', '.join('?' * len(staff))})", staff
    )
    plan = s.plan("advance-all-grades", {}, {}, district.aide)
    rows = {r.patron_id: r for r in plan.page(0, plan.counts.matched)}
    for pid in staff:
        assert rows[pid].outcome == "skip", pid
    assert rows[district.aide.patron_id].reason == "your own account"
    assert rows[SECOND_ADMIN_ID].reason == (
        "in District Administrator (level 0), not below your level 2"
    )
    assert rows[25].reason == "in Teacher (level 2), not below your level 2"
    student = s.db.execute(
        "SELECT id, grade FROM patrons WHERE security_group = 'Student' AND grade = '5' LIMIT 1"
    ).fetchone()
    report = s.apply(plan)
    assert report.counts.change > 0
    assert {patron(s, pid)["grade"] for pid in staff} == {"5"}
    assert patron(s, student[0])["grade"] == "6"
    journaled = {
        r[0]
        for r in s.db.execute(
            "SELECT row_id FROM operation_rows WHERE operation_id = ? AND table_name = 'patrons'",
            [report.operation_id],
        )
    }
    assert journaled.isdisjoint(staff)


def test_recompute_due_dates_by_the_aide_leaves_the_loans_of_staff_above_them(
    district: District,
):
    s = district.store
    db = s.db
    # Loans on terms no policy gives: the Librarian's, the second administrator's, a student's.
    student = db.execute(
        "SELECT k.patron_id FROM checkouts k JOIN patrons p ON p.id = k.patron_id "
        "WHERE p.security_group = 'Student' LIMIT 1"
    ).fetchone()[0]
    item = (
        db["items"].insert({"barcode": "T-LIB", "title": "Holes", "status": "Checked Out"}).last_pk
    )
    db.execute(
        "INSERT INTO checkouts (item_id, patron_id, checked_out, due_date, fine_per_day) "
        "VALUES (?, ?, '2026-05-01', '2026-05-02', 99)",
        [item, LIBRARIAN_ID],
    )
    db.execute(
        "UPDATE checkouts SET due_date = '2026-05-02', fine_per_day = 99 WHERE patron_id IN (?, ?)",
        [SECOND_ADMIN_ID, student],
    )

    def loans(pid: int) -> list[tuple]:
        return db.execute(
            "SELECT id, due_date, fine_per_day, max_fine FROM checkouts WHERE patron_id = ? "
            "ORDER BY id",
            [pid],
        ).fetchall()

    kept = {pid: loans(pid) for pid in ABOVE_THE_AIDE}
    assert all(kept.values())
    plan = s.plan("recompute-due-dates", {}, {}, district.aide)
    rows = {r.patron_id: r for r in plan.page(0, plan.counts.matched)}
    assert {rows[pid].outcome for pid in ABOVE_THE_AIDE} == {"skip"}
    report = s.apply(plan)
    assert {pid: loans(pid) for pid in ABOVE_THE_AIDE} == kept
    assert {fine for _, _, fine, _ in loans(student)} != {99}
    touched = {
        json.loads(after)["due_date"]
        for (after,) in db.execute(
            "SELECT after FROM operation_rows WHERE operation_id = ? AND table_name = 'checkouts'",
            [report.operation_id],
        )
    }
    assert touched  # the student's loans were recomputed and journaled


# -- saved runs -------------------------------------------------------------------------------


def test_the_aide_may_not_rename_replace_or_delete_the_librarians_run(district: District):
    s = district.store
    run_id, _ = s.save_run(
        "change-status", "Summer", {"grades": ["12"]}, {"status": "Inactive"}, district.librarian
    )
    saved = s.saved_run(run_id)
    belongs = "belongs to libby"
    refused(district, lambda: s.rename_run(run_id, "Mine now", district.aide), belongs)
    refused(district, lambda: s.delete_run(run_id, district.aide), belongs)
    refused(
        district,
        lambda: s.save_run("change-status", "SUMMER", {}, {"status": "Active"}, district.aide),
        belongs,
    )
    assert s.saved_run(run_id) == saved


def test_a_saved_run_edited_in_the_database_passes_the_same_checks_when_run(district: District):
    """A run is values, not a pass: what it asks is planned as if typed by who runs it."""
    s = district.store
    run_id, _ = s.save_run(
        "change-status", "Mine", {"grades": ["12"]}, {"status": "Inactive"}, district.aide
    )
    # Someone with the database file makes the aide's run aim at the staff above them.
    s.db.execute(
        "UPDATE saved_runs SET selection = ?, options = ? WHERE id = ?",
        [
            json.dumps({"security_groups": ["District Administrator", "Librarian"]}),
            json.dumps({"status": "Suspended"}),
            run_id,
        ],
    )
    run = s.saved_run(run_id)
    plan = s.plan("change-status", run["selection"], run["options"], district.aide)
    assert plan.counts.change == 0 and plan.counts.skip == plan.counts.matched > 0
    s.apply(plan)
    assert {patron(s, pid)["status"] for pid in ABOVE_THE_AIDE} == {"Active"}
    # Or at a utility the aide may not run, with options no form offers.
    s.db.execute(
        "UPDATE saved_runs SET utility = 'change-security-group', options = ? WHERE id = ?",
        [json.dumps({"security_group": "District Administrator"}), run_id],
    )
    run = s.saved_run(run_id)
    refused(
        district,
        lambda: s.plan(run["utility"], run["selection"], run["options"], district.aide),
        "Patron Security Groups: Assign",
    )
    s.db.execute(
        "UPDATE saved_runs SET utility = 'change-status', options = ? WHERE id = ?",
        [json.dumps({"status": "Active", "security_group": "District Administrator"}), run_id],
    )
    run = s.saved_run(run_id)
    before = everything(district.path)
    with pytest.raises(store.Invalid) as info:
        s.plan(run["utility"], run["selection"], run["options"], district.aide)
    assert [p.field for p in info.value.problems] == ["security_group"]
    assert everything(district.path) == before
