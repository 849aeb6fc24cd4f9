"""The preview and the result of every utility at 80×24, each with a skipped patron (the
operator's own account, a barcode nobody has) and an unchanged one in view: the outcome word
and its reason must read without scrolling sideways. Each snapshot is paired with what the
database holds: nothing written after a preview, exactly the previewed change after the result.
"""

from __future__ import annotations

import sqlite3

import pytest

from tui.screens.confirm import ConfirmScreen, TypedConfirmScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen

from ..databases import everything, query
from .pilot import SIZE, app_for, fill_all, open_utility, settle

# The operator's own account and a barcode no patron has are skipped by every utility.
BARCODES = ["STAFF001", "20260001", "20260002", "20260004", "20260005", "NOSUCH"]

# key: (picker filter, options, SQL making the data show an unchanged patron and a side
# effect, the patrons column or table the result changes). Reassign Union Site Patrons and
# Remove Patrons have no "unchanged" outcome: a union patron always moves, and a patron is
# removed or skipped with the reason.
CASES = {
    "add-notes": (
        "add patron notes",
        {"note": "Needs to meet with librarian", "note_type": "Alert", "replace_existing": True},
        [
            "INSERT INTO notes (patron_id, type, text, created) VALUES "
            "(2, 'Alert', 'Needs to meet with librarian', '2026-01-02'), "
            "(4, 'Alert', 'Overdue books', '2026-01-02')"
        ],
    ),
    "advance-grade": (
        "advance patron grade",
        {},
        ["UPDATE patrons SET grade = 'Graduated' WHERE id = 5"],
    ),
    "change-grade": ("change patron grade", {"grade": "2"}, []),
    "change-location": ("change patron location", {"location": "Room 107"}, []),
    "change-location2": (
        "change patron 2nd location",
        {"location2": "Bus 7"},
        ["UPDATE patrons SET location2 = 'Bus 7' WHERE id = 5"],
    ),
    "change-policy": (
        "change patron policy",
        {"policy": "Grade 9-12", "recompute_due_dates": True},
        [],
    ),
    "change-security-group": (
        "change patron security group",
        {"group": "Teacher"},
        ["UPDATE patrons SET security_group = 'Teacher' WHERE id = 5"],
    ),
    "change-status": (
        "change patron status",
        {"status": "Inactive"},
        ["UPDATE patrons SET status = 'Inactive' WHERE id = 5"],
    ),
    "forgive-charges": (
        "forgive charges",
        {"category": "All Charges, Fees, and Fines"},
        [
            "INSERT INTO charges (patron_id, amount, description, transaction_date) "
            "VALUES (1, 350, 'Lost book', '2026-05-01')"
        ],
    ),
    "move-to-site": ("move patrons to site", {"site": "HIGH"}, []),
    "reassign-union-site": (
        "reassign union site",
        {"site": "ELM"},
        ["UPDATE patrons SET site = 'UNION' WHERE id IN (1, 2, 4, 301)"],
    ),
    # 20260002's loans match Elementary (unchanged); 20260005's are Grade 9-12's 21 days; a
    # loan of 20260004 checked out under Elementary, whose policy is now Grade 6-8 (the same
    # 14 days): its fines change, not its date.
    "recompute-due-dates": (
        "recompute due dates",
        {},
        [
            "INSERT INTO items (barcode, title) VALUES ('39000001', 'Atlas of the World')",
            "INSERT INTO checkouts (item_id, patron_id, checked_out, due_date, fine_per_day, "
            "max_fine) SELECT id, 4, '2026-05-04', '2026-05-18', 5, 200 FROM items "
            "WHERE barcode = '39000001'",
            "UPDATE patrons SET policy = 'Grade 6-8' WHERE id = 4",
        ],
    ),
    "remove-history": ("remove patron history", {}, []),
    "remove-notes": (
        "remove patron notes",
        {"note_type": "Alert"},
        [
            "INSERT INTO notes (patron_id, type, text, created) VALUES "
            "(1, 'Alert', 'Needs to meet with librarian', '2026-01-02')"
        ],
    ),
    "remove-pictures": (
        "remove patron pictures",
        {},
        ["INSERT INTO pictures (patron_id, image) VALUES (1, x'89504e47')"],
    ),
    "remove-patrons": ("remove patrons", {}, []),
    "renew-accounts": (
        "renew patron accounts",
        {},
        ["UPDATE patrons SET expiration_date = '2027-06-01' WHERE id = 5"],
    ),
    "reset-accounts": (
        "reset patron accounts",
        {"username": "Barcode", "password": "No Change"},
        ["UPDATE patrons SET username = 'old' || id WHERE id IN (1, 2, 4)"],
    ),
}
NO_UNCHANGED = {"reassign-union-site", "remove-patrons"}


def prepare(path, key: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for sql in CASES[key][2]:
            conn.execute(sql)
    conn.close()


async def show_preview(pilot, key: str) -> None:
    phrase, options, _ = CASES[key]
    await open_utility(pilot, phrase)
    assert isinstance(pilot.app.screen, UtilityScreen) and pilot.app.screen.utility.key == key
    await fill_all(pilot, barcodes=" ".join(BARCODES))
    await pilot.press("f3")
    await fill_all(pilot, **options)
    await pilot.press("f5")
    await settle(pilot)
    counts = pilot.app.screen.plan.counts
    assert counts.skip >= 2 and counts.change >= 1
    assert (counts.unchanged >= 1) != (key in NO_UNCHANGED)


async def show_result(pilot, key: str) -> None:
    await show_preview(pilot, key)
    await pilot.press("f9")
    await settle(pilot)
    screen = pilot.app.screen
    if isinstance(screen, TypedConfirmScreen):
        await pilot.press(*str(screen.expected), "enter")
    else:
        assert isinstance(screen, ConfirmScreen)
        await pilot.press("y")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SummaryScreen)
    pilot.app.clear_notifications()
    await settle(pilot)


@pytest.mark.parametrize("key", list(CASES))
def test_preview(snap_compare, path, key):
    prepare(path, key)
    before = everything(path)

    async def run_before(pilot):
        await show_preview(pilot, key)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    assert everything(path) == before


@pytest.mark.parametrize("key", list(CASES))
def test_result(snap_compare, path, key):
    prepare(path, key)

    async def run_before(pilot):
        await show_result(pilot, key)

    assert snap_compare(app_for(path), terminal_size=SIZE, run_before=run_before)
    # One operation, of this utility, holding every listed barcode with its outcome; the
    # skipped ones (own account, not found) are untouched.
    [(utility, matched, changed, skipped)] = query(
        path, "SELECT utility, matched, changed, skipped FROM operations"
    )
    # Every listed barcode has its line; Reassign Union Site Patrons skips 20260005 (at HIGH)
    # as "not on the Union Site".
    assert (utility, matched) == (key, len(BARCODES))
    outcomes = dict(query(path, "SELECT barcode, outcome FROM operation_changes"))
    if key == "reassign-union-site":
        assert query(
            path, "SELECT outcome, reason FROM operation_changes WHERE barcode = '20260005'"
        ) == [("skip", "not on the Union Site")]
    assert outcomes["NOSUCH"] == "skip"
    assert outcomes["STAFF001"] == "skip"
    assert skipped == sum(o == "skip" for o in outcomes.values())
    assert changed == sum(o == "change" for o in outcomes.values()) >= 1
    # The journal holds rows for the change, none for the operator's own account (301).
    assert query(path, "SELECT count(*) FROM operation_rows")[0][0] >= changed
    assert query(
        path, "SELECT count(*) FROM operation_rows WHERE row_id = 301 AND table_name = 'patrons'"
    ) == [(0,)]
