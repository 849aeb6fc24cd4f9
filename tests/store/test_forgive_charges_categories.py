"""Forgive Charges' categories (credits never forgiven) and its transaction date range."""

from __future__ import annotations

import json

import pytest

from store.money import format_money

from ..operators import ADMIN
from .forgive_helpers import (
    ADAMS,
    ADAMS_ONLY,
    ALL,
    CARTER,
    COBB,
    DAVIS,
    KEY,
    LOST,
    OTHER,
    OVERDUE,
    balances,
    charge,
    charge_ids,
    lend,
    preview,
    problem_of,
)
from .runs import count, journal, rows_of, run

# -- categories -----------------------------------------------------------------------------------

# (description, note, the category the charge is in): Lost when description or note is 'Lost',
# else Overdue Fine when either is 'Overdue Fine' (any case, spaces trimmed), else Other.
CHARGES = [
    ("Lost", "", LOST),
    ("Damaged book", "Lost", LOST),
    ("Replacement", " lost ", LOST),
    ("LOST", "", LOST),
    (" lost ", "paid half", LOST),
    ("Lost item", "", OTHER),  # not exactly 'Lost'
    ("Book", "lost in the bus", OTHER),
    ("Overdue Fine", "", OVERDUE),
    ("Late return", "overdue fine", OVERDUE),
    ("  OVERDUE FINE ", "", OVERDUE),
    ("Overdue Fines", "", OTHER),  # not exactly 'Overdue Fine'
    ("Overdue Fine", "LOST", LOST),  # both: Lost only
    ("Lost", "Overdue Fine", LOST),  # both: Lost only
    ("Printing", "", OTHER),
    ("Damaged", "", OTHER),
]
# Credits, even ones described as Lost or Overdue Fine, are never forgiven.
CREDITS = [("Lost", ""), ("Overdue Fine", ""), ("Refund", "Lost")]
FINE = 10 * 5  # Adams's loan, due 05/22/2026: 10 days at the Elementary 5c


@pytest.fixture
def categorised(small_db):
    """Adams ("9") has one charge of each kind (amounts 100, 101, …), three credits and an
    overdue loan; Carter ("10") has the same charges and loan, outside the selection."""
    ids: dict[int, tuple] = {}
    for patron_id in (ADAMS, CARTER):
        for i, (description, note, category) in enumerate(CHARGES):
            cid = charge(
                small_db, patron_id, 100 + i, description, f"2026-0{1 + i % 5}-1{i % 9}", note
            )
            if patron_id == ADAMS:
                ids[cid] = (100 + i, category)
        for description, note in CREDITS:
            charge(small_db, patron_id, 40, description, "2026-03-01", note, credit=True)
        lend(small_db, patron_id, "2026-05-22")
    return small_db, ids


@pytest.mark.parametrize(
    "category, expected, fine",
    [
        (ALL, {LOST, OVERDUE, OTHER}, True),
        (LOST, {LOST}, False),
        (OVERDUE, {OVERDUE}, True),
        (OTHER, {OTHER}, False),
    ],
)
def test_each_category_forgives_its_charges_and_keeps_the_rest(
    categorised, category, expected, fine
):
    s, ids = categorised
    balance = sum(amount for amount, _ in ids.values()) - 40 * len(CREDITS) + FINE
    assert balance == 1605 - 120 + 50
    forgiven = {cid for cid, (_, cat) in ids.items() if cat in expected}
    amount = sum(ids[cid][0] for cid in forgiven) + (FINE if fine else 0)
    # The reason counts charges and accruing fines apart: '5 charges + 1 fine, $X forgiven'.
    said = f"{len(forgiven)} charges" + (" + 1 fine" if fine else "")
    carter_before = rows_of(s, "charges", "patron_id = ?", CARTER)

    # All of them ($16.55) is more than Adams owes: at most the balance is forgiven, and the
    # charge that reaches it (the newest, by the dates above) only in part.
    capped = amount > balance
    done = min(amount, balance)
    plan, rows, report = run(s, KEY, ADAMS_ONLY, {"category": category})
    assert (rows["9"].current, rows["9"].new, rows["9"].outcome, rows["9"].reason) == (
        balance,
        balance - done,
        "change",
        f"{said}, {format_money(done)} of {format_money(amount)} forgiven (up to the balance)"
        if capped
        else f"{said}, {format_money(done)} forgiven",
    )
    assert capped == (category == ALL)
    # Forgiven charges are gone (but the one forgiven in part); the others and every credit stay.
    kept = charge_ids(s, ADAMS)
    assert set(ids) - forgiven <= kept
    # Oldest first: past the one forgiven in part, the newest are not reached at all.
    part = kept & forgiven
    assert bool(part) == capped
    left = {cid: s.db["charges"].get(cid)["amount"] for cid in part}
    assert sum(left.values()) == amount - done
    cut = [cid for cid in part if left[cid] != ids[cid][0]]
    assert len(cut) == int(capped)
    assert count(s, "charges", "patron_id = ? AND is_credit", ADAMS) == len(CREDITS)
    assert count(s, "charges", "patron_id = ?", ADAMS) == (
        len(CHARGES) - len(forgiven) + len(part) + len(CREDITS)
    )
    # The accruing fine is forgiven only by All and Overdue Fines Only.
    loan = rows_of(s, "checkouts", "patron_id = ?", ADAMS)[0]
    assert loan["fines_from"] == ("2026-06-01" if fine else None)
    touched = len(forgiven) - len(part) + len(cut)
    assert count(s, "history", "patron_id = ? AND kind = 'forgiven'", ADAMS) == touched + int(fine)
    # Carter, not selected, keeps everything.
    assert rows_of(s, "charges", "patron_id = ?", CARTER) == carter_before
    assert rows_of(s, "checkouts", "patron_id = ?", CARTER)[0]["fines_from"] is None
    assert balances(s, ADAMS_ONLY) == {"9": balance - done}


def test_the_category_table_matches_the_hand_counts(categorised):
    """The counts the parametrized test relies on, stated by hand: 7 Lost, 3 Overdue, 5 Other."""
    _, ids = categorised
    by = {c: sorted(a for a, cat in ids.values() if cat == c) for c in (LOST, OVERDUE, OTHER)}
    assert by == {
        LOST: [100, 101, 102, 103, 104, 111, 112],
        OVERDUE: [107, 108, 109],
        OTHER: [105, 106, 110, 113, 114],
    }


def test_lost_and_overdue_at_once_is_lost_only(small_db):
    both = charge(small_db, ADAMS, 300, "Overdue Fine", note="Lost")
    fine = charge(small_db, ADAMS, 20, "Overdue Fine")
    plan, rows = preview(small_db, OVERDUE, ADAMS_ONLY)
    assert (rows["9"].current, rows["9"].new, rows["9"].reason) == (
        320,
        300,
        "1 charge, $0.20 forgiven",
    )
    small_db.apply(plan)
    assert charge_ids(small_db, ADAMS) == {both}
    plan, rows = preview(small_db, LOST, ADAMS_ONLY)
    assert (rows["9"].current, rows["9"].new, rows["9"].reason) == (
        300,
        0,
        "1 charge, $3.00 forgiven",
    )
    assert fine not in charge_ids(small_db, ADAMS)


@pytest.mark.parametrize(
    "category, nothing",
    [
        (ALL, "no charges or accruing fines"),
        (LOST, "no lost fees"),
        (OVERDUE, "no overdue fines"),
        (OTHER, "no other charges"),
    ],
)
def test_a_credit_only_patron_has_nothing_to_forgive_in_any_category(small_db, category, nothing):
    credit = charge(small_db, DAVIS, 250, "Lost", credit=True)
    charge(small_db, DAVIS, 100, "Overdue Fine", credit=True)
    plan, rows, report = run(
        small_db, KEY, {"barcode_from": "1000", "barcode_to": "1000"}, {"category": category}
    )
    assert (rows["1000"].current, rows["1000"].new, rows["1000"].outcome, rows["1000"].reason) == (
        -350,
        -350,
        "unchanged",
        nothing,
    )
    assert charge_ids(small_db, DAVIS) == {credit, credit + 1}
    assert count(small_db, "history") == 0
    assert journal(small_db, report.operation_id) == []


# -- the transaction date range ------------------------------------------------------------------


@pytest.fixture
def dated(small_db):
    """Cobb ("100") has six Other charges, amounts powers of two so a sum names the dates."""
    for amount, date in [
        (100, "2026-04-30"),
        (200, "2026-05-01"),
        (400, "2026-05-15"),
        (800, "2026-05-31 23:59:59"),
        (1600, "2026-06-01"),
        (3200, "2020-01-15"),
    ]:
        charge(small_db, COBB, amount, "Printing", date)
    return small_db


# Cobb, de la Cruz and Davis: only Cobb owes anything.
COBB_TO_DAVIS = {"barcode_from": "100", "barcode_to": "1000"}


@pytest.mark.parametrize(
    "start, end, forgiven, how_many, dated_as",
    [
        # Both ends included, a time of day on the last one too.
        ("05/01/2026", "05/31/2026", 200 + 400 + 800, 3, " dated 05/01/2026 to 05/31/2026"),
        ("2026-05-01", "2026-05-01", 200, 1, " dated 05/01/2026 to 05/01/2026"),
        ("05/02/2026", "05/30/2026", 400, 1, " dated 05/02/2026 to 05/30/2026"),
        # Blank start: every past charge.
        ("", "2026-05-31", 100 + 200 + 400 + 800 + 3200, 5, " dated the beginning to 05/31/2026"),
        # Blank end: up to today.
        ("2026-05-01", "", 200 + 400 + 800 + 1600, 4, " dated 05/01/2026 to today"),
        ("", "", 6300, 6, ""),
        # Relative dates resolve against today (2026-06-01).
        ("today-30d", "today-1d", 400 + 800, 2, " dated 05/02/2026 to 05/31/2026"),
        ("today", "today", 1600, 1, " dated 06/01/2026 to 06/01/2026"),
        ("-1m", "", 200 + 400 + 800 + 1600, 4, " dated 05/01/2026 to today"),
    ],
)
def test_transaction_dates_include_both_ends(dated, start, end, forgiven, how_many, dated_as):
    plan, rows, report = run(
        dated,
        KEY,
        COBB_TO_DAVIS,
        {"category": OTHER, "transaction_from": start, "transaction_to": end},
    )
    noun = "charge" if how_many == 1 else "charges"
    assert (rows["100"].current, rows["100"].new, rows["100"].reason) == (
        6300,
        6300 - forgiven,
        f"{how_many} {noun}, {format_money(forgiven)} forgiven",
    )
    # Those without charges say so, with the range as they would read it.
    for barcode in ("101", "1000"):
        assert (
            rows[barcode].current,
            rows[barcode].new,
            rows[barcode].outcome,
            rows[barcode].reason,
        ) == (0, 0, "unchanged", f"no other charges{dated_as}")
    assert sum(r["amount"] for r in rows_of(dated, "charges")) == 6300 - forgiven
    # Kept as typed, so a saved run means the same next year.
    assert json.loads(dated.operation(report.operation_id)["options"]) == {
        "category": OTHER.value,
        "transaction_from": start,
        "transaction_to": end,
    }


def test_blank_end_stops_at_today_so_a_future_dated_charge_stays(dated):
    """'And Ending' blank means 'up to today' (its description, and the reason 'to today')."""
    future = charge(dated, COBB, 5000, "Printing", "2026-06-02")
    plan, rows = preview(
        dated, OTHER, {"barcode_from": "100", "barcode_to": "100"}, transaction_from="2026-05-01"
    )
    assert (rows["100"].current, rows["100"].new) == (11300, 11300 - 3000)
    dated.apply(plan)
    assert future in charge_ids(dated, COBB)


@pytest.mark.parametrize(
    "options, field, title, message",
    [
        (
            {"category": ALL, "transaction_from": "05/01/2026", "transaction_to": "04/30/2026"},
            "transaction_to",
            "And Ending",
            "'04/30/2026' is before the start of the range, '05/01/2026'",
        ),
        (
            {"category": ALL, "transaction_from": "today", "transaction_to": "today-1d"},
            "transaction_to",
            "And Ending",
            "'today-1d' is before the start of the range, 'today'",
        ),
        (
            {"category": ALL, "transaction_from": "someday"},
            "transaction_from",
            "Transaction Date Starting",
            "'someday' is not a date; use MM/DD/YYYY",
        ),
        (
            {"category": ALL, "transaction_to": "02/30/2026"},
            "transaction_to",
            "And Ending",
            "'02/30/2026' is not a real date",
        ),
        (
            {"category": "Fines"},
            "category",
            "Charges to forgive",
            "'Fines' is not allowed; allowed: ",
        ),
        (
            {},
            "category",
            "Charges to forgive",
            "a value is required; choose one of: All Charges, Fees, and Fines, Lost Fees Only, "
            "Overdue Fines Only, Other Charges/Fees",
        ),
    ],
)
def test_bad_options_name_the_field(dated, options, field, title, message):
    problem = problem_of(lambda: dated.plan(KEY, {}, options, ADMIN))
    assert (problem.field, problem.title) == (field, title)
    assert problem.message.startswith(message)
    assert count(dated, "charges") == 6 and count(dated, "operations") == 0


def test_category_accepts_any_case(dated):
    plan, rows = preview(dated, "other charges/fees", {"barcode_from": "100", "barcode_to": "100"})
    assert plan.options.category is OTHER
    assert rows["100"].reason == "6 charges, $63.00 forgiven"


def test_an_accruing_fine_is_dated_by_its_loans_due_date(small_db):
    lend(small_db, COBB, "2026-04-29")  # 33 days x 10c = 330
    lend(small_db, COBB, "2026-05-01")  # 31 days = 310
    lend(small_db, COBB, "2026-04-20", fines_from="2026-05-20")  # 12 days = 120, dated 04/20
    lend(small_db, COBB, "2026-05-31")  # 1 day = 10
    cobb = {"barcode_from": "100", "barcode_to": "100"}
    plan, rows = preview(small_db, OVERDUE, cobb, transaction_from="05/01/2026")
    assert (rows["100"].current, rows["100"].new, rows["100"].reason) == (
        770,
        450,
        "2 fines, $3.20 forgiven",
    )
    plan, rows = preview(small_db, ALL, cobb, transaction_to="04/30/2026")
    assert (rows["100"].current, rows["100"].new, rows["100"].reason) == (
        770,
        320,
        "2 fines, $4.50 forgiven",
    )
    plan, rows = preview(small_db, OVERDUE, cobb, transaction_from="06/01/2026")
    assert (rows["100"].current, rows["100"].new, rows["100"].outcome, rows["100"].reason) == (
        770,
        770,
        "unchanged",
        "no overdue fines dated 06/01/2026 to today",
    )
