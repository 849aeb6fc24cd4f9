"""Sync from Roster in the app: picked from the list, a roster path on the Roster tab, F5's
preview of every patron's fate, F9's confirm (typed back when the transfer guard stops it),
the summary, and undo; nothing is written before the confirm, or on a refusal."""

from __future__ import annotations

import sqlite3

from store import Store
from tui.screens.confirm import ConfirmScreen, TypedConfirmScreen
from tui.screens.preferences import PreferencesScreen
from tui.screens.summary import SummaryScreen
from tui.screens.sync import SyncScreen

from ..databases import query
from ..operators import ADMIN, AIDE
from ..store.roster_sync_helpers import demo_users, export, user
from .pilot import SIZE, app_for, notes, press, rendered, settle, table_rows

PATRONS = "SELECT barcode, status, grade, last_name, roster_id FROM patrons ORDER BY id"


def roster(path, tmp_path, *, leave: int = 3):
    """The demo's own patrons as a roster, less ``leave`` of them, with one renamed, one
    new, a guardian and a row whose grade code the mapping lacks."""
    with sqlite3.connect(path) as db:
        users = demo_users(db)
    users = users[leave:]
    users[0]["familyName"] = "Renamed"
    users += [
        user("u-new", identifier="N1", givenName="Nia", familyName="New", grades="03"),
        user("u-parent", identifier="P1", givenName="Pat", familyName="Parent", role="guardian"),
        user("u-bad", identifier="B1", givenName="Bo", familyName="Bad", grades="XX"),
    ]
    return export(tmp_path, users), users


async def open_sync(pilot) -> SyncScreen:
    await settle(pilot)
    await pilot.press(*"roster")
    await press(pilot, "enter")
    screen = pilot.app.screen
    assert isinstance(screen, SyncScreen)
    return screen


async def preview_roster(pilot, folder) -> SyncScreen:
    screen = await open_sync(pilot)
    await pilot.press(*str(folder))
    await press(pilot, "f5")
    return screen


async def test_the_preview_shows_every_fate_and_f9_applies_it_after_the_confirm(path, tmp_path):
    folder, users = roster(path, tmp_path)
    before = query(path, PATRONS)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await preview_roster(pilot, folder)
        assert screen.query_one("TabbedContent").active == "preview"
        counts = rendered(app, "#counts")
        synced = len(users) - 3  # less the new one, the guardian and the bad row
        plan = screen.plan
        assert plan is not None and plan.counts_line(" · ") in counts
        c = plan.counts
        assert (c["new"], c["updated"], c["unchanged"], c["transferred"]) == (1, synced, 0, 3)
        skipped = c["skipped"]  # the guardian, the bad row, the operators
        rows = table_rows(app, "#preview-table")
        assert screen.pane.table.total == len(plan.fates)  # pages of it come as they scroll
        # What needs a look comes first: the skipped, then the transferred, the new.
        assert [r[4] for r in rows[: skipped + 4]] == ["skipped"] * skipped + [
            "transferred"
        ] * 3 + ["new"]
        assert rows[0][:2] == ["B1", "Bad, Bo"] and "grade code 'XX'" in rendered(
            app, "#row-detail"
        )
        assert [r[2:5] for r in rows if r[4] == "transferred"] == [
            ["Active", "Transferred", "transferred"]
        ] * 3
        assert query(path, PATRONS) == before  # a preview writes nothing
        await press(pilot, "f")  # new only
        assert [r[:2] for r in table_rows(app, "#preview-table")] == [["N1", "New, Nia"]]
        await press(pilot, "f9")
        assert isinstance(app.screen, ConfirmScreen)
        assert query(path, PATRONS) == before
        await press(pilot, "y")
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
    [(op, utility, changed)] = query(path, "SELECT id, utility, changed FROM operations")
    assert (utility, changed) == ("sync-roster", synced + 1 + 3)
    assert query(path, "SELECT count(*) FROM patrons WHERE status = 'Transferred'") == [
        (3 + sum(1 for b in before if b[1] == "Transferred"),)
    ]
    assert query(path, "SELECT last_name, roster_id FROM patrons WHERE barcode = 'N1'") == [
        ("New", "u-new")
    ]
    # The summary's rows say what changed, field by field.
    [(shown_before, shown_after)] = query(
        path,
        "SELECT before, after FROM operation_changes WHERE operation_id = ? AND barcode = ?",
        op,
        users[0]["identifier"],
    )
    assert shown_after.startswith("Last name Renamed")


async def test_undo_from_the_summary_puts_every_patron_back(path, tmp_path):
    folder, _ = roster(path, tmp_path)
    before = query(path, PATRONS)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview_roster(pilot, folder)
        await press(pilot, "f9")
        await press(pilot, "y")
        assert isinstance(app.screen, SummaryScreen)
        assert query(path, PATRONS) != before
        await press(pilot, "u")
        await press(pilot, "y")
    assert query(path, PATRONS) == before


async def test_a_guarded_sync_needs_the_number_of_transfers_typed(path, tmp_path):
    """A roster that lost most of a school: the confirm asks for the number of transfers; a
    wrong number writes nothing, the right one applies it."""
    with sqlite3.connect(path) as db:
        users = demo_users(db)
    kept = [u for u in users if u["orgSourcedIds"] != "s-elm"] + [
        u for u in users if u["orgSourcedIds"] == "s-elm"
    ][:5]
    folder = export(tmp_path, kept)
    left = len(users) - len(kept)
    before = query(path, PATRONS)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await preview_roster(pilot, folder)
        assert "⚠ ELM:" in rendered(app, "#counts")
        await press(pilot, "f9")
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmScreen) and dialog.expected == left
        await pilot.press(*str(left - 1))
        await press(pilot, "enter")
        assert "nothing was written" in rendered(app, "#dialog-problem")
        assert query(path, PATRONS) == before
        await pilot.press(*str(left))
        await press(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
    assert query(path, "SELECT json_extract(options, '$.confirmed_transfers') FROM operations") == [
        (left,)
    ]


async def test_f4_opens_the_mapping_and_the_roster_tab_reads_it_again(path):
    """F4: Preferences at its Roster tab; a mapping saved there is what the Roster tab of the
    sync says on return."""
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(pilot)
        assert "transfers over 20%" in rendered(app, "#roster-mapping")
        await press(pilot, "f4")
        prefs = app.screen
        assert isinstance(prefs, PreferencesScreen)
        assert prefs.query_one("TabbedContent").active == "roster"
        mapping = prefs.store.roster_mapping().model_dump(mode="json")
        prefs.store.save_roster_mapping(mapping | {"transfer_guard_percent": 35}, ADMIN)
        await press(pilot, "escape")
        assert app.screen is screen
        assert "transfers over 35%" in rendered(app, "#roster-mapping")
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_a_roster_that_cannot_be_read_is_said_on_the_roster_tab(path, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    before = query(path, PATRONS)
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(pilot)
        await press(pilot, "f5")  # no path yet
        assert "Roster: type the path" in rendered(app, "#roster-problem")
        await pilot.press(*str(empty))
        await press(pilot, "f5")
        assert screen.query_one("TabbedContent").active == "roster"
        assert "users.csv" in rendered(app, "#roster-problem")
        assert screen.check_action("apply", ()) is None  # F9 dimmed: nothing to apply
    assert query(path, PATRONS) == before
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


async def test_the_aide_sees_why_it_is_not_theirs(path):
    app = app_for(path, AIDE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"roster")
        await press(pilot, "enter")
        assert not isinstance(app.screen, SyncScreen)
        [(severity, message)] = notes(app)
        assert severity == "warning" and "needs the permission" in message
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


def test_over_ssh_it_is_not_offered(path):
    """A session over SSH may not read the server's files, the roster among them."""
    store = Store(path, server_files=False)
    try:
        entry = next(e for e in store.catalog if e.key == "sync-roster")
        assert "a file of the server" in (store.unavailable(entry, ADMIN) or "")
    finally:
        store.close()


def test_snapshot_of_the_sync_preview(snap_compare, path, tmp_path):
    folder, _ = roster(path, tmp_path)
    before = query(path, PATRONS)

    async def run_before(pilot):
        await preview_roster(pilot, folder)
        await press(pilot, "down")  # the detail line of the second skipped patron

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(path, PATRONS) == before
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]


def test_snapshot_of_the_roster_tab(snap_compare, path):
    async def run_before(pilot):
        await open_sync(pilot)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
    assert query(path, "SELECT count(*) FROM patrons WHERE roster_id IS NOT NULL") == [(0,)]
