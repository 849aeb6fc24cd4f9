"""Remove Patrons on small_db: snapshots, references, the Unknown Patron, ``holdings``."""
from __future__ import annotations

import pytest

import store
from store.security import ALL_PERMISSIONS, Operator

from .store_helpers import rows_of

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
FREE = ("1000", "11", "101", "2", "P200", "O'1", "p150", "STAFF002")  # STAFF002: the aide
# The operator's own account (ADMIN, STAFF001) is never removed: skipped, holding nothing.
OWN_ROW = {"STAFF001": ("skip", "your own account", "nothing out or owed", "kept")}
UNKNOWN_ID = 303  # the next id after small_db's operators (301, 302)
