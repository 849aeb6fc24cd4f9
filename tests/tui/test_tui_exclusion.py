"""Excluding patrons from the preview by hand with space, by keys at 80×24."""

from __future__ import annotations

from tui.screens.confirm import ConfirmScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import query
from .pilot import (
    GRADE_12,
    SIZE,
    app_for,
    notes,
    press,
    preview,
    preview_rows,
    rendered,
    settle,
    table_rows,
)

EXCLUDED_REASON = "excluded from the preview by hand"


# -- excluding patrons by hand -------------------------------------------------------------------


async def to_row(pilot, index: int) -> None:
    await pilot.press("home", *["down"] * index)
    await settle(pilot)
    assert pilot.app.screen.query_one(PreviewTable).cursor_row == index


async def test_exclude_two_patrons_from_the_preview_by_hand(path):
    grade12_before = {pid: (s, m) for pid, s, m in query(path, GRADE_12)}
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        # Grade 12 to Transferred: fifteen would change, one already is Transferred.
        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Transferred"})
        screen = app.screen
        assert isinstance(screen, UtilityScreen)
        assert app.focused is screen.query_one(PreviewTable)
        c = screen.plan.counts
        assert (c.matched, c.change, c.unchanged, c.skip, c.excluded) == (16, 15, 1, 0, 0)
        changing = [i for i, r in enumerate(preview_rows(app)) if r.outcome == "change"]
        [unchanged] = [i for i, r in enumerate(preview_rows(app)) if r.outcome == "unchanged"]
        first, second, third = changing[0], changing[1], changing[5]
        out = {preview_rows(app)[first].patron_id, preview_rows(app)[second].patron_id}

        # Space on an unchanged row: a warning, nothing toggled.
        await to_row(pilot, unchanged)
        app.clear_notifications()
        await press(pilot, "space")
        [(severity, message)] = notes(app)
        assert severity == "warning"
        assert message == ("Only a patron who would change can be excluded; this one is unchanged.")
        assert screen.plan.counts.excluded == 0
        assert not any(r.excluded for r in preview_rows(app))

        # Space twice on one row puts it back.
        await to_row(pilot, third)
        await press(pilot, "space")
        assert preview_rows(app)[third].excluded and screen.plan.counts.excluded == 1
        assert "excluded 1" in rendered(app, "#counts")
        await press(pilot, "space")
        assert not preview_rows(app)[third].excluded and screen.plan.counts.excluded == 0
        assert "excluded" not in rendered(app, "#counts").splitlines()[0]

        # Two patrons out.
        for index in (first, second):
            await to_row(pilot, index)
            await press(pilot, "space")
            assert preview_rows(app)[index].excluded
        assert "excluded by hand (space puts them back)" in rendered(app, "#row-detail")
        assert rendered(app, "#counts").splitlines()[0] == (
            "Matched 16 · will change 13 · unchanged 1 · skipped 0 · excluded 2"
        )
        table = screen.query_one(PreviewTable)
        cells = [[str(c) for c in table.cells(i)] for i in range(table.total)]
        assert [i for i, row in enumerate(cells) if row[4] == "excluded"] == [first, second]
        assert query(path, "SELECT count(*) FROM operations") == [(0,)]

        await press(pilot, "f9")
        assert isinstance(app.screen, ConfirmScreen)
        body = rendered(app, "#dialog-body")
        assert body.splitlines()[0] == (
            "Matched 16 · will change 13 · unchanged 1 · skipped 0 · excluded 2"
        )
        assert "13 patrons will be changed in one transaction" in body
        assert "2 patrons excluded by hand will be left as they are." in body
        await press(pilot, "y")
        assert isinstance(app.screen, SummaryScreen)
        assert "excluded 2" in rendered(app, "#result-summary")
        # The summary lists them first, as skipped by hand.

        assert {r["patron_id"] for r in preview_rows(app)[:2]} == out
        assert [c[4:] for c in table_rows(app, "#result-table")[:2]] == [
            ["skip", EXCLUDED_REASON]
        ] * 2

    after = {pid: (s, m) for pid, s, m in query(path, GRADE_12)}
    for pid in out:
        assert after[pid] == grade12_before[pid]
    assert all(
        after[pid] == ("Transferred", "2026-06-01 09:00:00")
        for pid, (status, _) in grade12_before.items()
        if pid not in out and status != "Transferred"
    )
    # Counted as excluded, not skipped, in the journal; each is a 'skip' in its report.
    assert query(path, "SELECT matched, changed, unchanged, skipped, excluded FROM operations") == [
        (16, 13, 1, 0, 2)
    ]
    assert query(
        path,
        "SELECT patron_id, outcome, reason FROM operation_changes "
        "WHERE operation_id = 1 AND outcome = 'skip' ORDER BY patron_id",
    ) == [(pid, "skip", EXCLUDED_REASON) for pid in sorted(out)]
    assert query(
        path, "SELECT count(*) FROM operation_rows WHERE row_id IN (?, ?)", *sorted(out)
    ) == [(0,)]
