"""Snapshots at 80×24 with a fixed "today", each paired with a database assertion."""

from __future__ import annotations

from ..databases import query
from .pilot import SIZE, app_for, fill_all, open_utility, preview, settle


def untouched(path) -> None:
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
    assert query(path, "SELECT count(*) FROM patrons WHERE status = 'Inactive'") == query(
        path, "SELECT count(*) FROM patrons WHERE status = 'Inactive' AND modified = created"
    )


async def to_options_with_grade_12(pilot) -> None:
    await open_utility(pilot, "status")
    await fill_all(pilot, grades=["12"])
    await pilot.press("f3")
    await settle(pilot)


def test_picker(snap_compare, path):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*"change")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path)


def test_selections_tab(snap_compare, path):
    async def run_before(pilot):
        await open_utility(pilot, "status")
        await pilot.press(*"2026")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path)


def test_options_tab_with_validation_error(snap_compare, path):
    async def run_before(pilot):
        await to_options_with_grade_12(pilot)
        await pilot.press("f5")  # no status chosen
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path)


def test_preview(snap_compare, path):
    async def run_before(pilot):
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path)


def test_confirm_modal(snap_compare, path):
    async def run_before(pilot):
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await pilot.press("f9")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path)


def test_result(snap_compare, path):
    grade12 = query(path, "SELECT count(*) FROM patrons WHERE grade = '12'")[0][0]

    async def run_before(pilot):
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await pilot.press("f9", "y")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(
        path, "SELECT count(*) FROM patrons WHERE grade = '12' AND status = 'Inactive'"
    ) == [(grade12,)]
    assert query(path, "SELECT count(*) FROM operations") == [(1,)]


def test_login_screen_after_a_failed_attempt(snap_compare, path, monkeypatch):
    monkeypatch.setattr("store.security.FAILURE_DELAY", 0)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*"demo", "enter", *"wrong", "enter")
        await settle(pilot)

    assert snap_compare(app_for(path, operator=None), terminal_size=SIZE, run_before=run_before)
    assert query(path, "SELECT username, failures FROM login_failures") == [("demo", 1)]


def test_reset_accounts_options_tab(snap_compare, path):
    async def run_before(pilot):
        await open_utility(pilot, "reset patron accounts")
        await pilot.press("f3")
        await fill_all(
            pilot, username="First Initial + Last Name", password="Last Name (non-secure)"
        )
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path)
    assert query(path, "SELECT count(*) FROM patrons WHERE must_change_password = 1") == [(0,)]
