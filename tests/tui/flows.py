"""The per-utility flows that tests/tui/test_tui_utility_flows.py drives: what each case
reads from the database before, checks on the screens on the way, and asserts after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.widgets import Static

from tui.widgets.preview_table import PreviewTable

from ..databases import query
from .pilot import ids, rendered

Check = Callable[[Any, Any], None]  # (app, what before read)
# Fourteen cases: the four utilities of the first release (tests/tui/test_tui_flow.py had
# them), the nine of the preferences issue (tests/tui/test_tui_more_utilities.py had them:
# their filters list them alone) and Recompute Due Dates.


@dataclass(frozen=True)
class Flow:
    phrase: str  # typed in the picker's filter
    title: str  # the utility it lists first, which Enter opens
    before: Callable[[Path], Any]  # reads the database first
    after: Callable[[Path, Any], None]  # asserts the database afterwards
    selections: dict | Callable[[Any], dict] = field(default_factory=dict)  # or from before
    options: dict = field(default_factory=dict)
    typed: str = ""  # typed on the Options tab (its first field has the focus) before filling
    alone: bool = False  # the filter lists this utility alone
    on_open: Check | None = None
    on_preview: Check | None = None
    on_confirm: Check | None = None
    on_result: Check | None = None


def operations(path) -> list[tuple]:
    return query(
        path, "SELECT utility, operator, matched, changed, unchanged, skipped FROM operations"
    )


# -- Change Patron Status: grade 12 to Inactive ------------------------------------------------


def status_before(path):
    grade12 = ids(path, "SELECT id FROM patrons WHERE grade = '12'")
    already = ids(path, "SELECT id FROM patrons WHERE grade = '12' AND status = 'Inactive'")
    others = query(path, "SELECT id, status FROM patrons WHERE grade IS NOT '12' ORDER BY id")
    return grade12, already, others


def status_result(app, before):
    assert app.screen.query_one(PreviewTable).total == len(before[0])


def status_after(path, before):
    grade12, already, others = before
    assert ids(path, "SELECT id FROM patrons WHERE status = 'Inactive' AND grade = '12'") == grade12
    assert (
        query(path, "SELECT id, status FROM patrons WHERE grade IS NOT '12' ORDER BY id") == others
    )
    assert query(path, "SELECT utility, operator, matched, changed, unchanged FROM operations") == [
        ("change-status", "demo", len(grade12), len(grade12) - len(already), len(already))
    ]


# -- Change Patron Grade: K to 1 ---------------------------------------------------------------


def grade_before(path):
    return ids(path, "SELECT id FROM patrons WHERE grade = 'K'")


def grade_after(path, kids):
    assert query(path, "SELECT count(*) FROM patrons WHERE grade = 'K'") == [(0,)]
    assert ids(path, "SELECT row_id FROM operation_rows") == kids


# -- Change Patron Location: a homeroom to a new one, typed ------------------------------------


def location_before(path):
    room = query(path, "SELECT location FROM patrons WHERE location IS NOT NULL LIMIT 1")[0][0]
    return room, ids(path, "SELECT id FROM patrons WHERE location = ?", room)


def location_after(path, before):
    _, moved = before
    assert ids(path, "SELECT id FROM patrons WHERE location = 'Library Annex'") == moved


# -- Add Patron Notes: an Alert for the Transferred --------------------------------------------

NOTE = "Needs to meet with librarian"


def notes_before(path):
    selected = ids(path, "SELECT id FROM patrons WHERE status = 'Transferred'")
    return selected, query(path, "SELECT count(*) FROM notes")[0][0]


def notes_after(path, before):
    selected, notes_before = before
    rows = ids(path, "SELECT patron_id FROM notes WHERE text = ? AND type = 'Alert'", NOTE)
    assert rows >= selected
    assert query(path, "SELECT count(*) FROM notes")[0][0] - notes_before == len(selected)


# -- Advance Patron Grade and its reminder -----------------------------------------------------


def advance_before(path):
    return (
        ids(path, "SELECT id FROM patrons WHERE grade = '11'"),
        ids(path, "SELECT id FROM patrons WHERE grade = '12'"),
    )


def advance_result(app, before):
    assert "Next: If you name policies after grades" in rendered(app, "#result-summary")
    assert "Change Patron Policy" in rendered(app, "#result-summary")


def advance_after(path, before):
    eleven, twelve = before
    assert eleven and twelve
    assert ids(path, "SELECT id FROM patrons WHERE grade = '12'") == eleven
    assert ids(path, "SELECT id FROM patrons WHERE grade = 'Graduated'") >= twelve
    assert query(path, "SELECT count(*) FROM patrons WHERE grade = '11'") == [(0,)]
    n = len(eleven) + len(twelve)
    assert operations(path) == [("advance-grade", "demo", n, n, 0, 0)]


# -- Change Patron 2nd Location: blank removes it ----------------------------------------------


def location2_before(path):
    return (
        ids(path, "SELECT id FROM patrons WHERE location2 = 'Bus 7'"),
        query(path, "SELECT id, location2 FROM patrons WHERE location2 IS NOT 'Bus 7' ORDER BY id"),
    )


def location2_preview(app, before):
    table = app.screen.query_one(PreviewTable)
    assert [str(c) for c in table.cells(0)[2:4]] == ["Bus 7", "(none)"]


def location2_after(path, before):
    bus7, others = before
    assert bus7
    assert query(
        path, "SELECT count(*) FROM patrons WHERE location2 = 'Bus 7' OR location2 = ''"
    ) == [(0,)]
    assert ids(path, "SELECT id FROM patrons WHERE location2 IS NULL") >= bus7
    kept = ",".join(map(str, bus7))
    assert (
        query(path, f"SELECT id, location2 FROM patrons WHERE id NOT IN ({kept}) ORDER BY id")
        == others
    )


# -- Change Patron Policy: due dates and fines recomputed --------------------------------------

SIXTH_LOANS = (
    "SELECT c.id, c.{} FROM checkouts c JOIN patrons p ON p.id = c.patron_id "
    "WHERE p.grade {} '6' ORDER BY c.id"
)


def policy_before(path):
    return (
        ids(path, "SELECT id FROM patrons WHERE grade = '6'"),
        query(path, SIXTH_LOANS.format("checked_out", "=")),
        query(path, SIXTH_LOANS.format("due_date", "IS NOT")),
    )


def policy_said(loans) -> str:
    return (
        f"{len(loans)} current loans of the patrons to change will get the loan period and "
        "fines of Grade 9-12."
    )


def policy_preview(app, before):
    assert policy_said(before[1]) in rendered(app, "#counts")


def policy_confirm(app, before):
    assert policy_said(before[1]) in rendered(app, "#dialog-body")  # the confirm counts them too


def policy_result(app, before):
    assert (
        f"{len(before[1])} current loans of the changed patrons got the loan period and fines "
        "of Grade 9-12."
    ) in rendered(app, "#result-summary")


def policy_after(path, before):
    sixth, loans, other_loans = before
    assert sixth and loans
    assert ids(path, "SELECT id FROM patrons WHERE policy = 'Grade 9-12' AND grade = '6'") == sixth
    # Grade 9-12 lends for 21 days, at 10 cents a day up to $10.00.
    expected = [
        (cid, (dt.date.fromisoformat(out) + dt.timedelta(days=21)).isoformat())
        for cid, out in loans
    ]
    assert query(path, SIXTH_LOANS.format("due_date", "=")) == expected
    assert set(query(path, SIXTH_LOANS.format("fine_per_day || '/' || c.max_fine", "="))) == {
        (cid, "10/1000") for cid, _ in loans
    }
    assert query(path, SIXTH_LOANS.format("due_date", "IS NOT")) == other_loans


# -- Move Patrons to Site ----------------------------------------------------------------------


def move_before(path):
    return ids(path, "SELECT id FROM patrons WHERE grade = '8' AND site = 'MID'")


def move_after(path, eighth):
    assert eighth
    assert query(path, "SELECT count(*) FROM patrons WHERE grade = '8' AND site = 'MID'") == [(0,)]
    assert ids(path, "SELECT id FROM patrons WHERE grade = '8' AND site = 'HIGH'") >= eighth
    assert ids(path, "SELECT row_id FROM operation_rows WHERE table_name = 'patrons'") == eighth


# -- Reassign Union Site Patrons: the fixed criterion ------------------------------------------

UNION_ONLY = "Always: only patrons of the Union Site"


def union_before(path):
    return ids(path, "SELECT id FROM patrons WHERE site = 'UNION'")


def union_open(app, before):
    assert str(app.screen.query_one("#selection-form .fixed", Static).render()) == UNION_ONLY


def union_preview(app, before):
    assert f"Selections: {UNION_ONLY}" in rendered(app, "#counts")
    assert not app.screen.query("#field-sites")  # the fixed criterion replaces it


def union_result(app, before):
    # The result says who it worked on, as the preview did (not "every patron").
    assert f"Selections: {UNION_ONLY}" in rendered(app, "#result-summary")


def union_after(path, union):
    assert len(union) == 3
    assert query(path, "SELECT count(*) FROM patrons WHERE site = 'UNION'") == [(0,)]
    assert ids(path, "SELECT id FROM patrons WHERE site = 'ELM'") >= union
    assert operations(path) == [("reassign-union-site", "demo", 3, 3, 0, 0)]


# -- Renew Patron Accounts ---------------------------------------------------------------------

COMMUNITY = "SELECT id, expiration_date FROM patrons WHERE policy = 'Community' ORDER BY id"


def renew_before(path):
    return ids(path, "SELECT id FROM patrons WHERE policy = 'Staff'"), query(path, COMMUNITY)


def renew_after(path, before):
    staff, community = before
    assert staff and community
    # Today is fixed at 06/01/2026 (conftest); Staff accounts last 730 days, Community has none.
    # The operator (demo, 301) is Staff too, and never changes their own account.
    assert ids(path, "SELECT id FROM patrons WHERE expiration_date = '2028-05-31'") == staff - {301}
    assert query(path, COMMUNITY) == community
    assert query(
        path, "SELECT DISTINCT reason FROM operation_changes WHERE outcome = 'skip' ORDER BY 1"
    ) == [("policy Community has no account period",), ("your own account",)]
    [(matched, skipped)] = query(path, "SELECT matched, skipped FROM operations")
    assert (matched, skipped) == (len(staff) + len(community), len(community) + 1)


# -- Recompute Due Dates: Grade 9-12's loans get its 21 days and fines -------------------------

SENIOR_LOANS = (
    "SELECT k.id, k.checked_out, k.due_date, k.fine_per_day, k.max_fine FROM checkouts k "
    "JOIN patrons p ON p.id = k.patron_id WHERE p.policy {} 'Grade 9-12' ORDER BY k.id"
)


def recompute_before(path):
    return query(path, SENIOR_LOANS.format("=")), query(path, SENIOR_LOANS.format("IS NOT"))


def recompute_preview(app, before):
    loans, _ = before
    assert (
        f"{len(loans)} current loans of the patrons to change will get the loan period and "
        "fines of their policy."
    ) in rendered(app, "#counts")


def recompute_after(path, before):
    loans, others = before
    assert loans and all(due != out for _, out, due, _, _ in loans)  # the demo lends 14 days
    assert query(path, SENIOR_LOANS.format("=")) == [
        (cid, out, (dt.date.fromisoformat(out) + dt.timedelta(days=21)).isoformat(), 10, 1000)
        for cid, out, _, _, _ in loans
    ]
    assert query(path, SENIOR_LOANS.format("IS NOT")) == others
    assert ids(path, "SELECT row_id FROM operation_rows") == {cid for cid, *_ in loans}
    borrowers = query(
        path,
        "SELECT count(DISTINCT k.patron_id) FROM checkouts k JOIN patrons p "
        "ON p.id = k.patron_id WHERE p.policy = 'Grade 9-12'",
    )[0][0]
    assert query(path, "SELECT utility, changed FROM operations") == [
        ("recompute-due-dates", borrowers)
    ]


# -- Remove Patron Notes, Pictures, History ----------------------------------------------------


def remove_notes_before(path):
    return (
        query(path, "SELECT id FROM notes WHERE type <> 'Category' ORDER BY id"),
        query(path, "SELECT count(*) FROM notes WHERE type = 'Category'")[0][0],
    )


def remove_notes_after(path, before):
    kept, categories = before
    assert categories
    assert query(path, "SELECT id FROM notes ORDER BY id") == kept
    assert query(
        path, "SELECT count(*) FROM operation_rows WHERE table_name = 'notes' AND action = 'delete'"
    ) == [(categories,)]


ELM = "SELECT id FROM patrons WHERE site = 'ELM'"


def pictures_before(path):
    return (
        ids(path, f"SELECT patron_id FROM pictures WHERE patron_id IN ({ELM})"),
        query(
            path,
            f"SELECT patron_id, image FROM pictures WHERE patron_id NOT IN ({ELM}) "
            "ORDER BY patron_id",
        ),
    )


def pictures_after(path, before):
    elm, others = before
    assert elm and others
    assert query(path, "SELECT patron_id, image FROM pictures ORDER BY patron_id") == others
    assert ids(path, "SELECT row_id FROM operation_rows WHERE table_name = 'pictures'") == elm


K = "SELECT id FROM patrons WHERE grade = 'K'"


def history_before(path):
    return (
        query(
            path,
            f"SELECT id FROM history WHERE kind = 'lexile' OR patron_id NOT IN ({K}) ORDER BY id",
        ),
        ids(path, f"SELECT id FROM history WHERE kind <> 'lexile' AND patron_id IN ({K})"),
        ids(path, f"SELECT id FROM history WHERE kind = 'lexile' AND patron_id IN ({K})"),
    )


def history_after(path, before):
    lexile, removed, their_lexile = before
    assert removed and their_lexile
    assert query(path, "SELECT id FROM history ORDER BY id") == lexile
    assert ids(path, "SELECT row_id FROM operation_rows WHERE table_name = 'history'") == removed
