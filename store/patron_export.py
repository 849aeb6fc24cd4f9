"""Exporting the selected patrons as CSV (the import's format, so an export imported again
changes nothing) or JSON: the patron fields, then their email addresses — in CSV as the
columns email, email2, … (as many as the patron with the most has), in JSON as a list."""

from __future__ import annotations

import json
from collections.abc import Iterator

import sqlite_utils

from . import file_out
from .patron_emails import of_patrons
from .patron_record import FIELDS

CHUNK = 2000


def export_rows(db: sqlite_utils.Database, where: str, params: dict) -> Iterator[dict]:
    """The selected patrons' fields and ``emails`` (a tuple, in order), page by page in id
    order (a keyset, so a million rows stream without an OFFSET scan)."""
    last = 0
    while True:
        page = list(
            db.query(
                f"SELECT p.id, {', '.join('p.' + f for f in FIELDS)} FROM patrons p "
                f"WHERE ({where}) AND p.id > :last ORDER BY p.id LIMIT {CHUNK}",
                {**params, "last": last},
            )
        )
        emails = of_patrons(db, [row["id"] for row in page])
        yield from (
            {**{f: row[f] for f in FIELDS}, "emails": emails.get(row["id"], ())} for row in page
        )
        if len(page) < CHUNK:
            return
        last = page[-1]["id"]


def most_emails(db: sqlite_utils.Database, where: str, params: dict) -> int:
    """How many addresses the selected patron with the most has (the CSV's email columns)."""
    return db.execute(
        f"""SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM patron_emails e
                JOIN patrons p ON p.id = e.patron_id WHERE ({where}) GROUP BY e.patron_id)""",
        params,
    ).fetchone()[0]


def email_columns(count: int) -> list[str]:
    """email, email2, … — at least the one, so every export names the column."""
    return ["email"] + [f"email{n}" for n in range(2, max(count, 1) + 1)]


def write_export(rows: Iterator[dict], out, fmt: str, emails: int = 1) -> int:
    """Write rows as CSV (the import's format, with ``emails`` email columns) or JSON;
    returns how many."""
    count = 0
    if fmt == "json":
        out.write("[")
        for count, row in enumerate(rows, start=1):
            record = {**{f: row[f] for f in FIELDS}, "emails": list(row["emails"])}
            out.write(("," if count > 1 else "") + "\n" + json.dumps(record, ensure_ascii=False))
        out.write("\n]\n")
        return count
    columns = email_columns(emails)
    writer = file_out.csv_writer(out)
    writer.writerow([*FIELDS, *columns])
    for row in rows:
        addresses = list(row["emails"]) + [""] * (len(columns) - len(row["emails"]))
        writer.writerow(["" if row[f] is None else row[f] for f in FIELDS] + addresses)
        count += 1
    return count
