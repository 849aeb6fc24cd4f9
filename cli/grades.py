"""``patron-utils grades list | add | rename | remove | move | last``: the grade table —
the order grades advance in, and its Last Grade — without a screen.

Each edit is the store call the app's Grade table makes (Library Preferences: Edit, one
operation of the journal, undone by ``patron-utils undo ID``); the store's rules say what
may not be done (a grade patrons still have, a duplicate), and a refusal writes nothing.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from store import Invalid, Store
from store.file_out import printable

from .run import DONE, INVALID, common, fail, guarded, log_in, open_store


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="patron-utils grades",
        description="The grade table: the order Advance Patron Grade and Advance All Grades "
        "move patrons along, and its Last Grade (patrons there stay). Listing needs a login; "
        "each edit needs Library Preferences: Edit and is an operation of the journal "
        "(patron-utils undo ID --yes undoes it).",
    )
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser(
        "list", help="the grades in order", description="The grades in order, with patrons."
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add = sub.add_parser("add", help="add a grade", description="Add a grade to the table.")
    add.add_argument("grade", metavar="GRADE", help="its name (at most 30 characters)")
    add.add_argument(
        "--after",
        metavar="GRADE",
        help="the grade it comes after (default: at the end, after the Last Grade)",
    )
    rename = sub.add_parser(
        "rename",
        help="rename a grade (its patrons follow)",
        description="Rename a grade; every patron in it follows.",
    )
    rename.add_argument("grade", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    remove = sub.add_parser(
        "remove",
        help="remove a grade no patron has",
        description="Remove a grade no patron has (change their grade first).",
    )
    remove.add_argument("grade", metavar="GRADE")
    move = sub.add_parser(
        "move",
        help="move a grade one place up or down the order",
        description="Move a grade one place up (earlier) or down (later) the order.",
    )
    move.add_argument("grade", metavar="GRADE")
    move.add_argument("direction", metavar="DIRECTION", choices=("up", "down"), help="up or down")
    last = sub.add_parser(
        "last",
        help="make a grade the Last Grade",
        description="Make GRADE the Last Grade: patrons in it are not advanced.",
    )
    last.add_argument("grade", metavar="GRADE")
    # The shared options before the action (grades --db X list) or after it: the top
    # parser holds their defaults, so an action's parser must not put its own over them.
    common(p)
    shared = {action.dest for action in p._actions}
    for each in (listing, add, rename, remove, move, last):
        common(each)
        for action in each._actions:
            if action.dest in shared and action.dest != "help":
                action.default = argparse.SUPPRESS
    return p


def grades(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    return guarded(lambda: _grades(args))


def _grades(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        operator = log_in(store, args)
        if args.action == "list":
            _list(store, args.format)
            return DONE
        action, values = EDITS[args.action](args)
        try:
            operation_id = store.edit_grades(operator, action, *values)
        except Invalid as exc:  # said of this command's arguments, not as --flags
            raise fail(
                INVALID,
                "; ".join(
                    ("--after: " if p.field == "detail" and args.action == "add" else "")
                    + p.message
                    for p in exc.problems
                )
                + "; nothing was written",
            ) from None
        op = store.operation(operation_id)
        now = [g["name"] for g in store.grades()]
    finally:
        store.close()
    print(
        f"{_done(args, op['changed'], now)}: operation #{operation_id} "
        f"(patron-utils undo {operation_id} --yes undoes it)."
    )
    return DONE


def _done(args: argparse.Namespace, patrons: int, now: list[str]) -> str:
    """What the edit did, as the technician asked it."""
    grade = printable(args.grade.strip())
    if args.action == "add":
        where = f"after {printable(args.after)}" if args.after else "at the end"
        return f"Added {grade} {where} ({now.index(args.grade.strip()) + 1} of {len(now)})"
    if args.action == "rename":
        follow = f"{patrons:,} patron{' follows' if patrons == 1 else 's follow'}"
        return f"Renamed {grade} to {printable(args.new.strip())}; {follow}"
    if args.action == "move":
        return f"Moved {grade} {args.direction} (now {now.index(args.grade) + 1} of {len(now)})"
    if args.action == "last":
        return f"{grade} is now the Last Grade"
    return f"Removed {grade}"


# What each action asks the store (Store.edit_grades' action and its values).
EDITS: dict[str, Callable[[argparse.Namespace], tuple[str, list[Any]]]] = {
    "add": lambda a: ("add", [a.grade, a.after]),
    "rename": lambda a: ("rename", [a.grade, a.new]),
    "remove": lambda a: ("remove", [a.grade]),
    "move": lambda a: ("move", [a.grade, -1 if a.direction == "up" else 1]),
    "last": lambda a: ("set_last", [a.grade]),
}


def _list(store: Store, fmt: str) -> None:
    table = store.grades()
    if fmt == "json":
        print(
            json.dumps(
                [
                    {"grade": g["name"], "last": bool(g["is_last"]), "patrons": g["patrons"]}
                    for g in table
                ],
                indent=1,
            )
        )
        return
    width = max([len(g["name"]) for g in table] + [5])
    print(f"{'Order':>5}  {'Grade':<{width}}  {'Last Grade':<10}  Patrons")
    for order, g in enumerate(table, start=1):
        last = "Last Grade" if g["is_last"] else ""
        print(f"{order:>5}  {printable(g['name']):<{width}}  {last:<10}  {g['patrons']:>7,}")
