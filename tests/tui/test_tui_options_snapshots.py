"""The Options tab of each of the nine utilities of the preferences issue, at 80×24 with a fixed
"today", each paired with a database assertion that nothing was written."""

from __future__ import annotations

import pytest

from ..databases import everything, query
from .pilot import SIZE, app_for, fill_all, open_utility, settle

# key: (picker filter, option values to fill before the snapshot)
UTILITIES = {
    "advance-grade": ("advance patron grade", {}),
    "change-location2": ("change patron 2nd location", {"location2": "Bus 9"}),
    "change-policy": ("change patron policy", {"policy": "Grade 6-8", "recompute_due_dates": True}),
    "move-to-site": ("move patrons to site", {"site": "MID"}),
    "reassign-union-site": ("reassign union site", {"site": "ELM"}),
    "renew-accounts": ("renew patron accounts", {}),
    "remove-notes": ("remove patron notes", {"note_type": "Alert"}),
    "remove-pictures": ("remove patron pictures", {}),
    "remove-history": ("remove patron history", {}),
}


@pytest.mark.parametrize("key", list(UTILITIES))
def test_options_tab(snap_compare, path, key):
    phrase, options = UTILITIES[key]
    before = everything(path)

    async def run_before(pilot):
        await open_utility(pilot, phrase)
        assert pilot.app.screen.utility.key == key
        await pilot.press("f3")
        await settle(pilot)
        await fill_all(pilot, **options)
        await settle(pilot)  # which also stops the cursor blinking

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert everything(path) == before
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
