"""Remove Patrons: who is kept and why, what goes with a removed patron, where reviews go, items
declared lost, the journal's complete records, the seed's end-of-year selections, and the
schema version 2 migration — on small_db (conftest) plus the rows each test needs."""
from __future__ import annotations

import sqlite3

import pytest

import store
from store.schema import V1, _statements
from store.security import ALL_PERMISSIONS, REMOVE_PATRONS, Operator

from .operators import ADMIN, AIDE
from .store_helpers import NOW, assert_operation, changes, count, journal, rows_of, run

KEY = "remove-patrons"
UNKNOWN_REASON = "the Unknown Patron keeps removed patrons' reviews"
OWN = "your own account"
# Bea Bell (patron 7, barcode '11') is a Librarian: level 1.
BELL = Operator(7, "bell", "Bea Bell", "Librarian", 1, frozenset(ALL_PERMISSIONS))
JOURNAL_TABLES = ("operations", "operation_changes", "operation_rows")
PICTURE = b"\x89PNG\r\n\x1a\n\x00\xff\x10"


# -- helpers -----------------------------------------------------------------------------------


def add(db, table: str, rows: list[dict]) -> None:
    """Insert rows one by one, so a column a row leaves out takes its default."""
    for row in rows:
        db[table].insert(row)


def ids(s: store.Store) -> dict[str, int]:
    """barcode -> patron id."""
    return dict(s.db.execute("SELECT barcode, id FROM patrons").fetchall())


def barcodes(s: store.Store) -> set[str]:
    return {r[0] for r in s.db.execute("SELECT barcode FROM patrons")}


def data_tables(s: store.Store) -> list[str]:
    """Every table of the database but the journal's own."""
    return [r[0] for r in s.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name") if r[0] not in JOURNAL_TABLES]


def snapshot(s: store.Store) -> dict[str, dict[int, dict]]:
    """table -> rowid -> whole row, for every data table."""
    out = {}
    for table in data_tables(s):
        cur = s.db.execute(f"SELECT rowid AS row_key__, * FROM {table}")
        names = [d[0] for d in cur.description]
        out[table] = {row[0]: dict(zip(names[1:], row[1:])) for row in cur.fetchall()}
    return out


def patron_references(s: store.Store) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to patrons, as the database declares them."""
    refs = []
    for table in data_tables(s):
        for fk in s.db.execute(f"PRAGMA foreign_key_list('{table}')").fetchall():
            if fk[2] == "patrons":
                refs.append((table, fk[3]))
    return refs


def assert_nothing_references(s: store.Store, removed_ids: set[int]) -> None:
    """Foreign keys are on, none is broken, and no row of any table pointing at patrons
    names a removed patron."""
    assert s.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert s.db.execute("PRAGMA foreign_key_check").fetchall() == []
    refs = patron_references(s)
    # The discovery is not vacuous: these tables all point at patrons.
    assert {t for t, _ in refs} >= {"patron_emails", "notes", "pictures", "checkouts", "holds",
                                    "reservations", "charges", "history", "reviews", "outbox",
                                    "password_resets"}
    assert removed_ids
    marks = ", ".join("?" * len(removed_ids))
    for table, col in refs:
        left = s.db.execute(f"SELECT count(*) FROM {table} WHERE {col} IN ({marks})",
                            sorted(removed_ids)).fetchone()[0]
        assert (table, col, left) == (table, col, 0)
    assert s.db.execute(f"SELECT count(*) FROM patrons WHERE id IN ({marks})",
                        sorted(removed_ids)).fetchone()[0] == 0


def outcomes(rows) -> dict[str, tuple]:
    """barcode -> (outcome, reason, current, new) of plan rows."""
    return {b: (r.outcome, r.reason, r.current, r.new) for b, r in rows.items()}


def unknown_patrons(s: store.Store) -> list[dict]:
    return rows_of(s, "patrons", "is_unknown")


def add_unknown(s: store.Store, barcode: str = "UNKNOWN") -> int:
    return s.db.execute(
        "INSERT INTO patrons (barcode, last_name, site, is_unknown, created, modified) "
        "VALUES (?, 'Unknown Patron', 'UNION', 1, '2026-01-01', '2026-01-01')",
        [barcode]).lastrowid


# -- the data --------------------------------------------------------------------------------------


@pytest.fixture
def holdings(small_db):
    """small_db plus loans, money and a row of every kind that belongs to a patron.

    Holding something: '9' (1 item out), '10' ($3.50 owed), '100' ($1.00 credit),
    'P123' (2 items out, $3.50 owed, $1.00 credit), '99' (a $0.00 charge).
    Holding nothing but with rows to remove: '1000', '2', 'p150', "O'1".
    """
    db = small_db.db
    add(db, "items", [
        {"id": 1, "barcode": "T1", "title": "Charlotte's Web", "status": "Checked Out",
         "price": 899},
        {"id": 2, "barcode": "T2", "title": "Holes", "status": "Checked Out", "price": 1099},
        {"id": 3, "barcode": "T3", "title": "Wonder", "status": "Overdue", "price": 1299},
        {"id": 4, "barcode": "T4", "title": "Hatchet", "status": "Available", "price": 799},
    ])
    add(db, "checkouts", [
        {"item_id": 1, "patron_id": 1, "checked_out": "2026-05-20", "due_date": "2026-06-03"},
        {"item_id": 2, "patron_id": 5, "checked_out": "2026-05-01", "due_date": "2026-05-22"},
        {"item_id": 3, "patron_id": 5, "checked_out": "2026-04-01", "due_date": "2026-04-22",
         "fines_from": "2026-05-01"},
    ])
    add(db, "charges", [
        {"patron_id": 2, "amount": 350, "description": "Lost bookmark",
         "transaction_date": "2026-03-01"},
        {"patron_id": 3, "amount": 100, "description": "Overpayment",
         "transaction_date": "2026-03-02", "is_credit": 1},
        {"patron_id": 5, "amount": 200, "description": "Damaged cover",
         "transaction_date": "2026-03-03"},
        {"patron_id": 5, "amount": 150, "description": "Late fee", "note": "spring",
         "transaction_date": "2026-03-04"},
        {"patron_id": 5, "amount": 100, "description": "Refund due",
         "transaction_date": "2026-03-05", "is_credit": 1},
        {"patron_id": 6, "amount": 0, "description": "Waived fee",
         "transaction_date": "2026-03-06"},
    ])
    add(db, "notes", [
        {"patron_id": 4, "type": "General", "text": "Moved away", "created": "2026-02-01"},
        {"patron_id": 9, "type": "Category", "text": "Senior", "created": "2026-02-02"},
    ])
    add(db, "pictures", [{"patron_id": 4, "image": PICTURE},
                               {"patron_id": 1, "image": b"\x01\x02"}])
    add(db, "history", [
        {"patron_id": 4, "kind": "payment", "detail": "Paid $2.00", "date": "2026-01-10"},
        {"patron_id": 9, "kind": "lexile", "detail": "900L", "date": "2026-01-11"},
        {"patron_id": 1, "kind": "renewal", "detail": "Renewed", "date": "2026-01-12"},
    ])
    add(db, "holds", [
        {"patron_id": 4, "title": "Dune", "placed": "2026-05-01"},
        {"patron_id": 11, "title": "Holes", "placed": "2026-05-02"},
        {"patron_id": 1, "title": "Matilda", "placed": "2026-05-03"},
    ])
    add(db, "reservations", [
        {"patron_id": 9, "title": "Projector", "start_date": "2026-06-10",
         "end_date": "2026-06-11"},
        {"patron_id": 5, "title": "Laptop cart", "start_date": "2026-06-12",
         "end_date": "2026-06-13"},
    ])
    add(db, "patron_emails", [
        {"patron_id": 4, "position": 1, "address": "dan@example.org"},
        {"patron_id": 4, "position": 2, "address": "davis@example.net"},
        {"patron_id": 12, "position": 1, "address": "nia@example.org"},
        {"patron_id": 1, "position": 1, "address": "ann@example.org"},
    ])
    add(db, "outbox", [
        {"patron_id": 4, "address": "dan@example.org", "subject": "Overdue", "body": "Hello",
         "created": "2026-05-30 08:00:00"},
        {"patron_id": None, "address": "staff@example.org", "subject": "Report", "body": "Daily",
         "created": "2026-05-30 08:05:00"},
        {"patron_id": 1, "address": "ann@example.org", "subject": "Due soon", "body": "Hi",
         "created": "2026-05-30 08:10:00", "sent": "2026-05-30 08:11:00", "attempts": 1},
    ])
    add(db, "password_resets", [
        {"patron_id": 12, "token_hash": "a" * 64, "created": "2026-05-31 10:00:00",
         "expires": "2026-06-01 10:00:00"},
        {"patron_id": 1, "token_hash": "b" * 64, "created": "2026-05-31 11:00:00",
         "expires": "2026-06-01 11:00:00", "used": "2026-05-31 11:05:00"},
    ])
    add(db, "reviews", [
        {"patron_id": 4, "title": "Dune", "text": "Long but good"},
        {"patron_id": 4, "title": "Holes", "text": "Funny"},
        {"patron_id": 9, "title": "Wonder", "text": "Moving"},
        {"patron_id": 1, "title": "Matilda", "text": "Clever"},
    ])
    return small_db


HELD = {
    "9": "1 item out",
    "10": "$3.50 owed",
    "100": "$1.00 credit",
    "P123": "2 items out, $3.50 owed, $1.00 credit",
    "99": "a $0.00 charge",
}
FREE = ("1000", "11", "101", "2", "P200", "O'1", "p150")


# -- option off (the default) ----------------------------------------------------------------------


def test_option_off_keeps_patrons_holding_items_charges_or_credits(holdings, all_barcodes):
    s = holdings
    utility = s.utility(KEY)
    assert utility.notice(utility.Options()) == (
        "Patrons with items checked out, charges or credits are skipped "
        "(the option to remove them anyway is off).")
    before = snapshot(s)
    id_of = ids(s)
    plan, rows, report = run(s, KEY, {}, {})
    expected = {b: ("skip", why, why, "kept") for b, why in HELD.items()}
    expected |= {b: ("change", None, "nothing out or owed", "removed") for b in FREE}
    assert outcomes(rows) == expected
    assert changes(s, report.operation_id) == expected
    assert plan.counts == store.Counts(matched=12, change=7, unchanged=0, skip=5)
    assert_operation(s, report, KEY, plan.counts, {"force": False}, {})

    # The Unknown Patron was created for the reviews of '1000' and '2'.
    [unknown] = unknown_patrons(s)
    assert unknown == {
        "id": 13, "barcode": "UNKNOWN", "first_name": "", "middle_name": "",
        "last_name": "Unknown Patron", "nickname": "", "grade": None, "location": None,
        "location2": None, "policy": None, "security_group": None, "status": "Active",
        "site": "UNION", "graduation_date": None, "expiration_date": None, "username": None,
        "password_hash": None, "must_change_password": 0, "created": NOW, "modified": NOW,
        "is_unknown": 1}
    assert barcodes(s) == set(HELD) | {"UNKNOWN"}
    assert barcodes(s) == all_barcodes - set(FREE) | {"UNKNOWN"}
    removed_ids = {id_of[b] for b in FREE}
    assert removed_ids == {4, 7, 8, 9, 10, 11, 12}

    # What the removed held went with them; what the kept hold stays exactly as it was.
    after = snapshot(s)
    kept = {1, 2, 3, 5, 6}
    for table in ("notes", "pictures", "history", "holds", "reservations", "patron_emails",
                  "password_resets", "checkouts", "charges"):
        assert after[table] == {k: r for k, r in before[table].items()
                                if r["patron_id"] in kept}, table
    assert [(n["patron_id"], n["text"]) for n in after["notes"].values()] == [
        (1, "Prefers large print"), (1, "Needs to meet with librarian"), (2, "Old alert"),
        (2, "Another alert"), (2, "Keep me"), (3, "Call home")]
    assert [o["subject"] for o in after["outbox"].values()] == ["Report", "Due soon"]
    assert [(r["patron_id"], r["title"]) for r in after["reviews"].values()] == [
        (13, "Dune"), (13, "Holes"), (13, "Wonder"), (1, "Matilda")]
    assert after["items"] == before["items"]  # nothing declared lost with the option off
    assert after["item_history"] == {}
    assert_nothing_references(s, removed_ids)


@pytest.mark.parametrize("charges, reason", [
    ([(350, 0)], "$3.50 owed"),
    ([(100, 1)], "$1.00 credit"),
    ([(200, 0), (150, 0)], "$3.50 owed"),
    ([(350, 0), (100, 1)], "$3.50 owed, $1.00 credit"),
    ([(0, 0)], "a $0.00 charge"),
    ([(0, 1)], "a $0.00 charge"),
    ([(0, 0), (125, 1)], "$1.25 credit"),
    ([(123456, 0)], "$1,234.56 owed"),
])
@pytest.mark.parametrize("loans", [0, 1, 3])
def test_the_skip_reason_names_what_the_patron_holds(small_db, charges, reason, loans):
    db = small_db.db
    db["items"].insert_all([{"id": n, "barcode": f"T{n}", "title": f"Book {n}"}
                            for n in range(1, loans + 1)])
    db["checkouts"].insert_all([{"item_id": n, "patron_id": 12, "checked_out": "2026-05-01",
                                 "due_date": "2026-05-15"} for n in range(1, loans + 1)])
    db["charges"].insert_all([{"patron_id": 12, "amount": amount, "description": "x",
                               "transaction_date": "2026-05-01", "is_credit": credit}
                              for amount, credit in charges])
    out = {0: "", 1: "1 item out, ", 3: "3 items out, "}[loans]
    plan, rows, report = run(small_db, KEY, {"barcode_from": "p150", "barcode_to": "p150"}, {})
    assert outcomes(rows) == {"p150": ("skip", out + reason, out + reason, "kept")}
    assert plan.counts == store.Counts(matched=1, change=0, unchanged=0, skip=1)
    assert "p150" in barcodes(small_db)
    assert count(small_db, "operation_rows") == 0


def test_a_patron_holding_only_items_is_skipped_with_the_count(small_db):
    db = small_db.db
    db["items"].insert_all([{"id": n, "barcode": f"T{n}", "title": f"Book {n}"} for n in (1, 2)])
    db["checkouts"].insert_all([{"item_id": n, "patron_id": 12, "checked_out": "2026-05-01",
                                 "due_date": "2026-05-15"} for n in (1, 2)])
    plan, rows, report = run(small_db, KEY, {"barcode_from": "p150", "barcode_to": "p150"}, {})
    assert outcomes(rows) == {"p150": ("skip", "2 items out", "2 items out", "kept")}


def test_no_unknown_patron_is_created_when_no_review_has_to_move(small_db):
    plan, rows, report = run(small_db, KEY, {"statuses": ["Transferred"]}, {})
    assert outcomes(rows) == {"1000": ("change", None, "nothing out or owed", "removed")}
    assert unknown_patrons(small_db) == []
    assert count(small_db, "patrons") == 11
    assert [(t, r, a) for t, r, a, _, _ in journal(small_db, report.operation_id)] == [
        ("patrons", 4, "delete")]


# -- the Unknown Patron ---------------------------------------------------------------------------


def test_the_unknown_patron_is_reused_on_a_second_run(holdings):
    s = holdings
    first = run(s, KEY, {"statuses": ["Transferred"]}, {})[2]  # '1000', two reviews
    [unknown] = unknown_patrons(s)
    assert (unknown["id"], unknown["barcode"]) == (13, "UNKNOWN")
    assert [e for e in journal(s, first.operation_id) if e[2] == "insert"] == [
        ("patrons", 13, "insert", None, unknown)]

    # A second run, removing '2' (one review): the same Unknown Patron takes it.
    plan, rows, second = run(s, KEY, {"locations": ["Gone"]}, {})
    assert outcomes(rows) == {"2": ("change", None, "nothing out or owed", "removed")}
    assert unknown_patrons(s) == [unknown]
    assert count(s, "patrons", "last_name = 'Unknown Patron'") == 1
    assert [(r["patron_id"], r["title"]) for r in rows_of(s, "reviews")] == [
        (13, "Dune"), (13, "Holes"), (13, "Wonder"), (1, "Matilda")]
    entries = journal(s, second.operation_id)
    assert [e[:3] for e in entries if e[0] in ("patrons", "reviews")] == [
        ("patrons", 9, "delete"), ("reviews", 3, "update")]
    assert [e for e in entries if e[0] == "reviews"] == [
        ("reviews", 3, "update", {"patron_id": 9}, {"patron_id": 13})]
    assert not [e for e in entries if e[2] == "insert"]


def test_an_existing_unknown_patron_is_used_whatever_its_barcode(holdings):
    existing = add_unknown(holdings, "NOBODY")
    plan, rows, report = run(holdings, KEY, {"statuses": ["Transferred"]}, {})
    assert [p["id"] for p in unknown_patrons(holdings)] == [existing]
    assert [(r["patron_id"], r["title"]) for r in rows_of(holdings, "reviews")] == [
        (existing, "Dune"), (existing, "Holes"), (9, "Wonder"), (1, "Matilda")]
    assert not [e for e in journal(holdings, report.operation_id) if e[2] == "insert"]


@pytest.mark.parametrize("taken, expected", [
    (["UNKNOWN"], "UNKNOWN-2"),
    (["UNKNOWN", "UNKNOWN-2"], "UNKNOWN-3"),
    (["UNKNOWN-2"], "UNKNOWN"),
])
def test_the_unknown_patrons_barcode_avoids_a_normal_patrons(holdings, taken, expected):
    for n, barcode in enumerate(taken):
        holdings.db["patrons"].insert({
            "barcode": barcode, "first_name": "Una", "last_name": f"Known{n}", "site": "ELM",
            "created": NOW, "modified": NOW})
    plan, rows, report = run(holdings, KEY, {"statuses": ["Transferred"]}, {})
    [unknown] = unknown_patrons(holdings)
    assert (unknown["barcode"], unknown["last_name"], unknown["site"], unknown["is_unknown"]) == (
        expected, "Unknown Patron", "UNION", 1)
    # The normal patrons keep their barcodes and are not the Unknown Patron.
    assert {b: u for b, u in holdings.db.execute(
        "SELECT barcode, is_unknown FROM patrons WHERE barcode LIKE 'UNKNOWN%'")} == (
        {b: 0 for b in taken} | {expected: 1})


@pytest.mark.parametrize("force", [False, True])
def test_the_unknown_patron_is_always_skipped(holdings, force):
    unknown = add_unknown(holdings)
    holdings.db["reviews"].insert({"patron_id": unknown, "title": "Old", "text": "Kept"})
    plan, rows, report = run(holdings, KEY, {"sites": ["UNION"]}, {"force": force})
    assert outcomes(rows)["UNKNOWN"] == ("skip", UNKNOWN_REASON, "nothing out or owed", "kept")
    # The other Union Site patrons: '2' has nothing; '99' has a $0.00 charge.
    assert outcomes(rows)["2"] == ("change", None, "nothing out or owed", "removed")
    assert outcomes(rows)["99"] == (("change", None, "a $0.00 charge", "removed") if force
                                    else ("skip", "a $0.00 charge", "a $0.00 charge", "kept"))
    assert [p["id"] for p in unknown_patrons(holdings)] == [unknown]
    assert count(holdings, "reviews", "patron_id = ?", unknown) == 2  # its own and '2''s


def test_the_unknown_patron_is_skipped_even_by_a_level_0_operator_with_the_option_on(holdings):
    unknown = add_unknown(holdings)
    plan, rows, report = run(holdings, KEY, {"barcode_from": "UNKNOWN", "barcode_to": "UNKNOWN"},
                             {"force": True})
    assert outcomes(rows) == {"UNKNOWN": ("skip", UNKNOWN_REASON, "nothing out or owed", "kept")}
    assert plan.counts == store.Counts(matched=1, change=0, unchanged=0, skip=1)
    assert [p["id"] for p in unknown_patrons(holdings)] == [unknown]


# -- who may be removed ----------------------------------------------------------------------------


def test_an_operator_is_never_removed_and_skips_patrons_at_or_above_their_level(small_db):
    db = small_db.db
    db["security_groups"].insert({"name": "Administrator", "level": 0, "permissions": "[]"})
    db.execute("UPDATE patrons SET security_group = 'Administrator' WHERE barcode = 'p150'")
    db.execute("UPDATE patrons SET security_group = NULL WHERE barcode = 'O''1'")
    # Bell has an item out: her own account is still the reason she is kept.
    db["items"].insert({"id": 1, "barcode": "T1", "title": "Book"})
    db["checkouts"].insert({"item_id": 1, "patron_id": 7, "checked_out": "2026-05-01",
                            "due_date": "2026-05-15"})
    plan, rows, report = run(small_db, KEY, {}, {}, operator=BELL)
    assert plan.counts == store.Counts(matched=12, change=9, unchanged=0, skip=3)
    removed = {"9", "10", "100", "1000", "P123", "99", "101", "2", "O'1"}
    assert outcomes(rows) == {
        "11": ("skip", OWN, "1 item out", "kept"),
        "P200": ("skip", "in Librarian (level 1), not below your level 1", "nothing out or owed",
                 "kept"),
        "p150": ("skip", "in Administrator (level 0), not below your level 1",
                 "nothing out or owed", "kept"),
    } | {b: ("change", None, "nothing out or owed", "removed") for b in removed}
    assert changes(small_db, report.operation_id) == outcomes(rows)
    assert barcodes(small_db) == {"11", "P200", "p150"}
    assert count(small_db, "checkouts", "patron_id = 7") == 1
    assert_nothing_references(small_db, set(range(1, 13)) - {7, 10, 12})


@pytest.mark.parametrize("force", [False, True])
def test_an_operator_never_removes_their_own_account_even_with_the_option_on(small_db, force):
    plan, rows, report = run(small_db, KEY, {"barcode_from": "11", "barcode_to": "11"},
                             {"force": force}, operator=BELL)
    assert outcomes(rows) == {"11": ("skip", OWN, "nothing out or owed", "kept")}
    assert "11" in barcodes(small_db)


def test_a_level_2_operator_skips_levels_1_and_2_but_not_3(small_db):
    db = small_db.db
    db["security_groups"].insert({"name": "Aide", "level": 2, "permissions": "[]"})
    db.execute("UPDATE patrons SET security_group = 'Aide' WHERE barcode = '9'")
    aide = Operator(0, "helper", "Helper", "Aide", 2, frozenset(ALL_PERMISSIONS))
    plan, rows, report = run(small_db, KEY, {"sites": ["ELM"]}, {}, operator=aide)
    assert outcomes(rows) == {
        "9": ("skip", "in Aide (level 2), not below your level 2", "nothing out or owed", "kept"),
        "11": ("skip", "in Librarian (level 1), not below your level 2", "nothing out or owed",
               "kept"),
        "P200": ("skip", "in Librarian (level 1), not below your level 2", "nothing out or owed",
                 "kept"),
        "10": ("change", None, "nothing out or owed", "removed"),
        "O'1": ("change", None, "nothing out or owed", "removed"),
    }
    assert barcodes(small_db) == {"9", "11", "P200", "100", "1000", "P123", "99", "101", "2",
                                  "p150"}


@pytest.mark.parametrize("operator", [
    ADMIN, Operator(7, "bell", "Bea Bell", "District", 0, frozenset(ALL_PERMISSIONS))],
    ids=["no-patron", "patron-7"])
def test_a_level_0_operator_may_remove_anyone_else(small_db, all_barcodes, operator):
    small_db.db["security_groups"].insert({"name": "District", "level": 0, "permissions": "[]"})
    small_db.db.execute("UPDATE patrons SET security_group = 'District' WHERE barcode = 'p150'")
    plan, rows, report = run(small_db, KEY, {}, {}, operator=operator)
    own = {"11"} if operator.patron_id == 7 else set()
    assert outcomes(rows) == {b: ("skip", OWN, "nothing out or owed", "kept") if b in own
                              else ("change", None, "nothing out or owed", "removed")
                              for b in all_barcodes}
    assert barcodes(small_db) == own
    assert unknown_patrons(small_db) == []


def test_preview_counts_of_a_mixed_case_and_the_aide_is_refused(holdings):
    s = holdings
    add_unknown(s)
    off = s.plan(KEY, {}, {}, BELL)
    # Kept: the Unknown Patron, Bell herself, Zimmer (a Librarian), the five holding something.
    assert off.counts == store.Counts(matched=13, change=5, unchanged=0, skip=8)
    rows = {r.barcode: r for r in off.page(0, 100)}
    assert {b: (r.outcome, r.reason) for b, r in rows.items() if r.outcome == "skip"} == {
        "UNKNOWN": ("skip", UNKNOWN_REASON), "11": ("skip", OWN),
        "P200": ("skip", "in Librarian (level 1), not below your level 1"),
    } | {b: ("skip", why) for b, why in HELD.items()}
    on = s.plan(KEY, {}, {"force": True}, BELL)
    assert on.counts == store.Counts(matched=13, change=10, unchanged=0, skip=3)
    rows = {r.barcode: (r.outcome, r.new) for r in on.page(0, 100)}
    assert {b for b, (o, _) in rows.items() if o == "skip"} == {"UNKNOWN", "11", "P200"}
    assert (rows["9"], rows["P123"], rows["10"]) == (
        ("change", "removed, 1 item declared lost"), ("change", "removed, 2 items declared lost"),
        ("change", "removed"))
    s.discard(off)
    s.discard(on)

    entry = s.utility(KEY)
    assert entry.destructive and entry.typed_confirmation
    assert s.unavailable(entry, AIDE) == f"needs the permission '{REMOVE_PATRONS}'"
    before = snapshot(s)
    for options in ({}, {"force": True}):
        with pytest.raises(store.NotPermitted) as info:
            s.plan(KEY, {}, options, AIDE)
        assert str(info.value) == (f"aide may not run Remove Patrons: it needs the permission "
                                   f"'{REMOVE_PATRONS}'")
    assert snapshot(s) == before
    assert count(s, "operations") == 0


# -- option on -----------------------------------------------------------------------------------


def test_option_on_removes_everyone_declaring_their_items_lost(holdings, all_barcodes):
    s = holdings
    utility = s.utility(KEY)
    assert utility.notice(utility.Options(force=True)) == (
        "Every selected patron is removed: items they have out are declared lost; "
        "their holds, reservations, charges and credits are removed.")
    before = snapshot(s)
    id_of = ids(s)
    plan, rows, report = run(s, KEY, {}, {"force": True})
    lost = {"9": "removed, 1 item declared lost", "P123": "removed, 2 items declared lost"}
    expected = {b: ("change", None, HELD.get(b, "nothing out or owed"), lost.get(b, "removed"))
                for b in all_barcodes}
    assert outcomes(rows) == expected
    assert changes(s, report.operation_id) == expected
    assert plan.counts == store.Counts(matched=12, change=12, unchanged=0, skip=0)
    assert_operation(s, report, KEY, plan.counts, {"force": True}, {})
    assert utility.show(rows["P123"].new) == "removed, 2 items declared lost"

    assert barcodes(s) == {"UNKNOWN"}
    op = report.operation_id
    assert rows_of(s, "items") == [
        {"id": 1, "barcode": "T1", "title": "Charlotte's Web", "status": "Lost", "price": 899},
        {"id": 2, "barcode": "T2", "title": "Holes", "status": "Lost", "price": 1099},
        {"id": 3, "barcode": "T3", "title": "Wonder", "status": "Lost", "price": 1299},
        {"id": 4, "barcode": "T4", "title": "Hatchet", "status": "Available", "price": 799}]
    assert rows_of(s, "item_history") == [
        {"id": 1, "item_id": 1, "kind": "lost", "date": "2026-06-01",
         "detail": f"Declared lost: checked out to 9 Adams, Ann, removed by Remove Patrons "
                   f"(operation #{op})"},
        {"id": 2, "item_id": 2, "kind": "lost", "date": "2026-06-01",
         "detail": f"Declared lost: checked out to P123 Éluard, Paul, removed by Remove Patrons "
                   f"(operation #{op})"},
        {"id": 3, "item_id": 3, "kind": "lost", "date": "2026-06-01",
         "detail": f"Declared lost: checked out to P123 Éluard, Paul, removed by Remove Patrons "
                   f"(operation #{op})"}]
    for table in ("checkouts", "holds", "reservations", "charges", "notes", "pictures",
                  "history", "patron_emails", "password_resets"):
        assert count(s, table) == 0, table
    assert [o["subject"] for o in rows_of(s, "outbox")] == ["Report"]  # no patron: stays
    assert [(r["patron_id"], r["title"]) for r in rows_of(s, "reviews")] == [
        (13, "Dune"), (13, "Holes"), (13, "Wonder"), (13, "Matilda")]
    assert_nothing_references(s, set(id_of.values()))
    assert (len(before["checkouts"]), len(before["charges"])) == (3, 6)  # every one went


def test_option_on_declares_lost_with_the_last_name_alone_when_there_is_no_first_name(small_db):
    db = small_db.db
    db.execute("UPDATE patrons SET first_name = '' WHERE barcode = 'O''1'")
    db["items"].insert({"id": 5, "barcode": "T5", "title": "Book", "status": "Checked Out"})
    db["checkouts"].insert({"item_id": 5, "patron_id": 11, "checked_out": "2026-05-01",
                            "due_date": "2026-05-15"})
    plan, rows, report = run(small_db, KEY, {"locations": ["Room 1"]}, {"force": True})
    assert rows["O'1"].new == "removed, 1 item declared lost"
    assert rows["9"].new == rows["10"].new == "removed"
    [entry] = rows_of(small_db, "item_history")
    assert entry["detail"] == (f"Declared lost: checked out to O'1 O'Brien, removed by Remove "
                               f"Patrons (operation #{report.operation_id})")
    assert (entry["item_id"], entry["kind"]) == (5, "lost")


# -- the journal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_the_journal_keeps_every_removed_row_whole(holdings, force):
    s = holdings
    before = snapshot(s)
    plan, rows, report = run(s, KEY, {}, {"force": force})
    after = snapshot(s)
    entries = journal(s, report.operation_id)

    expected = []
    for table, old_rows in before.items():
        for rowid, row in old_rows.items():
            if rowid not in after[table]:
                image = {k: (v.hex().upper() if isinstance(v, bytes) else v)
                         for k, v in row.items()}
                expected.append((table, rowid, "delete", image, None))
    # Every table that lost rows: the patrons and each kind of row that belongs to them.
    deleted_from = {t for t, *_ in expected}
    assert deleted_from == ({"patrons", "notes", "pictures", "history", "holds", "reservations",
                             "patron_emails", "outbox", "password_resets", "checkouts", "charges"}
                            if force else
                            {"patrons", "notes", "pictures", "history", "holds", "reservations",
                             "patron_emails", "outbox", "password_resets"})
    unknown = 13
    expected.append(("patrons", unknown, "insert", None, after["patrons"][unknown]))
    moved = [k for k, r in before["reviews"].items() if after["reviews"][k]["patron_id"] == unknown]
    assert moved == ([1, 2, 3, 4] if force else [1, 2, 3])
    expected += [("reviews", k, "update", {"patron_id": before["reviews"][k]["patron_id"]},
                  {"patron_id": unknown}) for k in moved]
    if force:
        expected += [("items", k, "update", {"status": before["items"][k]["status"]},
                      {"status": "Lost"}) for k in (1, 2, 3)]
        expected += [("item_history", k, "insert", None, after["item_history"][k])
                     for k in (1, 2, 3)]
    assert sorted(entries, key=lambda e: (e[0], e[1], e[2])) == sorted(
        expected, key=lambda e: (e[0], e[1], e[2]))
    assert len(entries) == len(expected)

    # Spot checks of what an undo needs.
    by_key = {(t, r, a): (b, af) for t, r, a, b, af in entries}
    assert by_key[("pictures", 4, "delete")] == ({"patron_id": 4, "image": PICTURE.hex().upper()},
                                                 None)
    assert bytes.fromhex(by_key[("pictures", 4, "delete")][0]["image"]) == PICTURE
    assert by_key[("patrons", 4, "delete")][0] == {
        "id": 4, "barcode": "1000", "first_name": "Dan", "middle_name": "", "last_name": "Davis",
        "nickname": "", "grade": "Graduated", "location": None, "location2": None,
        "policy": "Secondary", "security_group": "Student", "status": "Transferred",
        "site": "HIGH", "graduation_date": "2025-06-01", "expiration_date": "2025-05-31",
        "username": None, "password_hash": None, "must_change_password": 0,
        "created": "2026-01-01 00:00:00", "modified": "2026-01-01 00:00:00", "is_unknown": 0}
    assert by_key[("reviews", 3, "update")] == ({"patron_id": 9}, {"patron_id": 13})
    assert by_key[("patrons", 13, "insert")][1]["barcode"] == "UNKNOWN"
    if force:
        assert by_key[("items", 3, "update")] == ({"status": "Overdue"}, {"status": "Lost"})
        assert by_key[("charges", 5, "delete")][0] == {
            "id": 5, "patron_id": 5, "amount": 100, "description": "Refund due", "note": "",
            "transaction_date": "2026-03-05", "is_credit": 1}
        assert by_key[("checkouts", 3, "delete")][0] == {
            "id": 3, "item_id": 3, "patron_id": 5, "checked_out": "2026-04-01",
            "due_date": "2026-04-22", "fines_from": "2026-05-01"}
    # The journal's rows are written under the operation that did it.
    assert count(s, "operation_rows", "operation_id <> ?", report.operation_id) == 0


def test_a_failed_apply_writes_nothing(holdings, monkeypatch):
    from store.utilities import remove_patrons

    before = snapshot(holdings)
    plan = holdings.plan(KEY, {}, {"force": True}, ADMIN)

    def broken(self, tx, removed):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(remove_patrons.RemovePatrons, "_declare_lost", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        holdings.apply(plan)
    assert snapshot(holdings) == before
    assert count(holdings, "operations") == count(holdings, "operation_rows") == 0


# -- the seed's end-of-year uses -----------------------------------------------------------------


@pytest.mark.parametrize("selection, expected", [
    ({"graduation_to": "today"}, {"100", "1000", "101"}),
    ({"graduation_to": "06/01/2026"}, {"100", "1000", "101"}),
    ({"graduation_from": "today-1y", "graduation_to": "today-1d"}, {"1000", "101"}),
    ({"graduation_from": "-1y", "graduation_to": "-1d"}, {"1000", "101"}),
    ({"graduation_to": "today+1d"}, {"100", "1000", "101", "2"}),
    ({"graduation_from": "today"}, {"100", "2", "9", "10", "P123", "99", "O'1", "p150"}),
    ({"grades": ["Graduated"]}, {"1000", "2"}),
    ({"statuses": ["Transferred"]}, {"1000"}),
    ({"locations": ["Gone"]}, {"2"}),
], ids=["graduated-by-today", "graduated-by-date", "graduated-in-the-last-year",
        "graduated-relative-short", "graduating-by-tomorrow", "not-yet-graduated",
        "grade-graduated", "status-transferred", "location-gone"])
def test_end_of_year_selections_remove_exactly_the_expected_patrons(small_db, all_barcodes,
                                                                     selection, expected):
    id_of = ids(small_db)
    plan, rows, report = run(small_db, KEY, selection, {})
    assert set(rows) == expected
    assert outcomes(rows) == {b: ("change", None, "nothing out or owed", "removed")
                              for b in expected}
    assert plan.counts == store.Counts(matched=len(expected), change=len(expected), unchanged=0,
                                       skip=0)
    assert_operation(small_db, report, KEY, plan.counts, {"force": False}, selection)
    assert barcodes(small_db) == all_barcodes - expected
    assert_nothing_references(small_db, {id_of[b] for b in expected})


# -- the migration to schema version 2 ----------------------------------------------------------


def test_a_version_1_database_is_migrated_keeping_its_history(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for statement in _statements(V1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sites (code, name, is_union) VALUES ('ELM', 'Elm', 0), "
                 "('UNION', 'Union Site', 1)")
    conn.execute("INSERT INTO patrons (id, barcode, last_name, first_name, site, created, "
                 "modified) VALUES (1, '9', 'Adams', 'Ann', 'ELM', 'c', 'm')")
    conn.execute("INSERT INTO history (id, patron_id, kind, detail, date) "
                 "VALUES (5, 1, 'payment', 'Paid $2.00', '2026-01-10')")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("INSERT INTO history (patron_id, kind, date) VALUES (1, 'forgiven', 'x')")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(patrons)")]
    assert "is_unknown" not in columns
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'item_history'"
                        ).fetchone()[0] == 0
    conn.close()

    db = store.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("SELECT id, patron_id, kind, detail, date FROM history").fetchall() == [
            (5, 1, "payment", "Paid $2.00", "2026-01-10")]
        db.execute("INSERT INTO history (patron_id, kind, detail, date) "
                   "VALUES (1, 'forgiven', 'Forgave $1.00', '2026-06-01')")
        assert db.execute("SELECT id, kind FROM history ORDER BY id").fetchall() == [
            (5, "payment"), (6, "forgiven")]
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            db.execute("INSERT INTO history (patron_id, kind, date) VALUES (1, 'bogus', 'x')")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
            db.execute("INSERT INTO history (patron_id, kind, date) VALUES (99, 'payment', 'x')")
        assert [tuple(fk)[2:4] for fk in db.execute("PRAGMA foreign_key_list('history')")] == [
            ("patrons", "patron_id")]
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                          "AND tbl_name = 'history'").fetchall() == [("history_patron",)]
        assert db.execute("SELECT id, is_unknown FROM patrons").fetchall() == [(1, 0)]
        assert db.execute("SELECT count(*) FROM item_history").fetchone()[0] == 0
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.conn.close()

    # Connecting again does not migrate twice; the migrated database runs Remove Patrons.
    s = store.Store(path)
    try:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert s.db.execute("SELECT count(*) FROM history").fetchone()[0] == 2
        plan, rows, report = run(s, KEY, {}, {})
        assert outcomes(rows) == {"9": ("change", None, "nothing out or owed", "removed")}
        assert s.db.execute("SELECT count(*) FROM history").fetchone()[0] == 0
        assert [(t, r, a) for t, r, a, _, _ in journal(s, report.operation_id)] == [
            ("history", 5, "delete"), ("history", 6, "delete"), ("patrons", 1, "delete")]
        assert_nothing_references(s, {1})
    finally:
        s.close()
