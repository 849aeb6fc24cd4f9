"""Forgive Charges and Remove Patrons at 80×24 with a fixed "today": their forms, the Forgive
preview and the typed confirmation of a removal, each paired with a database assertion that
nothing was written."""

from __future__ import annotations

from textual.widgets import Input

from tui.screens.confirm import TypedConfirmScreen

from ..databases import everything, query
from .pilot import SIZE, app_for, fill_all, open_utility, settle

ALL_CHARGES = "All Charges, Fees, and Fines"


def untouched(path, before: dict[str, list]) -> None:
    assert everything(path) == before
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def forgive_balance_under_a_dollar(pilot) -> None:
    """Open Forgive Charges and type the Patron Balance range its guidance suggests."""
    await open_utility(pilot, "forgive charges")
    assert pilot.app.screen.utility.key == "forgive-charges"
    await pilot.press(*"0.01", "tab", *"0.99")
    await settle(pilot)


async def remove_graduated_preview(pilot) -> None:
    await open_utility(pilot, "remove patrons")
    assert pilot.app.screen.utility.key == "remove-patrons"
    await fill_all(pilot, grades=["Graduated"])
    await pilot.press("f5")
    await settle(pilot)


def test_forgive_charges_selections_tab_with_the_balance_range(snap_compare, path):
    before = everything(path)

    async def run_before(pilot):
        await forgive_balance_under_a_dollar(pilot)
        form = pilot.app.screen.query_one("#selection-form")
        assert form.values()["balance_from"] == "0.01"
        assert form.values()["balance_to"] == "0.99"

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path, before)


def test_forgive_charges_options_tab_with_the_category_chosen(snap_compare, path):
    before = everything(path)

    async def run_before(pilot):
        await forgive_balance_under_a_dollar(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("enter", "down", "enter")  # the category list's first entry
        await settle(pilot)
        assert pilot.app.screen.query_one("#input-category").value == ALL_CHARGES

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path, before)


def test_forgive_charges_preview(snap_compare, path):
    before = everything(path)

    async def run_before(pilot):
        await forgive_balance_under_a_dollar(pilot)
        await pilot.press("f3")
        await fill_all(pilot, category=ALL_CHARGES)
        await pilot.press("f5")
        await settle(pilot)
        assert pilot.app.screen.plan.counts.change == 36

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path, before)


def test_remove_patrons_options_tab(snap_compare, path):
    before = everything(path)

    async def run_before(pilot):
        await open_utility(pilot, "remove patrons")
        assert pilot.app.screen.utility.key == "remove-patrons"
        await pilot.press("f3")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path, before)


def test_remove_patrons_typed_confirmation_after_a_wrong_number(snap_compare, path):
    before = everything(path)

    async def run_before(pilot):
        await remove_graduated_preview(pilot)
        assert pilot.app.screen.plan.counts.change == 10
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TypedConfirmScreen)
        await pilot.press(*"21", "enter")  # every graduate, not the 10 who will be removed
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TypedConfirmScreen)
        assert screen.query_one("#dialog-typed", Input).value == ""

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    untouched(path, before)
