"""Forgive Charges' money: amounts, the Patron Balance criterion, fines accruing on loans."""

from __future__ import annotations

import json

import pytest

import store
from store.money import LIMIT, format_money, parse_amount

from ..operators import ADMIN
from .forgive_helpers import (
    ADAMS,
    ALL,
    BELL,
    CARTER,
    COBB,
    DAVIS,
    KEY,
    OTHER,
    OVERDUE,
    balances,
    charge,
    lend,
    preview,
    problem_of,
)
from .runs import count, run

# -- parse_amount / format_money ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, cents",
    [
        ("$1.00", 100),
        ("1", 100),
        (".5", 50),
        ("0.05", 5),
        ("1.", 100),
        ("-2.50", -250),
        ("-$3", -300),
        ("$-1.00", -100),
        ("1,250.75", 125075),
        ("$1,000,000", 100_000_000),
        ("  12.99 ", 1299),
        ("0", 0),
        ("1000000000", LIMIT),
    ],
)
def test_parse_amount_accepts_dollars_and_cents(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,2", "'1,2' is not an amount: use dollars and cents, e.g. 0.99 or $12.50"),
        ("12,50", "'12,50' is not an amount"),
        ("1.005", "'1.005' has more than two decimals: amounts are in whole cents"),
        ("abc", "'abc' is not an amount"),
        ("", "'' is not an amount"),
        ("$", "'$' is not an amount"),
        ("-", "'-' is not an amount"),
        ("1e3", "'1e3' is not an amount"),
        ("--1", "'--1' is not an amount"),
        ("1.2.3", "'1.2.3' is not an amount"),
        ("1000000000.01", "'1000000000.01' is larger than any balance: at most $1,000,000,000.00"),
    ],
)
def test_parse_amount_refuses_what_is_not_dollars_and_cents(text, message):
    with pytest.raises(ValueError) as info:
        parse_amount(text)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    "cents, shown",
    [
        (0, "$0.00"),
        (5, "$0.05"),
        (99, "$0.99"),
        (1299, "$12.99"),
        (125075, "$1,250.75"),
        (-100, "-$1.00"),
        (-5, "-$0.05"),
        (-125075, "-$1,250.75"),
        (None, "(none)"),
    ],
)
def test_format_money_shows_dollars_and_a_leading_minus_for_credit(cents, shown):
    assert format_money(cents) == shown


def test_the_utility_shows_its_values_as_money(small_db):
    utility = small_db.utility(KEY)
    assert (utility.show(1299), utility.show(-490), utility.show(0)) == (
        "$12.99",
        "-$4.90",
        "$0.00",
    )
    assert small_db.db.execute("SELECT money(1299), money(-5)").fetchone() == ("$12.99", "-$0.05")


# -- the Patron Balance selection ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field, title, message",
    [
        (
            {"balance_from": "abc"},
            "balance_from",
            "Patron Balance from",
            "'abc' is not an amount: use dollars and cents, e.g. 0.99 or $12.50",
        ),
        (
            {"balance_to": "1.005"},
            "balance_to",
            "Patron Balance to",
            "'1.005' has more than two decimals: amounts are in whole cents",
        ),
        ({"balance_to": "1,2"}, "balance_to", "Patron Balance to", "'1,2' is not an amount"),
        (
            {"balance_from": "2", "balance_to": "1.99"},
            "balance_to",
            "Patron Balance to",
            "'1.99' is before the start of the range, '2'",
        ),
        (
            {"balance_from": "-1", "balance_to": "-$2"},
            "balance_to",
            "Patron Balance to",
            "'-$2' is before the start of the range, '-1'",
        ),
    ],
)
def test_bad_balance_names_the_field(small_db, data, field, title, message):
    problem = problem_of(lambda: small_db.plan(KEY, data, {"category": ALL}, ADMIN))
    assert (problem.field, problem.title) == (field, title)
    assert problem.message.startswith(message)
    assert str(problem).startswith(f"{title}: ")


@pytest.mark.parametrize(
    "data",
    [
        {"balance_from": "1", "balance_to": "1.00"},
        {"balance_from": "-$5", "balance_to": "-5"},
        {"balance_from": "$0.99", "balance_to": "1,000"},
    ],
)
def test_an_ordered_or_single_point_balance_range_validates(small_db, data):
    selection = small_db.validate_selection(data, KEY)
    assert (selection.balance_from, selection.balance_to) == (
        data["balance_from"],
        data["balance_to"],
    )  # as typed


@pytest.fixture
def owing(small_db):
    """Balances either side of $1.00 (today 2026-06-01):
    "9" $0.99; "11" $1.50 - $0.51 credit = $0.99; "10" $1.00; "100" (Secondary) $3.00 - $1.00
    credit + a loan 5 days overdue ($0.50 accruing) = $2.50; "1000" a $1.00 credit only; the
    other seven owe nothing."""
    charge(small_db, ADAMS, 99)
    charge(small_db, BELL, 150)
    charge(small_db, BELL, 51, "Credit", credit=True)
    charge(small_db, CARTER, 100)
    charge(small_db, COBB, 300)
    charge(small_db, COBB, 100, "Credit", credit=True)
    lend(small_db, COBB, "2026-05-27")
    charge(small_db, DAVIS, 100, "Credit", credit=True)
    return small_db


def test_balance_is_charges_less_credits_plus_fines_accruing_today(owing, all_barcodes):
    owed = {"9": 99, "11": 99, "10": 100, "100": 250, "1000": -100}
    assert balances(owing) == {b: owed.get(b, 0) for b in all_barcodes}


ZERO = {
    "99",
    "P123",
    "101",
    "2",
    "P200",
    "O'1",
    "p150",
    "STAFF001",
    "STAFF002",
}  # owe nothing in ``owing`` (the operators neither)


@pytest.mark.parametrize(
    "selection, expected",
    [
        # Both ends included: $0.99 is under a $0.99 ceiling, $1.00 is not.
        ({"balance_to": "0.99"}, {"9", "11", "1000"} | ZERO),
        ({"balance_to": "$0.99"}, {"9", "11", "1000"} | ZERO),
        ({"balance_from": "0.99", "balance_to": "1.00"}, {"9", "11", "10"}),
        ({"balance_from": "1"}, {"10", "100"}),
        ({"balance_from": "1.01"}, {"100"}),
        ({"balance_from": "0.01"}, {"9", "11", "10", "100"}),
        # $2.50 only with the $0.50 accruing fine and the $1.00 credit counted.
        ({"balance_from": "2.50", "balance_to": "2.50"}, {"100"}),
        ({"balance_from": "2.49", "balance_to": "2.49"}, set()),
        # A credit-only patron has a negative balance.
        ({"balance_to": "-0.01"}, {"1000"}),
        ({"balance_from": "-1", "balance_to": "-$1.00"}, {"1000"}),
        ({"balance_from": "0", "balance_to": "0"}, ZERO),
        ({"balance_from": "0.99", "sites": ["ELM"]}, {"9", "11", "10"}),
    ],
)
def test_balance_range_is_inclusive_at_both_ends(owing, selection, expected):
    assert set(balances(owing, selection)) == expected


def test_balance_criterion_is_kept_as_typed_and_in_the_operations_row(owing):
    plan, rows, report = run(
        owing, KEY, {"balance_from": " $0.99 ", "balance_to": "1.00"}, {"category": OTHER}
    )
    assert (plan.selection.balance_from, plan.selection.balance_to) == ("$0.99", "1.00")
    assert plan.selection.describe() == ["Patron Balance from: $0.99", "Patron Balance to: 1.00"]
    assert json.loads(owing.operation(report.operation_id)["selection"]) == {
        "balance_from": "$0.99",
        "balance_to": "1.00",
    }
    assert set(rows) == {"9", "11", "10"}
    assert plan.counts == store.Counts(matched=3, change=3, unchanged=0, skip=0)
    # Bell's credit stays, so only $0.99 of Bell's $1.50 is forgiven: no balance below zero.
    assert {b: (r.current, r.new) for b, r in rows.items()} == {
        "9": (99, 0),
        "11": (99, 0),
        "10": (100, 0),
    }
    assert rows["11"].reason == "1 charge, $0.99 of $1.50 forgiven (up to the balance)"


def test_only_forgive_charges_offers_the_balance_criterion(owing):
    assert {"balance_from", "balance_to"} <= set(owing.utility(KEY).criteria())
    assert not {"balance_from", "balance_to"} & set(owing.utility("change-status").criteria())
    problem = problem_of(
        lambda: owing.plan("change-status", {"balance_from": "1"}, {"status": "Inactive"}, ADMIN)
    )
    assert (problem.field, problem.title) == ("balance_from", "Patron Balance from")
    assert problem.message == "is not a selection Change Patron Status offers"
    problem = problem_of(lambda: owing.validate_selection({"balance_to": "5"}, "change-status"))
    assert (problem.field, problem.title) == ("balance_to", "Patron Balance to")
    # Refused before anything was written.
    assert count(owing, "patrons", "status = 'Inactive'") == 1
    assert count(owing, "operations") == 0
    # Without a utility the criterion validates (the form's own validation).
    assert owing.validate_selection({"balance_from": "1"}).balance_from == "1"


# -- fines accruing on overdue loans -------------------------------------------------------------


@pytest.mark.parametrize(
    "patron_id, barcode, due, fines_from, accrued",
    [
        (ADAMS, "9", "2026-05-22", None, 10 * 5),  # Elementary: 5c a day
        (ADAMS, "9", "2026-05-31", None, 5),  # due yesterday: one day
        (ADAMS, "9", "2026-06-01", None, 0),  # due today: nothing yet
        (ADAMS, "9", "2026-06-10", None, 0),  # not due
        (ADAMS, "9", "2026-01-01", None, 200),  # 151 days x 5c = 755c, capped at 200c
        (COBB, "100", "2026-05-02", None, 30 * 10),  # Secondary: 10c a day
        (COBB, "100", "2026-05-04", None, 280),  # 28 days
        (COBB, "100", "2025-06-01", None, 1000),  # 365 days x 10c, capped at 1000c
        (COBB, "100", "2026-05-01", "2026-05-27", 5 * 10),  # forgiven on 05/27: counts from then
        (COBB, "100", "2026-05-01", "2026-04-01", 31 * 10),  # fines_from before due: from due
        (COBB, "100", "2026-05-01", "2026-06-01", 0),  # forgiven today
    ],
)
def test_an_overdue_loan_accrues_its_policys_fine_per_day_up_to_the_maximum(
    small_db, patron_id, barcode, due, fines_from, accrued
):
    lend(small_db, patron_id, due, fines_from)
    plan, rows = preview(small_db, OVERDUE, {"barcode_from": barcode, "barcode_to": barcode})
    row = rows[barcode]
    assert (row.current, row.new) == (accrued, 0)
    if accrued:
        assert (row.outcome, row.reason) == ("change", f"1 fine, {format_money(accrued)} forgiven")
    else:
        assert (row.outcome, row.reason) == ("unchanged", "no overdue fines")


def test_fines_add_up_over_several_loans_each_capped_alone(small_db):
    lend(small_db, ADAMS, "2026-01-01")  # 200 (capped)
    lend(small_db, ADAMS, "2026-02-01")  # 120 days x 5 = 600, capped at 200
    lend(small_db, ADAMS, "2026-05-30")  # 10
    charge(small_db, ADAMS, 75, "Overdue Fine")
    plan, rows = preview(small_db, OVERDUE, {"barcode_from": "9", "barcode_to": "9"})
    assert (rows["9"].current, rows["9"].new, rows["9"].reason) == (
        485,
        0,
        "1 charge + 3 fines, $4.85 forgiven",
    )
