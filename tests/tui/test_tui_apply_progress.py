"""The progress dialog of an apply: its stages, Escape cancelling before the commit."""

from __future__ import annotations

import asyncio
import threading

from store import Cancelled
from tui.screens.applying import ApplyingScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen

from ..databases import query
from .pilot import SIZE, app_for, notes, preview, rendered, settle


async def until(condition, seconds: float = 5) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("waited in vain")


def held_in_stage_3(store, released: threading.Event):
    """Store.apply that reaches the change and waits there, as a long apply does."""
    real = store.apply

    def apply(plan, progress=None, stage=None, cancel=None):
        stage(1, 4, "checking the preview is still current")
        stage(3, 4, f"{plan.counts.change:,} patrons being changed")
        while not released.is_set():
            if cancel.is_set():
                # The real apply's own cancel is tested in test_apply_cancel.py.
                raise Cancelled()
            released.wait(0.02)
        return real(plan, progress, stage, cancel)

    return apply


async def test_escape_cancels_a_running_apply_and_the_preview_stays(path):
    app = app_for(path)
    released = threading.Event()
    app.store.apply = held_in_stage_3(app.store, released)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
            screen = app.screen
            await pilot.press("f9", "y")
            await until(
                lambda: (
                    isinstance(app.screen, ApplyingScreen)
                    and "being changed" in rendered(app, "#applying-stage")
                )
            )
            assert rendered(app, "#dialog-title") == "Applying Change Patron Status"
            assert "16 patrons being changed…" in rendered(app, "#applying-stage")
            assert "Escape cancels" in rendered(app, "#dialog-keys")
            await pilot.press("escape")
            await until(lambda: app.screen is screen)
            await settle(pilot)
            assert (
                "warning",
                "Apply cancelled before it was committed; nothing was written.",
            ) in notes(app)
            # The same preview can still be applied.
            assert screen.plan is not None and "will change 16" in rendered(app, "#counts")
            assert query(path, "SELECT count(*) FROM operations") == [(0,)]
            released.set()
            await pilot.press("f9", "y")
            await until(lambda: isinstance(app.screen, SummaryScreen))
    finally:
        released.set()
    assert query(path, "SELECT count(*) FROM operations") == [(1,)]
    assert query(
        path, "SELECT count(*) FROM patrons WHERE grade = '12' AND status <> 'Inactive'"
    ) == [(0,)]


async def test_escape_while_committing_is_refused(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        assert isinstance(app.screen, UtilityScreen)
        dialog = ApplyingScreen("Applying", threading.Event())
        await app.push_screen(dialog)
        dialog.stage(4, 4, "committing")
        await pilot.press("escape")
        assert not dialog.cancel.is_set()
        assert ("warning", "Too late to cancel: the change is being committed.") in notes(app)
        assert "can no longer be cancelled" in rendered(app, "#dialog-keys")
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_a_preparation_fills_most_of_the_bar_and_the_stages_the_rest(path):
    # Hashing passwords is nearly all of a Reset Patron Accounts apply: the bar follows the
    # patrons hashed, not the stages of a transaction that then takes a moment.
    from textual.widgets import ProgressBar

    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        prepared = ApplyingScreen("Applying", threading.Event())
        await app.push_screen(prepared)
        bar = prepared.query_one(ProgressBar)
        prepared.preparing(30, 60)
        assert bar.progress == 47
        assert "Preparing 30 of 60 patrons…" in rendered(app, "#applying-stage")
        prepared.preparing(60, 60)
        prepared.stage(3, 4, "60 patrons being changed")
        assert bar.progress == 96
        prepared.stage(4, 4, "committing")
        assert bar.progress == 99
        app.pop_screen()
        plain = ApplyingScreen("Applying", threading.Event())  # no preparation: the stages
        await app.push_screen(plain)
        plain.stage(3, 4, "16 patrons being changed")
        assert plain.query_one(ProgressBar).progress == 25
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_leaving_while_the_plan_is_counted_drops_the_plan(path):
    app = app_for(path)
    counted = threading.Event()
    real = app.store.plan

    def slow_plan(*args, **kwargs):
        counted.wait(5)  # a million patrons take seconds to count
        return real(*args, **kwargs)

    app.store.plan = slow_plan
    try:
        async with app.run_test(size=SIZE) as pilot:
            await preview_without_waiting(pilot)
            await until(lambda: "Counting the patrons" in rendered(app, "#counts"))
            await pilot.press("escape", "escape")  # to the form, to the picker
            assert not isinstance(app.screen, UtilityScreen)
            counted.set()
            await settle(pilot)
            plans = app.store.db.execute(
                "SELECT count(*) FROM temp.sqlite_master WHERE name LIKE 'plan_%'"
            ).fetchone()
            assert plans == (0,)
    finally:
        counted.set()
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def preview_without_waiting(pilot) -> None:
    from .pilot import fill_all, open_utility

    await open_utility(pilot, "status")
    await pilot.press("f3")
    await fill_all(pilot, status="Inactive")
    await pilot.press("f5")


async def test_no_command_palette_over_a_running_apply(path):
    # The palette lists utilities from the database the apply holds: it stays shut.
    app = app_for(path)
    released = threading.Event()
    app.store.apply = held_in_stage_3(app.store, released)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
            await pilot.press("f9", "y")
            await until(lambda: isinstance(app.screen, ApplyingScreen))
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, ApplyingScreen)
            released.set()
            await until(lambda: isinstance(app.screen, SummaryScreen))
            assert [type(s).__name__ for s in app.screen_stack].count("ApplyingScreen") == 0
    finally:
        released.set()
    assert query(path, "SELECT count(*) FROM operations") == [(1,)]


async def test_edits_while_counting_make_the_preview_outdated(path):
    app = app_for(path)
    counted = threading.Event()
    real = app.store.plan
    app.store.plan = lambda *a, **k: (counted.wait(5), real(*a, **k))[1]
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await suspended_while_counting(pilot)
            counted.set()
            await settle(pilot)
            assert screen.outdated and screen.plan is not None
            await pilot.press("f9")
            await settle(pilot)
            assert isinstance(app.screen, UtilityScreen)  # no confirm: preview again first
            assert screen.check_action("apply", ()) is None  # F9 dimmed until F5 again
    finally:
        counted.set()
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_a_newer_preview_wins_over_one_still_being_counted(path):
    app = app_for(path)
    first_counted = threading.Event()
    real = app.store.plan
    calls = []

    def plan(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 1:
            first_counted.wait(5)  # the first preview is slow; the second is asked meanwhile
        return real(*args, **kwargs)

    app.store.plan = plan
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await suspended_while_counting(pilot)
            await pilot.press("f5")
            await until(lambda: screen.plan is not None)
            first_counted.set()
            await settle(pilot)
            assert screen.plan.options.status == "Suspended"
            assert [c["status"] for c in calls] == ["Inactive", "Suspended"]
            # The late first plan was dropped, not left in the temporary store.
            plans = app.store.db.execute(
                "SELECT count(*) FROM temp.sqlite_master WHERE name LIKE 'plan_%'"
            ).fetchone()
            assert plans == (1,)
    finally:
        first_counted.set()


async def suspended_while_counting(pilot) -> UtilityScreen:
    """Preview everyone to Inactive; while it is counted, change the option to Suspended."""
    from .pilot import fill_all

    await preview_without_waiting(pilot)
    await until(lambda: "Counting the patrons" in rendered(pilot.app, "#counts"))
    screen = pilot.app.screen
    await pilot.press("f3")
    await fill_all(pilot, status="Suspended")
    return screen
