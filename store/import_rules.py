"""The rules an import's rows must pass against the database and the operator, checked
for a dry run and again under the write lock: no barcode twin in another case, unique
usernames, and only what the utilities would let this operator change; and the username a
new patron gets when the file gives none (their barcode)."""

from __future__ import annotations

import json
import re

import sqlite_utils

from . import authority, patron_emails
from .file_out import excerpt
from .patron_csv import RowProblem
from .security import PASSWORDS, SECURITY_GROUPS, Operator
from .selection import UNKNOWN_REASON

CHUNK = 2000  # barcodes looked up per query
_LETTER = re.compile("[A-Za-z]")  # what SQLite's NOCASE folds


def problems(
    db: sqlite_utils.Database,
    records: list[tuple[int, dict]],
    operator: Operator,
    known: dict[str, dict] | None = None,
) -> list[RowProblem]:
    """The rules that depend on the database and the operator: unique usernames (logins
    ignore case), then who may set what on whom. ``known``: the records' patrons as
    ``existing`` reads them, when the caller has them already."""
    return (
        _case_twins(db, records, known)
        + _username_clashes(db, records)
        + _authorized(db, records, operator, known)
    )


def _case_twins(
    db: sqlite_utils.Database,
    records: list[tuple[int, dict]],
    known: dict[str, dict] | None = None,
) -> list[RowProblem]:
    """A new barcode that is an existing one in another case (AB1 for ab1) would make a
    second patron that every barcode list selects with the first (they match regardless
    of case): a problem naming the barcode to use. One pass over the patrons (SQLite's
    NOCASE folds ASCII letters only), made only for barcodes that could have a twin: new
    ones (not in ``known``, the patrons here by barcode) with an ASCII letter (a barcode
    with none equals only itself regardless of case)."""
    rows = [
        (n, r["barcode"])
        for n, r in records
        if _LETTER.search(r["barcode"]) and (known is None or r["barcode"] not in known)
    ]
    if not rows:
        return []
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS import_barcodes (row INTEGER, barcode TEXT COLLATE NOCASE)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS temp.import_barcodes_barcode ON import_barcodes(barcode)"
    )
    db.execute("DELETE FROM temp.import_barcodes")
    db.conn.executemany("INSERT INTO temp.import_barcodes VALUES (?, ?)", rows)
    twins = db.execute(
        """SELECT t.row, t.barcode, p.barcode FROM patrons p
           JOIN temp.import_barcodes t ON t.barcode = p.barcode
           WHERE NOT EXISTS (SELECT 1 FROM patrons q WHERE q.barcode = t.barcode COLLATE BINARY)
           ORDER BY t.row"""
    ).fetchall()
    db.execute("DELETE FROM temp.import_barcodes")
    return [
        RowProblem(
            row,
            "barcode",
            f"{excerpt(given)} is patron {excerpt(theirs)}'s barcode "
            f"in another case; write it as {excerpt(theirs)} to update them "
            "(barcodes match regardless of case)",
        )
        for row, given, theirs in twins
    ]


def case_twins(db: sqlite_utils.Database, records: list[tuple[int, dict]]) -> list[RowProblem]:
    """The rows whose barcode is an existing patron's in another case (Sync from Roster's
    new patrons are checked as an import's)."""
    return _case_twins(db, records)


def _authorized(
    db: sqlite_utils.Database,
    records: list[tuple[int, dict]],
    operator: Operator,
    known: dict[str, dict] | None,
) -> list[RowProblem]:
    """An import may do only what the utilities would let its operator do: change no patron
    at or above their level (nor their own account), set a username only with Patron
    Passwords: Edit, and a security group only with Assign and below their level."""
    levels = dict(db.execute("SELECT name, level FROM security_groups").fetchall())
    if known is None:
        known = existing(db, [r["barcode"] for _, r in records], records)
    out = []
    for number, record in records:
        old = known.get(record["barcode"])
        changing = (
            differs(old, record)
            if old
            else [k for k, v in record.items() if k != "barcode" and v not in (None, "", ())]
        )
        if old is not None and changing and old["is_unknown"]:
            # No utility matches it (store.selection); an import is no way round that.
            out.append(
                RowProblem(
                    number,
                    changing[0],
                    f"patron {record['barcode']} is the Unknown Patron: {UNKNOWN_REASON}, and "
                    "an import does not change it",
                )
            )
            continue
        if old is not None and changing:
            group = old["security_group"]
            why = authority.refusal(operator, old["id"], group, levels.get(group))
            if why:
                out.append(
                    RowProblem(
                        number,
                        changing[0],
                        f"patron {record['barcode']} is {why}: you may not change them",
                    )
                )
                continue
        if "username" in changing and not operator.may((PASSWORDS,)):
            out.append(
                RowProblem(
                    number, "username", f"setting a username needs the permission '{PASSWORDS}'"
                )
            )
        if "security_group" in changing:
            group = record["security_group"]
            if not operator.may((SECURITY_GROUPS,)):
                out.append(
                    RowProblem(
                        number,
                        "security_group",
                        f"setting a security group needs the permission '{SECURITY_GROUPS}'",
                    )
                )
            elif group is not None and (
                refused := authority.may_assign(operator, group, levels.get(group))
            ):
                out.append(RowProblem(number, "security_group", refused))
    return out


def _username_clashes(
    db: sqlite_utils.Database, records: list[tuple[int, dict]]
) -> list[RowProblem]:
    out: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, record in records:
        name = record.get("username")
        if not name:
            continue
        if name.casefold() in seen:
            out.append(
                RowProblem(number, "username", f"{name!r} is also on row {seen[name.casefold()]}")
            )
            continue
        seen[name.casefold()] = number
        owner = db.execute("SELECT barcode FROM patrons WHERE username = ?", [name]).fetchone()
        if owner and owner[0] != record["barcode"]:
            out.append(RowProblem(number, "username", f"{name!r} belongs to patron {owner[0]}"))
    return out


def existing(
    db: sqlite_utils.Database,
    barcodes: list[str],
    records: list[tuple[int, dict]] | None = None,
) -> dict[str, dict]:
    """The patrons already here with these barcodes, by barcode; with their ``emails`` (a
    tuple, in order) when the ``records`` carry them."""
    found = {}
    for start in range(0, len(barcodes), CHUNK):
        chunk = barcodes[start : start + CHUNK]
        for row in db.query(
            "SELECT * FROM patrons WHERE barcode IN (SELECT value FROM json_each(:b))",
            {"b": json.dumps(chunk)},
        ):
            found[row["barcode"]] = row
    if records and any("emails" in r for _, r in records):
        lists = patron_emails.of_patrons(db, [row["id"] for row in found.values()])
        for row in found.values():
            row["emails"] = lists.get(row["id"], ())
    return found


def default_usernames(
    db: sqlite_utils.Database,
    records: list[tuple[int, dict]],
    known: dict[str, dict] | None = None,
) -> tuple[int, list[tuple[int, str, str]]]:
    """Give each new patron the file gives no username their barcode as one, in its case, as
    Reset Patron Accounts' Barcode makes it (logins ignore case): "Username fields in
    Alexandria default to barcode." A barcode that is already a username here or is given as
    one on another row leaves that patron without one, listed as (row, barcode, why);
    nothing else about the row changes. Returns how many were given and those left
    (``known``: the patrons here, as ``problems`` takes them)."""
    if known is None:
        known = existing(db, [r["barcode"] for _, r in records])
    new = [(n, r) for n, r in records if r["barcode"] not in known and not r.get("username")]
    if not new:
        return 0, []
    wanted = [r["barcode"] for _, r in new]
    taken: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        for username, barcode in db.execute(
            "SELECT username, barcode FROM patrons WHERE username IN "
            "(SELECT value FROM json_each(?))",
            [json.dumps(wanted[start : start + CHUNK])],
        ):
            taken[username.casefold()] = f"patron {barcode}"
    for number, record in records:
        if record.get("username"):
            taken.setdefault(record["username"].casefold(), f"row {number}")
    given, left = 0, []
    for (number, record), username in zip(new, wanted, strict=True):
        holder = taken.get(username.casefold())
        if holder is None:
            record["username"] = username
            taken[username.casefold()] = f"row {number}"
            given += 1
        else:
            left.append((number, record["barcode"], f"{username!r} is already {holder}'s username"))
    return given, left


def differs(old: dict, new: dict) -> list[str]:
    return [k for k, v in new.items() if k != "barcode" and old.get(k) != v]
