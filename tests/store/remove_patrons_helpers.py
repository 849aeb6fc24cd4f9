"""Remove Patrons on small_db: snapshots, references, the Unknown Patron, ``holdings``."""

from __future__ import annotations

import store
from store.security import ALL_PERMISSIONS, Operator

from .runs import rows_of

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
    return [
        r[0]
        for r in s.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        if r[0] not in JOURNAL_TABLES
    ]


def snapshot(s: store.Store) -> dict[str, dict[int, dict]]:
    """table -> rowid -> whole row, for every data table."""
    out = {}
    for table in data_tables(s):
        cur = s.db.execute(f"SELECT rowid AS row_key__, * FROM {table}")
        names = [d[0] for d in cur.description]
        out[table] = {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cur.fetchall()}
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
    assert {t for t, _ in refs} >= {
        "patron_emails",
        "notes",
        "pictures",
        "checkouts",
        "holds",
        "reservations",
        "charges",
        "history",
        "reviews",
        "outbox",
        "password_resets",
    }
    assert removed_ids
    marks = ", ".join("?" * len(removed_ids))
    for table, col in refs:
        left = s.db.execute(
            f"SELECT count(*) FROM {table} WHERE {col} IN ({marks})", sorted(removed_ids)
        ).fetchone()[0]
        assert (table, col, left) == (table, col, 0)
    assert (
        s.db.execute(
            f"SELECT count(*) FROM patrons WHERE id IN ({marks})", sorted(removed_ids)
        ).fetchone()[0]
        == 0
    )


def outcomes(rows) -> dict[str, tuple]:
    """barcode -> (outcome, reason, current, new) of plan rows."""
    return {b: (r.outcome, r.reason, r.current, r.new) for b, r in rows.items()}


def unknown_patrons(s: store.Store) -> list[dict]:
    return rows_of(s, "patrons", "is_unknown")


def add_unknown(s: store.Store, barcode: str = "UNKNOWN") -> int:
    return s.db.execute(
        "INSERT INTO patrons (barcode, last_name, site, is_unknown, created, modified) "
        "VALUES (?, 'Unknown Patron', 'UNION', 1, '2026-01-01', '2026-01-01')",
        [barcode],
    ).lastrowid


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
