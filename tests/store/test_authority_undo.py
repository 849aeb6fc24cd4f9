"""Undo follows the rules of the utility it undoes: the aide who wants more rights may not
take back what they could not have done, and a librarian's undo leaves whom they may not
change (with the reason), nothing written by a refused attempt."""

from __future__ import annotations

import pytest

import store
from store.security import FORGIVE, SECURITY_GROUPS

from ..databases import everything
from ..district import SECOND_ADMIN_ID, District, patron, write_csv

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins, no pause after a wrong password


# -- undo follows the same rules -----------------------------------------------------------------


def admin_import(district: District, tmp_path) -> int:
    """The administrator promotes a student to Librarian and adds a District Administrator."""
    student = patron(district.store, 1)
    path = write_csv(
        tmp_path / "staff.csv",
        [
            ["barcode", "last_name", "security_group"],
            [student["barcode"], student["last_name"], "Librarian"],
            ["NEWADMIN", "Nakamura", "District Administrator"],
        ],
    )
    return district.store.import_patrons(path, {}, district.admin).operation_id


def test_the_aide_may_not_undo_an_import_that_set_security_groups(district: District, tmp_path):
    s = district.store
    operation = admin_import(district, tmp_path)
    before = everything(district.path)
    for attempt in (s.check_undo, s.undo):
        with pytest.raises(store.NotPermitted) as info:
            attempt(operation, district.aide)
        assert f"'{SECURITY_GROUPS}'" in str(info.value)
    assert everything(district.path) == before
    assert patron(s, 1)["security_group"] == "Librarian"


def test_a_librarian_undoing_the_import_leaves_whom_they_may_not_change(
    district: District, tmp_path
):
    s = district.store
    operation = admin_import(district, tmp_path)
    new_admin = s.db.execute("SELECT id FROM patrons WHERE barcode = 'NEWADMIN'").fetchone()[0]
    check = s.check_undo(operation, district.librarian)
    assert (check.changed, check.skipped, check.restored) == (2, 2, 0)
    assert sorted(reason for _, _, reason in check.shown) == [
        "in District Administrator (level 0), not below your level 1",
        "in Librarian (level 1), not below your level 1",
    ]
    report = s.undo(operation, district.librarian)
    assert (report.counts.change, report.counts.skip) == (0, 2)
    assert patron(s, 1)["security_group"] == "Librarian"
    assert patron(s, new_admin)["security_group"] == "District Administrator"
    reasons = {c["patron_id"]: c["reason"] for c in s.operation_changes(report.operation_id)}
    assert reasons[new_admin] == (
        "not restored: in District Administrator (level 0), not below your level 1"
    )


def test_undo_never_gives_back_a_group_the_operator_may_not_assign(district: District):
    """An administrator moved the second administrator to Student; a librarian's undo would
    assign level 0: that patron is skipped, the others are put back."""
    s = district.store
    teacher = 25  # a teacher of the demo (level 2)
    plan = s.plan(
        "change-security-group",
        {"barcodes": [patron(s, SECOND_ADMIN_ID)["barcode"], patron(s, teacher)["barcode"]]},
        {"group": "Student"},
        district.admin,
    )
    operation = s.apply(plan).operation_id
    report = s.undo(operation, district.librarian)
    assert patron(s, SECOND_ADMIN_ID)["security_group"] == "Student"
    assert patron(s, teacher)["security_group"] == "Teacher"
    reasons = {
        c["patron_id"]: (c["outcome"], c["reason"])
        for c in s.operation_changes(report.operation_id)
    }
    assert reasons == {
        SECOND_ADMIN_ID: (
            "skip",
            "not restored: would be put back in District Administrator "
            "(level 0), not below your level 1",
        ),
        teacher: ("change", None),
    }


def test_undo_needs_the_permissions_of_the_utility_it_undoes(district: District):
    s = district.store
    plan = s.plan(
        "forgive-charges", {}, {"category": "All Charges, Fees, and Fines"}, district.admin
    )
    operation = s.apply(plan).operation_id
    before = everything(district.path)
    with pytest.raises(store.NotPermitted, match=f"'{FORGIVE}'"):
        s.check_undo(operation, district.aide)
    with pytest.raises(store.NotPermitted, match=f"'{FORGIVE}'"):
        s.undo(operation, district.aide)
    assert everything(district.path) == before


# -- found by attacking the doors ----------------------------------------------------------------


def test_undo_leaves_the_loans_of_patrons_it_skips(district: District):
    """A loan's journaled due date holds no patron id: undo finds the patron from the loan."""
    s = district.store
    loans = (
        "SELECT k.id, k.due_date FROM checkouts k JOIN patrons p ON p.id = k.patron_id "
        "WHERE p.security_group = 'Teacher' ORDER BY k.id"
    )
    plan = s.plan(
        "change-policy",
        {"security_groups": ["Teacher"]},
        {"policy": "Community", "recompute_due_dates": True},
        district.admin,
    )
    operation = s.apply(plan).operation_id
    recomputed = s.db.execute(loans).fetchall()
    assert recomputed
    report = s.undo(operation, district.aide)  # Teachers are level 2: not the aide's to change
    assert report.counts.change == 0
    assert s.db.execute(loans).fetchall() == recomputed


def test_undoing_someone_elses_import_of_new_patrons_needs_remove_patrons(
    district: District, tmp_path
):
    s = district.store
    path = write_csv(
        tmp_path / "new.csv",
        [["barcode", "last_name", "site"], ["N0001", "Newman", "ELM"], ["N0002", "Newby", "ELM"]],
    )
    operation = s.import_patrons(path, {}, district.admin).operation_id
    before = everything(district.path)
    with pytest.raises(store.NotPermitted, match="'Patrons: Remove'"):
        s.undo(operation, district.aide)
    assert everything(district.path) == before
    # The aide's own import is theirs to take back.
    mine = write_csv(
        tmp_path / "mine.csv", [["barcode", "last_name", "site"], ["N0003", "Newton", "ELM"]]
    )
    own = s.import_patrons(mine, {}, district.aide).operation_id
    s.undo(own, district.aide)
    assert s.db.execute("SELECT count(*) FROM patrons WHERE barcode = 'N0003'").fetchone() == (0,)


def test_undoing_a_removal_puts_back_logins_and_groups_only_with_those_permissions(
    district: District,
):
    s = district.store
    s.db.execute(
        "UPDATE security_groups SET permissions = ? WHERE name = 'Library Aide'",
        ['["Patrons: Import, Export and Utilities", "Patrons: Remove"]'],
    )
    aide = district.login("aide")
    student = patron(s, 1)
    assert student["username"] and student["security_group"] == "Student"
    plan = s.plan(
        "remove-patrons", {"barcodes": [student["barcode"]]}, {"force": True}, district.admin
    )
    operation = s.apply(plan).operation_id
    before = everything(district.path)
    with pytest.raises(store.NotPermitted) as info:
        s.undo(operation, aide)
    assert "'Patron Passwords: Edit'" in str(info.value)
    assert "'Patron Security Groups: Assign'" in str(info.value)
    assert everything(district.path) == before
    s.undo(operation, district.librarian)
    assert patron(s, 1)["username"] == student["username"]
