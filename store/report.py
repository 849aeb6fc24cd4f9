"""An operation's summary — the vendor manual's "Operations Information" — as lines, text or CSV.

The screens show the same lines; a technician can write them to a file to keep or
send. Rows stream from the journal page by page, so a 1,000,000-patron report
never sits in memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import BaseModel

from . import file_out
from .catalog import get
from .selection import Selection
from .utilities.base import Utility

PAGE = 5000


def selection_lines(selection: Selection | str, fixed: str | None = None) -> list[str]:
    """The criteria in use, led by the one the utility always adds (Union Site patrons)."""
    if isinstance(selection, str):
        selection = Selection.model_validate(json.loads(selection))
    if fixed is None:
        return selection.describe()
    return [fixed] + ([] if selection.is_empty() else selection.describe())


def options_lines(options: BaseModel, width: int = 60) -> list[str]:
    """'Title: value' per option; a long value (a 500-character note) is shortened."""
    lines = []
    for name, field in type(options).model_fields.items():
        value = getattr(options, name)
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        elif value in (None, ""):
            value = "(none)"
        value = str(value)
        if len(value) > width:
            value = value[: width - 1] + "…"
        lines.append(f"{field.title}: {value}")
    return lines


def counts_line(
    matched: int,
    change: int,
    unchanged: int,
    skip: int,
    done: bool = False,
    excluded: int = 0,
    not_found: int = 0,
) -> str:
    verb = "changed" if done else "will change"
    line = f"Matched {matched:,} · {verb} {change:,} · unchanged {unchanged:,} · skipped {skip:,}"
    if not_found:
        line += f" ({not_found:,} not found)"
    return line + (f" · excluded {excluded:,}" if excluded else "")


def header(op: dict[str, Any], say: Callable[[str], str] = str) -> list[str]:
    """What an operation was: who, when, which patrons, which options, what came of it, and
    how it was made (the terminal, the command line, ssh from an address). ``say`` puts its
    title, selections and options in the library's terminology, as the app's summary does."""
    utility = get(op["utility"])
    options = utility.Options.model_validate(json.loads(op["options"]))
    lines = [
        f"Operation #{op['id']}: {say(op['title'])}",
        f"By {op['operator']} at {op['started']}",
        counts_line(
            op["matched"],
            op["changed"],
            op["unchanged"],
            op["skipped"],
            done=True,
            excluded=op["excluded"],
        ),
        *([say(op["effects"])] if op.get("effects") else []),
        say(
            "Selections: " + "; ".join(selection_lines(op["selection"], utility.fixed_description))
        ),
    ]
    if type(options).model_fields:
        lines.append(say("Options: " + "; ".join(options_lines(options, width=10**6))))
    if op["undo_of"]:
        lines.append(
            f"This undid operation #{op['undo_of']}"
            + (
                f", except {op['skipped']:,} patrons it had to leave (listed, with why)."
                if op["skipped"]
                else "."
            )
        )
    if op["undone_by"]:
        lines.append(f"Undone by operation #{op['undone_by']}.")
    if op.get("via"):  # not recorded before schema version 6
        lines.append(f"Made from: {op['via']}")
    return lines


def change_count(db: sqlite_utils.Database, operation_id: int, outcome: str | None = None) -> int:
    """How many rows an operation's per-patron report has (of one outcome)."""
    where = "operation_id = :op" + (" AND outcome = :outcome" if outcome else "")
    return db.execute(
        f"SELECT count(*) FROM operation_changes WHERE {where}",
        {"op": operation_id, "outcome": outcome},
    ).fetchone()[0]


def changes(
    db: sqlite_utils.Database,
    operation_id: int,
    outcome: str | None = None,
    offset: int = 0,
    limit: int = 200,
    after_seq: int | None = None,
) -> list[dict[str, Any]]:
    """A page of an operation's per-patron report in its order, optionally one outcome;
    with ``after_seq``, the rows after that one (a keyset: reading a million rows page by
    page with an OFFSET would step over every earlier row again for each page)."""
    where = "operation_id = :op" + (" AND outcome = :outcome" if outcome else "")
    if after_seq is not None:
        where += " AND seq > :after"
    return list(
        db.query(
            f"SELECT * FROM operation_changes WHERE {where} "
            "ORDER BY seq LIMIT :limit OFFSET :offset",
            {
                "op": operation_id,
                "outcome": outcome,
                "limit": limit,
                "offset": offset,
                "after": after_seq,
            },
        )
    )


def page(
    db: sqlite_utils.Database,
    operation_id: int,
    offset: int,
    limit: int,
    outcome: str | None = None,
) -> list[dict[str, Any]]:
    """Rows ``offset``.. as the summary lists them: the skipped patrons first (what needs a
    look), then the rest in the report's order; or one ``outcome`` only. Each part is read
    off an index, never sorted."""
    if outcome is not None:
        return changes(db, operation_id, outcome, offset, limit)
    skipped = change_count(db, operation_id, "skip")
    found = changes(db, operation_id, "skip", offset, limit) if offset < skipped else []
    if len(found) < limit:
        found += db.query(
            "SELECT * FROM operation_changes WHERE operation_id = :op AND outcome != 'skip' "
            "ORDER BY seq LIMIT :limit OFFSET :offset",
            {"op": operation_id, "limit": limit - len(found), "offset": max(0, offset - skipped)},
        )
    return found


def rows(db: sqlite_utils.Database, operation_id: int) -> Iterator[dict[str, Any]]:
    """Every patron of the report: skipped first (they need attention), then changed, then
    unchanged; each in preview order."""
    for outcome in ("skip", "change", "unchanged"):
        last = 0
        while True:
            page = list(
                db.query(
                    "SELECT * FROM operation_changes WHERE operation_id = :op AND outcome = :o "
                    "AND seq > :last ORDER BY seq LIMIT :n",
                    {"op": operation_id, "o": outcome, "last": last, "n": PAGE},
                )
            )
            yield from page
            if len(page) < PAGE:
                break
            last = page[-1]["seq"]


def write(
    db: sqlite_utils.Database,
    operation_id: int,
    path: str | os.PathLike[str],
    overwrite: bool = False,
    protect: tuple[str, ...] = (),
    say: Callable[[str], str] = str,
) -> Path:
    """Write the summary to ``path``: CSV when it ends in .csv, plain text otherwise; whole
    or not at all, over an existing file only with ``overwrite`` (file_out.writing); ``say``
    as for ``header``."""
    op = db.execute("SELECT * FROM operations WHERE id = ?", [operation_id]).fetchone()
    if op is None:
        raise KeyError(f"there is no operation #{operation_id}")
    op = dict(zip([c.name for c in db["operations"].columns], op, strict=True))
    utility = get(op["utility"])
    path = Path(path).expanduser()
    with file_out.writing(path, overwrite, protect) as out:
        if path.suffix.lower() == ".csv":
            _csv(out, db, op, utility, say)
        else:
            _text(out, db, op, utility, say)
    return path.resolve()


def _csv(out, db, op, utility: Utility, say: Callable[[str], str]) -> None:
    writer = file_out.csv_writer(out)
    writer.writerow(
        [
            "operation",
            "barcode",
            "name",
            "outcome",
            "reason",
            say(f"{utility.value_label} before"),
            say(f"{utility.value_label} after"),
        ]
    )
    for r in rows(db, op["id"]):
        writer.writerow(
            [
                op["id"],
                r["barcode"],
                r["name"],
                r["outcome"],
                r["reason"] or "",
                utility.show(r["before"]),
                utility.show(r["after"]),
            ]
        )


def _text(out, db, op, utility: Utility, say: Callable[[str], str]) -> None:
    safe = file_out.printable
    out.write("\n".join(safe(line) for line in header(op, say)) + "\n\n")
    for r in rows(db, op["id"]):
        outcome = f"{r['outcome']}: {r['reason']}" if r["reason"] else r["outcome"]
        out.write(
            f"{safe(r['barcode'])}\t{safe(r['name'])}\t{safe(utility.show(r['before']))} → "
            f"{safe(utility.show(r['after']))}\t{safe(outcome)}\n"
        )
