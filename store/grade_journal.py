"""Grade table edits in the journal: each edit an operation, undone by its inverse.

A rename moves every patron of the grade with it (ON UPDATE CASCADE), so an older
operation that set patrons to the old name could not be undone while the new name
stands; journaled, the rename is undone first, and the older one after it. The journal
row holds the whole table before and after (a few dozen grades); undo requires the table
to be exactly as the edit left it, then makes the inverse edit through the same checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlite_utils

from . import clock, credentials
from . import preferences as _preferences
from .plan import NAME_SQL
from .security import Operator
from .validation import Invalid, Problem

KEY = "grade-table"
ACTIONS = {
    "add": "added",
    "rename": "renamed",
    "remove": "removed",
    "move": "moved",
    "set_last": "made the Last Grade",
}


def snapshot(db: sqlite_utils.Database) -> list[list]:
    """The grade table in order: [name, is_last] per grade."""
    return [[g["name"], g["is_last"]] for g in _preferences.grades(db)]


def edit(db: sqlite_utils.Database, operator: Operator, action: str, *args: Any, via: str) -> int:
    """Make one edit (inside the caller's write transaction) and journal it, made ``via``;
    returns the operation's id. Invalid (from the edit's own checks) writes nothing."""
    edits: dict[str, tuple[Callable[..., Any], int, int]] = {
        "add": (_preferences.add_grade, 1, 2),
        "rename": (_preferences.rename_grade, 2, 2),
        "remove": (_preferences.remove_grade, 1, 1),
        "move": (_preferences.move_grade, 2, 2),
        "set_last": (_preferences.set_last_grade, 1, 1),
    }
    if action not in edits:
        raise Invalid(
            [
                Problem(
                    "action",
                    "Edit",
                    f"{action!r} is not an edit of the grade table; one of: {', '.join(edits)}",
                )
            ]
        )
    function, least, most = edits[action]
    if not least <= len(args) <= most or not all(
        isinstance(a, (str, int)) or a is None for a in args
    ):
        raise Invalid(
            [
                Problem(
                    "grade",
                    "Grade",
                    f"{action} takes {least}"
                    + (f" or {most}" if most != least else "")
                    + " values",
                )
            ]
        )
    if action == "move" and (isinstance(args[1], bool) or args[1] not in (-1, 1)):
        raise Invalid([Problem("detail", "To", "a grade moves one place: -1 (up) or 1 (down)")])
    before = snapshot(db)
    function(db, *args)
    after = snapshot(db)
    if after == before:  # an edit that changes nothing is refused, not journaled
        raise Invalid([Problem("grade", "Grade", _no_change(action, args))])
    grade = str(args[0]).strip() if args else ""
    detail = {
        "rename": lambda: str(args[1]).strip(),
        "add": lambda: f"after {args[1]}" if len(args) > 1 and args[1] else "at the end",
        "move": lambda: "up" if int(args[1]) < 0 else "down",
    }.get(action, lambda: "")()
    moved = str(args[1]).strip() if action == "rename" else None
    return _record(
        db,
        operator,
        f"{grade} {ACTIONS[action]}" + (f" to {detail}" if moved else ""),
        {"action": action, "grade": grade, "detail": detail},
        before,
        after,
        moved,
        grade,
        via=via,
    )


def _record(
    db,
    operator: Operator,
    what: str,
    options: dict,
    before: list,
    after: list,
    patrons_in: str | None,
    was: str | None,
    undo_of: int | None = None,
    *,
    via: str,
) -> int:
    """The operation, its one journal row, and a report row per patron whose grade moved."""
    now = clock.now()
    affected = (
        db.execute(
            f"SELECT p.id, p.barcode, {NAME_SQL} FROM patrons p WHERE p.grade = ? ORDER BY p.id",
            [patrons_in],
        ).fetchall()
        if patrons_in
        else []
    )
    title = (
        f"Grade Table: {what}" if undo_of is None else f"Undo of Grade Table: {what} (#{undo_of})"
    )
    op = db.execute(
        """INSERT INTO operations (utility, title, operator, operator_id, started, finished,
               selection, options, matched, changed, unchanged, skipped, undo_of, via)
           VALUES (:key, :title, :operator, :operator_id, :now, :now, '{}', :options,
                   :n, :n, 0, 0, :undo_of, :via)""",
        {
            "key": KEY,
            "title": title,
            "operator": operator.username,
            "operator_id": operator.patron_id,
            "now": now,
            "options": json.dumps(options),
            "n": len(affected),
            "undo_of": undo_of,
            "via": via,
        },
    ).lastrowid
    db.execute(
        "INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, "
        "after) VALUES (?, 'grades', 0, 'update', ?, ?)",
        [op, json.dumps(before), json.dumps(after)],
    )
    db.conn.executemany(
        "INSERT INTO operation_changes (operation_id, seq, patron_id, barcode, name, outcome, "
        "reason, before, after) VALUES (?, ?, ?, ?, ?, 'change', NULL, ?, ?)",
        [
            (op, seq, pid, barcode, name, was, patrons_in)
            for seq, (pid, barcode, name) in enumerate(affected, start=1)
        ],
    )
    credentials.nothing_to_erase(db, op)
    return op


def undoable(db: sqlite_utils.Database, op: dict) -> tuple[list, list]:
    """The table before and after the edit; NotUndoable unless it is still as the edit
    left it."""
    from .undo_rules import NotUndoable

    before, after = (
        json.loads(x)
        for x in db.execute(
            "SELECT before, after FROM operation_rows WHERE operation_id = ?", [op["id"]]
        ).fetchone()
    )
    if snapshot(db) != after:
        raise NotUndoable(
            f"the grade table changed since operation #{op['id']}: undo the "
            "later grade table edits first (newest first)"
        )
    options = json.loads(op["options"])
    if options["action"] == "rename":
        # Patrons set to (or from) the new name by a later operation: renamed back, that
        # operation could no longer be undone — so it is undone first.
        later = [
            n
            for (n,) in db.execute(
                """SELECT DISTINCT o.id FROM operations o
               JOIN operation_rows r ON r.operation_id = o.id
               WHERE o.id > :id AND o.undone_by IS NULL AND o.undo_of IS NULL
                 AND r.table_name = 'patrons'
                 AND (json_extract(r.before, '$.grade') = :name
                      OR json_extract(r.after, '$.grade') = :name)
               ORDER BY o.id DESC LIMIT 5""",
                {"id": op["id"], "name": options["detail"]},
            )
        ]
        if later:
            raise NotUndoable(
                f"operation{'s' if len(later) > 1 else ''} "
                f"{', '.join(f'#{n}' for n in later)} changed patrons of grade "
                f"{options['detail']!r} after it was renamed: undo "
                f"{'them' if len(later) > 1 else 'it'} first, then #{op['id']}"
            )
    return before, after


def undo(db: sqlite_utils.Database, op: dict, operator: Operator, *, via: str) -> int:
    """Undo a grade table edit (inside the caller's write transaction); returns the undo's
    operation id. Invalid says why not (the table changed since, a grade still used)."""
    from .undo_rules import NotUndoable

    before, after = undoable(db, op)
    options = json.loads(op["options"])
    names_before = [name for name, _ in before]
    names_after = [name for name, _ in after]
    renamed_to = None
    try:
        if options["action"] == "rename":
            renamed_to = options["grade"]
            _preferences.rename_grade(db, options["detail"], renamed_to)
        else:
            for name in set(names_after) - set(names_before):  # added: removed again
                _preferences.remove_grade(db, name)
            for name in [n for n in names_before if n not in names_after]:  # removed: back
                db.conn.execute(
                    "INSERT INTO grades (name, position, is_last) VALUES (?, ?, 0)",
                    (name, 10_000 + names_before.index(name)),
                )
        _preferences._renumber(db, names_before)
        last = next(name for name, is_last in before if is_last)
        _preferences.set_last_grade(db, last)
    except Invalid as exc:
        raise NotUndoable(
            f"operation #{op['id']} cannot be undone: {exc.problems[0].message}"
        ) from None
    undo_id = _record(
        db,
        operator,
        _what(op),
        options,
        after,
        before,
        renamed_to,
        options.get("detail") if renamed_to else None,
        undo_of=op["id"],
        via=via,
    )
    db.execute("UPDATE operations SET undone_by = ? WHERE id = ?", [undo_id, op["id"]])
    return undo_id


def _no_change(action: str, args: tuple) -> str:
    grade = str(args[0]).strip()
    if action == "move":
        return f"{grade!r} is already the {'first' if args[1] < 0 else 'last'} grade of the order"
    if action == "set_last":
        return f"{grade!r} is already the Last Grade"
    return f"{grade!r} is already its name"  # a rename to the same name


def _what(op: dict) -> str:
    return op["title"].removeprefix("Grade Table: ")
