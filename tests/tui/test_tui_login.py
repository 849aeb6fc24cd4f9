"""Logging in at the keyboard, and what each operator may open."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tui.app import make_app
from tui.screens.login import LoginScreen
from tui.screens.picker import PickerScreen
from tui.screens.utility import UtilityScreen

from ..databases import query
from .pilot import app_for, open_utility, settle

pytestmark = pytest.mark.usefixtures("fast")  # no pause after a wrong password (tests/conftest.py)


async def log_in(pilot, username: str, password: str) -> None:
    await settle(pilot)
    await pilot.press(*username, "enter", *password, "enter")
    await settle(pilot)


async def test_the_first_start_notice_sits_on_the_login_screen_hiding_nothing(path):
    notice = f"Created a demo database with 300 patrons at {path}. Use --db PATH to open yours."
    app = make_app(path, notice=notice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert not app._notifications  # no toast over the screen's last lines
        message = app.screen.query_one("#login-message", Static)
        hint = app.screen.query_one("#login-hint", Static)
        assert str(message.render()) == notice
        assert message.has_class("-notice")  # news in the text's colour, not an error's
        assert "demo / demo-librarian" in str(hint.render())
        # Both are on screen, one above the other, inside 80×24.
        assert message.region.bottom <= hint.region.y and hint.region.bottom <= 23
        await log_in(pilot, "demo", "wrong-password")
        failed = str(message.render())
        assert failed and failed != notice and not message.has_class("-notice")
        await pilot.press("enter", *"demo-librarian", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
    # The failure was counted, and forgotten at the good login.
    assert query(path, "SELECT count(*) FROM login_failures") == [(0,)]


async def test_demo_database_tells_its_credentials_and_the_demo_operator_logs_in(path):
    app = app_for(path, operator=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        hint = str(app.screen.query_one("#login-hint", Static).render())
        assert "demo / demo-librarian" in hint
        await log_in(pilot, "demo", "demo-librarian")
        assert isinstance(app.screen, PickerScreen)
        assert app.operator.username == "demo" and app.operator.level == 0
        await open_utility(pilot, "reset patron accounts")
        assert isinstance(app.screen, UtilityScreen)
    assert query(path, "SELECT count(*) FROM login_failures") == [(0,)]


async def test_a_wrong_password_gives_the_generic_message_and_is_counted(path):
    app = app_for(path, operator=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "demo", "nope")
        assert isinstance(app.screen, LoginScreen)
        message = str(app.screen.query_one("#login-message", Static).render())
        assert message == "Unknown username or wrong password."
        await pilot.press(*"demo-librarian", "enter")  # the username stays; retype the password
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
    assert query(path, "SELECT count(*) FROM login_failures") == [(0,)]  # success resets


async def test_the_aide_sees_password_and_group_utilities_denied(path):
    app = app_for(path, operator=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "aide", "demo-aide")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert "Patron Passwords: Edit" in picker.reasons["reset-accounts"]
        assert "Security Groups" in picker.reasons["change-security-group"]
        assert picker.reasons["change-status"] is None
        await open_utility(pilot, "reset patron accounts")
        assert isinstance(app.screen, PickerScreen)  # refused, with the reason in a notice
        await pilot.press("escape")
        await open_utility(pilot, "status")
        assert isinstance(app.screen, UtilityScreen)


async def test_five_failures_lock_the_username_even_for_the_right_password(path):
    app = app_for(path, operator=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "aide", "x")
        for _ in range(4):
            await pilot.press(*"x", "enter")
            await settle(pilot)
        await pilot.press(*"demo-aide", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "locked" in str(app.screen.query_one("#login-message", Static).render())
    assert query(path, "SELECT failures FROM login_failures WHERE username = 'aide'") == [(5,)]
