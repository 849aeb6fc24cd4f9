"""Recompute Due Dates on small_db (conftest) and its loans: each current loan of the selected
patrons becomes due its checkout date plus the loan period of the patron's policy as it is now,
with that policy's fines; one plan row per patron, its loans' due dates before and after; the
tally counts the loans; journaled, undone, refused when stale or changed since."""

from __future__ import annotations

import pytest

import store
from store.catalog import BY_KEY

from ..operators import ADMIN
from .runs import assert_operation, changes, journal, rows_of, run

# Elementary lends 14 days at 5 cents a day up to $2.00; Secondary 21 days, 10 cents, $10.00.
LOANS = [
    # (loan id, patron id, checked out, due)
    (1, 1, "2026-05-20", "2026-06-03"),  # Adams (Elementary): as Elementary lends, untouched
    (2, 2, "2026-05-10", "2026-05-24"),  # Carter (Elementary), moved to Secondary below
    (3, 2, "2026-04-01", "2026-04-15"),  # Carter again, checked out first
    (4, 3, "2026-05-10", "2026-05-30"),  # Cobb (Secondary): a day short of 21
    (5, 5, "2026-05-01", "2026-05-22"),  # Éluard (Secondary): matches
]


@pytest.fixture
def loans(small_db):
    """The loans above, checked out under the patrons' policies; then Carter's policy is
    changed to Secondary and Éluard is given none."""
    small_db.db["items"].insert_all(
        [{"id": i, "barcode": f"3000{i}", "title": f"Book {i}"} for i, *_ in LOANS]
    )
    small_db.db["checkouts"].insert_all(
        [
            {"id": i, "item_id": i, "patron_id": p, "checked_out": out, "due_date": due}
            for i, p, out, due in LOANS
        ]
    )
    small_db.db.execute("UPDATE patrons SET policy = 'Secondary' WHERE id = 2")
    return small_db


SOME = {"barcodes": ["9", "10", "100", "P123", "1000"]}  # Adams, Carter, Cobb, Éluard, Davis


def loan_rows(s: store.Store) -> dict[int, tuple]:
    return {
        c["id"]: (c["due_date"], c["fine_per_day"], c["max_fine"]) for c in rows_of(s, "checkouts")
    }


def test_it_is_in_the_catalog_with_the_manuals_guidance():
    utility = BY_KEY["recompute-due-dates"]
    assert (utility.title, utility.textbook_tracker) == ("Recompute Due Dates", True)
    assert "Newly changed patron policies do not affect the loan periods or fines" in (
        utility.guidance
    )
    assert "run this utility after Change Patron Policy" in utility.guidance


def test_the_plan_shows_each_patrons_due_dates_before_and_after(loans):
    plan = loans.plan("recompute-due-dates", SOME, {}, ADMIN)
    rows = {r.barcode: (r.current, r.new, r.outcome, r.reason) for r in plan.page(0, 10)}
    assert rows == {
        # Elementary's 14 days: already so, at Elementary's fines.
        "9": (
            "06/03/2026",
            "06/03/2026",
            "unchanged",
            "due dates and fines already match Elementary",
        ),
        # Oldest checkout first; Secondary's 21 days and its fines.
        "10": (
            "04/15/2026, 05/24/2026",
            "04/22/2026, 05/31/2026",
            "change",
            "fines $0.05/day up to $2.00 → $0.10/day up to $10.00",
        ),
        "100": ("05/30/2026", "05/31/2026", "change", None),  # the date alone
        "P123": (
            "05/22/2026",
            "05/22/2026",
            "unchanged",
            "due dates and fines already match Secondary",
        ),
        "1000": (None, None, "unchanged", "no current loans"),
    }
    assert plan.counts == store.Counts(matched=5, change=2, unchanged=3, skip=0)
    assert plan.tally == (
        "3 current loans of the patrons to change will get the loan period and fines of their "
        "policy."
    )
    assert BY_KEY["recompute-due-dates"].show(None) == "(none)"


def test_patrons_without_a_policy_in_the_table_are_skipped_with_the_reason(loans):
    loans.db.execute("UPDATE patrons SET policy = NULL WHERE id = 1")
    # A policy name no row has (a database whose foreign keys were once off).
    loans.db.execute("PRAGMA foreign_keys = OFF")
    loans.db.execute("UPDATE patrons SET policy = 'Summer' WHERE id = 3")
    loans.db.execute("PRAGMA foreign_keys = ON")
    loans.db.execute("UPDATE patrons SET policy = NULL WHERE id = 4")  # Davis: no loans either
    plan = loans.plan("recompute-due-dates", SOME, {}, ADMIN)
    rows = {r.barcode: (r.current, r.new, r.outcome, r.reason) for r in plan.page(0, 10)}
    assert rows["9"] == ("06/03/2026", "06/03/2026", "skip", "no policy")
    assert rows["100"] == (
        "05/30/2026",
        "05/30/2026",
        "skip",
        "policy Summer is not in the policy table",
    )
    assert rows["1000"] == (None, None, "unchanged", "no current loans")
    before = loan_rows(loans)
    run(loans, "recompute-due-dates", SOME, {})
    after = loan_rows(loans)
    assert (after[1], after[4]) == (before[1], before[4])  # the skipped keep theirs


def test_apply_re_dates_the_loans_and_journals_what_they_were(loans):
    plan, _, report = run(loans, "recompute-due-dates", SOME, {})
    assert loan_rows(loans) == {
        1: ("2026-06-03", 5, 200),
        2: ("2026-05-31", 10, 1000),
        3: ("2026-04-22", 10, 1000),
        4: ("2026-05-31", 10, 1000),
        5: ("2026-05-22", 10, 1000),
    }
    elementary, secondary = (
        {"fine_per_day": 5, "max_fine": 200},
        {"fine_per_day": 10, "max_fine": 1000},
    )
    # Only the loans that differed are written; the patrons' own rows are not.
    assert journal(loans, report.operation_id) == [
        (
            "checkouts",
            2,
            "update",
            {"due_date": "2026-05-24", **elementary},
            {"due_date": "2026-05-31", **secondary},
        ),
        (
            "checkouts",
            3,
            "update",
            {"due_date": "2026-04-15", **elementary},
            {"due_date": "2026-04-22", **secondary},
        ),
        (
            "checkouts",
            4,
            "update",
            {"due_date": "2026-05-30", **secondary},
            {"due_date": "2026-05-31", **secondary},
        ),
    ]
    assert report.effects == (
        "3 current loans of the changed patrons got the loan period and fines of their policy."
    )
    assert changes(loans, report.operation_id)["10"] == (
        "change",
        "fines $0.05/day up to $2.00 → $0.10/day up to $10.00",
        "04/15/2026, 05/24/2026",
        "04/22/2026, 05/31/2026",
    )
    assert_operation(loans, report, "recompute-due-dates", plan.counts, {}, SOME)
    # Run again: nothing left to do.
    again = loans.plan("recompute-due-dates", SOME, {}, ADMIN)
    assert again.counts == store.Counts(matched=5, change=0, unchanged=5, skip=0)


def test_undo_puts_the_loans_back_exactly(loans):
    before = rows_of(loans, "checkouts")
    _, _, report = run(loans, "recompute-due-dates", SOME, {})
    undone = loans.undo(report.operation_id, ADMIN)
    assert rows_of(loans, "checkouts") == before
    assert undone.conflicts == []
    assert loans.operation(undone.operation_id)["effects"] == "Also put back: 3 loans."


def test_undo_refuses_a_loan_changed_since_and_puts_back_the_rest(loans):
    _, _, report = run(loans, "recompute-due-dates", SOME, {})
    loans.db.execute("UPDATE checkouts SET due_date = '2026-06-30' WHERE id = 4")  # renewed
    undone = loans.undo(report.operation_id, ADMIN)
    [conflict] = undone.conflicts
    assert "due_date is now '2026-06-30'" in str(conflict)
    assert loan_rows(loans)[4] == ("2026-06-30", 10, 1000)
    assert (loan_rows(loans)[2], loan_rows(loans)[3]) == (
        ("2026-05-24", 5, 200),
        ("2026-04-15", 5, 200),
    )


def test_a_loans_terms_changed_after_the_preview_make_it_stale(loans):
    plan = loans.plan("recompute-due-dates", SOME, {}, ADMIN)
    # Adams' loan, previewed as matching Elementary, no longer does.
    loans.db.execute("UPDATE checkouts SET fine_per_day = 10, max_fine = 1000 WHERE id = 1")
    with pytest.raises(store.Stale):
        loans.apply(plan)
    assert loan_rows(loans)[2] == ("2026-05-24", 5, 200)  # nothing written


def test_change_policy_then_recompute_is_the_manuals_order(loans):
    """Change Patron Policy leaves current loans alone; Recompute Due Dates afterwards gives
    them the new policy's period and fines."""
    run(loans, "change-policy", {"barcodes": ["9"]}, {"policy": "Secondary"})
    assert loan_rows(loans)[1] == ("2026-06-03", 5, 200)
    _, rows, _ = run(loans, "recompute-due-dates", {"barcodes": ["9"]}, {})
    assert (rows["9"].current, rows["9"].new) == ("06/03/2026", "06/10/2026")
    assert loan_rows(loans)[1] == ("2026-06-10", 10, 1000)
