"""Logging in by an operator's SSH public key: refused as a wrong password is, the lockout and
a reset password as for a password, and the session an SSH server's child process opens."""

from __future__ import annotations

import pytest

import store
from store import security
from store.security import LOGIN_FAILED

from ..operators import ADMIN, AIDE
from .operator_key_helpers import PASSWORD, new_key, public

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins (tests/conftest.py)


def refused_by_key(s: store.Store, username: str, text: str) -> str:
    with pytest.raises(store.LoginFailed) as info:
        s.login_by_key(username, text)
    assert not isinstance(info.value, store.PasswordChangeRequired)
    return str(info.value)


# -- logging in by key -------------------------------------------------------------------------


def test_login_by_key_returns_the_operator_the_key_is_registered_to(keyed):
    key = new_key(comment="alex@laptop")
    keyed.add_key(AIDE, "aide", public(key))
    operator = keyed.login_by_key("aide", public(key))
    assert (operator.patron_id, operator.username, operator.level) == (302, "aide", 2)
    assert operator.permissions == AIDE.permissions
    # The key as the server sees it: no comment; the username in another case.
    bare = key.convert_to_public()
    bare.set_comment(None)
    assert keyed.login_by_key(" AIDE ", public(bare)).patron_id == AIDE.patron_id
    # The session it opens is one the store accepts at its doors.
    assert keyed.keys(operator, "aide")[0].fingerprint == key.get_fingerprint()


def test_every_key_login_refusal_says_what_a_wrong_password_says(keyed):
    aides, admins = new_key(), new_key()
    keyed.add_key(AIDE, "aide", public(aides))
    keyed.add_key(ADMIN, "demo", public(admins))
    with pytest.raises(store.LoginFailed) as wrong_password:
        keyed.login("aide", "not-the-password")
    assert str(wrong_password.value) == LOGIN_FAILED
    for username, text in [
        ("demo", public(aides)),  # another operator's key
        ("aide", public(new_key())),  # a key nobody registered
        ("nobody", public(aides)),  # an unknown username
        ("", public(aides)),
        ("aide", "not a key at all"),
        ("aide", aides.export_private_key().decode()),
    ]:
        assert refused_by_key(keyed, username, text) == LOGIN_FAILED, (username, text[:20])


@pytest.mark.parametrize("status", security.NO_LOGIN_STATUSES)
def test_a_suspended_operator_may_not_log_in_by_key(keyed, status):
    key = new_key()
    keyed.add_key(AIDE, "aide", public(key))
    keyed.db.execute("UPDATE patrons SET status = ? WHERE id = ?", [status, AIDE.patron_id])
    assert refused_by_key(keyed, "aide", public(key)) == LOGIN_FAILED


def test_a_group_granting_nothing_may_not_log_in_by_key(keyed):
    key = new_key()
    keyed.add_key(AIDE, "aide", public(key))
    keyed.db.execute("UPDATE security_groups SET permissions = '[]' WHERE name = ?", [AIDE.group])
    assert refused_by_key(keyed, "aide", public(key)) == LOGIN_FAILED


def test_a_reset_password_must_be_changed_first_by_key_too(keyed):
    key = new_key()
    keyed.add_key(AIDE, "aide", public(key))
    keyed.db.execute("UPDATE patrons SET must_change_password = 1 WHERE id = ?", [AIDE.patron_id])
    with pytest.raises(store.PasswordChangeRequired) as by_password:
        keyed.login("aide", PASSWORD)
    with pytest.raises(store.PasswordChangeRequired) as by_key:
        keyed.login_by_key("aide", public(key))
    assert by_key.value.username == by_password.value.username == "aide"
    assert str(by_key.value) == str(by_password.value)


def test_key_mismatches_are_not_counted_towards_the_lockout(keyed):
    key = new_key()
    keyed.add_key(AIDE, "aide", public(key))
    for _ in range(security.LOCK_AFTER * 3):  # a client offering key after key
        refused_by_key(keyed, "aide", public(new_key()))
        refused_by_key(keyed, "demo", public(key))
    assert keyed.db.execute("SELECT count(*) FROM login_failures").fetchone()[0] == 0
    assert keyed.login_by_key("aide", public(key)).patron_id == AIDE.patron_id
    assert keyed.login("aide", PASSWORD).patron_id == AIDE.patron_id


def test_a_username_locked_by_wrong_passwords_is_locked_for_keys_too(keyed):
    key = new_key()
    keyed.add_key(AIDE, "aide", public(key))
    for _ in range(security.LOCK_AFTER):
        with pytest.raises(store.LoginFailed):
            keyed.login("aide", "guess")
    with pytest.raises(store.LoginFailed, match="Too many failed attempts: 'aide' is locked"):
        keyed.login_by_key("aide", public(key))
    # A wrong key for a locked name says only what a wrong password says.
    assert refused_by_key(keyed, "aide", public(new_key())) == LOGIN_FAILED


def test_a_password_reset_ends_a_session_opened_by_key(keyed):
    key = new_key()
    keyed.add_key(AIDE, "aide", public(key))
    operator = keyed.login_by_key("aide", public(key))
    security.set_password(keyed.db, AIDE.patron_id, "Another-Secret-42")
    with pytest.raises(store.SessionEnded, match="password was changed"):
        keyed.keys(operator, "aide")


# -- the SSH server's child process -------------------------------------------------------------


def test_session_operator_is_the_operator_as_of_now(keyed):
    operator = keyed.session_operator("AIDE")
    assert (operator.patron_id, operator.level, operator.permissions) == (
        AIDE.patron_id,
        2,
        AIDE.permissions,
    )
    assert keyed.keys(operator, "aide") == []  # accepted at the store's doors
    keyed.db.execute(
        "UPDATE security_groups SET permissions = ? WHERE name = ?",
        ['["Patrons: Import, Export and Utilities", "Charges: Forgive"]', AIDE.group],
    )
    assert security.FORGIVE in keyed.session_operator("aide").permissions


def test_session_operator_refuses_who_may_no_longer_log_in(keyed):
    with pytest.raises(store.LoginFailed) as unknown:
        keyed.session_operator("nobody")
    assert str(unknown.value) == LOGIN_FAILED
    keyed.db.execute("UPDATE patrons SET must_change_password = 1 WHERE id = ?", [AIDE.patron_id])
    with pytest.raises(store.PasswordChangeRequired):
        keyed.session_operator("aide")
    keyed.db.execute(
        "UPDATE patrons SET must_change_password = 0, status = 'Suspended' WHERE id = ?",
        [AIDE.patron_id],
    )
    with pytest.raises(store.LoginFailed) as suspended:
        keyed.session_operator("aide")
    assert str(suspended.value) == LOGIN_FAILED
