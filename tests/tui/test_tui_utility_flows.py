"""Each utility's whole flow driven by keys — the picker's filter, both forms, the preview, the
confirm, the apply — then the database asserted: one table of cases, one test.

A case says what to type and fill, what the screens must show on the way (on_open, on_preview,
on_confirm, on_result, each given the app and what ``before`` read), and what the database
holds afterwards (``after``, given the path and what ``before`` read)."""

from __future__ import annotations

import pytest

from tui.screens.summary import SummaryScreen

from .flows import (
    NOTE,
    Check,
    Flow,
    advance_after,
    advance_before,
    advance_result,
    grade_after,
    grade_before,
    history_after,
    history_before,
    location2_after,
    location2_before,
    location2_preview,
    location_after,
    location_before,
    move_after,
    move_before,
    notes_after,
    notes_before,
    pictures_after,
    pictures_before,
    policy_after,
    policy_before,
    policy_confirm,
    policy_preview,
    policy_result,
    recompute_after,
    recompute_before,
    recompute_preview,
    remove_notes_after,
    remove_notes_before,
    renew_after,
    renew_before,
    status_after,
    status_before,
    status_result,
    union_after,
    union_before,
    union_open,
    union_preview,
    union_result,
)
from .pilot import SIZE, app_for, fill_all, open_listed, settle

FLOWS = {
    "change-status-grade-12-to-inactive": Flow(
        "status",
        "Change Patron Status",
        status_before,
        status_after,
        {"grades": ["12"]},
        {"status": "Inactive"},
        on_result=status_result,
    ),
    "change-grade": Flow(
        "change patron grade",
        "Change Patron Grade",
        grade_before,
        grade_after,
        {"grades": ["K"]},
        {"grade": "1"},
    ),
    "change-location-creates-a-new-homeroom": Flow(
        "change patron location",
        "Change Patron Location",
        location_before,
        location_after,
        lambda before: {"locations": [before[0]]},
        typed="Library Annex",
    ),
    "add-alert-note": Flow(
        "notes",
        "Add Patron Notes",
        notes_before,
        notes_after,
        {"statuses": ["Transferred"]},
        {"note_type": "Alert"},
        typed=NOTE,
    ),
    "advance-grade-and-its-reminder": Flow(
        "advance",
        "Advance Patron Grade",
        advance_before,
        advance_after,
        {"grades": ["11", "12"]},
        on_result=advance_result,
        alone=True,
    ),
    "change-location2-blank-removes-it": Flow(
        "2nd location",
        "Change Patron 2nd Location",
        location2_before,
        location2_after,
        {"locations2": ["Bus 7"]},
        {"location2": ""},
        on_preview=location2_preview,
        alone=True,
    ),
    "change-policy-recomputes-due-dates": Flow(
        "change patron policy",
        "Change Patron Policy",
        policy_before,
        policy_after,
        {"grades": ["6"]},
        {"policy": "Grade 9-12", "recompute_due_dates": True},
        on_preview=policy_preview,
        on_confirm=policy_confirm,
        on_result=policy_result,
        alone=True,
    ),
    "move-to-site": Flow(
        "move patrons to site",
        "Move Patrons to Site",
        move_before,
        move_after,
        {"sites": ["MID"], "grades": ["8"]},
        {"site": "HIGH"},
        alone=True,
    ),
    "reassign-union-site-shows-the-fixed-criterion": Flow(
        "reassign",
        "Reassign Union Site Patrons",
        union_before,
        union_after,
        {},
        {"site": "ELM"},
        on_open=union_open,
        on_preview=union_preview,
        on_result=union_result,
        alone=True,
    ),
    "recompute-due-dates-of-a-policy": Flow(
        "recompute due dates",
        "Recompute Due Dates",
        recompute_before,
        recompute_after,
        {"policies": ["Grade 9-12"]},
        on_preview=recompute_preview,
        alone=True,
    ),
    "renew-accounts": Flow(
        "renew",
        "Renew Patron Accounts",
        renew_before,
        renew_after,
        {"policies": ["Staff", "Community"]},
        alone=True,
    ),
    "remove-notes": Flow(
        "remove patron notes",
        "Remove Patron Notes",
        remove_notes_before,
        remove_notes_after,
        {},
        {"note_type": "Category"},
        alone=True,
    ),
    "remove-pictures": Flow(
        "remove patron pictures",
        "Remove Patron Pictures",
        pictures_before,
        pictures_after,
        {"sites": ["ELM"]},
        alone=True,
    ),
    "remove-history": Flow(
        "remove patron history",
        "Remove Patron History",
        history_before,
        history_after,
        {"grades": ["K"]},
        alone=True,
    ),
}


@pytest.mark.parametrize("flow", FLOWS.values(), ids=FLOWS.keys())
async def test_a_utility_by_keys_from_the_picker_to_its_result(path, flow: Flow):
    before = flow.before(path)
    selections = flow.selections(before) if callable(flow.selections) else flow.selections
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_listed(pilot, flow.phrase, flow.title, alone=flow.alone)
        check(flow.on_open, app, before)
        await fill_all(pilot, **selections)
        if flow.options or flow.typed:
            await pilot.press("f3")
            await pilot.press(*flow.typed)
            await fill_all(pilot, **flow.options)
        await pilot.press("f5")
        await settle(pilot)
        check(flow.on_preview, app, before)
        await pilot.press("f9")
        await settle(pilot)
        check(flow.on_confirm, app, before)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        check(flow.on_result, app, before)
    flow.after(path, before)


def check(step: Check | None, app, before) -> None:
    if step is not None:
        step(app, before)
