"""The service unattended: its host key, its limits and timeouts."""

from __future__ import annotations

import asyncio
import re
import subprocess

import asyncssh
import pytest

from ..reliability_helpers import REPO, child_env, patron_utils
from .ssh import Server, Terminal


def test_the_host_key_is_made_once_the_service_accounts_alone(db):
    first = Server(db)
    first.stop()
    key = db.with_name(db.name + ".host_key")
    assert key.stat().st_mode & 0o777 == 0o600
    second = Server(db)
    second.stop()
    [made] = re.findall(r"host key (SHA256:\S+) \(made now", first.log())
    [kept] = re.findall(r"host key (SHA256:\S+) \(/", second.log())
    assert made == kept == asyncssh.read_private_key(key).get_fingerprint()


def test_a_host_key_others_may_read_is_refused(db, tmp_path):
    key = tmp_path / "key"
    key.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    key.chmod(0o644)
    result = subprocess.run(
        patron_utils("serve", "--db", db, "--listen", "127.0.0.1:0", "--host-key", key),
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert (
        f"may be read by others (mode 644); it must be the service account's alone: "
        f"chmod 600 {key}" in result.stderr
    )


async def test_sessions_beyond_the_limit_are_refused_until_one_ends(db):
    server = Server(db, "--max-sessions", "1")
    try:
        async with server.connect() as conn:
            term = await Terminal.open(conn)
            await term.expect("Type to filter")
            with pytest.raises(asyncssh.ChannelOpenError, match="sessions are in use"):
                await conn.run("list")
            await term.close()
            await asyncio.to_thread(server.wait_log, "the app ended")
            assert (await conn.run("list")).exit_status == 0
    finally:
        server.stop()
    assert "refused a session (the service is full)" in server.log()


async def test_connections_not_logged_in_are_limited_per_address_and_timed_out(db):
    server = Server(db, "--max-unauthenticated", "1", "--login-timeout", "1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await reader.readline()  # the server's version: it counts us, not yet logged in
        with pytest.raises((asyncssh.Error, OSError)):
            async with server.connect():
                pass
        # The service logs the refusal as it closes the connection: wait for the line.
        assert "too many not yet logged in" in await asyncio.to_thread(
            server.wait_log, "too many not yet logged in"
        )
        # The login timeout closes the silent one; then a client gets in again.
        assert await asyncio.wait_for(reader.read(), 10) is not None
        writer.close()
        async with server.connect() as conn:
            assert (await conn.run("list")).exit_status == 0
    finally:
        server.stop()


async def test_an_idle_session_of_the_app_is_hung_up(db):
    server = Server(db, "--idle-timeout", "2")
    try:
        async with server.connect() as conn:
            term = await Terminal.open(conn)  # and nothing typed
            await asyncio.wait_for(term.process.wait_closed(), 20)
            await asyncio.sleep(0.2)
        assert "hung up" in await asyncio.to_thread(server.wait_log, "idle for")
        # The app was running, and the hang-up ended it.
        assert (await asyncio.to_thread(server.wait_log, "the app ended")).endswith("(status 129)")
        assert "the session was idle; the session has ended." in term.text()
    finally:
        server.stop()
