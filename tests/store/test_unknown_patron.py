"""The Unknown Patron (kept by Remove Patrons for removed patrons' reviews) is never matched by
a utility, a saved run or an export, and is made with a username defaulting to its barcode."""

from __future__ import annotations

import io
import json

import pytest

import store
from store.patron_file import BadFile

from ..operators import ADMIN
from .patron_file_helpers import dump, problems, write
from .remove_patrons_helpers import KEY, UNKNOWN_ID, UNKNOWN_REASON, add_unknown, unknown_patrons
from .runs import changes, column, count, run


def test_change_status_on_everyone_leaves_the_unknown_patron_alone(small_db, all_barcodes):
    add_unknown(small_db)
    plan, rows, report = run(small_db, "change-status", {}, {"status": "Inactive"})
    assert "UNKNOWN" not in rows
    assert set(rows) == all_barcodes
    assert plan.counts.matched == len(all_barcodes)
    status = column(small_db, "status")
    assert status["UNKNOWN"] == "Active"
    assert "UNKNOWN" not in changes(small_db, report.operation_id)
    assert count(small_db, "operation_rows", "row_id = ?", unknown_patrons(small_db)[0]["id"]) == 0


def test_a_listed_unknown_patron_is_skipped_with_the_reason_by_any_utility(small_db):
    add_unknown(small_db)
    plan, rows, report = run(
        small_db, "change-status", {"barcodes": ["unknown", "9"]}, {"status": "Suspended"}
    )
    assert {b: (r.outcome, r.reason) for b, r in rows.items()} == {
        "UNKNOWN": ("skip", UNKNOWN_REASON),
        "9": ("change", None),
    }
    assert plan.counts == store.Counts(matched=2, change=1, unchanged=0, skip=1)
    assert column(small_db, "status")["UNKNOWN"] == "Active"


def test_a_saved_run_never_takes_in_the_unknown_patron(small_db):
    add_unknown(small_db)
    saved, _ = small_db.save_run("change-status", "everyone", {}, {"status": "Inactive"}, ADMIN)
    run_ = small_db.saved_run(saved)
    plan = small_db.plan(run_["utility"], run_["selection"], run_["options"], ADMIN)
    assert "UNKNOWN" not in {r.barcode for r in plan.page(0, 100)}
    small_db.apply(plan)
    assert column(small_db, "status")["UNKNOWN"] == "Active"


def test_the_export_of_patrons_leaves_out_the_unknown_patron(small_db, all_barcodes):
    add_unknown(small_db)
    out = io.StringIO()
    assert small_db.export_patrons({}, ADMIN, out, "json") == len(all_barcodes)
    assert "UNKNOWN" not in {p["barcode"] for p in json.loads(out.getvalue())}


def test_the_unknown_patron_is_made_with_its_barcode_as_username(holdings):
    run(holdings, KEY, {"statuses": ["Transferred"]}, {})  # '1000' has reviews
    [unknown] = unknown_patrons(holdings)
    assert (unknown["id"], unknown["barcode"], unknown["username"]) == (
        UNKNOWN_ID,
        "UNKNOWN",
        "UNKNOWN",
    )


def test_the_unknown_patrons_username_stays_empty_when_another_patron_has_it(holdings):
    holdings.db.execute("UPDATE patrons SET username = 'unknown' WHERE barcode = '9'")
    run(holdings, KEY, {"statuses": ["Transferred"]}, {})
    [unknown] = unknown_patrons(holdings)
    assert (unknown["barcode"], unknown["username"]) == ("UNKNOWN", None)
    assert column(holdings, "username")["9"] == "unknown"


def test_a_listed_unknown_patron_shows_what_it_has_to_a_utility_with_extra_columns(small_db):
    unknown = add_unknown(small_db)
    small_db.db["charges"].insert(
        {
            "patron_id": unknown,
            "amount": 40,
            "description": "Printing",
            "transaction_date": "2026-05-01",
        }
    )
    plan, rows, _ = run(
        small_db,
        "forgive-charges",
        {"barcodes": ["UNKNOWN"]},
        {"category": "All Charges, Fees, and Fines"},
    )
    assert (rows["UNKNOWN"].outcome, rows["UNKNOWN"].reason) == ("skip", UNKNOWN_REASON)
    assert (rows["UNKNOWN"].current, rows["UNKNOWN"].new) == (40, 40)  # its balance, kept
    assert count(small_db, "charges", "patron_id = ?", unknown) == 1


def test_an_import_does_not_change_the_unknown_patron(small_db, tmp_path):
    """What no utility may touch, an import may not either: a row with its barcode is a bad
    row, and nothing is imported."""
    add_unknown(small_db)
    before = dump(small_db.db)
    path = write(
        tmp_path, "u.csv", "barcode,last_name,status\nUNKNOWN,Smith,Inactive\n9,Adams,Active\n"
    )
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert problems(exc) == [(2, "last_name")]
    assert "the Unknown Patron" in exc.value.problems[0].message
    assert dump(small_db.db) == before
