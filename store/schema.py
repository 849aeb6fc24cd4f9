"""The patron database's tables, created and migrated idempotently.

PRAGMA user_version holds the schema version; each migration step runs once,
inside one transaction, so a database is never left half-migrated.

The SQL of each version, and the values its tables allow, are in store/schema_versions.py;
they are named here too, where the rest of the program and its tests look for them.
"""

from __future__ import annotations

import sqlite3

from .schema_versions import (
    HISTORY_KINDS,
    NOTE_TYPES,
    STATUSES,
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    NoteType,
    Status,
)

__all__ = [
    "APPLICATION_ID",
    "HISTORY_KINDS",
    "MIGRATIONS",
    "NOTE_TYPES",
    "STATUSES",
    "V1",
    "V2",
    "V3",
    "V4",
    "V5",
    "V6",
    "V7",
    "V8",
    "VERSION",
    "NewerSchema",
    "NoteType",
    "Status",
    "migrate",
]

# PRAGMA application_id of a Patron Utilities database ("PUTL"); store.database checks it.
APPLICATION_ID = 0x5055544C

MIGRATIONS: list[str] = [V1, V2, V3, V4, V5, V6, V7, V8]
VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the current schema version; returns that version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > VERSION:
        raise NewerSchema(
            f"this database was written by a newer Patron Utilities (schema {current}, "
            f"this program knows {VERSION}); upgrade Patron Utilities"
        )
    for version in range(current, VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated.
            if conn.execute("PRAGMA user_version").fetchone()[0] > version:
                conn.execute("ROLLBACK")
                continue
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        # Ours, up to date: it says so to every reader (set only once every step succeeded).
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if "readonly" not in str(exc):  # a read-only copy is still read
                raise
    return VERSION


class NewerSchema(RuntimeError):
    """The database was written by a newer Patron Utilities."""


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (executescript would commit early)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]
