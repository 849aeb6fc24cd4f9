"""The screens around the utilities at 80×24: the Operations list holding ten operations of
different utilities (told apart by their full titles), F1's list of keys, the Grade table.
Each is paired with what the database holds."""

from __future__ import annotations

from store import Store

from ..databases import query
from ..operators import ADMIN
from .pilot import SIZE, app_for, settle

# Ten runs of ten utilities, each on a patron or two of the demo.
RUNS = [
    ("change-status", {"barcodes": ["20260001"]}, {"status": "Inactive"}),
    ("change-grade", {"barcodes": ["20260002"]}, {"grade": "3"}),
    ("change-location", {"barcodes": ["20260004"]}, {"location": "Room 101"}),
    ("change-location2", {"barcodes": ["20260004"]}, {"location2": "Bus 7"}),
    ("change-policy", {"barcodes": ["20260005"]}, {"policy": "Community"}),
    ("add-notes", {"barcodes": ["20260006"]}, {"note": "Call home", "note_type": "Contact"}),
    ("remove-notes", {"barcodes": ["20260006"]}, {"note_type": "Contact"}),
    ("remove-history", {"barcodes": ["20260001"]}, {}),
    ("renew-accounts", {"barcodes": ["20260001", "20260002"]}, {}),
    ("move-to-site", {"barcodes": ["20260002"]}, {"site": "MID"}),
]


def test_operations_list_of_ten_utilities(snap_compare, path):
    s = Store(path)
    try:
        for key, selection, options in RUNS:
            s.apply(s.plan(key, selection, options, ADMIN))
    finally:
        s.close()

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("down", "down")  # the cursor on #8, its detail line below
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(path, "SELECT utility FROM operations ORDER BY id") == [(k,) for k, _, _ in RUNS]
    assert query(path, "SELECT count(*) FROM operations WHERE undone_by IS NOT NULL") == [(0,)]


def test_f1_lists_the_keys_of_the_preview(snap_compare, path):
    async def run_before(pilot):
        from .pilot import preview

        await preview(pilot, "status", {"grades": ["12"]}, {"status": "Inactive"})
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
    assert query(
        path, "SELECT count(*) FROM patrons WHERE status = 'Inactive' AND grade = '12'"
    ) == [(0,)]


def test_grade_table(snap_compare, path):
    grades = query(path, "SELECT name, position, is_last FROM grades ORDER BY position")

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f4", "f3")
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(path, "SELECT name, position, is_last FROM grades ORDER BY position") == grades
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
