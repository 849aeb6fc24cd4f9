"""Patron file tests: a file to import, every table dumped, a patron, a BadFile's problems."""

from __future__ import annotations

import pytest

import store

from .runs import rows_of

JOURNAL = ("operations", "operation_changes", "operation_rows")


def write(tmp_path, name: str, text: str, *, bom: bool = False):
    """A file of ``text`` as UTF-8 (with a byte-order mark when ``bom``), newlines as given."""
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def one_patron_file(tmp_path, column: str, value: str) -> tuple[dict[str, str], object]:
    """A file of one patron (barcode U1, Upton, username upton) with ``column`` set to
    ``value``, every cell quoted; the row and the file's path."""
    row = {"barcode": "U1", "last_name": "Upton", "username": "upton"} | {column: value}
    cells = ",".join(f'"{row[c]}"' for c in ("barcode", "last_name", "username"))
    return row, write(tmp_path, "odd.csv", f"barcode,last_name,username\n{cells}\n")


def dump(db, journal: bool = True) -> dict[str, list[tuple]]:
    """Every row of every table (the journal's tables too, unless ``journal`` is False)."""
    conn = db.conn if hasattr(db, "conn") else db
    tables = [
        t
        for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        t: sorted((tuple(r) for r in conn.execute(f"SELECT * FROM {t}")), key=repr)
        for t in tables
        if journal or t not in JOURNAL
    }


def patron(s: store.Store, barcode: str) -> dict:
    rows = rows_of(s, "patrons", "barcode = ?", barcode)
    assert len(rows) == 1, barcode
    return rows[0]


def problems(exc: pytest.ExceptionInfo) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in exc.value.problems]
