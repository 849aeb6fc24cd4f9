"""Sessions: the operator is read again at every door — removed, demoted, suspended,
locked, a changed group or password ends the session there, and nothing is written."""

from __future__ import annotations

import pytest

import store
from store.security import UTILITIES

from ..databases import everything
from ..district import LIBRARIAN_ID, PASSWORD, SECOND_ADMIN_ID, District, patron, write_csv

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins, no pause after a wrong password


def test_a_suspended_administrator_can_no_longer_log_in_nor_use_their_session(district: District):
    s = district.store
    session = district.second_admin
    plan = s.plan(
        "change-status",
        {"barcodes": [patron(s, SECOND_ADMIN_ID)["barcode"]]},
        {"status": "Suspended"},
        district.admin,
    )
    assert plan.counts.change == 1
    s.apply(plan)
    with pytest.raises(store.LoginFailed) as info:
        district.login("second")
    assert str(info.value) == "Unknown username or wrong password."
    before = everything(district.path)
    with pytest.raises(store.SessionEnded, match="second's account is now Suspended"):
        s.plan("change-status", {}, {"status": "Inactive"}, session)
    assert everything(district.path) == before


def test_a_removed_operator_is_refused_at_the_next_preview(district: District):
    s = district.store
    aide = district.aide
    plan = s.plan(
        "remove-patrons", {"barcodes": [patron(s, aide.patron_id)["barcode"]]}, {}, district.admin
    )
    assert plan.counts.change == 1
    s.apply(plan)
    before = everything(district.path)
    with pytest.raises(store.SessionEnded, match="aide is no longer an operator"):
        s.plan("change-status", {}, {"status": "Inactive"}, aide)
    assert everything(district.path) == before


def test_a_demoted_operator_is_refused_at_apply_and_nothing_is_written(district: District):
    s = district.store
    plan = s.plan("remove-notes", {}, {"note_type": "Alert"}, district.librarian)
    assert plan.counts.change > 0
    demote = s.plan(
        "change-security-group",
        {"barcodes": [patron(s, LIBRARIAN_ID)["barcode"]]},
        {"group": "Teacher"},
        district.admin,
    )
    s.apply(demote)
    before = everything(district.path)
    with pytest.raises(store.SessionEnded, match="libby is no longer an operator"):
        s.apply(plan)
    assert everything(district.path) == before
    assert not plan.applied


def test_a_session_whose_group_changed_ends_at_every_door(district: District, tmp_path):
    s = district.store
    librarian = district.librarian
    s.db.execute(
        "UPDATE security_groups SET permissions = ? WHERE name = 'Librarian'", [f'["{UTILITIES}"]']
    )
    path = write_csv(tmp_path / "x.csv", [["barcode", "last_name"], ["N1", "New"]])
    doors = [
        lambda: s.plan("change-status", {}, {"status": "Active"}, librarian),
        lambda: s.import_patrons(path, {}, librarian),
        lambda: s.save_run("change-status", "x", {}, {"status": "Active"}, librarian),
        lambda: s.save_preferences({}, librarian),
        lambda: s.edit_grades(librarian, "add", "13"),
        lambda: s.undo(1, librarian),
    ]
    before = everything(district.path)
    for door in doors:
        with pytest.raises(store.SessionEnded, match="security group changed since logging in"):
            door()
    assert everything(district.path) == before


def test_a_locked_name_ends_its_session(district: District):
    s = district.store
    for _ in range(5):
        with pytest.raises(store.LoginFailed):
            s.login("aide", "a guess")
    with pytest.raises(store.SessionEnded, match="locked"):
        s.plan("change-status", {}, {"status": "Active"}, district.aide)
    with pytest.raises(store.LoginFailed, match="locked"):
        s.login("aide", PASSWORD)


def test_a_session_ends_for_good_when_its_password_changes(district: District):
    s = district.store
    old_session = district.aide
    s.db.execute("UPDATE patrons SET must_change_password = 1 WHERE username = 'aide'")
    s.change_password("aide", PASSWORD, "The-Aides-New-One")  # flag cleared: the name is fine
    before = everything(district.path)
    with pytest.raises(store.SessionEnded, match="password was changed since logging in"):
        s.plan("change-location", {}, {"location": "Room 1"}, old_session)
    assert everything(district.path) == before
    assert s.plan(
        "change-location",
        {},
        {"location": "Room 1"},
        district.login_with("aide", "The-Aides-New-One"),
    ).counts.matched
