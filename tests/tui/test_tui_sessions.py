"""Sessions in the app: a reset password is changed at login before anything else, and an
operator the database no longer holds is sent back to the login screen."""

from __future__ import annotations

import pytest
from textual.widgets import Static

import store
from store import security
from tui.screens.login import LoginScreen
from tui.screens.picker import PickerScreen
from tui.screens.utility import UtilityScreen

from ..databases import demo_db, query
from ..operators import ADMIN, AIDE
from .pilot import SIZE, app_for, open_utility, settle

NEW_PASSWORD = "Aides-New-Password-1"


@pytest.fixture
def path(fast, path):
    """The demo (tests/tui/conftest.py) once the administrator has reset the aide's password
    to their last name; logins are cheap (tests/conftest.py's fast)."""
    s = store.Store(path)
    try:
        plan = s.plan(
            "reset-accounts",
            {"barcodes": ["STAFF002"]},
            {"password": "Last Name (non-secure)"},
            ADMIN,
        )
        assert plan.counts.change == 1
        s.apply(plan)
    finally:
        s.close()
    return path


def message(app) -> str:
    return str(app.screen.query_one("#login-message", Static).render())


async def reset_aide_logs_in(pilot) -> None:
    await settle(pilot)
    await pilot.press(*"aide", "enter", *"Kim", "enter")  # the aide is Alex Kim
    await settle(pilot)


async def test_a_reset_operator_must_choose_a_new_password_before_anything_else(path):
    app = app_for(path, operator=None)
    async with app.run_test(size=SIZE) as pilot:
        await reset_aide_logs_in(pilot)
        assert isinstance(app.screen, LoginScreen) and app.operator is None
        why = str(app.screen.query_one("#change-why", Static).render())
        assert why.startswith("The password of aide was reset: choose a new one")
        await pilot.press("f7")  # nothing else opens meanwhile
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*"too-short", "enter", *"too-short", "enter")
        await settle(pilot)
        assert "at least 10 characters" in message(app) and app.operator is None
        await pilot.press(*NEW_PASSWORD, "enter", *"something-else", "enter")
        await settle(pilot)
        assert "differ" in message(app)
        await pilot.press(*NEW_PASSWORD, "enter", *NEW_PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        assert app.operator.username == "aide"
    [(hash_, must_change)] = query(
        path, "SELECT password_hash, must_change_password FROM patrons WHERE username = 'aide'"
    )
    assert must_change == 0 and security.HASHER.verify(hash_, NEW_PASSWORD)


async def test_escape_while_changing_starts_over_without_logging_in(path):
    app = app_for(path, operator=None)
    async with app.run_test(size=SIZE) as pilot:
        await reset_aide_logs_in(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.operator is None
        assert not app.screen.query_one("#change-box").display
    assert query(path, "SELECT must_change_password FROM patrons WHERE username = 'aide'") == [(1,)]


def test_the_forced_password_change_screen(snap_compare, path):
    async def run_before(pilot):
        await reset_aide_logs_in(pilot)
        await pilot.press(*"too-short", "enter", *"too-short", "enter")
        await settle(pilot)

    assert snap_compare(app_for(path, operator=None), terminal_size=SIZE, run_before=run_before)
    assert query(path, "SELECT must_change_password FROM patrons WHERE username = 'aide'") == [(1,)]


async def test_an_operator_removed_while_logged_in_is_sent_back_to_login(tmp_path, monkeypatch):
    path = demo_db(tmp_path)
    app = app_for(path, operator=AIDE)
    async with app.run_test(size=SIZE) as pilot:
        await open_utility(pilot, "status")
        assert isinstance(app.screen, UtilityScreen)
        # Meanwhile the administrator moves the aide to a group that grants nothing.
        s = store.Store(path)
        try:
            s.apply(
                s.plan(
                    "change-security-group", {"barcodes": ["STAFF002"]}, {"group": "Student"}, ADMIN
                )
            )
        finally:
            s.close()
        before = query(path, "SELECT count(*) FROM operations")
        await pilot.press("f3")
        app.screen.query_one("#input-status").value = "Inactive"
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.operator is None
        assert len(app.screen_stack) == 2  # the login screen over the first one
        assert message(app) == (
            "Logged out: aide is no longer an operator: the security group "
            "Student grants no permissions."
        )
        assert app.drafts == {}
        await pilot.press(*"demo", "enter", *"demo-librarian", "enter")  # someone else logs in
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen) and app.operator.username == "demo"
    assert query(path, "SELECT count(*) FROM operations") == before
    assert query(
        path, "SELECT count(*) FROM patrons WHERE status = 'Inactive' AND modified <> created"
    ) == [(0,)]
