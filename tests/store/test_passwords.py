"""Passwords: a reset one must be changed first, every hash has the same cost, the journal
keeps hashes only while they can be undone, and new database files are the owner's."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from argon2 import PasswordHasher, extract_parameters

import store
from store import clock, security
from store.demo import create_demo

from ..databases import everything
from ..district import LIBRARIAN_ID, PASSWORD, District, patron, reset_to_last_name

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins, no pause after a wrong password


def journal_text(s: store.Store, operation_id: int) -> str:
    return "".join(
        f"{b}{a}"
        for b, a in s.db.execute(
            "SELECT before, after FROM operation_rows WHERE operation_id = ?", [operation_id]
        )
    )


# -- "must change password" ----------------------------------------------------------------------


def test_an_operator_reset_to_their_last_name_must_choose_a_new_password(district: District):
    s = district.store
    reset_to_last_name(district, LIBRARIAN_ID)
    last_name = patron(s, LIBRARIAN_ID)["last_name"]
    with pytest.raises(store.PasswordChangeRequired) as info:
        s.login("libby", last_name)
    assert info.value.username == "libby"
    with pytest.raises(store.SessionEnded, match="password was reset"):  # the old session too
        s.plan("change-status", {}, {"status": "Active"}, district.librarian)
    before = everything(district.path)
    for new, message in (
        ("short", "at least 10 characters are needed; this has 5"),
        (last_name, "at least 10 characters")
        if len(last_name) < 10
        else (last_name, "must differ from the current password"),
        ("libby", "at least 10 characters are needed; this has 5"),
    ):
        with pytest.raises(store.Invalid) as problem:
            s.change_password("libby", last_name, new)
        assert problem.value.problems[0].field == "new_password"
        assert message in problem.value.problems[0].message
    with pytest.raises(store.LoginFailed):
        s.change_password("libby", "not the old one", "A-Good-New-Password")
    assert {k: v for k, v in everything(district.path).items() if k != "login_failures"} == {
        k: v for k, v in before.items() if k != "login_failures"
    }
    operator = s.change_password("libby", last_name, "A-Good-New-Password")
    assert operator.patron_id == LIBRARIAN_ID
    assert patron(s, LIBRARIAN_ID)["must_change_password"] == 0
    assert s.login("libby", "A-Good-New-Password").username == "libby"


def test_the_new_password_may_not_be_the_current_one(district: District):
    s = district.store
    s.db.execute("UPDATE patrons SET must_change_password = 1 WHERE username = 'aide'")
    with pytest.raises(store.Invalid, match="must differ from the current password"):
        s.change_password("aide", PASSWORD, PASSWORD)
    assert patron(s, district.aide.patron_id)["must_change_password"] == 1


# -- one cost for every hash ---------------------------------------------------------------------


def test_every_hash_the_product_writes_has_the_same_argon2_parameters(
    district: District, monkeypatch
):
    monkeypatch.setattr(security, "HASHER", PasswordHasher())  # the real one, not the tests'
    s = district.store
    reset_to_last_name(district, LIBRARIAN_ID)
    reset = patron(s, LIBRARIAN_ID)["password_hash"]
    s.change_password("libby", patron(s, LIBRARIAN_ID)["last_name"], "Operators-Own-Choice")
    chosen = patron(s, LIBRARIAN_ID)["password_hash"]
    wanted = extract_parameters(PasswordHasher().hash("x"))
    assert extract_parameters(reset) == extract_parameters(chosen) == wanted
    assert extract_parameters(security.hash_password("x")) == wanted


# -- the journal keeps hashes only as long as they can be undone ---------------------------------


def test_hashes_are_erased_after_the_retention_period_and_undo_says_so(district: District):
    s = district.store
    operation = reset_to_last_name(district, 1)
    assert "$argon2" in journal_text(s, operation)
    clock.fix_today(clock.today() + dt.timedelta(days=31))
    # The next journaled write erases what is older than 30 days.
    s.apply(
        s.plan(
            "change-location",
            {"barcodes": [patron(s, 2)["barcode"]]},
            {"location": "Room 9"},
            district.admin,
        )
    )
    assert "$argon2" not in journal_text(s, operation)
    assert s.operation(operation)["credentials_erased"] is not None
    check = s.check_undo(operation, district.admin)
    assert check.notes and "Passwords can no longer be restored" in check.notes[0]
    report = s.undo(operation, district.admin)
    assert report.notes == check.notes
    [row] = s.operation_changes(report.operation_id)
    assert row["outcome"] == "skip" and "password can no longer be restored" in row["reason"]
    assert patron(s, 1)["must_change_password"] == 1  # left as the reset made it


def test_the_retention_period_is_a_preference(district: District):
    s = district.store
    prefs = s.library_preferences().model_dump()
    s.save_preferences({**prefs, "credential_retention_days": 90}, district.admin)
    operation = reset_to_last_name(district, 1)
    clock.fix_today(clock.today() + dt.timedelta(days=31))
    s.apply(
        s.plan(
            "change-location",
            {"barcodes": [patron(s, 2)["barcode"]]},
            {"location": "Room 9"},
            district.admin,
        )
    )
    assert "$argon2" in journal_text(s, operation)  # 31 days: still within 90
    with pytest.raises(store.Invalid) as info:
        s.save_preferences({**prefs, "credential_retention_days": 0}, district.admin)
    assert info.value.problems[0].field == "credential_retention_days"


def test_an_undone_operation_and_its_undo_keep_no_hashes(district: District):
    s = district.store
    operation = reset_to_last_name(district, 1)
    report = s.undo(operation, district.admin)
    assert patron(s, 1)["password_hash"] is None  # put back as it was
    assert "$argon2" not in journal_text(s, operation)
    assert "$argon2" not in journal_text(s, report.operation_id)


def test_an_undo_conflict_never_writes_a_hash_into_the_report(district: District):
    s = district.store
    operation = reset_to_last_name(district, 1)
    s.db.execute("UPDATE patrons SET password_hash = 'changed-since' WHERE id = 1")
    report = s.undo(operation, district.admin)
    [row] = s.operation_changes(report.operation_id)
    assert row["outcome"] == "skip"
    assert "password_hash was changed again since" in row["reason"]
    assert "changed-since" not in row["reason"] and "$argon2" not in row["reason"]


# -- files ---------------------------------------------------------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("group, expected", [(False, 0o600), (True, 0o660)])
def test_a_database_the_product_creates_is_the_owners_alone_unless_shared(
    tmp_path, group, expected
):
    old = os.umask(0o022)
    try:
        path = create_demo(tmp_path / "new.db", patrons=5, group=group)
        s = store.Store(path)  # opened: the -wal and -shm exist now
        s.db.execute("UPDATE preferences SET value = value")
        files = [path, f"{path}-wal", f"{path}-shm"]
        assert all(os.path.exists(f) for f in files)
        assert {mode(f) for f in files} == {expected}
        s.close()
    finally:
        os.umask(old)


def test_sharing_with_the_group_is_a_preference_the_owner_sets(district: District):
    s = district.store
    prefs = s.library_preferences().model_dump()
    s.save_preferences({**prefs, "share_with_group": True}, district.admin)
    assert mode(district.path) == 0o660
    s.save_preferences({**prefs, "share_with_group": False}, district.admin)
    assert mode(district.path) == 0o600
