"""Renew Patron Accounts on small_db (conftest): today plus the policy's account period, refused
when expiration dates are disabled."""

from __future__ import annotations

import datetime as dt

import pytest

import store
from store import preferences

from ..operators import ADMIN
from .runs import (
    NOW,
    STAMP,
    assert_operation,
    changes,
    column,
    count,
    journal,
    run,
    set_preference,
)

# -- Renew Patron Accounts ------------------------------------------------------------------------


@pytest.fixture
def renewals(small_db):
    db = small_db.db
    db["policies"].insert({"name": "Community", "account_days": None, "loan_days": 21})
    db.execute("UPDATE policies SET account_days = 730 WHERE name = 'Secondary'")
    db.execute("UPDATE patrons SET policy = 'Community' WHERE barcode = 'p150'")
    db.execute("UPDATE patrons SET policy = NULL WHERE barcode = 'O''1'")
    db.execute("UPDATE patrons SET expiration_date = '2027-06-01' WHERE barcode = '9'")
    return small_db


def test_renew_sets_today_plus_the_policys_account_period(renewals, fixed_today):
    elementary = (fixed_today + dt.timedelta(days=365)).isoformat()
    secondary = (fixed_today + dt.timedelta(days=730)).isoformat()
    assert (elementary, secondary) == ("2027-06-01", "2028-05-31")
    utility = renewals.utility("renew-accounts")
    before = column(renewals, "expiration_date")
    plan, rows, report = run(renewals, "renew-accounts", {}, {})
    # The operators have no policy; the operator's own account is skipped first.
    assert plan.counts == store.Counts(matched=14, change=8, unchanged=2, skip=4)
    outcomes = changes(renewals, report.operation_id)
    assert outcomes["9"] == ("unchanged", "already expires 06/01/2027", elementary, elementary)
    assert outcomes["99"] == ("unchanged", "already expires 06/01/2027", elementary, elementary)
    assert outcomes["p150"] == (
        "skip",
        "policy Community has no account period",
        "2026-06-15",
        None,
    )
    assert outcomes["O'1"] == ("skip", "no policy", "2026-12-31", None)
    assert outcomes["STAFF001"] == ("skip", "your own account", None, None)
    assert outcomes["STAFF002"] == ("skip", "no policy", None, None)
    assert outcomes["11"] == ("change", None, None, elementary)
    assert outcomes["1000"] == ("change", None, "2025-05-31", secondary)
    assert (utility.show(rows["11"].current), utility.show(rows["11"].new)) == (
        "(none)",
        "06/01/2027",
    )
    renewed = {
        "10": elementary,
        "11": elementary,
        "P200": elementary,
        "2": secondary,
        "100": secondary,
        "1000": secondary,
        "101": secondary,
        "P123": secondary,
    }
    ids = dict(renewals.db.execute("SELECT barcode, id FROM patrons").fetchall())
    assert journal(renewals, report.operation_id) == sorted(
        (
            "patrons",
            ids[b],
            "update",
            {"expiration_date": before[b], "modified": STAMP},
            {"expiration_date": new, "modified": NOW},
        )
        for b, new in renewed.items()
    )
    assert_operation(renewals, report, "renew-accounts", plan.counts, {}, {})
    after = column(renewals, "expiration_date")
    assert after == before | renewed
    assert {b for b, m in column(renewals, "modified").items() if m == NOW} == set(renewed)


@pytest.mark.parametrize("selection", [{}, {"sites": ["ELM"]}])
def test_renew_is_refused_when_expiration_dates_are_disabled(renewals, selection):
    set_preference(renewals, "disable_account_expiration", "1")
    before = column(renewals, "expiration_date")
    entry = renewals.utility("renew-accounts")
    assert renewals.unavailable(entry, ADMIN) == preferences.EXPIRATION_DISABLED
    with pytest.raises(store.Unavailable) as info:
        renewals.plan("renew-accounts", selection, {}, ADMIN)
    assert "Disable account expiration dates is unchecked" in str(info.value)
    assert str(info.value) == f"Renew Patron Accounts cannot run: {preferences.EXPIRATION_DISABLED}"
    assert column(renewals, "expiration_date") == before
    assert count(renewals, "operations") == 0
    set_preference(renewals, "disable_account_expiration", "0")
    assert renewals.unavailable(entry, ADMIN) is None
    assert renewals.plan("renew-accounts", selection, {}, ADMIN).counts.change > 0


def test_renew_never_shortens_an_account(renewals, fixed_today):
    # '10' (Elementary, 365 days) already expires in 2030: renewing would make it 06/01/2027.
    renewals.db.execute("UPDATE patrons SET expiration_date = '2030-01-01' WHERE barcode = '10'")
    plan, rows, report = run(renewals, "renew-accounts", {"barcodes": ["10", "11"]}, {})
    assert (rows["10"].outcome, rows["10"].reason, rows["10"].current, rows["10"].new) == (
        "unchanged",
        "already expires after 06/01/2027",
        "2030-01-01",
        "2030-01-01",
    )
    assert rows["11"].outcome == "change" and rows["11"].new == "2027-06-01"
    assert plan.counts == store.Counts(matched=2, change=1, unchanged=1, skip=0)
    assert changes(renewals, report.operation_id)["10"] == (
        "unchanged",
        "already expires after 06/01/2027",
        "2030-01-01",
        "2030-01-01",
    )
    after = column(renewals, "expiration_date")
    assert (after["10"], after["11"]) == ("2030-01-01", "2027-06-01")
    assert [row_id for _, row_id, *_ in journal(renewals, report.operation_id)] == [7]  # '11'
