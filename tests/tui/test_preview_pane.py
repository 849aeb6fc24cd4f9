"""The preview pane (tui/widgets/preview_pane.py) and the typed messages the utility screen's
workers post to it and to the screen, at 80×24 on the test demo."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.screen import Screen
from textual.widgets import TabbedContent

import tui.screens
from store import Invalid
from tui.base import ProductModalScreen, ProductScreen
from tui.screens.picker import PickerScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_pane import PreviewPane
from tui.widgets.preview_table import PAGE, PreviewTable

from ..databases import query
from .pilot import SIZE, app_for, fill_all, notes, open_utility, press, preview, rendered, settle

GRADE_12 = {"grades": ["12"]}
TO_TRANSFERRED = {"status": "Transferred"}


def expected_counts(path) -> str:
    """Grade 12 to Transferred, counted from the database rather than by the plan."""
    [(matched,)] = query(path, "SELECT count(*) FROM patrons WHERE grade = '12'")
    [(unchanged,)] = query(
        path, "SELECT count(*) FROM patrons WHERE grade = '12' AND status = 'Transferred'"
    )
    assert 0 < unchanged < matched  # the demo has both kinds, or the test says little
    return (
        f"Matched {matched} · will change {matched - unchanged} · unchanged {unchanged} · skipped 0"
    )


async def utility_screen(pilot) -> UtilityScreen:
    await open_utility(pilot, "change patron status")
    screen = pilot.app.screen
    assert isinstance(screen, UtilityScreen)
    return screen


async def test_a_preview_arrives_in_typed_messages_not_through_call_from_thread(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await utility_screen(pilot)
        posted: list[str] = []
        real_post = screen.post_message

        def post(message):
            posted.append(type(message).__name__)
            return real_post(message)

        def call_from_thread(*args, **kwargs):
            raise AssertionError("a worker reached the screen through call_from_thread")

        screen.post_message = post
        app.call_from_thread = call_from_thread
        await fill_all(pilot, **GRADE_12)
        await pilot.press("f3")
        await fill_all(pilot, **TO_TRANSFERRED)
        await press(pilot, "f5")
        assert [n for n in posted if n in ("Problems", "FirstRows", "PlanReady")] == [
            "FirstRows",
            "PlanReady",
        ]
        assert rendered(app, "#counts").splitlines()[0] == expected_counts(path)
        [(matched,)] = query(path, "SELECT count(*) FROM patrons WHERE grade = '12'")
        assert screen.query_one(PreviewTable).total == matched
        assert screen.plan is screen.pane.plan is not None


async def test_first_rows_then_plan_ready_fill_the_pane(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await utility_screen(pilot)
        store, op = app.store, app.operator
        first = store.first_rows("change-status", {}, TO_TRANSFERRED, op, PAGE)
        options = store.validate_options("change-status", TO_TRANSFERRED, op)
        screen.post_message(UtilityScreen.FirstRows(screen.previews, first, options))
        await settle(pilot)
        assert rendered(app, "#counts") == (
            f"Counting the patrons… the first {PAGE} are shown; F9 waits for the count."
        )
        assert screen.counting and screen.plan is None
        assert screen.query_one(TabbedContent).active == "preview"
        assert screen.query_one(PreviewTable).total == PAGE

        plan = store.plan("change-status", {}, TO_TRANSFERRED, op)
        screen.post_message(
            UtilityScreen.PlanReady(screen.previews, plan, store.page(plan, 0, PAGE))
        )
        await settle(pilot)
        [(everyone,)] = query(path, "SELECT count(*) FROM patrons")
        [(transferred,)] = query(path, "SELECT count(*) FROM patrons WHERE status = 'Transferred'")
        # The operators' own patron records may be skipped; the rest is the database's.
        c = plan.counts
        assert (c.matched, c.change + c.skip, c.unchanged) == (
            everyone,
            everyone - transferred,
            transferred,
        )
        assert rendered(app, "#counts").splitlines()[0] == (
            f"Matched {everyone} · will change {c.change} · unchanged {transferred} · "
            f"skipped {c.skip}"
        )
        assert not screen.counting and screen.plan is plan
        assert screen.query_one(PreviewTable).total == everyone
        assert rendered(app, "#row-detail").startswith(f"1 of {everyone:,} · ")


async def test_the_plan_of_an_older_preview_is_dropped_not_shown(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "change patron status", GRADE_12, TO_TRANSFERRED)
        screen = app.screen
        shown, counts = screen.plan, rendered(app, "#counts")
        late = app.store.plan("change-status", {}, TO_TRANSFERRED, app.operator)
        screen.post_message(
            UtilityScreen.PlanReady(screen.previews - 1, late, app.store.page(late, 0, PAGE))
        )
        await settle(pilot)
        assert screen.plan is shown and rendered(app, "#counts") == counts
        assert late.discarded  # not left in the temporary store


async def test_a_page_of_a_replaced_plan_does_not_land(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "change patron status", GRADE_12, TO_TRANSFERRED)
        pane = app.screen.query_one(PreviewPane)
        before = [pane.table.record(i) for i in range(pane.table.total)]
        other = app.store.plan("change-status", {}, TO_TRANSFERRED, app.operator)
        pane.post_message(PreviewPane.PageFetched(other, 0, app.store.page(other, 0, PAGE)))
        await settle(pilot)
        assert [pane.table.record(i) for i in range(pane.table.total)] == before
        pane.post_message(PreviewPane.PageFetched(pane.plan, 0, app.store.page(other, 0, 3)))
        await settle(pilot)  # the same message for the plan shown does land
        assert [pane.table.record(i) for i in range(3)] == app.store.page(other, 0, 3)


async def test_problems_mark_the_fields_and_say_so_in_the_counts_line(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await utility_screen(pilot)
        try:
            app.store.validate_options("change-status", {})
        except Invalid as exc:
            problems = exc.problems
        assert problems
        screen.post_message(UtilityScreen.Problems(problems))
        await settle(pilot)
        label = str(screen.query_one(TabbedContent).get_tab("options").label)
        assert label == f"F3 Options ⚠ {len(problems)}"
        assert rendered(app, "#counts").startswith("Not previewed: fix the fields marked ⚠.")
        assert screen.query_one(TabbedContent).active == "options" and screen.marked
        screen.post_message(UtilityScreen.Problems([], focus=False))
        await settle(pilot)
        assert str(screen.query_one(TabbedContent).get_tab("options").label) == "F3 Options"
        assert rendered(app, "#counts") == "The fields are fixed: press F5 to preview."


async def test_a_page_that_fails_is_said_in_the_counts_line(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview(pilot, "change patron status", {}, TO_TRANSFERRED)
        real = app.store.page

        def page(plan, offset, limit):
            if offset:
                raise RuntimeError("the disk went away")
            return real(plan, offset, limit)

        app.store.page = page
        await press(pilot, "end")  # the last page is not held: the pane's worker asks for it
        await settle(pilot)
        assert rendered(app, "#counts") == "Error: the disk went away"
        assert ("error", "Something went wrong: the disk went away") in notes(app)


async def test_the_picker_takes_new_reasons_from_the_app(path):
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen) and picker.reasons["change-status"] is None
        app.store.unavailable = lambda entry, operator: "off for this test"
        app.preferences_changed()
        assert set(picker.reasons.values()) == {"off for this test"}
        picker.on_screen_resume()  # listed anew as on coming back to it
        await settle(pilot)
        await pilot.press(*"change patron status", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)  # not opened
        assert ("warning", "Change Patron Status: off for this test.") in notes(app)


def test_every_screen_and_dialog_is_typed_on_the_product_app():
    screens = []
    for module in pkgutil.iter_modules(tui.screens.__path__):
        loaded = importlib.import_module(f"tui.screens.{module.name}")
        screens += [
            c
            for _, c in inspect.getmembers(loaded, inspect.isclass)
            if issubclass(c, Screen) and c.__module__ == loaded.__name__
        ]
    assert len(screens) >= 10
    untyped = [
        c.__name__ for c in screens if not issubclass(c, (ProductScreen, ProductModalScreen))
    ]
    assert untyped == []


def footer_key_dimmed(app, key: str) -> bool:
    from textual.widgets._footer import FooterKey

    [footer_key] = [k for k in app.screen.query(FooterKey) if k.key == key]
    return footer_key.has_class("-disabled")


async def test_f9_is_dimmed_until_a_current_preview_and_does_nothing_while_dimmed(path):
    """check_action keeps F9 from confirming anything before F5 has counted a preview,
    after an edit makes it outdated, and after an apply; the footer shows it dimmed."""
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await utility_screen(pilot)
        assert screen.check_action("apply", ()) is None and footer_key_dimmed(app, "f9")
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is screen  # no confirm opened

        await fill_all(pilot, **GRADE_12)
        await pilot.press("f3")
        await fill_all(pilot, **TO_TRANSFERRED)
        await pilot.press("f5")
        await settle(pilot)
        assert screen.check_action("apply", ()) is True and not footer_key_dimmed(app, "f9")

        await pilot.press("f3")
        await fill_all(pilot, status="Inactive")  # the preview no longer says what F9 does
        await settle(pilot)
        assert screen.outdated and screen.check_action("apply", ()) is None
        assert footer_key_dimmed(app, "f9")
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is screen
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
