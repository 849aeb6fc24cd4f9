"""A patron's email addresses in a patron file: the columns email, email2, email3 … (the
first listed is "the" email: Reset Patron Accounts uses it), checked like any other value,
looked up and replaced, journaled, for an import.

A file with email columns gives each of its patrons exactly the addresses its row lists, in
column order (blank cells are skipped; a row of blanks leaves the patron none). A file
without them leaves every patron's addresses as they are.
"""

from __future__ import annotations

import json
import unicodedata

import sqlite_utils

from .file_out import excerpt
from .patron_csv import RowProblem

CHUNK = 2000
MAX_LENGTH = 254  # an address longer cannot be delivered (RFC 5321's path limit)
_LOCAL_PUNCTUATION = set("!#$%&'*+-/=?^_`{|}~.")


def problem(address: str) -> str | None:
    """Why ``address`` is not an email address a message could be sent to, or None."""
    example = "an address is written name@example.org"
    if len(address) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters are allowed; this has {len(address)}"
    if address.count("@") != 1:
        return f"{excerpt(address)} is not an email address ({example}, with one @)"
    local, domain = address.split("@")
    if bad := next((c for c in address if c.isspace() or _invisible(c)), None):
        what = "a space" if bad == " " else f"the character {bad!r}"
        return f"{excerpt(address)} contains {what}; {example}"
    if not local or not domain:
        return f"{excerpt(address)} is not an email address ({example})"
    if (
        len(local) > 64
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or any(not (c.isalnum() or c in _LOCAL_PUNCTUATION) for c in local)
    ):
        return (
            f"{excerpt(address)} is not an email address: the part before the @ may hold "
            "letters, digits and . _ + - (no dot first, last or twice)"
        )
    labels = domain.split(".")
    if (
        len(labels) < 2
        or any(
            not label
            or len(label) > 63
            or label.startswith("-")
            or label.endswith("-")
            or any(not (c.isalnum() or c == "-") for c in label)
            for label in labels
        )
        or labels[-1].isdigit()
    ):
        return (
            f"{excerpt(address)} is not an email address: the part after the @ must be a "
            "domain such as example.org"
        )
    return None


def from_row(
    number: int, data: dict, columns: list[str]
) -> tuple[tuple[str, ...], list[RowProblem]]:
    """The row's addresses in column order (blank cells skipped), taking the email columns
    out of ``data``, and the row's problems with them."""
    addresses: list[str] = []
    problems: list[RowProblem] = []
    seen: dict[str, str] = {}
    for column in columns:
        address = (data.pop(column, None) or "").strip()
        if not address:
            continue
        if why := problem(address):
            problems.append(RowProblem(number, column, why))
            continue
        if address.casefold() in seen:
            problems.append(
                RowProblem(
                    number,
                    column,
                    f"{excerpt(address)} is also in column {seen[address.casefold()]}",
                )
            )
            continue
        seen[address.casefold()] = column
        addresses.append(address)
    return tuple(addresses), problems


def of_patrons(db: sqlite_utils.Database, patron_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each patron's addresses, in their order (a patron with none is absent)."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(patron_ids), CHUNK):
        for pid, address in db.execute(
            "SELECT patron_id, address FROM patron_emails WHERE patron_id IN "
            "(SELECT value FROM json_each(?)) ORDER BY patron_id, position, id",
            [json.dumps(patron_ids[start : start + CHUNK])],
        ):
            found.setdefault(pid, []).append(address)
    return {pid: tuple(addresses) for pid, addresses in found.items()}


def replace(
    db: sqlite_utils.Database, operation_id: int, lists: dict[int, tuple[str, ...]]
) -> None:
    """Give each patron of ``lists`` exactly those addresses (positions 0, 1, … in order),
    journaling every row removed and added so an undo puts the old ones back.

    All the removals come before all the additions in the journal: an undo (newest block
    first) then takes the new addresses away before it puts the old ones back."""
    if not lists:
        return
    columns = [c.name for c in db["patron_emails"].columns]
    image = "json_object(" + ", ".join(f"'{c}', {c}" for c in columns) + ")"
    ids = json.dumps(sorted(lists))
    db.execute(
        f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
            SELECT :op, 'patron_emails', id, 'delete', {image}, NULL FROM patron_emails
            WHERE patron_id IN (SELECT value FROM json_each(:ids)) ORDER BY id""",
        {"op": operation_id, "ids": ids},
    )
    db.execute(
        "DELETE FROM patron_emails WHERE patron_id IN (SELECT value FROM json_each(?))", [ids]
    )
    last = db.execute("SELECT coalesce(max(id), 0) FROM patron_emails").fetchone()[0]
    db.conn.executemany(
        "INSERT INTO patron_emails (patron_id, position, address) VALUES (?, ?, ?)",
        [
            (pid, position, address)
            for pid, addresses in sorted(lists.items())
            for position, address in enumerate(addresses)
        ],
    )
    db.execute(
        f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
            SELECT :op, 'patron_emails', id, 'insert', NULL, {image} FROM patron_emails
            WHERE id > :last ORDER BY id""",
        {"op": operation_id, "last": last},
    )


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Co", "Cn", "Cc", "Zl", "Zp")
