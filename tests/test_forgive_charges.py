"""Forgive Charges, money in cents and the Patron Balance criterion: parsing amounts, the
balance (charges - credits + fines accruing today), each category rule, the transaction date
range, the plan's rows, the apply and its journal, and who may run it.

Everything runs on small_db (conftest: today is 2026-06-01; Elementary fines 5c a day up to
200c, Secondary 10c a day up to 1000c) plus the charges and loans each test adds. Amounts are
integer cents throughout.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

import store
from store import clock
from store.money import LIMIT, format_money, parse_amount
from store.security import FORGIVE
from store.utilities.forgive_charges import ChargeCategory

from .operators import ADMIN, AIDE
from .store_helpers import NOW, changes, count, journal, rows_of, run

KEY = "forgive-charges"
ALL, LOST, OVERDUE, OTHER = (ChargeCategory.ALL, ChargeCategory.LOST, ChargeCategory.OVERDUE,
                             ChargeCategory.OTHER)
# small_db ids of the patrons these tests charge: barcode -> id.
ADAMS, CARTER, COBB, DAVIS, BELL = 1, 2, 3, 4, 7  # "9", "10", "100", "1000", "11"


# -- helpers ---------------------------------------------------------------------------------------


def charge(s: store.Store, patron_id: int, amount: int, description: str = "Printing",
           date: str = "2026-05-01", note: str = "", credit: bool = False) -> int:
    """A charge (or credit) row; returns its id."""
    return s.db["charges"].insert({
        "patron_id": patron_id, "amount": amount, "description": description, "note": note,
        "transaction_date": date, "is_credit": int(credit)}).last_pk


def lend(s: store.Store, patron_id: int, due: str, fines_from: str | None = None) -> int:
    """An item checked out to the patron, due on ``due``; returns the checkout id."""
    n = count(s, "items") + 1
    item_id = s.db["items"].insert({"barcode": f"B{n}", "title": f"Book {n}",
                                    "status": "Checked Out"}).last_pk
    return s.db["checkouts"].insert({
        "item_id": item_id, "patron_id": patron_id, "checked_out": "2026-01-02",
        "due_date": due, "fines_from": fines_from}).last_pk


def preview(s: store.Store, category=ALL, selection: dict | None = None, operator=ADMIN,
            **dates) -> tuple[store.Plan, dict[str, store.PlanRow]]:
    """A plan (not applied) and its rows by barcode."""
    plan = s.plan(KEY, selection or {}, {"category": category, **dates}, operator)
    return plan, {r.barcode: r for r in plan.page(0, 100)}


def balances(s: store.Store, selection: dict | None = None) -> dict[str, int]:
    """barcode -> balance in cents (the plan's current column) of the matched patrons."""
    plan, rows = preview(s, ALL, selection)
    s.discard(plan)
    return {b: r.current for b, r in rows.items()}


def problem_of(call) -> store.Problem:
    with pytest.raises(store.Invalid) as info:
        call()
    [problem] = info.value.problems
    return problem


def charge_ids(s: store.Store, patron_id: int) -> set[int]:
    return {r["id"] for r in rows_of(s, "charges", "patron_id = ?", patron_id)}


# -- parse_amount / format_money -------------------------------------------------------------------


@pytest.mark.parametrize("text, cents", [
    ("$1.00", 100), ("1", 100), (".5", 50), ("0.05", 5), ("1.", 100), ("-2.50", -250),
    ("-$3", -300), ("$-1.00", -100), ("1,250.75", 125075), ("$1,000,000", 100_000_000),
    ("  12.99 ", 1299), ("0", 0), ("1000000000", LIMIT),
])
def test_parse_amount_accepts_dollars_and_cents(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text, message", [
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
])
def test_parse_amount_refuses_what_is_not_dollars_and_cents(text, message):
    with pytest.raises(ValueError) as info:
        parse_amount(text)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("cents, shown", [
    (0, "$0.00"), (5, "$0.05"), (99, "$0.99"), (1299, "$12.99"), (125075, "$1,250.75"),
    (-100, "-$1.00"), (-5, "-$0.05"), (-125075, "-$1,250.75"), (None, "(none)"),
])
def test_format_money_shows_dollars_and_a_leading_minus_for_credit(cents, shown):
    assert format_money(cents) == shown


def test_the_utility_shows_its_values_as_money(small_db):
    utility = small_db.utility(KEY)
    assert (utility.show(1299), utility.show(-490), utility.show(0)) == (
        "$12.99", "-$4.90", "$0.00")
    assert small_db.db.execute("SELECT money(1299), money(-5)").fetchone() == ("$12.99", "-$0.05")


# -- the Patron Balance selection ------------------------------------------------------------------


@pytest.mark.parametrize("data, field, title, message", [
    ({"balance_from": "abc"}, "balance_from", "Patron Balance from",
     "'abc' is not an amount: use dollars and cents, e.g. 0.99 or $12.50"),
    ({"balance_to": "1.005"}, "balance_to", "Patron Balance to",
     "'1.005' has more than two decimals: amounts are in whole cents"),
    ({"balance_to": "1,2"}, "balance_to", "Patron Balance to", "'1,2' is not an amount"),
    ({"balance_from": "2", "balance_to": "1.99"}, "balance_to", "Patron Balance to",
     "'1.99' is before the start of the range, '2'"),
    ({"balance_from": "-1", "balance_to": "-$2"}, "balance_to", "Patron Balance to",
     "'-$2' is before the start of the range, '-1'"),
])
def test_bad_balance_names_the_field(small_db, data, field, title, message):
    problem = problem_of(lambda: small_db.plan(KEY, data, {"category": ALL}, ADMIN))
    assert (problem.field, problem.title) == (field, title)
    assert problem.message.startswith(message)
    assert str(problem).startswith(f"{title}: ")


@pytest.mark.parametrize("data", [
    {"balance_from": "1", "balance_to": "1.00"}, {"balance_from": "-$5", "balance_to": "-5"},
    {"balance_from": "$0.99", "balance_to": "1,000"},
])
def test_an_ordered_or_single_point_balance_range_validates(small_db, data):
    selection = small_db.validate_selection(data, KEY)
    assert (selection.balance_from, selection.balance_to) == (data["balance_from"],
                                                               data["balance_to"])  # as typed


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


ZERO = {"99", "P123", "101", "2", "P200", "O'1", "p150"}  # owe nothing in ``owing``


@pytest.mark.parametrize("selection, expected", [
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
])
def test_balance_range_is_inclusive_at_both_ends(owing, selection, expected):
    assert set(balances(owing, selection)) == expected


def test_balance_criterion_is_kept_as_typed_and_in_the_operations_row(owing):
    plan, rows, report = run(owing, KEY, {"balance_from": " $0.99 ", "balance_to": "1.00"},
                             {"category": OTHER})
    assert (plan.selection.balance_from, plan.selection.balance_to) == ("$0.99", "1.00")
    assert plan.selection.describe() == ["Patron Balance from: $0.99", "Patron Balance to: 1.00"]
    assert json.loads(owing.operation(report.operation_id)["selection"]) == {
        "balance_from": "$0.99", "balance_to": "1.00"}
    assert set(rows) == {"9", "11", "10"}
    assert plan.counts == store.Counts(matched=3, change=3, unchanged=0, skip=0)
    # Bell's credit stays, so Bell ends $0.51 in credit.
    assert {b: (r.current, r.new) for b, r in rows.items()} == {
        "9": (99, 0), "11": (99, -51), "10": (100, 0)}


def test_only_forgive_charges_offers_the_balance_criterion(owing):
    assert {"balance_from", "balance_to"} <= set(owing.utility(KEY).criteria())
    assert not {"balance_from", "balance_to"} & set(owing.utility("change-status").criteria())
    problem = problem_of(lambda: owing.plan("change-status", {"balance_from": "1"},
                                            {"status": "Inactive"}, ADMIN))
    assert (problem.field, problem.title) == ("balance_from", "Patron Balance from")
    assert problem.message == "is not a selection Change Patron Status offers"
    problem = problem_of(lambda: owing.validate_selection({"balance_to": "5"}, "change-status"))
    assert (problem.field, problem.title) == ("balance_to", "Patron Balance to")
    # Refused before anything was written.
    assert count(owing, "patrons", "status = 'Inactive'") == 1
    assert count(owing, "operations") == 0
    # Without a utility the criterion validates (the form's own validation).
    assert owing.validate_selection({"balance_from": "1"}).balance_from == "1"


# -- fines accruing on overdue loans ---------------------------------------------------------------


@pytest.mark.parametrize("patron_id, barcode, due, fines_from, accrued", [
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
])
def test_an_overdue_loan_accrues_its_policys_fine_per_day_up_to_the_maximum(
        small_db, patron_id, barcode, due, fines_from, accrued):
    lend(small_db, patron_id, due, fines_from)
    plan, rows = preview(small_db, OVERDUE, {"barcode_from": barcode, "barcode_to": barcode})
    row = rows[barcode]
    assert (row.current, row.new) == (accrued, 0)
    if accrued:
        assert (row.outcome, row.reason) == (
            "change", f"1 fine, {format_money(accrued)} forgiven")
    else:
        assert (row.outcome, row.reason) == ("unchanged", "no overdue fines")


def test_fines_add_up_over_several_loans_each_capped_alone(small_db):
    lend(small_db, ADAMS, "2026-01-01")  # 200 (capped)
    lend(small_db, ADAMS, "2026-02-01")  # 120 days x 5 = 600, capped at 200
    lend(small_db, ADAMS, "2026-05-30")  # 10
    charge(small_db, ADAMS, 75, "Overdue Fine")
    plan, rows = preview(small_db, OVERDUE, {"barcode_from": "9", "barcode_to": "9"})
    assert (rows["9"].current, rows["9"].new, rows["9"].reason) == (
        485, 0, "1 charge + 3 fines, $4.85 forgiven")


# -- categories ------------------------------------------------------------------------------------

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
            cid = charge(small_db, patron_id, 100 + i, description, f"2026-0{1 + i % 5}-1{i % 9}",
                         note)
            if patron_id == ADAMS:
                ids[cid] = (100 + i, category)
        for description, note in CREDITS:
            charge(small_db, patron_id, 40, description, "2026-03-01", note, credit=True)
        lend(small_db, patron_id, "2026-05-22")
    return small_db, ids


ADAMS_ONLY = {"barcode_from": "9", "barcode_to": "9"}


@pytest.mark.parametrize("category, expected, fine", [
    (ALL, {LOST, OVERDUE, OTHER}, True),
    (LOST, {LOST}, False),
    (OVERDUE, {OVERDUE}, True),
    (OTHER, {OTHER}, False),
])
def test_each_category_forgives_its_charges_and_keeps_the_rest(categorised, category, expected,
                                                                fine):
    s, ids = categorised
    balance = sum(amount for amount, _ in ids.values()) - 40 * len(CREDITS) + FINE
    assert balance == 1605 - 120 + 50
    forgiven = {cid for cid, (_, cat) in ids.items() if cat in expected}
    amount = sum(ids[cid][0] for cid in forgiven) + (FINE if fine else 0)
    # The reason counts charges and accruing fines apart: '5 charges + 1 fine, $X forgiven'.
    said = f"{len(forgiven)} charges" + (" + 1 fine" if fine else "")
    carter_before = rows_of(s, "charges", "patron_id = ?", CARTER)

    plan, rows, report = run(s, KEY, ADAMS_ONLY, {"category": category})
    assert (rows["9"].current, rows["9"].new, rows["9"].outcome, rows["9"].reason) == (
        balance, balance - amount, "change", f"{said}, {format_money(amount)} forgiven")
    # Forgiven charges are gone; the others and every credit stay.
    kept = charge_ids(s, ADAMS)
    assert kept.isdisjoint(forgiven)
    assert set(ids) - forgiven <= kept
    assert count(s, "charges", "patron_id = ? AND is_credit", ADAMS) == len(CREDITS)
    assert count(s, "charges", "patron_id = ?", ADAMS) == (
        len(CHARGES) - len(forgiven) + len(CREDITS))
    # The accruing fine is forgiven only by All and Overdue Fines Only.
    loan = rows_of(s, "checkouts", "patron_id = ?", ADAMS)[0]
    assert loan["fines_from"] == ("2026-06-01" if fine else None)
    assert count(s, "history", "patron_id = ? AND kind = 'forgiven'", ADAMS) == len(forgiven) + int(fine)
    # Carter, not selected, keeps everything.
    assert rows_of(s, "charges", "patron_id = ?", CARTER) == carter_before
    assert rows_of(s, "checkouts", "patron_id = ?", CARTER)[0]["fines_from"] is None
    assert balances(s, ADAMS_ONLY) == {"9": balance - amount}


def test_the_category_table_matches_the_hand_counts(categorised):
    """The counts the parametrized test relies on, stated by hand: 7 Lost, 3 Overdue, 5 Other."""
    _, ids = categorised
    by = {c: sorted(a for a, cat in ids.values() if cat == c) for c in (LOST, OVERDUE, OTHER)}
    assert by == {LOST: [100, 101, 102, 103, 104, 111, 112], OVERDUE: [107, 108, 109],
                  OTHER: [105, 106, 110, 113, 114]}


def test_lost_and_overdue_at_once_is_lost_only(small_db):
    both = charge(small_db, ADAMS, 300, "Overdue Fine", note="Lost")
    fine = charge(small_db, ADAMS, 20, "Overdue Fine")
    plan, rows = preview(small_db, OVERDUE, ADAMS_ONLY)
    assert (rows["9"].current, rows["9"].new, rows["9"].reason) == (320, 300,
                                                                    "1 charge, $0.20 forgiven")
    small_db.apply(plan)
    assert charge_ids(small_db, ADAMS) == {both}
    plan, rows = preview(small_db, LOST, ADAMS_ONLY)
    assert (rows["9"].current, rows["9"].new, rows["9"].reason) == (300, 0,
                                                                    "1 charge, $3.00 forgiven")
    assert fine not in charge_ids(small_db, ADAMS)


@pytest.mark.parametrize("category, nothing", [
    (ALL, "no charges or accruing fines"), (LOST, "no lost fees"),
    (OVERDUE, "no overdue fines"), (OTHER, "no other charges"),
])
def test_a_credit_only_patron_has_nothing_to_forgive_in_any_category(small_db, category, nothing):
    credit = charge(small_db, DAVIS, 250, "Lost", credit=True)
    charge(small_db, DAVIS, 100, "Overdue Fine", credit=True)
    plan, rows, report = run(small_db, KEY, {"barcode_from": "1000", "barcode_to": "1000"},
                             {"category": category})
    assert (rows["1000"].current, rows["1000"].new, rows["1000"].outcome, rows["1000"].reason) == (
        -350, -350, "unchanged", nothing)
    assert charge_ids(small_db, DAVIS) == {credit, credit + 1}
    assert count(small_db, "history") == 0
    assert journal(small_db, report.operation_id) == []


# -- the transaction date range --------------------------------------------------------------------


@pytest.fixture
def dated(small_db):
    """Cobb ("100") has six Other charges, amounts powers of two so a sum names the dates."""
    for amount, date in [(100, "2026-04-30"), (200, "2026-05-01"), (400, "2026-05-15"),
                         (800, "2026-05-31 23:59:59"), (1600, "2026-06-01"),
                         (3200, "2020-01-15")]:
        charge(small_db, COBB, amount, "Printing", date)
    return small_db


# Cobb, de la Cruz and Davis: only Cobb owes anything.
COBB_TO_DAVIS = {"barcode_from": "100", "barcode_to": "1000"}


@pytest.mark.parametrize("start, end, forgiven, how_many, dated_as", [
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
])
def test_transaction_dates_include_both_ends(dated, start, end, forgiven, how_many, dated_as):
    plan, rows, report = run(dated, KEY, COBB_TO_DAVIS, {
        "category": OTHER, "transaction_from": start, "transaction_to": end})
    noun = "charge" if how_many == 1 else "charges"
    assert (rows["100"].current, rows["100"].new, rows["100"].reason) == (
        6300, 6300 - forgiven, f"{how_many} {noun}, {format_money(forgiven)} forgiven")
    # Those without charges say so, with the range as they would read it.
    for barcode in ("101", "1000"):
        assert (rows[barcode].current, rows[barcode].new, rows[barcode].outcome,
                rows[barcode].reason) == (0, 0, "unchanged", f"no other charges{dated_as}")
    assert sum(r["amount"] for r in rows_of(dated, "charges")) == 6300 - forgiven
    # Kept as typed, so a saved run means the same next year.
    assert json.loads(dated.operation(report.operation_id)["options"]) == {
        "category": OTHER.value, "transaction_from": start, "transaction_to": end}


def test_blank_end_stops_at_today_so_a_future_dated_charge_stays(dated):
    """'And Ending' blank means 'up to today' (its description, and the reason 'to today')."""
    future = charge(dated, COBB, 5000, "Printing", "2026-06-02")
    plan, rows = preview(dated, OTHER, {"barcode_from": "100", "barcode_to": "100"},
                         transaction_from="2026-05-01")
    assert (rows["100"].current, rows["100"].new) == (11300, 11300 - 3000)
    dated.apply(plan)
    assert future in charge_ids(dated, COBB)


@pytest.mark.parametrize("options, field, title, message", [
    ({"category": ALL, "transaction_from": "05/01/2026", "transaction_to": "04/30/2026"},
     "transaction_to", "And Ending", "'04/30/2026' is before the start of the range, '05/01/2026'"),
    ({"category": ALL, "transaction_from": "today", "transaction_to": "today-1d"},
     "transaction_to", "And Ending", "'today-1d' is before the start of the range, 'today'"),
    ({"category": ALL, "transaction_from": "someday"}, "transaction_from",
     "Transaction Date Starting", "'someday' is not a date; use MM/DD/YYYY"),
    ({"category": ALL, "transaction_to": "02/30/2026"}, "transaction_to", "And Ending",
     "'02/30/2026' is not a real date"),
    ({"category": "Fines"}, "category", "Charges to forgive", "'Fines' is not allowed; allowed: "),
    ({}, "category", "Charges to forgive",
     "a value is required; choose one of: All Charges, Fees, and Fines, Lost Fees Only, "
     "Overdue Fines Only, Other Charges/Fees"),
])
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
        770, 450, "2 fines, $3.20 forgiven")
    plan, rows = preview(small_db, ALL, cobb, transaction_to="04/30/2026")
    assert (rows["100"].current, rows["100"].new, rows["100"].reason) == (
        770, 320, "2 fines, $4.50 forgiven")
    plan, rows = preview(small_db, OVERDUE, cobb, transaction_from="06/01/2026")
    assert (rows["100"].current, rows["100"].new, rows["100"].outcome, rows["100"].reason) == (
        770, 770, "unchanged", "no overdue fines dated 06/01/2026 to today")


# -- apply: what is deleted, recorded and journaled ------------------------------------------------


@pytest.fixture
def to_forgive(small_db):
    """Adams ("9"): two charges, a credit and a loan 10 days overdue (50c); Carter ("10"): one
    charge; Bell ("11"): a loan forgiven before (fines_from 05/27: 25c); Cobb ("100", HIGH)
    a charge outside the selection (ELM)."""
    s = small_db
    s.db["history"].insert({"patron_id": ADAMS, "kind": "payment", "detail": "Paid $1.00",
                            "date": "2026-02-01"})
    ids = {
        "lost": charge(s, ADAMS, 1299, "Lost", "2026-03-15", "Charlotte's Web"),
        "printing": charge(s, ADAMS, 25, "Printing", "2026-05-20"),
        "credit": charge(s, ADAMS, 100, "Credit", "2026-04-01", credit=True),
        "carter": charge(s, CARTER, 150, "Overdue Fine", "2026-05-10"),
        "cobb": charge(s, COBB, 500, "Lost", "2026-05-10"),
        "adams_loan": lend(s, ADAMS, "2026-05-22"),
        "bell_loan": lend(s, BELL, "2026-05-01", fines_from="2026-05-27"),
    }
    return s, ids


def test_apply_deletes_records_and_journals_each_forgiven_charge_and_fine(to_forgive):
    s, ids = to_forgive
    charges_before = {r["id"]: r for r in rows_of(s, "charges")}
    loans_before = {r["id"]: r for r in rows_of(s, "checkouts")}
    utility = s.utility(KEY)

    plan, rows, report = run(s, KEY, {"sites": ["ELM"]}, {"category": ALL})
    assert plan.counts == store.Counts(matched=5, change=3, unchanged=2, skip=0)
    assert {b: (r.current, r.new, r.outcome, r.reason) for b, r in rows.items()} == {
        "9": (1299 + 25 - 100 + 50, -100, "change", "2 charges + 1 fine, $13.74 forgiven"),
        "10": (150, 0, "change", "1 charge, $1.50 forgiven"),
        "11": (25, 0, "change", "1 fine, $0.25 forgiven"),
        "P200": (0, 0, "unchanged", "no charges or accruing fines"),
        "O'1": (0, 0, "unchanged", "no charges or accruing fines"),
    }
    assert (utility.show(rows["9"].current), utility.show(rows["9"].new)) == ("$12.74", "-$1.00")
    assert changes(s, report.operation_id)["9"] == ("change", "2 charges + 1 fine, $13.74 forgiven",
                                                    1274, -100)

    # Charges: the forgiven ones are gone; the credit and the unselected patron's stay.
    assert charge_ids(s, ADAMS) == {ids["credit"]}
    assert charge_ids(s, CARTER) == set()
    assert charge_ids(s, COBB) == {ids["cobb"]}
    # Loans: still checked out, fines now counted from today.
    after = {r["id"]: r for r in rows_of(s, "checkouts")}
    assert set(after) == set(loans_before)
    for loan in ("adams_loan", "bell_loan"):
        assert after[ids[loan]] == {**loans_before[ids[loan]], "fines_from": "2026-06-01"}
    assert count(s, "items") == 2

    # History: one 'forgiven' entry per charge and per accruing fine, dated today.
    op = report.operation_id
    forgiven = rows_of(s, "history", "kind = 'forgiven'")
    assert [(h["patron_id"], h["date"]) for h in forgiven] == [
        (ADAMS, "2026-06-01"), (ADAMS, "2026-06-01"), (CARTER, "2026-06-01"),
        (ADAMS, "2026-06-01"), (BELL, "2026-06-01")]
    assert [h["detail"] for h in forgiven[:3]] == [
        f"Forgave $12.99 Lost charged 03/15/2026 (operation #{op})",
        f"Forgave $0.25 Printing charged 05/20/2026 (operation #{op})",
        f"Forgave $1.50 Overdue Fine charged 05/10/2026 (operation #{op})",
    ]
    # (How the fine's start date reads: test_forgiven_fine_history_dates_the_fine_as_mm_dd_yyyy.)
    assert forgiven[3]["detail"].startswith(
        "Forgave $0.50 overdue fine accrued on Book 1 (B1) since ")
    assert forgiven[4]["detail"].startswith(
        "Forgave $0.25 overdue fine accrued on Book 2 (B2) since ")
    assert all(h["detail"].endswith(f"(operation #{op})") for h in forgiven)
    assert count(s, "history", "kind = 'payment'") == 1  # earlier history untouched

    # The journal: deleted charges whole, the history inserts whole, the loans' fines_from.
    deleted = [ids["lost"], ids["printing"], ids["carter"]]
    assert journal(s, op) == sorted(
        [("charges", cid, "delete", charges_before[cid], None) for cid in deleted]
        + [("checkouts", ids[loan], "update", {"fines_from": loans_before[ids[loan]]["fines_from"]},
            {"fines_from": "2026-06-01"}) for loan in ("adams_loan", "bell_loan")]
        + [("history", h["id"], "insert", None, h) for h in forgiven])
    assert journal(s, op)[0][3] == {
        "id": ids["lost"], "patron_id": ADAMS, "amount": 1299, "description": "Lost",
        "note": "Charlotte's Web", "transaction_date": "2026-03-15", "is_credit": 0}

    # The operations row, and the balances now equal the plan's new values.
    operation = s.operation(op)
    assert (operation["utility"], operation["operator"], operation["started"]) == (
        KEY, "tester", NOW)
    assert (operation["matched"], operation["changed"], operation["unchanged"]) == (5, 3, 2)
    assert balances(s, {"sites": ["ELM"]}) == {b: r.new for b, r in rows.items()}


def test_a_second_plan_finds_nothing_left_to_forgive(to_forgive):
    s, _ = to_forgive
    run(s, KEY, {"sites": ["ELM"]}, {"category": ALL})
    plan, rows = preview(s, ALL, {"sites": ["ELM"]})
    assert plan.counts == store.Counts(matched=5, change=0, unchanged=5, skip=0)
    assert {b: (r.current, r.new, r.reason) for b, r in rows.items()} == {
        "9": (-100, -100, "no charges or accruing fines"),
        "10": (0, 0, "no charges or accruing fines"),
        "11": (0, 0, "no charges or accruing fines"),
        "P200": (0, 0, "no charges or accruing fines"),
        "O'1": (0, 0, "no charges or accruing fines"),
    }


def test_forgiven_fine_history_dates_the_fine_as_mm_dd_yyyy(to_forgive):
    """Every date a librarian reads is MM/DD/YYYY, like the charge entries' 'charged 03/15/2026'."""
    s, _ = to_forgive
    plan, rows, report = run(s, KEY, {"sites": ["ELM"]}, {"category": OVERDUE})
    op = report.operation_id
    fines = rows_of(s, "history", "kind = 'forgiven' AND detail LIKE '%accrued%'")
    assert [h["detail"] for h in fines] == [
        f"Forgave $0.50 overdue fine accrued on Book 1 (B1) since 05/22/2026 (operation #{op})",
        f"Forgave $0.25 overdue fine accrued on Book 2 (B2) since 05/27/2026 (operation #{op})",
    ]


def test_the_fine_restarts_from_today_and_accrues_again_tomorrow(to_forgive):
    s, ids = to_forgive
    run(s, KEY, {"barcode_from": "9", "barcode_to": "9"}, {"category": OVERDUE})
    assert balances(s, ADAMS_ONLY) == {"9": 1299 + 25 - 100}
    clock.fix_today(dt.date(2026, 6, 3))  # conftest's fixture resets it
    assert balances(s, ADAMS_ONLY) == {"9": 1299 + 25 - 100 + 2 * 5}


# -- who may forgive -------------------------------------------------------------------------------


def test_the_aide_may_not_forgive(to_forgive):
    s, _ = to_forgive
    entry = s.utility(KEY)
    assert FORGIVE in entry.permissions
    assert s.unavailable(entry, AIDE) == f"needs the permission '{FORGIVE}'"
    with pytest.raises(store.NotPermitted) as info:
        s.plan(KEY, {}, {"category": ALL}, AIDE)
    assert str(info.value) == (f"aide may not run Forgive Charges: it needs the permission "
                               f"'{FORGIVE}'")
    assert count(s, "charges") == 5
    assert count(s, "operations") == count(s, "history", "kind = 'forgiven'") == 0
    assert s.unavailable(entry, ADMIN) is None


def test_a_plan_made_by_an_admin_is_refused_to_an_aide_at_apply(to_forgive):
    """apply re-checks the operator the plan carries."""
    s, _ = to_forgive
    plan, _ = preview(s, ALL)
    plan.operator = AIDE
    with pytest.raises(store.NotPermitted):
        s.apply(plan)
    assert count(s, "charges") == 5
    assert count(s, "operations") == 0
