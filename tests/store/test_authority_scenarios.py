"""The doors an aide who wants more rights tried, each refused by the store with the reason,
and nothing written by a refused attempt (the doors of undo: test_authority_undo.py)."""

from __future__ import annotations

import pytest

import store
from store.patron_file import BadFile
from store.security import FORGIVE

from ..databases import everything
from ..district import LIBRARIAN_ID, SECOND_ADMIN_ID, District, patron, write_csv

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins, no pause after a wrong password

ADMIN_GROUPS = {"security_groups": ["District Administrator", "Librarian"]}


# -- every utility keeps the level rule ---------------------------------------------------------


def test_the_aide_cannot_suspend_the_administrators_or_the_librarian(district: District):
    s = district.store
    plan = s.plan("change-status", ADMIN_GROUPS, {"status": "Suspended"}, district.aide)
    rows = {r.patron_id: r for r in plan.page(0, 100)}
    assert set(rows) == {district.admin.patron_id, SECOND_ADMIN_ID, LIBRARIAN_ID}
    assert plan.counts.change == 0 and plan.counts.skip == 3
    assert rows[LIBRARIAN_ID].reason == "in Librarian (level 1), not below your level 2"
    assert rows[SECOND_ADMIN_ID].reason == (
        "in District Administrator (level 0), not below your level 2"
    )
    assert rows[LIBRARIAN_ID].new == rows[LIBRARIAN_ID].current == "Active"
    s.apply(plan)
    assert {patron(s, pid)["status"] for pid in rows} == {"Active"}
    assert district.login("demo").username == "demo"


@pytest.mark.parametrize(
    "key, options",
    [
        ("add-notes", {"note": "Aide was here", "note_type": "Alert"}),
        ("change-location", {"location": "Closet"}),
        ("change-policy", {"policy": "Community"}),
        ("renew-accounts", {}),
        ("remove-history", {}),
    ],
)
def test_every_utility_skips_patrons_at_or_above_the_operators_level(
    district: District, key, options
):
    """Not only the three utilities that had a rule of their own: the plan applies it."""
    s = district.store
    operator = district.aide if key not in ("remove-history",) else district.librarian
    plan = s.plan(key, ADMIN_GROUPS, options, operator)
    rows = plan.page(0, 100)
    assert rows and {r.outcome for r in rows} == {"skip"}
    assert all(
        "not below your level" in r.reason or r.reason == "your own account" for r in rows
    ), [r.reason for r in rows]
    before = everything(district.path)
    s.apply(plan)
    after = everything(district.path)
    assert after["patrons"] == before["patrons"] and after["notes"] == before["notes"]
    assert after["history"] == before["history"]


def test_no_batch_changes_the_operators_own_account_even_at_level_0(district: District):
    s = district.store
    me = district.admin.patron_id
    plan = s.plan(
        "change-location",
        {"barcodes": [patron(s, me)["barcode"]]},
        {"location": "Office"},
        district.admin,
    )
    [row] = plan.page(0, 1)
    assert (row.outcome, row.reason, row.new) == ("skip", "your own account", None)
    assert plan.counts.change == 0


# -- import is authorized column by column -------------------------------------------------------


def test_the_aide_cannot_take_over_the_administrators_login_by_import(district: District, tmp_path):
    s = district.store
    path = write_csv(
        tmp_path / "hijack.csv",
        [["barcode", "last_name", "username"], ["STAFF001", "Reyes", "hijacked"]],
    )
    before = everything(district.path)
    for dry_run in (True, False):
        with pytest.raises(BadFile) as info:
            s.import_patrons(path, {}, district.aide, dry_run=dry_run)
        [problem] = info.value.problems
        assert (problem.row, problem.column) == (2, "username")
        assert problem.message == (
            "patron STAFF001 is in District Administrator (level 0), not "
            "below your level 2: you may not change them"
        )
    assert everything(district.path) == before
    assert district.login("demo").patron_id == district.admin.patron_id


def test_an_import_sets_usernames_only_with_the_passwords_permission(district: District, tmp_path):
    s = district.store
    student = patron(s, 1)
    path = write_csv(
        tmp_path / "names.csv",
        [
            ["barcode", "last_name", "username"],
            [student["barcode"], student["last_name"], "newname"],
            ["NEW1", "Newman", "newman"],
        ],
    )
    before = everything(district.path)
    with pytest.raises(BadFile) as info:
        s.import_patrons(path, {}, district.aide)
    assert [(p.row, p.column, p.message) for p in info.value.problems] == [
        (2, "username", "setting a username needs the permission 'Patron Passwords: Edit'"),
        (3, "username", "setting a username needs the permission 'Patron Passwords: Edit'"),
    ]
    assert everything(district.path) == before
    report = s.import_patrons(path, {}, district.librarian)
    assert (report.new, report.updated) == (1, 1)
    assert patron(s, 1)["username"] == "newname"


def test_an_import_without_credential_columns_is_the_aides_to_make(district: District, tmp_path):
    s = district.store
    student = patron(s, 1)
    path = write_csv(
        tmp_path / "rooms.csv",
        [
            ["barcode", "last_name", "location"],
            [student["barcode"], student["last_name"], "Room 1"],
            ["STAFF001", "Reyes", ""],
        ],
    )
    report = s.import_patrons(path, {}, district.aide)  # the administrator's row is unchanged
    assert (report.updated, report.unchanged) == (1, 1)
    assert patron(s, 1)["location"] == "Room 1"


# -- saved runs belong to whoever saved them -----------------------------------------------------


def test_the_aide_cannot_replace_rename_or_delete_the_administrators_runs(district: District):
    s = district.store
    run_id, _ = s.save_run(
        "forgive-charges",
        "Small balances",
        {"balance_to": "1.00"},
        {"category": "All Charges, Fees, and Fines"},
        district.admin,
    )
    own_id, _ = s.save_run("change-status", "Summer", {}, {"status": "Inactive"}, district.admin)
    before = everything(district.path)
    with pytest.raises(store.NotPermitted, match=f"'{FORGIVE}'"):
        s.save_run(
            "forgive-charges",
            "small balances",
            {},
            {"category": "All Charges, Fees, and Fines"},
            district.aide,
        )
    with pytest.raises(store.NotPermitted, match=f"'{FORGIVE}'"):
        s.rename_run(run_id, "every patron", district.aide)
    with pytest.raises(store.NotPermitted, match=f"'{FORGIVE}'"):
        s.delete_run(run_id, district.aide)
    # A utility the aide may run: still someone else's run.
    for attempt in (
        lambda: s.save_run("change-status", "SUMMER", {}, {"status": "Active"}, district.aide),
        lambda: s.rename_run(own_id, "Mine now", district.aide),
        lambda: s.delete_run(own_id, district.aide),
    ):
        with pytest.raises(store.NotPermitted, match="it belongs to demo"):
            attempt()
    assert everything(district.path) == before
    # Everyone may still open and preview a run of a utility they may run.
    run = s.saved_run(own_id)
    assert s.plan("change-status", run["selection"], run["options"], district.aide).counts.matched


def test_only_level_0_changes_someone_elses_run(district: District):
    s = district.store
    run_id, _ = s.save_run(
        "change-status", "Aide's", {"grades": ["12"]}, {"status": "Inactive"}, district.aide
    )
    s.rename_run(run_id, "Aide's own", district.aide)  # the owner may
    with pytest.raises(store.NotPermitted, match="belongs to aide"):
        s.rename_run(run_id, "Librarian's", district.librarian)
    s.rename_run(run_id, "Seniors", district.admin)
    assert s.saved_run(run_id)["name"] == "Seniors"
    s.delete_run(run_id, district.second_admin)
    assert s.saved_runs() == []


# -- found by attacking the doors ----------------------------------------------------------------


def test_the_group_being_assigned_is_checked_again_when_applied(district: District):
    s = district.store
    plan = s.plan(
        "change-security-group", {"grades": ["3"]}, {"group": "Teacher"}, district.librarian
    )
    assert plan.counts.change
    s.db.execute("UPDATE security_groups SET level = 1 WHERE name = 'Teacher'")
    before = everything(district.path)
    with pytest.raises(store.Invalid, match="you may assign only groups of level 2"):
        s.apply(plan)
    assert everything(district.path) == before


def test_a_plan_altered_after_its_preview_is_not_applied(district: District):
    from store.catalog import get

    s = district.store
    plan = s.plan("change-location", {"grades": ["3"]}, {"location": "Room 1"}, district.librarian)
    plan.utility = get("change-security-group")
    before = everything(district.path)
    with pytest.raises(ValueError, match="altered after it was previewed"):
        s.apply(plan)
    assert everything(district.path) == before


def test_saved_run_names_clash_in_any_case_unicode_included(district: District):
    s = district.store
    s.save_run("change-status", "Straße cleanup", {}, {"status": "Inactive"}, district.admin)
    with pytest.raises(store.NotPermitted, match="belongs to demo"):
        s.save_run("change-status", "STRASSE CLEANUP", {}, {"status": "Active"}, district.aide)
    assert [r["name"] for r in s.saved_runs()] == ["Straße cleanup"]
    assert s.find_saved_run("strasse cleanup", "change-status")["operator"] == "demo"


def test_demo_force_never_replaces_a_librarys_database(district: District, tmp_path):
    from store.demo import create_demo

    s = district.store
    s.db.execute("DELETE FROM preferences WHERE key = 'demo'")  # a library's own database now
    before = everything(district.path)
    with pytest.raises(FileExistsError, match="is not a demo database"):
        create_demo(district.path, patrons=5, force=True)
    assert everything(district.path) == before
    other = tmp_path / "notes.txt"
    other.write_text("someone's file")
    with pytest.raises(FileExistsError, match="is not a demo database"):
        create_demo(other, patrons=5, force=True)
    assert other.read_text() == "someone's file"
