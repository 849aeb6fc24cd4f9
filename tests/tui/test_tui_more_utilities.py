"""The nine utilities of the preferences issue, each driven by keys through the picker, its
forms, the preview, the confirm and the apply, asserting the database afterwards."""
from __future__ import annotations

import datetime as dt

from textual.widgets import OptionList, Static

from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import query
from .pilot import app_for, fill_all, settle
from .pilot import preview_and_apply as apply_previewed


async def open_only(pilot, phrase: str, title: str) -> None:
    """Filter the picker by ``phrase``; it must list exactly ``title``, which Enter opens."""
    await settle(pilot)
    await pilot.press(*phrase)
    await settle(pilot)
    options = pilot.app.screen.query_one("#utilities", OptionList)
    assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [title]
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, UtilityScreen)
    assert pilot.app.screen.utility.title == title


async def preview_and_apply(pilot) -> None:
    await apply_previewed(pilot)
    assert isinstance(pilot.app.screen, SummaryScreen)


def rendered(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def ids(path, sql: str, *params) -> set:
    return {r[0] for r in query(path, sql, *params)}


def operations(path) -> list[tuple]:
    return query(path, "SELECT utility, operator, matched, changed, unchanged, skipped FROM operations")


async def test_advance_grade_flow_and_its_reminder(path):
    eleven = ids(path, "SELECT id FROM patrons WHERE grade = '11'")
    twelve = ids(path, "SELECT id FROM patrons WHERE grade = '12'")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "advance", "Advance Patron Grade")
        await fill_all(pilot, grades=["11", "12"])
        await preview_and_apply(pilot)
        assert "Next: If you name policies after grades" in rendered(app, "#result-summary")
        assert "Change Patron Policy" in rendered(app, "#result-summary")
    assert eleven and twelve
    assert ids(path, "SELECT id FROM patrons WHERE grade = '12'") == eleven
    assert ids(path, "SELECT id FROM patrons WHERE grade = 'Graduated'") >= twelve
    assert query(path, "SELECT count(*) FROM patrons WHERE grade = '11'") == [(0,)]
    n = len(eleven) + len(twelve)
    assert operations(path) == [("advance-grade", "demo", n, n, 0, 0)]


async def test_change_location2_flow_blank_removes_it(path):
    bus7 = ids(path, "SELECT id FROM patrons WHERE location2 = 'Bus 7'")
    others = query(path, "SELECT id, location2 FROM patrons WHERE location2 IS NOT 'Bus 7' ORDER BY id")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "2nd location", "Change Patron 2nd Location")
        await fill_all(pilot, locations2=["Bus 7"])
        await pilot.press("f3")
        await fill_all(pilot, location2="")
        await pilot.press("f5")
        await settle(pilot)
        table = app.screen.query_one(PreviewTable)
        assert [str(c) for c in table.cells(0)[2:4]] == ["Bus 7", "(none)"]
        await pilot.press("f9", "y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
    assert bus7
    assert query(path, "SELECT count(*) FROM patrons WHERE location2 = 'Bus 7' OR location2 = ''") == [(0,)]
    assert ids(path, "SELECT id FROM patrons WHERE location2 IS NULL") >= bus7
    assert query(path, "SELECT id, location2 FROM patrons WHERE id NOT IN (%s) ORDER BY id"
                 % ",".join(map(str, bus7))) == others


async def test_change_policy_flow_recomputes_due_dates(path):
    sixth = ids(path, "SELECT id FROM patrons WHERE grade = '6'")
    loans = query(path, "SELECT c.id, c.checked_out FROM checkouts c JOIN patrons p ON p.id = c.patron_id "
                        "WHERE p.grade = '6' ORDER BY c.id")
    other_loans = query(path, "SELECT c.id, c.due_date FROM checkouts c JOIN patrons p "
                              "ON p.id = c.patron_id WHERE p.grade IS NOT '6' ORDER BY c.id")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "change patron policy", "Change Patron Policy")
        await fill_all(pilot, grades=["6"])
        await pilot.press("f3")
        await fill_all(pilot, policy="Grade 9-12", recompute_due_dates=True)
        await pilot.press("f5")
        await settle(pilot)
        said = f"{len(loans)} current loans of the patrons to change will get due dates from " \
               "the loan period of Grade 9-12."
        assert said in rendered(app, "#counts")
        await pilot.press("f9")
        await settle(pilot)
        assert said in rendered(app, "#dialog-body")  # the confirm counts them too
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert (f"{len(loans)} current loans of the changed patrons got due dates from the loan "
                "period of Grade 9-12.") in rendered(app, "#result-summary")
    assert sixth and loans
    assert ids(path, "SELECT id FROM patrons WHERE policy = 'Grade 9-12' AND grade = '6'") == sixth
    # Grade 9-12 lends for 21 days.
    expected = [(cid, (dt.date.fromisoformat(out) + dt.timedelta(days=21)).isoformat())
                for cid, out in loans]
    assert query(path, "SELECT c.id, c.due_date FROM checkouts c JOIN patrons p ON p.id = c.patron_id "
                       "WHERE p.grade = '6' ORDER BY c.id") == expected
    assert query(path, "SELECT c.id, c.due_date FROM checkouts c JOIN patrons p "
                       "ON p.id = c.patron_id WHERE p.grade IS NOT '6' ORDER BY c.id") == other_loans


async def test_move_to_site_flow(path):
    eighth = ids(path, "SELECT id FROM patrons WHERE grade = '8' AND site = 'MID'")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "move patrons to site", "Move Patrons to Site")
        await fill_all(pilot, sites=["MID"], grades=["8"])
        await pilot.press("f3")
        await fill_all(pilot, site="HIGH")
        await preview_and_apply(pilot)
    assert eighth
    assert query(path, "SELECT count(*) FROM patrons WHERE grade = '8' AND site = 'MID'") == [(0,)]
    assert ids(path, "SELECT id FROM patrons WHERE grade = '8' AND site = 'HIGH'") >= eighth
    assert ids(path, "SELECT row_id FROM operation_rows WHERE table_name = 'patrons'") == eighth


async def test_reassign_union_site_flow_shows_the_fixed_criterion(path):
    union = ids(path, "SELECT id FROM patrons WHERE site = 'UNION'")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "reassign", "Reassign Union Site Patrons")
        fixed = app.screen.query_one("#selection-form .fixed", Static)
        assert str(fixed.render()) == "Always: only patrons of the Union Site"
        await pilot.press("f3")
        await fill_all(pilot, site="ELM")
        await pilot.press("f5")
        await settle(pilot)
        assert "Selections: Always: only patrons of the Union Site" in rendered(app, "#counts")
        assert not app.screen.query("#field-sites")  # the fixed criterion replaces it
        await pilot.press("f9", "y")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        # The result says who it worked on, as the preview did (not "every patron").
        assert "Selections: Always: only patrons of the Union Site" in rendered(app, "#result-summary")
    assert len(union) == 3
    assert query(path, "SELECT count(*) FROM patrons WHERE site = 'UNION'") == [(0,)]
    assert ids(path, "SELECT id FROM patrons WHERE site = 'ELM'") >= union
    assert operations(path) == [("reassign-union-site", "demo", 3, 3, 0, 0)]


async def test_renew_accounts_flow(path):
    staff = ids(path, "SELECT id FROM patrons WHERE policy = 'Staff'")
    community = query(path, "SELECT id, expiration_date FROM patrons WHERE policy = 'Community' ORDER BY id")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "renew", "Renew Patron Accounts")
        await fill_all(pilot, policies=["Staff", "Community"])
        await preview_and_apply(pilot)
    assert staff and community
    # Today is fixed at 06/01/2026 (conftest); Staff accounts last 730 days, Community has none.
    # The operator (demo, 301) is Staff too, and never changes their own account.
    assert ids(path, "SELECT id FROM patrons WHERE expiration_date = '2028-05-31'") == staff - {301}
    assert query(path, "SELECT id, expiration_date FROM patrons WHERE policy = 'Community' "
                       "ORDER BY id") == community
    assert query(path, "SELECT DISTINCT reason FROM operation_changes WHERE outcome = 'skip' "
                       "ORDER BY 1") == [("policy Community has no account period",),
                                         ("your own account",)]
    [(matched, skipped)] = query(path, "SELECT matched, skipped FROM operations")
    assert (matched, skipped) == (len(staff) + len(community), len(community) + 1)


async def test_remove_notes_flow(path):
    kept = query(path, "SELECT id FROM notes WHERE type <> 'Category' ORDER BY id")
    categories = query(path, "SELECT count(*) FROM notes WHERE type = 'Category'")[0][0]
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "remove patron notes", "Remove Patron Notes")
        await pilot.press("f3")
        await fill_all(pilot, note_type="Category")
        await preview_and_apply(pilot)
    assert categories
    assert query(path, "SELECT id FROM notes ORDER BY id") == kept
    assert query(path, "SELECT count(*) FROM operation_rows WHERE table_name = 'notes' "
                       "AND action = 'delete'") == [(categories,)]


async def test_remove_pictures_flow(path):
    elm = ids(path, "SELECT x.patron_id FROM pictures x JOIN patrons p ON p.id = x.patron_id "
                    "WHERE p.site = 'ELM'")
    others = query(path, "SELECT patron_id, image FROM pictures WHERE patron_id NOT IN "
                         "(SELECT id FROM patrons WHERE site = 'ELM') ORDER BY patron_id")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "remove patron pictures", "Remove Patron Pictures")
        await fill_all(pilot, sites=["ELM"])
        await preview_and_apply(pilot)
    assert elm and others
    assert query(path, "SELECT patron_id, image FROM pictures ORDER BY patron_id") == others
    assert ids(path, "SELECT row_id FROM operation_rows WHERE table_name = 'pictures'") == elm


async def test_remove_history_flow(path):
    kindergarten = "SELECT id FROM patrons WHERE grade = 'K'"
    lexile = query(path, f"SELECT id FROM history WHERE kind = 'lexile' OR patron_id NOT IN "
                         f"({kindergarten}) ORDER BY id")
    removed = ids(path, f"SELECT id FROM history WHERE kind <> 'lexile' AND patron_id IN ({kindergarten})")
    their_lexile = ids(path, f"SELECT id FROM history WHERE kind = 'lexile' AND patron_id IN ({kindergarten})")
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_only(pilot, "remove patron history", "Remove Patron History")
        await fill_all(pilot, grades=["K"])
        await preview_and_apply(pilot)
    assert removed and their_lexile
    assert query(path, "SELECT id FROM history ORDER BY id") == lexile
    assert ids(path, "SELECT row_id FROM operation_rows WHERE table_name = 'history'") == removed
