"""Writing checked patron records under one operation: the piece the patron file import
(store/patron_file.py) and Sync from Roster (store/roster/sync.py) share.

Each record is a patron-file record (store/patron_record.py's FIELDS, ``emails`` for the
exact list of addresses, and any other column of ``patrons`` such as ``roster_id``) with
the patron it changes (None: a new patron). New patrons are inserted whole; a patron's
changed columns are updated; every row is journaled (operation_rows) so an undo puts it
back, and every patron's outcome is said once (operation_changes). The caller has checked
the records and holds the write lock.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from sqlite_utils.db import NotFoundError, jsonify_if_needed

from . import import_rules, patron_emails
from .fields import field_title
from .patron_record import FIELDS, PatronRecord

CHUNK = 2000
# Fields as a technician reads them in a preview, a summary and a report (the library's
# terms are put on them where they are shown).
LABELS = {"emails": "Email addresses", "roster_id": "Roster id"}
# What a new patron's journal row says of them (the record itself is in operation_rows).
NEW_SHOWN = ("site", "grade", "security_group")


def field_label(name: str) -> str:
    return LABELS.get(name) or field_title(PatronRecord, name)


def shown_value(record: dict, name: str) -> Any:
    """A field's value as shown: a patron's email addresses in their order."""
    value = record.get(name)
    if name == "emails":
        return ", ".join(value) if value else None
    return value


def described(record: dict, fields: list[str]) -> str:
    """'Grade 5; Site ELM': the fields with their values, blank ones said."""
    return "; ".join(
        f"{field_label(f)} {'(blank)' if (v := shown_value(record, f)) in (None, '') else v}"
        for f in fields
    )


@dataclass
class Entry:
    """One record to write: the patron it changes (None: new), and where it came from
    ("row 4", "roster row 12"), said in the outcome's reason. ``reason`` replaces the
    reason the writer would give (a transfer says why the patron is transferred)."""

    old: dict | None
    record: dict
    where: str
    reason: str | None = None


def changed_fields(old: dict, record: dict) -> list[str]:
    """The fields of ``record`` that differ from the patron's: its barcode too when the
    patron was found by something else (their roster id)."""
    fields = import_rules.differs(old, record)
    if "barcode" in record and old.get("barcode") != record["barcode"]:
        fields.insert(0, "barcode")
    return fields


def write_patrons(
    db: sqlite_utils.Database,
    op: int,
    entries: list[Entry],
    now: str,
    progress: Callable[[int], None] | None = None,
) -> None:
    _staging(db)
    changes: list[tuple] = []
    addresses: dict[int, tuple[str, ...]] = {}  # patron id → their new list, when it changes
    image = "json_object(" + ", ".join(f"'{c.name}', {c.name}" for c in db["patrons"].columns)
    new: list[tuple[int, Entry]] = []  # consecutive new patrons, inserted together
    for seq, entry in enumerate(entries, start=1):
        old, record = entry.old, entry.record
        if old is None:
            new.append((seq, entry))
            continue
        if new:
            _insert(db, op, new, now, image + ")", addresses)
            new = []
        fields = changed_fields(old, record)
        if "emails" in fields:
            addresses[old["id"]] = record["emails"]
        own = [f for f in fields if f != "emails"]  # the patron's own row
        if own:
            before = {k: old[k] for k in own} | {"modified": old["modified"]}
            after = {k: record[k] for k in own} | {"modified": now}
            updated = db.conn.execute(
                f"UPDATE patrons SET {', '.join(f'{k} = ?' for k in after)} WHERE id = ?",
                [*(_value(v) for v in after.values()), old["id"]],
            )
            if updated.rowcount != 1:
                raise NotFoundError(f"patron {old['id']} is not in the database")
            db.conn.execute(
                "INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, "
                "after) VALUES (?, 'patrons', ?, 'update', ?, ?)",
                (op, old["id"], json.dumps(before), json.dumps(after)),
            )
        if fields:
            labels = ", ".join(field_label(f) for f in fields)
            reason = entry.reason or f"updated {labels} ({entry.where})"
            was, now_is = described(old, fields), described(record, fields)
            changes.append((op, seq, old["id"], record["barcode"], "change", reason, was, now_is))
        else:
            reason = entry.reason or f"already the same ({entry.where})"
            changes.append((op, seq, old["id"], record["barcode"], "unchanged", reason, None, None))
        if progress and seq % CHUNK == 0:
            progress(seq)
    if new:
        _insert(db, op, new, now, image + ")", addresses)
    # After every patron row: an undo (newest first) takes these back before the patrons.
    patron_emails.replace(db, op, addresses)
    _stage(db, changes)
    _journal_staged(db)


def _insert(db, op, new: list[tuple[int, Entry]], now: str, image: str, addresses) -> None:
    """New patrons inserted whole, each journaled with its row as inserted: a few statements
    for the lot, not a few per patron (a first sync makes a whole district). Their outcomes
    are journaled in SQL from the rows as inserted."""
    last = db.execute("SELECT coalesce(max(id), 0) FROM patrons").fetchone()[0]
    runs: list[tuple[str, list[tuple]]] = []  # rows with the same columns: one INSERT each
    staged: list[tuple] = []  # (k, seq, barcode, reason): the k-th new patron is id last + k
    shape: tuple[str, ...] | None = None
    for k, (seq, entry) in enumerate(new, start=1):
        record = entry.record
        if tuple(record) != shape:
            shape = tuple(record)
            sql, given, fixed = _columns(record, now)
            runs.append((sql, []))
        values = given(record)
        if not _PLAIN.issuperset(map(type, values)):
            values = tuple(map(_value, values))
        runs[-1][1].append(values + fixed)
        staged.append((k, seq, record["barcode"], entry.reason or f"new patron ({entry.where})"))
        if emails := record.get("emails"):
            addresses[last + k] = emails
    from .plan import NAME_SQL  # the preview's "Last, First"

    for sql, rows in runs:
        db.conn.executemany(sql, rows)
    db.execute("DELETE FROM temp.write_new")
    db.conn.executemany("INSERT INTO temp.write_new VALUES (?, ?, ?, ?)", staged)
    # The ids are last + 1 … last + n in insert order, each patron with their barcode.
    placed = db.execute(
        """SELECT (SELECT count(*) FROM patrons WHERE id > :last),
                  (SELECT count(*) FROM temp.write_new s
                   JOIN patrons p ON p.id = :last + s.k AND p.barcode = s.barcode)""",
        {"last": last},
    ).fetchone()
    if placed != (len(new), len(new)):
        raise RuntimeError("the new patrons' ids are not in the order they were inserted")
    db.execute(
        f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
            SELECT ?, 'patrons', id, 'insert', NULL, {image} FROM patrons WHERE id > ?
            ORDER BY id""",
        [op, last],
    )
    # What described() says of the fields of NEW_SHOWN the patron has: 'Site ELM; Grade 5'.
    shown = " || ".join(
        f"coalesce('; ' || :{f} || ' ' || nullif(p.{f}, ''), '')" for f in NEW_SHOWN
    )
    # Their outcomes, with their names as inserted: no later entry changes a new patron.
    db.execute(
        f"""INSERT INTO operation_changes (operation_id, seq, patron_id, barcode, name,
                outcome, reason, before, after)
            SELECT :op, s.seq, p.id, p.barcode, {NAME_SQL}, 'change', s.reason, NULL,
                   substr({shown}, 3)
            FROM temp.write_new s JOIN patrons p ON p.id = :last + s.k""",
        {"op": op, "last": last, **{f: field_label(f) for f in NEW_SHOWN}},
    )
    db.execute("DELETE FROM temp.write_new")


def _columns(record: dict, now: str) -> tuple[str, Callable[[dict], tuple], tuple]:
    """The INSERT for new patrons with ``record``'s keys, what it takes of each record, and
    the values every such row adds: the blank fields' defaults, then created and modified."""
    own = [c for c in record if c not in ("emails", "created", "modified")]
    blank = [c for c in _BLANK if c not in record]
    columns = [*own, *blank, "created", "modified"]
    sql = f"INSERT INTO patrons ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    pick = operator.itemgetter(*own)
    given = pick if len(own) > 1 else (lambda r: (pick(r),))
    return sql, given, (*(_BLANK[c] for c in blank), now, now)


# A new patron's values where the record gives none.
_BLANK = {
    **{f: None for f in FIELDS},
    "first_name": "",
    "middle_name": "",
    "nickname": "",
    "status": "Active",
}


_PLAIN = frozenset({str, type(None)})  # what a value needs no conversion from


def _value(value: object) -> object:
    """A value as sqlite-utils would write it (JSON for a list, ISO for a date…)."""
    return value if value is None or type(value) is str else jsonify_if_needed(value)


def journal_outcomes(db: sqlite_utils.Database, changes: list[tuple]) -> None:
    """operation_changes rows (operation, seq, patron id, barcode, outcome, reason, and
    optionally what was before and after, as the summary shows them), each with the
    patron's name as it is now."""
    _staging(db)
    _stage(db, changes)
    _journal_staged(db)


def _staging(db: sqlite_utils.Database) -> None:
    """The temp tables outcomes are gathered in, then journaled by one INSERT … SELECT (no
    declared types: each value reaches operation_changes as given)."""
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS write_outcomes "
        "(operation_id, seq, patron_id, barcode, outcome, reason, before, after)"
    )
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS write_new (k INTEGER PRIMARY KEY, seq, barcode, reason)"
    )
    db.execute("DELETE FROM temp.write_outcomes")  # nothing left of a write rolled back


def _stage(db: sqlite_utils.Database, changes: list[tuple]) -> None:
    db.conn.executemany(
        "INSERT INTO temp.write_outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((*c, None, None)[:8] for c in changes),
    )


def _journal_staged(db: sqlite_utils.Database) -> None:
    """Every staged outcome of a patron here, with their name as it is now."""
    from .plan import NAME_SQL  # the preview's "Last, First"

    try:
        db.execute(
            f"""INSERT INTO operation_changes (operation_id, seq, patron_id, barcode, name,
                    outcome, reason, before, after)
                SELECT o.operation_id, o.seq, p.id, o.barcode, {NAME_SQL}, o.outcome, o.reason,
                       o.before, o.after
                FROM temp.write_outcomes o JOIN patrons p ON p.id = o.patron_id"""
        )
    finally:
        db.execute("DELETE FROM temp.write_outcomes")
