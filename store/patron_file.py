"""Importing a patron file: CSV rows insert new barcodes and update existing ones.
An export (store/patron_export.py) imported again changes nothing.

The import is all or nothing: every row is checked first, and one bad row (named
by row number and column) means nothing is written. A site code that is unknown
or invalid puts the patron on the Union Site, as the vendor manual describes.

Which column is read as which field (--map, --ignore, presets) is store/patron_columns.py's;
the fields a file carries, and the record each row must make, are in store/patron_record.py;
email addresses (email, email2, …) are store/patron_emails.py's. A new patron the file gives
no username gets their barcode as one (import_rules.default_usernames).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import (
    authority,
    clock,
    credentials,
    import_rules,
    patron_csv,
    patron_emails,
    patron_write,
    preferences,
)
from .database import begin_write, roll_back
from .file_out import excerpt
from .patron_columns import ColumnRule
from .patron_csv import BadFile, RowProblem
from .patron_record import FIELDS, PatronRecord
from .security import UTILITIES, Operator
from .validation import Invalid, validate

CHUNK = 2000


@dataclass
class ImportReport:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    to_union_site: list[int] = field(default_factory=list)  # row numbers
    operation_id: int | None = None
    ignored: list[str] = field(default_factory=list)  # the columns not read, as named
    usernames_from_barcode: int = 0  # new patrons given their barcode as username
    # New patrons left without a username: (row, barcode, why).
    no_username: list[tuple[int, str, str]] = field(default_factory=list)


def import_patrons(
    db: sqlite_utils.Database,
    path: str | os.PathLike[str],
    mapping: dict[str, str],
    operator: Operator,
    site: str | None = None,
    dry_run: bool = False,
    choices: Callable[[str], list[str]] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    via: str,
    ignore: tuple[str, ...] = (),
    ignore_unknown: bool = False,
    preset: str | None = None,
) -> ImportReport:
    """Check every row, then (unless ``dry_run``) write them all in one transaction.

    ``mapping`` reads a column as a field, ``ignore`` leaves columns out, ``ignore_unknown``
    leaves out every column that is no field, ``preset`` reads another system's export
    (store/import_presets.py). The operator's rights are checked column by column, as the
    utilities check them, and again under the write lock; a patron they may not change is a
    row problem."""
    authority.authorize(db, operator, (UTILITIES,), "run Import Patrons")
    rule = ColumnRule(dict(mapping), tuple(ignore), ignore_unknown, preset)
    columns, rows = patron_csv.read(path, rule.resolve, max_import_mb(db))
    emails = columns.emails
    sites = {code.casefold(): code for (code,) in db.execute("SELECT code FROM sites")}
    union = db.execute("SELECT code FROM sites WHERE is_union ORDER BY code LIMIT 1").fetchone()
    if site is not None and site.casefold() not in sites:
        raise BadFile(f"--site: {site!r} is not a site; sites: {', '.join(sites.values())}")
    if choices is not None:  # each kind's values read once for the file, not once a row
        choices = functools.cache(choices)
    report = ImportReport(ignored=columns.ignored)
    records: list[tuple[int, dict]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    site_given = "site" in columns.read or site is not None
    fields = [c for c in columns.read if c in FIELDS]  # what each row gives, in column order
    for number, raw, unreadable in rows:
        if len(problems) >= patron_csv.MAX_PROBLEMS:  # of any kind: the rest is not read
            break
        report.rows += 1
        if unreadable or raw is None:  # a row the CSV reader could not read says why
            problems += unreadable
            continue
        data = dict(raw)
        addresses, bad = patron_emails.from_row(number, data, emails) if emails else ((), [])
        code = (data.get("site") or site or "").strip()
        if not code:
            data["site"] = None  # decided below: a patron already here keeps theirs
        elif code.casefold() in sites:
            data["site"] = sites[code.casefold()]
        else:  # unknown or invalid: the Union Site catches it
            if union is None:
                problems.append(
                    RowProblem(
                        number,
                        "site",
                        f"{excerpt(code)} is not a site and this "
                        "database has no Union Site to hold it",
                    )
                )
                continue
            data["site"] = union[0]
            report.to_union_site.append(number)
        try:
            record = validate(PatronRecord, data, choices)
        except Invalid as exc:
            problems += [RowProblem(number, p.field, p.message) for p in exc.problems] + bad
            continue
        if bad:
            problems += bad
            continue
        key = record.barcode.casefold()
        if key in seen:
            problems.append(
                RowProblem(number, "barcode", f"{record.barcode!r} is also on row {seen[key]}")
            )
            continue
        seen[key] = number
        given: dict = {c: getattr(record, c) for c in fields}
        if site_given:
            given["site"] = record.site
        if emails:  # the file lists each patron's addresses: exactly these
            given["emails"] = addresses
        if "status" in given:
            given["status"] = str(given["status"])
        records.append((number, given))
        if progress and report.rows % CHUNK == 0:
            progress(report.rows)
    if report.rows == 0 and not problems:
        raise BadFile(
            f"{Path(path).name} names its columns but holds no patrons; nothing was imported"
        )
    # No site for a row (no column, a blank cell, no --site): a patron already here keeps
    # theirs; a new one goes to the Union Site.
    siteless = [(n, r) for n, r in records if r.get("site") is None]
    known = import_rules.existing(db, [r["barcode"] for _, r in siteless])
    for number, record in siteless:
        if record["barcode"] in known:
            record.pop("site", None)
        elif union is None:
            problems.append(
                RowProblem(
                    number,
                    "site",
                    "no site is given and this database has no Union Site to hold the patron",
                )
            )
        else:
            record["site"] = union[0]
            report.to_union_site.append(number)
    if dry_run:
        known = _existing(db, records)
        _refuse(problems + import_rules.problems(db, records, operator, known))
        _count(records, report, known)
        _usernames(db, records, report, known)
        return report
    _refuse(problems)
    begin_write(db)
    try:
        # What the rules read (who the operator is, the patrons the rows change) is read
        # again under the lock: the write sees exactly what was checked.
        authority.authorize(db, operator, (UTILITIES,), "run Import Patrons")
        known = _existing(db, records)  # one read for the rules, the usernames and the write
        _refuse(import_rules.problems(db, records, operator, known))
        _usernames(db, records, report, known)
        _count(records, report, known)
        report.operation_id = _write(
            db, records, report, operator, path, rule, site, progress, via, known
        )
        credentials.nothing_to_erase(db, report.operation_id)  # an import sets no password
        credentials.erase_expired(db)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    return report


def max_import_mb(db: sqlite_utils.Database) -> int:
    try:
        return int(preferences.read(db)["largest_import_mb"])
    except (KeyError, ValueError):
        return patron_csv.DEFAULT_MAX_MB


def _refuse(problems: list[RowProblem]) -> None:
    most = patron_csv.MAX_PROBLEMS
    if len(problems) >= most:
        raise BadFile(
            f"{most:,} problems or more (the first {most:,} are listed; the rest "
            "of the file was not read); nothing was imported",
            sorted(problems, key=lambda p: p.row)[:most],
        )
    if problems:
        raise BadFile(
            f"{len(problems)} problem(s); nothing was imported",
            sorted(problems, key=lambda p: p.row),
        )


def _existing(db, records) -> dict[str, dict]:
    return import_rules.existing(db, [r["barcode"] for _, r in records], records)


def _count(records, report, existing: dict[str, dict]) -> None:
    for _, record in records:
        old = existing.get(record["barcode"])
        if old is None:
            report.new += 1
        elif import_rules.differs(old, record):
            report.updated += 1
        else:
            report.unchanged += 1


def _usernames(db, records, report, known) -> None:
    """New patrons the file gives no username get their barcode; those whose barcode is
    already a username are left without one and reported."""
    given, report.no_username = import_rules.default_usernames(db, records, known)
    report.usernames_from_barcode = given


def _write(
    db, records, report, operator, path, rule: ColumnRule, site, progress, via, existing
) -> int:
    now = clock.now()
    options = {
        "file": str(Path(path).name),
        **rule.journaled(report.ignored),
        "site": site or "",
    }
    op = db.execute(
        """INSERT INTO operations (utility, title, operator, operator_id, started, finished,
               selection, options, matched, changed, unchanged, skipped, via)
           VALUES ('import-patrons', :title, :operator, :operator_id, :now, :now, '{}', :options,
                   :matched, :changed, :unchanged, 0, :via)""",
        {
            "title": f"Import Patrons ({Path(path).name})",
            "operator": operator.username,
            "operator_id": operator.patron_id,
            "now": now,
            "options": json.dumps(options),
            "matched": report.rows,
            "changed": report.new + report.updated,
            "unchanged": report.unchanged,
            "via": via,
        },
    ).lastrowid
    entries = [
        patron_write.Entry(existing.get(record["barcode"]), record, f"row {number}")
        for number, record in records
    ]
    patron_write.write_patrons(db, op, entries, now, progress)
    return op
