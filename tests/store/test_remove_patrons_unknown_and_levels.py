"""Remove Patrons: the Unknown Patron who keeps reviews, and who may remove whom."""

from __future__ import annotations

import pytest

import store
from store.security import ALL_PERMISSIONS, REMOVE_PATRONS, Operator

from ..operators import ADMIN, AIDE, enrol
from .remove_patrons_helpers import (
    BELL,
    HELD,
    KEY,
    OWN,
    UNKNOWN_ID,
    UNKNOWN_REASON,
    add_unknown,
    assert_nothing_references,
    barcodes,
    outcomes,
    snapshot,
    unknown_patrons,
)
from .runs import NOW, changes, count, journal, rows_of, run

# -- the Unknown Patron ---------------------------------------------------------------------------


def test_the_unknown_patron_is_reused_on_a_second_run(holdings):
    s = holdings
    first = run(s, KEY, {"statuses": ["Transferred"]}, {})[2]  # '1000', two reviews
    [unknown] = unknown_patrons(s)
    assert (unknown["id"], unknown["barcode"]) == (UNKNOWN_ID, "UNKNOWN")
    assert [e for e in journal(s, first.operation_id) if e[2] == "insert"] == [
        ("patrons", UNKNOWN_ID, "insert", None, unknown)
    ]

    # A second run, removing '2' (one review): the same Unknown Patron takes it.
    plan, rows, second = run(s, KEY, {"locations": ["Gone"]}, {})
    assert outcomes(rows) == {"2": ("change", None, "nothing out or owed", "removed")}
    assert unknown_patrons(s) == [unknown]
    assert count(s, "patrons", "last_name = 'Unknown Patron'") == 1
    assert [(r["patron_id"], r["title"]) for r in rows_of(s, "reviews")] == [
        (UNKNOWN_ID, "Dune"),
        (UNKNOWN_ID, "Holes"),
        (UNKNOWN_ID, "Wonder"),
        (1, "Matilda"),
    ]
    entries = journal(s, second.operation_id)
    assert [e[:3] for e in entries if e[0] in ("patrons", "reviews")] == [
        ("patrons", 9, "delete"),
        ("reviews", 3, "update"),
    ]
    assert [e for e in entries if e[0] == "reviews"] == [
        ("reviews", 3, "update", {"patron_id": 9}, {"patron_id": UNKNOWN_ID})
    ]
    assert not [e for e in entries if e[2] == "insert"]


def test_an_existing_unknown_patron_is_used_whatever_its_barcode(holdings):
    existing = add_unknown(holdings, "NOBODY")
    plan, rows, report = run(holdings, KEY, {"statuses": ["Transferred"]}, {})
    assert [p["id"] for p in unknown_patrons(holdings)] == [existing]
    assert [(r["patron_id"], r["title"]) for r in rows_of(holdings, "reviews")] == [
        (existing, "Dune"),
        (existing, "Holes"),
        (9, "Wonder"),
        (1, "Matilda"),
    ]
    assert not [e for e in journal(holdings, report.operation_id) if e[2] == "insert"]


@pytest.mark.parametrize(
    "taken, expected",
    [
        (["UNKNOWN"], "UNKNOWN-2"),
        (["UNKNOWN", "UNKNOWN-2"], "UNKNOWN-3"),
        (["UNKNOWN-2"], "UNKNOWN"),
    ],
)
def test_the_unknown_patrons_barcode_avoids_a_normal_patrons(holdings, taken, expected):
    for n, barcode in enumerate(taken):
        holdings.db["patrons"].insert(
            {
                "barcode": barcode,
                "first_name": "Una",
                "last_name": f"Known{n}",
                "site": "ELM",
                "created": NOW,
                "modified": NOW,
            }
        )
    plan, rows, report = run(holdings, KEY, {"statuses": ["Transferred"]}, {})
    [unknown] = unknown_patrons(holdings)
    assert (unknown["barcode"], unknown["last_name"], unknown["site"], unknown["is_unknown"]) == (
        expected,
        "Unknown Patron",
        "UNION",
        1,
    )
    # The normal patrons keep their barcodes and are not the Unknown Patron.
    assert {
        b: u
        for b, u in holdings.db.execute(
            "SELECT barcode, is_unknown FROM patrons WHERE barcode LIKE 'UNKNOWN%'"
        )
    } == ({b: 0 for b in taken} | {expected: 1})


@pytest.mark.parametrize("force", [False, True])
def test_the_unknown_patron_is_never_matched(holdings, force):
    unknown = add_unknown(holdings)
    holdings.db["reviews"].insert({"patron_id": unknown, "title": "Old", "text": "Kept"})
    plan, rows, report = run(holdings, KEY, {"sites": ["UNION"]}, {"force": force})
    # The other Union Site patrons: '2' has nothing; '99' has a $0.00 charge.
    assert set(rows) == {"2", "99"}
    assert outcomes(rows)["2"] == ("change", None, "nothing out or owed", "removed")
    assert outcomes(rows)["99"] == (
        ("change", None, "a $0.00 charge", "removed")
        if force
        else ("skip", "a $0.00 charge", "a $0.00 charge", "kept")
    )
    assert plan.counts.matched == 2
    assert [p["id"] for p in unknown_patrons(holdings)] == [unknown]
    assert count(holdings, "reviews", "patron_id = ?", unknown) == 2  # its own and '2''s


def test_a_listed_unknown_patron_is_skipped_even_by_a_level_0_operator_with_the_option_on(
    holdings,
):
    unknown = add_unknown(holdings)
    plan, rows, report = run(holdings, KEY, {"barcodes": ["UNKNOWN", "2"]}, {"force": True})
    assert outcomes(rows) == {
        "UNKNOWN": ("skip", UNKNOWN_REASON, "nothing out or owed", "kept"),
        "2": ("change", None, "nothing out or owed", "removed"),
    }
    assert plan.counts == store.Counts(matched=2, change=1, unchanged=0, skip=1)
    assert changes(holdings, report.operation_id)["UNKNOWN"] == (
        "skip",
        UNKNOWN_REASON,
        "nothing out or owed",
        "kept",
    )
    assert [p["id"] for p in unknown_patrons(holdings)] == [unknown]
    # A range that takes in only the Unknown Patron matches nobody.
    empty = holdings.plan(KEY, {"barcode_from": "UNKNOWN", "barcode_to": "UNKNOWN"}, {}, ADMIN)
    assert empty.counts == store.Counts(matched=0, change=0, unchanged=0, skip=0)


# -- who may be removed --------------------------------------------------------------------------


def test_an_operator_is_never_removed_and_skips_patrons_at_or_above_their_level(small_db):
    db = small_db.db
    db["security_groups"].insert({"name": "Administrator", "level": 0, "permissions": "[]"})
    db.execute("UPDATE patrons SET security_group = 'Administrator' WHERE barcode = 'p150'")
    db.execute("UPDATE patrons SET security_group = NULL WHERE barcode = 'O''1'")
    # Bell has an item out: her own account is still the reason she is kept.
    db["items"].insert({"id": 1, "barcode": "T1", "title": "Book"})
    db["checkouts"].insert(
        {"item_id": 1, "patron_id": 7, "checked_out": "2026-05-01", "due_date": "2026-05-15"}
    )
    plan, rows, report = run(small_db, KEY, {}, {}, operator=enrol(db, BELL))
    assert plan.counts == store.Counts(matched=14, change=10, unchanged=0, skip=4)
    removed = {"9", "10", "100", "1000", "P123", "99", "101", "2", "O'1", "STAFF002"}
    assert outcomes(rows) == {
        "11": ("skip", OWN, "1 item out", "kept"),
        "STAFF001": (
            "skip",
            "in District Administrator (level 0), not below your level 1",
            "nothing out or owed",
            "kept",
        ),
        "P200": (
            "skip",
            "in Librarian (level 1), not below your level 1",
            "nothing out or owed",
            "kept",
        ),
        "p150": (
            "skip",
            "in Administrator (level 0), not below your level 1",
            "nothing out or owed",
            "kept",
        ),
    } | {b: ("change", None, "nothing out or owed", "removed") for b in removed}
    assert changes(small_db, report.operation_id) == outcomes(rows)
    assert barcodes(small_db) == {"11", "P200", "p150", "STAFF001"}
    assert count(small_db, "checkouts", "patron_id = 7") == 1
    assert_nothing_references(small_db, set(range(1, 13)) - {7, 10, 12} | {302})


@pytest.mark.parametrize("force", [False, True])
def test_an_operator_never_removes_their_own_account_even_with_the_option_on(small_db, force):
    plan, rows, report = run(
        small_db,
        KEY,
        {"barcode_from": "11", "barcode_to": "11"},
        {"force": force},
        operator=enrol(small_db.db, BELL),
    )
    assert outcomes(rows) == {"11": ("skip", OWN, "nothing out or owed", "kept")}
    assert "11" in barcodes(small_db)


def test_a_level_2_operator_skips_levels_1_and_2_but_not_3(small_db):
    db = small_db.db
    db["security_groups"].insert({"name": "Aide", "level": 2, "permissions": "[]"})
    db.execute("UPDATE patrons SET security_group = 'Aide' WHERE barcode = '9'")
    aide = enrol(
        db, Operator(900, "helper", "Helper Person", "Aide", 2, frozenset(ALL_PERMISSIONS))
    )
    plan, rows, report = run(small_db, KEY, {"sites": ["ELM"]}, {}, operator=aide)
    assert outcomes(rows) == {
        "OP900": ("skip", OWN, "nothing out or owed", "kept"),  # the aide, enrolled at ELM
        "9": ("skip", "in Aide (level 2), not below your level 2", "nothing out or owed", "kept"),
        "11": (
            "skip",
            "in Librarian (level 1), not below your level 2",
            "nothing out or owed",
            "kept",
        ),
        "P200": (
            "skip",
            "in Librarian (level 1), not below your level 2",
            "nothing out or owed",
            "kept",
        ),
        "10": ("change", None, "nothing out or owed", "removed"),
        "O'1": ("change", None, "nothing out or owed", "removed"),
    }
    assert barcodes(small_db) == {
        "9",
        "11",
        "P200",
        "100",
        "1000",
        "P123",
        "99",
        "101",
        "2",
        "p150",
        "STAFF001",
        "STAFF002",
        "OP900",
    }


@pytest.mark.parametrize(
    "operator",
    [ADMIN, Operator(7, "bell", "Bea Bell", "District", 0, frozenset(ALL_PERMISSIONS))],
    ids=["the-admin", "patron-7"],
)
def test_a_level_0_operator_may_remove_anyone_else(small_db, all_barcodes, operator):
    small_db.db["security_groups"].insert({"name": "District", "level": 0, "permissions": "[]"})
    small_db.db.execute(
        "UPDATE patrons SET security_group = 'District' WHERE barcode IN ('p150', '11')"
    )
    plan, rows, report = run(small_db, KEY, {}, {}, operator=enrol(small_db.db, operator))
    own = {"11"} if operator.patron_id == 7 else {"STAFF001"}
    assert outcomes(rows) == {
        b: ("skip", OWN, "nothing out or owed", "kept")
        if b in own
        else ("change", None, "nothing out or owed", "removed")
        for b in all_barcodes
    }
    assert barcodes(small_db) == own
    assert unknown_patrons(small_db) == []


def test_preview_counts_of_a_mixed_case_and_the_aide_is_refused(holdings):
    s = holdings
    add_unknown(s)
    bell = enrol(s.db, BELL)
    off = s.plan(KEY, {}, {}, bell)
    # Kept: Bell herself, Zimmer (a Librarian), the administrator, the five holding
    # something; the aide (level 2) goes. The Unknown Patron is not matched at all.
    assert off.counts == store.Counts(matched=14, change=6, unchanged=0, skip=8)
    rows = {r.barcode: r for r in off.page(0, 100)}
    assert {b: (r.outcome, r.reason) for b, r in rows.items() if r.outcome == "skip"} == {
        "11": ("skip", OWN),
        "P200": ("skip", "in Librarian (level 1), not below your level 1"),
        "STAFF001": ("skip", "in District Administrator (level 0), not below your level 1"),
    } | {b: ("skip", why) for b, why in HELD.items()}
    on = s.plan(KEY, {}, {"force": True}, bell)
    assert on.counts == store.Counts(matched=14, change=11, unchanged=0, skip=3)
    rows = {r.barcode: (r.outcome, r.new) for r in on.page(0, 100)}
    assert {b for b, (o, _) in rows.items() if o == "skip"} == {"11", "P200", "STAFF001"}
    assert (rows["9"], rows["P123"], rows["10"]) == (
        ("change", "removed, 1 item declared lost"),
        ("change", "removed, 2 items declared lost"),
        ("change", "removed"),
    )
    s.discard(off)
    s.discard(on)

    entry = s.utility(KEY)
    assert entry.destructive and entry.typed_confirmation
    assert s.unavailable(entry, AIDE) == f"needs the permission '{REMOVE_PATRONS}'"
    before = snapshot(s)
    for options in ({}, {"force": True}):
        with pytest.raises(store.NotPermitted) as info:
            s.plan(KEY, {}, options, AIDE)
        assert str(info.value) == (
            f"aide may not run Remove Patrons: it needs the permission '{REMOVE_PATRONS}'"
        )
    assert snapshot(s) == before
    assert count(s, "operations") == 0
