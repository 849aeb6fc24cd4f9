"""Undo tests: dumps of every table but the journal, and what an undo stamps."""

from __future__ import annotations

import store

# The journal and the login lockouts are not what an undo puts back.
NOT_DUMPED = {
    "operations",
    "operation_changes",
    "operation_rows",
    "login_failures",
    "undo_restored",
}


def dump(s: store.Store) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table but the journal's: its columns and all its rows, in rowid order."""
    tables = [
        name
        for (name,) in s.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    out = {}
    for table in tables:
        if table in NOT_DUMPED:
            continue
        cursor = s.db.execute(f"SELECT * FROM {table} ORDER BY rowid")
        out[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    return out


def foreign_key_problems(s: store.Store) -> list[tuple]:
    return s.db.execute("PRAGMA foreign_key_check").fetchall()


def unstamped(dumped: dict) -> dict:
    """A dump without the 'modified' columns: an undo puts every value back and stamps the
    rows it writes with its own time."""
    out = {}
    for table, (columns, rows) in dumped.items():
        if "modified" in columns:
            at = columns.index("modified")
            rows = [row[:at] + row[at + 1 :] for row in rows]
            columns = columns[:at] + columns[at + 1 :]
        out[table] = (columns, rows)
    return out


def stamps(s: store.Store) -> dict[int, str]:
    """patron id -> modified."""
    return dict(s.db.execute("SELECT id, modified FROM patrons").fetchall())
