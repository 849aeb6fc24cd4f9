"""Remove Patrons with the option off and on, and the vendor manual's end-of-year selections."""

from __future__ import annotations

import pytest

import store

from .remove_patrons_helpers import (
    FREE,
    HELD,
    KEY,
    OWN_ROW,
    UNKNOWN_ID,
    assert_nothing_references,
    barcodes,
    ids,
    outcomes,
    snapshot,
    unknown_patrons,
)
from .runs import NOW, assert_operation, changes, count, journal, rows_of, run

# -- option off (the default) ---------------------------------------------------------------------


def test_option_off_keeps_patrons_holding_items_charges_or_credits(holdings, all_barcodes):
    s = holdings
    utility = s.utility(KEY)
    assert utility.notice(utility.Options()) == (
        "Patrons with items checked out, charges or credits are skipped "
        "(the option to remove them anyway is off)."
    )
    before = snapshot(s)
    id_of = ids(s)
    plan, rows, report = run(s, KEY, {}, {})
    expected = {b: ("skip", why, why, "kept") for b, why in HELD.items()}
    expected |= {b: ("change", None, "nothing out or owed", "removed") for b in FREE} | OWN_ROW
    assert outcomes(rows) == expected
    assert changes(s, report.operation_id) == expected
    assert plan.counts == store.Counts(matched=14, change=8, unchanged=0, skip=6)
    assert_operation(s, report, KEY, plan.counts, {"force": False}, {})

    # The Unknown Patron was created for the reviews of '1000' and '2'.
    [unknown] = unknown_patrons(s)
    assert unknown == {
        "id": UNKNOWN_ID,
        "barcode": "UNKNOWN",
        "first_name": "",
        "middle_name": "",
        "last_name": "Unknown Patron",
        "nickname": "",
        "grade": None,
        "location": None,
        "location2": None,
        "policy": None,
        "security_group": None,
        "status": "Active",
        "site": "UNION",
        "graduation_date": None,
        "expiration_date": None,
        "username": "UNKNOWN",  # usernames default to the barcode (vendor manual)
        "password_hash": None,
        "must_change_password": 0,
        "created": NOW,
        "modified": NOW,
        "is_unknown": 1,
        "roster_id": None,
    }
    assert barcodes(s) == set(HELD) | {"UNKNOWN", "STAFF001"}
    assert barcodes(s) == all_barcodes - set(FREE) | {"UNKNOWN"}
    removed_ids = {id_of[b] for b in FREE}
    assert removed_ids == {4, 7, 8, 9, 10, 11, 12, 302}

    # What the removed held went with them; what the kept hold stays exactly as it was.
    after = snapshot(s)
    kept = {1, 2, 3, 5, 6}
    for table in (
        "notes",
        "pictures",
        "history",
        "holds",
        "reservations",
        "patron_emails",
        "password_resets",
        "checkouts",
        "charges",
    ):
        assert after[table] == {k: r for k, r in before[table].items() if r["patron_id"] in kept}, (
            table
        )
    assert [(n["patron_id"], n["text"]) for n in after["notes"].values()] == [
        (1, "Prefers large print"),
        (1, "Needs to meet with librarian"),
        (2, "Old alert"),
        (2, "Another alert"),
        (2, "Keep me"),
        (3, "Call home"),
    ]
    assert [o["subject"] for o in after["outbox"].values()] == ["Report", "Due soon"]
    assert [(r["patron_id"], r["title"]) for r in after["reviews"].values()] == [
        (UNKNOWN_ID, "Dune"),
        (UNKNOWN_ID, "Holes"),
        (UNKNOWN_ID, "Wonder"),
        (1, "Matilda"),
    ]
    assert after["items"] == before["items"]  # nothing declared lost with the option off
    assert after["item_history"] == {}
    assert_nothing_references(s, removed_ids)


@pytest.mark.parametrize(
    "charges, reason",
    [
        ([(350, 0)], "$3.50 owed"),
        ([(100, 1)], "$1.00 credit"),
        ([(200, 0), (150, 0)], "$3.50 owed"),
        ([(350, 0), (100, 1)], "$3.50 owed, $1.00 credit"),
        ([(0, 0)], "a $0.00 charge"),
        ([(0, 1)], "a $0.00 charge"),
        ([(0, 0), (125, 1)], "$1.25 credit"),
        ([(123456, 0)], "$1,234.56 owed"),
    ],
)
@pytest.mark.parametrize("loans", [0, 1, 3])
def test_the_skip_reason_names_what_the_patron_holds(small_db, charges, reason, loans):
    db = small_db.db
    db["items"].insert_all(
        [{"id": n, "barcode": f"T{n}", "title": f"Book {n}"} for n in range(1, loans + 1)]
    )
    db["checkouts"].insert_all(
        [
            {"item_id": n, "patron_id": 12, "checked_out": "2026-05-01", "due_date": "2026-05-15"}
            for n in range(1, loans + 1)
        ]
    )
    db["charges"].insert_all(
        [
            {
                "patron_id": 12,
                "amount": amount,
                "description": "x",
                "transaction_date": "2026-05-01",
                "is_credit": credit,
            }
            for amount, credit in charges
        ]
    )
    out = {0: "", 1: "1 item out, ", 3: "3 items out, "}[loans]
    plan, rows, report = run(small_db, KEY, {"barcode_from": "p150", "barcode_to": "p150"}, {})
    assert outcomes(rows) == {"p150": ("skip", out + reason, out + reason, "kept")}
    assert plan.counts == store.Counts(matched=1, change=0, unchanged=0, skip=1)
    assert "p150" in barcodes(small_db)
    assert count(small_db, "operation_rows") == 0


def test_a_patron_holding_only_items_is_skipped_with_the_count(small_db):
    db = small_db.db
    db["items"].insert_all([{"id": n, "barcode": f"T{n}", "title": f"Book {n}"} for n in (1, 2)])
    db["checkouts"].insert_all(
        [
            {"item_id": n, "patron_id": 12, "checked_out": "2026-05-01", "due_date": "2026-05-15"}
            for n in (1, 2)
        ]
    )
    plan, rows, report = run(small_db, KEY, {"barcode_from": "p150", "barcode_to": "p150"}, {})
    assert outcomes(rows) == {"p150": ("skip", "2 items out", "2 items out", "kept")}


def test_no_unknown_patron_is_created_when_no_review_has_to_move(small_db):
    plan, rows, report = run(small_db, KEY, {"statuses": ["Transferred"]}, {})
    assert outcomes(rows) == {"1000": ("change", None, "nothing out or owed", "removed")}
    assert unknown_patrons(small_db) == []
    assert count(small_db, "patrons") == 13
    assert [(t, r, a) for t, r, a, _, _ in journal(small_db, report.operation_id)] == [
        ("patrons", 4, "delete")
    ]


# -- option on -----------------------------------------------------------------------------------


def test_option_on_removes_everyone_declaring_their_items_lost(holdings, all_barcodes):
    s = holdings
    utility = s.utility(KEY)
    assert utility.notice(utility.Options(force=True)) == (
        "Every selected patron is removed: items they have out are declared lost; "
        "their holds, reservations, charges and credits are removed."
    )
    before = snapshot(s)
    id_of = ids(s)
    plan, rows, report = run(s, KEY, {}, {"force": True})
    lost = {"9": "removed, 1 item declared lost", "P123": "removed, 2 items declared lost"}
    expected = {
        b: ("change", None, HELD.get(b, "nothing out or owed"), lost.get(b, "removed"))
        for b in all_barcodes
    } | OWN_ROW
    assert outcomes(rows) == expected
    assert changes(s, report.operation_id) == expected
    assert plan.counts == store.Counts(matched=14, change=13, unchanged=0, skip=1)
    assert_operation(s, report, KEY, plan.counts, {"force": True}, {})
    assert utility.show(rows["P123"].new) == "removed, 2 items declared lost"

    assert barcodes(s) == {"UNKNOWN", "STAFF001"}
    op = report.operation_id
    assert rows_of(s, "items") == [
        {"id": 1, "barcode": "T1", "title": "Charlotte's Web", "status": "Lost", "price": 899},
        {"id": 2, "barcode": "T2", "title": "Holes", "status": "Lost", "price": 1099},
        {"id": 3, "barcode": "T3", "title": "Wonder", "status": "Lost", "price": 1299},
        {"id": 4, "barcode": "T4", "title": "Hatchet", "status": "Available", "price": 799},
    ]
    assert rows_of(s, "item_history") == [
        {
            "id": 1,
            "item_id": 1,
            "kind": "lost",
            "date": "2026-06-01",
            "detail": f"Declared lost: checked out to 9 Adams, Ann, removed by Remove Patrons "
            f"(operation #{op})",
        },
        {
            "id": 2,
            "item_id": 2,
            "kind": "lost",
            "date": "2026-06-01",
            "detail": f"Declared lost: checked out to P123 Éluard, Paul, removed by Remove Patrons "
            f"(operation #{op})",
        },
        {
            "id": 3,
            "item_id": 3,
            "kind": "lost",
            "date": "2026-06-01",
            "detail": f"Declared lost: checked out to P123 Éluard, Paul, removed by Remove Patrons "
            f"(operation #{op})",
        },
    ]
    for table in (
        "checkouts",
        "holds",
        "reservations",
        "charges",
        "notes",
        "pictures",
        "history",
        "patron_emails",
        "password_resets",
    ):
        assert count(s, table) == 0, table
    assert [o["subject"] for o in rows_of(s, "outbox")] == ["Report"]  # no patron: stays
    assert [(r["patron_id"], r["title"]) for r in rows_of(s, "reviews")] == [
        (UNKNOWN_ID, "Dune"),
        (UNKNOWN_ID, "Holes"),
        (UNKNOWN_ID, "Wonder"),
        (UNKNOWN_ID, "Matilda"),
    ]
    assert_nothing_references(s, set(id_of.values()) - {301})
    assert (len(before["checkouts"]), len(before["charges"])) == (3, 6)  # every one went


def test_option_on_declares_lost_with_the_last_name_alone_when_there_is_no_first_name(small_db):
    db = small_db.db
    db.execute("UPDATE patrons SET first_name = '' WHERE barcode = 'O''1'")
    db["items"].insert({"id": 5, "barcode": "T5", "title": "Book", "status": "Checked Out"})
    db["checkouts"].insert(
        {"item_id": 5, "patron_id": 11, "checked_out": "2026-05-01", "due_date": "2026-05-15"}
    )
    plan, rows, report = run(small_db, KEY, {"locations": ["Room 1"]}, {"force": True})
    assert rows["O'1"].new == "removed, 1 item declared lost"
    assert rows["9"].new == rows["10"].new == "removed"
    [entry] = rows_of(small_db, "item_history")
    assert entry["detail"] == (
        f"Declared lost: checked out to O'1 O'Brien, removed by Remove "
        f"Patrons (operation #{report.operation_id})"
    )
    assert (entry["item_id"], entry["kind"]) == (5, "lost")


# -- the vendor manual's end-of-year uses --------------------------------------------------------


@pytest.mark.parametrize(
    "selection, expected",
    [
        ({"graduation_to": "today"}, {"100", "1000", "101"}),
        ({"graduation_to": "06/01/2026"}, {"100", "1000", "101"}),
        ({"graduation_from": "today-1y", "graduation_to": "today-1d"}, {"1000", "101"}),
        ({"graduation_from": "-1y", "graduation_to": "-1d"}, {"1000", "101"}),
        ({"graduation_to": "today+1d"}, {"100", "1000", "101", "2"}),
        ({"graduation_from": "today"}, {"100", "2", "9", "10", "P123", "99", "O'1", "p150"}),
        ({"grades": ["Graduated"]}, {"1000", "2"}),
        ({"statuses": ["Transferred"]}, {"1000"}),
        ({"locations": ["Gone"]}, {"2"}),
    ],
    ids=[
        "graduated-by-today",
        "graduated-by-date",
        "graduated-in-the-last-year",
        "graduated-relative-short",
        "graduating-by-tomorrow",
        "not-yet-graduated",
        "grade-graduated",
        "status-transferred",
        "location-gone",
    ],
)
def test_end_of_year_selections_remove_exactly_the_expected_patrons(
    small_db, all_barcodes, selection, expected
):
    id_of = ids(small_db)
    plan, rows, report = run(small_db, KEY, selection, {})
    assert set(rows) == expected
    assert outcomes(rows) == {
        b: ("change", None, "nothing out or owed", "removed") for b in expected
    }
    assert plan.counts == store.Counts(
        matched=len(expected), change=len(expected), unchanged=0, skip=0
    )
    assert_operation(small_db, report, KEY, plan.counts, {"force": False}, selection)
    assert barcodes(small_db) == all_barcodes - expected
    assert_nothing_references(small_db, {id_of[b] for b in expected})
