"""Terminal sessions over SSH: the app, already logged in, drawn on the client's terminal
(read here through pyte, as a terminal emulator draws it), one child process each."""

from __future__ import annotations

import asyncio
import time

from ..databases import query, query_write
from .conftest import RUN
from .ssh import F5, F9, Server, Terminal


async def test_a_terminal_session_is_the_app_logged_in_and_applies_by_keys(server, db):
    before = dict(query(db, "SELECT id, status FROM patrons WHERE grade = '12'"))
    to_change = [pid for pid, status in before.items() if status != "Inactive"]
    assert to_change
    async with server.connect() as conn:
        term = await Terminal.open(conn)
        await term.expect_picker()
        assert "demo (District Administrator, level 0)" in term.text()  # no login screen
        await term.type(RUN.lower())
        await term.expect(RUN)
        await term.type("\r")
        await term.expect(f"saved run '{RUN}'")
        await term.type(F5)
        await term.expect(f"will change {len(to_change)}")
        assert query(db, "SELECT count(*) FROM operations") == [(0,)]
        await term.type(F9)
        await term.expect("Press y or Enter to apply")
        await term.type("y")
        await term.expect("operation #1")
        await term.close()
    after = dict(query(db, "SELECT id, status FROM patrons WHERE grade = '12'"))
    assert set(after.values()) == {"Inactive"}
    assert query(db, "SELECT operator, changed, via FROM operations") == [
        ("demo", len(to_change), "ssh from 127.0.0.1")
    ]


async def test_a_resized_terminal_is_redrawn_at_its_new_size(server):
    async with server.connect() as conn:
        term = await Terminal.open(conn, 80, 24)
        await term.expect("Type to filter")
        assert not term.screen.display[0][80:].strip()  # pyte's 80 columns, nothing past

        term.resize(100, 30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the footer moves to row 30, its right end too
            if "palette" in term.screen.display[29][80:]:
                break
            await asyncio.sleep(0.05)
        rows = term.screen.display
        assert len(rows) == 30 and len(rows[0]) == 100
        assert "palette" in rows[29][80:], f"the footer is not on row 30's end:\n{term.text()}"
        assert "▎" in rows[2][80:], f"the filter box did not widen:\n{term.text()}"
        await term.close()


async def test_five_sessions_at_once_each_see_the_picker(server):
    async def session() -> str:
        async with server.connect() as conn:
            term = await Terminal.open(conn)
            await term.expect_picker(timeout=30)
            shown = term.text()
            await term.close()
            return shown

    screens = await asyncio.gather(*(session() for _ in range(5)))
    assert all("Change Patron Status" in shown for shown in screens)
    assert server.log().count("demo from 127.0.0.1 by password: logged in") == 5


async def test_a_reset_password_is_changed_first_in_the_app(server, db):
    query_write(db, "UPDATE patrons SET must_change_password = 1 WHERE username = 'aide'")
    async with server.connect("aide", "demo-aide") as conn:
        refused = await conn.run("log")  # a command needs the new password first
        term = await Terminal.open(conn)
        await term.expect("was reset")
        assert "Type to filter" not in term.text()
        await term.type("demo-aide\r")
        await term.expect("New password again")
        for keys in ("a-new-password-1\r", "a-new-password-1\r"):
            await term.type(keys)
        await term.expect_picker()
        assert "aide (Library Aide, level 2)" in term.text()
        await term.close()
    assert refused.exit_status == 3 and "ssh -t" in refused.stderr
    assert query(db, "SELECT must_change_password FROM patrons WHERE username = 'aide'") == [(0,)]


async def test_sigterm_hangs_up_every_session_and_the_service_ends(server):
    async with server.connect() as conn:
        term = await Terminal.open(conn)
        await term.expect("Type to filter")
        assert term.screen.cursor.hidden is True
        status = await asyncio.to_thread(server.stop)
        await asyncio.wait_for(term.process.wait_closed(), 10)
    assert status == 0
    assert "hanging up 1 session(s)" in server.log() and "stopped" in server.log()
    # The client's terminal is given back (its cursor shown again: the app hid it), and why.
    assert term.screen.cursor.hidden is False
    assert "the service is stopping; the session has ended." in term.text()


async def test_a_dropped_connection_ends_its_app(server):
    async with server.connect() as conn:
        term = await Terminal.open(conn)
        await term.expect("Type to filter")
    # The child was hung up with the connection (SIGHUP: 128 + 1), not left running.
    line = await asyncio.to_thread(server.wait_log, "the app ended")
    assert line.endswith("(status 129)"), line


async def test_a_service_started_under_nohup_still_ends_a_dropped_session(db):
    # nohup leaves SIGHUP ignored, and an ignored signal survives exec: the session's app
    # must take the hang-up back, or it runs on after its client left and the service
    # waits for it when stopped.
    started = Server(db, nohup=True)
    try:
        async with started.connect() as conn:
            term = await Terminal.open(conn)
            await term.expect_picker()
        line = await asyncio.to_thread(started.wait_log, "the app ended")
        assert line.endswith("(status 129)"), line
    finally:
        status = await asyncio.to_thread(started.stop)
    assert status == 0, started.log()
