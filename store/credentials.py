"""Password hashes in the journal: kept only while the operation they belong to can be undone.

An operation that changed or removed patrons journals their rows, password hashes
included, so an undo can put a password back. The hashes are erased from its journal
when it is undone, and after the library's retention period (a preference, 30 days
unless set); its undo then says passwords can no longer be restored.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from . import clock

# Columns holding credentials, by table: never kept longer than they are needed.
COLUMNS = {"patrons": ("password_hash",)}
RETENTION_KEY = "credential_retention_days"
DEFAULT_RETENTION_DAYS = 30


def retention_days(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT value FROM preferences WHERE key = ?", [RETENTION_KEY]).fetchone()
    try:
        return max(1, int(row[0])) if row else DEFAULT_RETENTION_DAYS
    except ValueError:  # not a number: keep the default rather than erase everything
        return DEFAULT_RETENTION_DAYS


def nothing_to_erase(db: sqlite_utils.Database, operation_id: int) -> None:
    """Mark an operation whose journal holds no credentials (so it is never searched)."""
    db.execute("UPDATE operations SET credentials_erased = finished WHERE id = ?", [operation_id])


def erase(db: sqlite_utils.Database, operation_id: int) -> None:
    """Blank every password hash in one operation's journal (the images keep the column,
    with no value, so the undo knows it is gone rather than never set)."""
    for table, columns in COLUMNS.items():
        for column in columns:
            path = f"$.{column}"
            held = f"json_extract({{image}}, '{path}') IS NOT NULL"
            db.execute(
                f"""UPDATE operation_rows SET
                        before = CASE WHEN {held.format(image="before")}
                                      THEN json_set(before, '{path}', NULL) ELSE before END,
                        after = CASE WHEN {held.format(image="after")}
                                     THEN json_set(after, '{path}', NULL) ELSE after END
                    WHERE operation_id = :op AND table_name = :table
                      AND ({held.format(image="before")} OR {held.format(image="after")})""",
                {"op": operation_id, "table": table},
            )
    db.execute(
        "UPDATE operations SET credentials_erased = :now WHERE id = :op",
        {"now": clock.now(), "op": operation_id},
    )


def erase_expired(db: sqlite_utils.Database) -> list[int]:
    """Erase the hashes of operations older than the retention period; returns their ids.
    Runs inside each journaled write, so it costs nothing when there is nothing to do."""
    now = dt.datetime.fromisoformat(clock.now())
    cutoff = (now - dt.timedelta(days=retention_days(db))).isoformat(sep=" ")
    ids = [
        row[0]
        for row in db.execute(
            "SELECT id FROM operations WHERE credentials_erased IS NULL AND started < ?", [cutoff]
        )
    ]
    for operation_id in ids:
        erase(db, operation_id)
    return ids
