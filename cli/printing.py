"""A plan or an operation printed for a script: text for a terminal (the data's control
characters shown, never sent), CSV, or one JSON object whose patrons stream out."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from store import Store, file_out
from store.catalog import get
from store.plan import Plan
from store.report import counts_line, header, options_lines, selection_lines

# Patrons read from the database at a time: a million rows never sit in memory.
PAGE = 5000


def _rows_of_plan(store: Store, plan: Plan):
    offset = 0
    while True:
        rows = store.page(plan, offset, PAGE)
        for r in rows:
            outcome = "skip" if r.excluded else r.outcome
            yield {
                "barcode": r.barcode,
                "name": r.name,
                "outcome": outcome,
                "reason": r.reason,
                "before": r.current,
                "after": r.new,
            }
        if len(rows) < PAGE:
            return
        offset += PAGE


def _rows_of_operation(store: Store, operation_id: int, outcome: str | None = None):
    last = -1  # a keyset on seq: each page starts where the last one ended
    while True:
        rows = store.operation_changes(operation_id, outcome, limit=PAGE, after_seq=last)
        for r in rows:
            yield {
                "barcode": r["barcode"],
                "name": r["name"],
                "outcome": r["outcome"],
                "reason": r["reason"],
                "before": r["before"],
                "after": r["after"],
            }
        if len(rows) < PAGE:
            return
        last = rows[-1]["seq"]


def print_plan(store: Store, plan: Plan, fmt: str, say: Callable[[str], str] = str) -> None:
    """The dry run; ``say`` puts its title, selections, options and notices in the library's
    terminology (store.preferences.localize), as the app's preview says them."""
    c = plan.counts
    head = {
        "utility": plan.utility.key,
        "matched": c.matched,
        "change": c.change,
        "unchanged": c.unchanged,
        "skipped": c.skip,
        "excluded": c.excluded,
        "not_found": c.not_found,
        "operation_id": None,
    }
    criteria = selection_lines(plan.selection, plan.utility.fixed_description)
    lines = [
        f"{say(plan.utility.title)} — dry run: nothing was written; add --yes to apply.",
        counts_line(c.matched, c.change, c.unchanged, c.skip, not_found=c.not_found),
        say("Selections: " + "; ".join(criteria)),
    ]
    if type(plan.options).model_fields:
        lines.append(say("Options: " + "; ".join(options_lines(plan.options, width=10**6))))
    lines += [say(line) for line in (plan.utility.notice(plan.options), plan.tally) if line]
    _emit(fmt, head, lines, plan.utility.key, _rows_of_plan(store, plan))


def print_operation(
    store: Store,
    operation_id: int,
    fmt: str,
    say: Callable[[str], str] = str,
    outcome: str | None = None,
    after_run: bool = False,
) -> None:
    """An operation's Operations Information: its header and every patron of its report
    (or those of one ``outcome``), from the journal. ``after_run`` (it was just applied): a
    utility's reminder of what to do next follows, as the app's summary shows it — in the
    text, or on stderr beside JSON and CSV (which stay one document)."""
    op = store.operation(operation_id)
    head = {
        "utility": op["utility"],
        "matched": op["matched"],
        "change": op["changed"],
        "unchanged": op["unchanged"],
        "skipped": op["skipped"],
        "excluded": op["excluded"],
        "operation_id": operation_id,
        "effects": op["effects"],
    }
    lines = header(op, say)
    reminder = get(op["utility"]).reminder
    if after_run and reminder and op["changed"]:
        line = say("Next: " + reminder)
        if fmt == "text":
            lines.append(line)
        else:
            print(f"patron-utils: {file_out.printable(line)}", file=sys.stderr)
    _emit(fmt, head, lines, op["utility"], _rows_of_operation(store, operation_id, outcome))


def _emit(fmt: str, head: dict[str, Any], lines: list[str], key: str, rows) -> None:
    utility = get(key)
    out = sys.stdout
    if fmt == "json":
        # One JSON object; the patrons stream out so a million rows never sit in memory.
        out.write(json.dumps(head)[:-1] + ', "patrons": [')
        for n, row in enumerate(rows):
            out.write(("," if n else "") + "\n" + json.dumps(row))
        out.write("\n]}\n")
    elif fmt == "csv":
        writer = file_out.csv_writer(file_out.for_terminal(out))
        writer.writerow(["barcode", "name", "outcome", "reason", "before", "after"])
        for row in rows:
            writer.writerow(
                [
                    row["barcode"],
                    row["name"],
                    row["outcome"],
                    row["reason"] or "",
                    utility.show(row["before"]),
                    utility.show(row["after"]),
                ]
            )
    else:  # for a terminal: the data's control characters are shown, never sent
        safe = file_out.printable
        out.write("\n".join(safe(line) for line in lines) + "\n\n")
        for row in rows:
            outcome = f"{row['outcome']}: {row['reason']}" if row["reason"] else row["outcome"]
            out.write(
                f"{safe(row['barcode'])}\t{safe(row['name'])}\t"
                f"{safe(utility.show(row['before']))} → {safe(utility.show(row['after']))}"
                f"\t{safe(outcome)}\n"
            )
