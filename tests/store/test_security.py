"""Logging in, lockout, and the permission matrix: every utility × with and without each
permission."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import store
from store import security
from store.apply import apply
from store.catalog import CATALOG, RUNNABLE
from store.demo import DEMO_OPERATORS, create_demo
from store.plan import Plan
from store.security import (
    ALL_PERMISSIONS,
    FORGIVE,
    LOGIN_FAILED,
    PASSWORDS,
    REMOVE_PATRONS,
    REMOVE_RECORDS,
    SECURITY_GROUPS,
    UTILITIES,
    Operator,
)
from store.selection import Selection
from store.utilities.base import Utility

from ..operators import CHEAP, enrol

PASSWORD = "Correct-Horse-7"
pytestmark = pytest.mark.usefixtures("fast")  # cheap logins (tests/conftest.py)


@pytest.fixture
def clock(monkeypatch):
    """security._clock under the test's control: clock[0] is "now" in seconds."""
    now = [1_000_000.0]
    monkeypatch.setattr(security, "_clock", lambda: now[0])
    return now


@pytest.fixture
def logins(small_db):
    """small_db with an Admin group (level 0, every permission) and operators with passwords."""
    db = small_db.db
    db["security_groups"].insert(
        {"name": "Admin", "level": 0, "permissions": json.dumps(list(ALL_PERMISSIONS))}
    )
    # Bea Bell (7) is a Librarian (level 1, utilities only); Zed Zimmer (10) becomes an Admin;
    # Ann Adams (1) is a Student (no permissions); Ben Carter (2) has no group at all.
    db.execute("UPDATE patrons SET security_group = 'Admin' WHERE id = 10")
    db.execute("UPDATE patrons SET security_group = NULL WHERE id = 2")
    for pid, username in ((7, "MsBell"), (10, "zimmer"), (1, "ann"), (2, "ben")):
        db.execute(
            "UPDATE patrons SET username = ?, password_hash = ? WHERE id = ?",
            [username, CHEAP.hash(PASSWORD), pid],
        )
    db.execute("UPDATE patrons SET username = 'carter-nopw' WHERE id = 3")  # no password
    return small_db


def refused(s: store.Store, username: str, password: str) -> str:
    with pytest.raises(store.LoginFailed) as info:
        s.login(username, password)
    return str(info.value)


# -- logging in -------------------------------------------------------------------------


def test_login_returns_the_operator_with_the_groups_level_and_permissions(logins):
    librarian = logins.login("MsBell", PASSWORD)
    assert (librarian.patron_id, librarian.username, librarian.name) == (7, "MsBell", "Bea Bell")
    assert (librarian.group, librarian.level) == ("Librarian", 1)
    assert librarian.permissions == frozenset({UTILITIES})
    admin = logins.login("zimmer", PASSWORD)
    assert (admin.group, admin.level, admin.permissions) == ("Admin", 0, frozenset(ALL_PERMISSIONS))


def test_set_password_stores_only_a_hash_that_logs_in(logins):
    security.set_password(logins.db, 10, "Brand-New-Secret-9")
    stored = logins.db.execute("SELECT password_hash FROM patrons WHERE id = 10").fetchone()[0]
    assert stored.startswith("$argon2") and "Brand-New-Secret-9" not in stored
    assert logins.login("zimmer", "Brand-New-Secret-9").patron_id == 10
    assert refused(logins, "zimmer", PASSWORD) == LOGIN_FAILED


def test_wrong_password_and_unknown_username_give_the_same_message(logins):
    assert refused(logins, "MsBell", "wrong") == LOGIN_FAILED
    assert refused(logins, "nobody", PASSWORD) == LOGIN_FAILED
    assert refused(logins, "", "") == LOGIN_FAILED


@pytest.mark.parametrize(
    "username",
    ["carter-nopw", "ann", "ben"],
    ids=["no-password", "group-without-permissions", "no-group"],
)
def test_patrons_who_are_not_operators_cannot_log_in(logins, username):
    assert refused(logins, username, PASSWORD) == LOGIN_FAILED


def test_usernames_are_case_insensitive(logins):
    assert logins.login("msbell", PASSWORD).patron_id == 7
    assert logins.login("  MSBELL ", PASSWORD).patron_id == 7
    assert logins.login("ZIMMER", PASSWORD).patron_id == 10
    assert refused(logins, "msbell", PASSWORD.lower()) == LOGIN_FAILED  # passwords are not


def test_five_failures_lock_the_username_until_the_lock_expires(logins, clock):
    for _ in range(security.LOCK_AFTER):
        assert refused(logins, "MsBell", "guess") == LOGIN_FAILED
    message = refused(logins, "MsBell", PASSWORD)  # even the right password
    assert "locked" in message and message != LOGIN_FAILED
    assert refused(logins, "MSBELL", PASSWORD) == message  # any spelling of the same name
    assert logins.login("zimmer", PASSWORD).patron_id == 10  # other usernames are not locked
    clock[0] += security.LOCK_SECONDS - 1
    assert "locked" in refused(logins, "msbell", PASSWORD)
    clock[0] += 2
    assert logins.login("MsBell", PASSWORD).patron_id == 7


def test_failures_after_a_lock_expires_count_from_one_again(logins, clock):
    for _ in range(security.LOCK_AFTER):
        refused(logins, "MsBell", "guess")
    clock[0] += security.LOCK_SECONDS + 1
    assert refused(logins, "MsBell", "guess") == LOGIN_FAILED
    assert logins.login("MsBell", PASSWORD).patron_id == 7


def test_a_success_resets_the_failure_count(logins, clock):
    for _ in range(security.LOCK_AFTER - 1):
        assert refused(logins, "MsBell", "guess") == LOGIN_FAILED
    assert logins.login("MsBell", PASSWORD).patron_id == 7
    for _ in range(security.LOCK_AFTER - 1):
        assert refused(logins, "MsBell", "guess") == LOGIN_FAILED
    assert logins.login("MsBell", PASSWORD).patron_id == 7  # 4 + 4 failures: not locked
    assert logins.db.execute("SELECT count(*) FROM login_failures").fetchone()[0] == 0


# -- the permission matrix ---------------------------------------------------------------

# Options each built utility accepts on small_db (Student is level 3, so any level may assign it).
VALID_OPTIONS = {
    "add-notes": {"note": "Matrix note", "note_type": "General"},
    "change-grade": {"grade": "K"},
    "change-location": {"location": "Room 9"},
    "change-status": {"status": "Active"},
    "change-security-group": {"group": "Student"},
    "reset-accounts": {"username": "Barcode"},
    "advance-grade": {},
    "advance-all-grades": {},
    "change-location2": {"location2": "Bus 9"},
    "change-policy": {"policy": "Secondary", "recompute_due_dates": True},
    "move-to-site": {"site": "HIGH"},
    "reassign-union-site": {"site": "ELM"},
    "recompute-due-dates": {},
    "renew-accounts": {},
    "remove-notes": {"note_type": "Alert"},
    "remove-pictures": {},
    "remove-history": {},
    "forgive-charges": {"category": "All Charges, Fees, and Fines"},
    "remove-patrons": {"force": True},
}
# Reassign Union Site Patrons only ever matches the Union Site's two patrons.
MATCHED = {"reassign-union-site": 2}
# The picker's and the Grade table's (Advance All Grades).
BUILT = [e for e in RUNNABLE if isinstance(e, Utility)]
WITHOUT_ONE = [pytest.param(u, p, id=f"{u.key}-without-{p}") for u in BUILT for p in u.permissions]


def operator_with(s: store.Store, permissions, level: int = 0) -> Operator:
    """An operator of ``s`` (patron 900) whose group grants exactly ``permissions``."""
    operator = Operator(900, "matrix", "Matrix Operator", "Test", level, frozenset(permissions))
    return enrol(s.db, operator)


@pytest.fixture
def catalog_db(small_db):
    """small_db as a library with a centralized catalog (Move Patrons to Site needs one)."""
    small_db.db["preferences"].insert({"key": "centralized_catalog", "value": "1"}, replace=True)
    return small_db


def test_every_built_utility_has_options_here_and_needs_the_utilities_permission():
    assert {u.key for u in BUILT} == set(VALID_OPTIONS), "add options for the new utility"
    assert all(UTILITIES in u.permissions for u in BUILT)
    needs = {u.key: set(u.permissions) for u in BUILT}
    assert needs["reset-accounts"] == {UTILITIES, PASSWORDS}
    assert needs["change-security-group"] == {UTILITIES, SECURITY_GROUPS}
    for key in ("remove-notes", "remove-pictures", "remove-history"):
        assert needs[key] == {UTILITIES, REMOVE_RECORDS}
    assert needs["forgive-charges"] == {UTILITIES, FORGIVE}
    assert needs["remove-patrons"] == {UTILITIES, REMOVE_PATRONS}
    assert all(
        needs[key] == {UTILITIES}
        for key in VALID_OPTIONS
        if key
        not in (
            "reset-accounts",
            "change-security-group",
            "remove-notes",
            "remove-pictures",
            "remove-history",
            "forgive-charges",
            "remove-patrons",
        )
    )


@pytest.mark.parametrize("utility", BUILT, ids=lambda u: u.key)
def test_an_operator_with_exactly_the_permissions_plans_and_applies(catalog_db, utility):
    operator = operator_with(catalog_db, utility.permissions)
    assert catalog_db.unavailable(utility, operator) is None
    plan = catalog_db.plan(utility.key, {}, VALID_OPTIONS[utility.key], operator)
    # small_db's 12 patrons, the tests' two operators and this one (skipped: their own).
    assert plan.counts.matched == MATCHED.get(utility.key, 15)
    report = catalog_db.apply(plan)
    assert catalog_db.operation(report.operation_id)["operator"] == "matrix"


@pytest.mark.parametrize("utility, missing", WITHOUT_ONE)
def test_an_operator_missing_one_permission_is_refused_by_the_store(small_db, utility, missing):
    operator = operator_with(small_db, set(utility.permissions) - {missing})
    with pytest.raises(store.NotPermitted) as info:
        small_db.plan(utility.key, {}, VALID_OPTIONS[utility.key], operator)
    if operator.permissions:
        assert missing in str(info.value)
    else:  # a group that grants nothing makes no operator at all
        assert isinstance(info.value, store.SessionEnded)
        assert "grants no permissions" in str(info.value)
    assert small_db.unavailable(utility, operator) == f"needs the permission '{missing}'"


@pytest.mark.parametrize("utility, missing", WITHOUT_ONE)
def test_apply_refuses_a_plan_whose_operator_lacks_a_permission(small_db, utility, missing):
    options = small_db.validate_options(utility.key, VALID_OPTIONS[utility.key])
    operator = operator_with(small_db, set(utility.permissions) - {missing})
    plan = Plan(small_db.db, utility, Selection(), options, operator)
    with pytest.raises(store.NotPermitted):
        apply(small_db.db, plan, via="terminal")
    assert small_db.db.execute("SELECT count(*) FROM operations").fetchone()[0] == 0
    assert not plan.applied


def test_unavailable_names_every_missing_permission(catalog_db):
    nobody = operator_with(catalog_db, set())
    reset = catalog_db.utility("reset-accounts")
    reason = catalog_db.unavailable(reset, nobody)
    assert f"'{UTILITIES}'" in reason and f"'{PASSWORDS}'" in reason
    admin = operator_with(catalog_db, ALL_PERMISSIONS)
    for entry in BUILT:
        assert catalog_db.unavailable(entry, admin) is None


# -- the demo's operators --------------------------------------------------------------------


@pytest.fixture
def demo_path(tmp_path) -> Path:
    return create_demo(tmp_path / "demo.db", patrons=40, seed=5)


def test_both_demo_operators_log_in_and_the_aide_may_do_less(demo_path):
    s = store.Store(demo_path)
    try:
        assert s.is_demo()
        ops = {user: s.login(user, password) for user, password, *_ in DEMO_OPERATORS}
        demo, aide = ops["demo"], ops["aide"]
        assert demo.level == 0 and demo.permissions == frozenset(ALL_PERMISSIONS)
        assert aide.level > demo.level
        by_title = {e.title: e for e in CATALOG}
        for title in ("Reset Patron Accounts", "Change Patron Security Group"):
            assert s.unavailable(by_title[title], demo) is None
            assert s.unavailable(by_title[title], aide).startswith("needs the permission")
        assert s.unavailable(by_title["Change Patron Status"], aide) is None
        with pytest.raises(store.NotPermitted):
            s.plan("reset-accounts", {}, {"username": "Barcode"}, aide)
    finally:
        s.close()


def test_no_plaintext_demo_password_in_the_database_file(demo_path):
    raw = b"".join(p.read_bytes() for p in demo_path.parent.glob(demo_path.name + "*"))
    assert raw.count(b"$argon2id$") >= len(DEMO_OPERATORS)  # the hashes are what is kept
    for _, password, *_ in DEMO_OPERATORS:
        assert password.encode() not in raw
        assert password.encode("utf-16-le") not in raw


def test_a_login_while_the_database_is_busy_is_refused_before_the_password_is_checked(
    logins, monkeypatch
):
    """No unmetered guessing while another technician applies: the attempt is neither
    verified nor answered with anything that depends on the password."""
    import sqlite3

    checked = []

    class Spy:
        def verify(self, *args):
            checked.append(args)
            return True

    monkeypatch.setattr(security, "HASHER", Spy())
    other = sqlite3.connect(logins.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        logins.db.conn.execute("PRAGMA busy_timeout = 0")
        for password in (PASSWORD, "wrong guess"):
            with pytest.raises(store.Busy, match="the database is busy"):
                logins.login("zimmer", password)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert checked == []
    assert logins.db.execute("SELECT count(*) FROM login_failures").fetchone()[0] == 0
