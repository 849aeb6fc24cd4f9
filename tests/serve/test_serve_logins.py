"""Logging in to the SSH service: the Store's rules (one answer for every failure, the
lockout), passwords and operators' keys."""

from __future__ import annotations

import asyncio
import time

import asyncssh
import pytest

from store import Store

from ..databases import query


async def test_the_right_password_logs_in_and_the_log_says_who_from_where(server):
    async with server.connect() as conn:
        result = await conn.run("list")
    assert result.exit_status == 0
    assert "change-status" in result.stdout
    assert "demo from 127.0.0.1 by password: logged in" in server.wait_log("logged in")


@pytest.mark.parametrize(
    ("username", "password"), [("demo", "wrong-password"), ("nobody", "demo-librarian")]
)
async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    server, db, username, password
):
    started = time.monotonic()
    with pytest.raises(asyncssh.PermissionDenied):
        async with server.connect(username, password):
            pass
    assert time.monotonic() - started >= 1.0  # the failure's pause, whoever it was
    assert f"'{username}' from 127.0.0.1 by password: refused" in server.wait_log("refused")
    [(failures,)] = query(db, "SELECT failures FROM login_failures WHERE username = ?", username)
    assert failures == 1


async def test_five_failures_lock_the_name_and_then_the_right_password_is_refused_too(server, db):
    async def attempt(password: str) -> bool:
        try:
            async with server.connect("demo", password):
                return True
        except asyncssh.PermissionDenied:
            return False

    assert await asyncio.gather(*(attempt(f"wrong-{n}") for n in range(5))) == [False] * 5
    [(failures, locked_until)] = query(
        db, "SELECT failures, locked_until FROM login_failures WHERE username = 'demo'"
    )
    assert failures == 5 and locked_until > time.time()
    assert await attempt("demo-librarian") is False  # the same answer as a wrong password
    assert "is locked" in server.wait_log("locked")
    assert "logged in" not in server.log()


def add_key(db, username: str, key: asyncssh.SSHKey) -> None:
    store = Store(db)
    try:
        admin = store.login("demo", "demo-librarian")
        store.add_key(admin, username, key.export_public_key().decode())
    finally:
        store.close()


async def test_a_registered_key_logs_in_without_a_password(server, db):
    key = asyncssh.generate_private_key("ssh-ed25519")
    add_key(db, "aide", key)
    async with server.connect("aide", None, client_keys=[key]) as conn:
        result = await conn.run("log")
    assert result.exit_status == 0, result.stderr
    assert f"aide from 127.0.0.1 by key {key.get_fingerprint()}: logged in" in server.wait_log(
        "logged in"
    )


async def test_another_operators_key_or_an_unknown_one_is_refused(server, db):
    aides = asyncssh.generate_private_key("ssh-ed25519")
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    add_key(db, "aide", aides)
    for key in (aides, stranger):
        with pytest.raises(asyncssh.PermissionDenied):
            async with server.connect("demo", None, client_keys=[key]):
                pass
    assert "logged in" not in server.log()
    # A key that does not match is no guess at a password: nothing counted.
    assert query(db, "SELECT * FROM login_failures WHERE username = 'demo'") == []
