"""Who may undo what: the permissions an undo needs, the patrons it must leave alone, and
what the journal says of an operation (its blocks of rows, whose patron each row is).

Asked before the confirm (``check``: writes nothing) and again by ``undo`` under the
write lock; the restoring itself is store/undo.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from . import authority, credentials, grade_journal
from .catalog import get
from .security import PASSWORDS, REMOVE_PATRONS, REMOVE_RECORDS, SECURITY_GROUPS, Operator

CONFLICTS = "temp.undo_conflicts"  # journal rows the undo leaves, with why
GUARD = "temp.undo_guard"  # patrons this operator may not restore, with why
# Putting a column back is setting it: these need the permission that setting them needs,
# whichever utility changed them (an import can change a username or a group).
COLUMN_PERMISSIONS = {
    "security_group": SECURITY_GROUPS,
    "username": PASSWORDS,
    "password_hash": PASSWORDS,
    "must_change_password": PASSWORDS,
}
# What a patron put back whole brings with them, when they had it.
RESTORED_WITH = {
    "security_group": SECURITY_GROUPS,
    "username": PASSWORDS,
    "password_hash": PASSWORDS,
}
SHOWN_SKIPS = 20


class NotUndoable(RuntimeError):
    """This operation cannot be undone (already undone, itself an undo, or unknown)."""


@dataclass(frozen=True)
class UndoCheck:
    """What an undo would do, asked before the confirm: how many patrons the operation
    changed, and those this operator may not put back (the first few, with why)."""

    operation_id: int
    title: str
    changed: int
    skipped: int
    shown: list[tuple[str, str, str]]  # (barcode, name, reason)
    notes: list[str]

    @property
    def restored(self) -> int:
        return self.changed - self.skipped


def check(db: sqlite_utils.Database, operation_id: int, operator: Operator) -> UndoCheck:
    """May ``operator`` undo this operation, and whom would it leave as they are? Raises
    NotUndoable or NotPermitted (naming the missing permission); writes nothing."""
    return checked(db, operation_id, operator)[0]


def checked(
    db: sqlite_utils.Database,
    operation_id: int,
    operator: Operator,
) -> tuple[UndoCheck, list[tuple[str, str, int, int, str | None]]]:
    """``check``, and the operation's blocks of journal rows it read (an operation's rows
    never change shape once written, so the undo reuses them under the write lock)."""
    authority.current(db, operator)  # a session that ended learns nothing of the journal
    op = undoable(db, operation_id)
    runs = blocks(db, operation_id)
    authority.authorize(db, operator, needs(db, op, runs, operator), f"undo {op['title']}")
    if op["utility"] == grade_journal.KEY:  # a table-wide edit: all of it or none
        grade_journal.undoable(db, op)
        return UndoCheck(operation_id, op["title"], op["changed"], 0, [], []), runs
    guard(db, operation_id, operator)
    skipped = db.execute(
        f"SELECT count(*) FROM {GUARD} g JOIN operation_changes c "
        "ON c.patron_id = g.patron_id WHERE c.operation_id = ? "
        "AND c.outcome = 'change'",
        [operation_id],
    ).fetchone()[0]
    shown = [
        tuple(r)
        for r in db.execute(
            f"SELECT c.barcode, c.name, g.reason FROM {GUARD} g JOIN operation_changes c "
            "ON c.patron_id = g.patron_id WHERE c.operation_id = ? AND c.outcome = 'change' "
            f"ORDER BY c.seq LIMIT {SHOWN_SKIPS}",
            [operation_id],
        )
    ]
    db.execute(f"DROP TABLE {GUARD}")
    said = notes(db, op, runs)
    if op["partly_undone_by"] is not None:
        said.insert(
            0,
            f"Operation #{op['partly_undone_by']} put back part of it; this puts "
            "back what can be now.",
        )
    if skipped:
        said.append(
            f"The {skipped:,} patron{'s' if skipped != 1 else ''} left as they are "
            "can be put back later, by undoing this operation again."
        )
    changed = op["changed"]
    if op["partly_undone_by"] is not None:  # only the patrons earlier undos left
        changed = db.execute(
            f"""SELECT count(*) FROM operation_changes ch
                WHERE ch.operation_id = :op AND ch.outcome = 'change' AND ch.patron_id IN (
                    SELECT {patron_of(db)} FROM operation_rows j WHERE j.operation_id = :op
                      AND j.id NOT IN (SELECT journal_id FROM undo_restored))""",
            {"op": operation_id},
        ).fetchone()[0]
    return UndoCheck(operation_id, op["title"], changed, skipped, shown, said), runs


def needs(
    db: sqlite_utils.Database,
    op: dict,
    runs: list[tuple[str, str, int, int, str | None]],
    operator: Operator,
) -> tuple[str, ...]:
    """The permissions undoing ``op`` needs: its utility's, and those of what it would do to
    patrons — each column it would set back (a group, a username, a password), removing a
    patron or a note the operation added (unless the operator added them: taking back one's
    own import or notes), putting back a removed patron with their username, password and
    group."""
    needed = list(get(op["utility"]).permissions)

    def need(permission: str) -> None:
        if permission not in needed:
            needed.append(permission)

    for table, action, low, high, shape in runs:
        if table == "notes" and action == "insert" and op["operator_id"] != operator.patron_id:
            # Undone, the notes someone else added are removed: Remove Patron Notes' permission
            # (taking back one's own notes needs none).
            need(REMOVE_RECORDS)
        if table != "patrons":
            continue
        if action == "update":
            for column in (shape or "").split(","):
                if column in COLUMN_PERMISSIONS:
                    need(COLUMN_PERMISSIONS[column])
        elif action == "insert":  # undone, the added patrons are removed
            if op["operator_id"] != operator.patron_id:
                need(REMOVE_PATRONS)
        else:  # undone, the removed patrons come back with what their images hold
            held = db.execute(
                f"""SELECT {
                    ", ".join(
                        f"max(json_extract(before, '$.{c}') IS NOT NULL)" for c in RESTORED_WITH
                    )
                }
                    FROM operation_rows WHERE id BETWEEN ? AND ?""",
                [low, high],
            ).fetchone()
            for column, present in zip(RESTORED_WITH, held, strict=True):
                if present:
                    need(RESTORED_WITH[column])
    return tuple(needed)


def notes(
    db: sqlite_utils.Database, op: dict, runs: list[tuple[str, str, int, int, str | None]]
) -> list[str]:
    """What the undo cannot do whatever happens: passwords whose hashes were erased."""
    if op["credentials_erased"] is None:
        return []
    passwords = set(credentials.COLUMNS["patrons"])
    if any(
        table == "patrons" and (action == "delete" or passwords & set((shape or "").split(",")))
        for table, action, _, _, shape in runs
    ):
        return [
            f"Passwords can no longer be restored: the journal keeps password hashes for "
            f"{credentials.retention_days(db)} days, and this operation's were erased "
            f"on {op['credentials_erased'][:10]}."
        ]
    return []


def guard(db: sqlite_utils.Database, operation_id: int, operator: Operator) -> None:
    """temp.undo_guard: the patrons of this operation that ``operator`` may not put back —
    their own account, and below level 0 anyone whose group is at or above their level now
    or would be once restored (restoring a group is assigning it; removing an account is
    removing a patron)."""
    params = {"op": operation_id, "me": operator.patron_id, "level": operator.level}
    db.execute(f"DROP TABLE IF EXISTS {GUARD}")
    db.execute(
        f"CREATE TEMP TABLE {GUARD.split('.')[1]} "
        "(patron_id INTEGER PRIMARY KEY, reason TEXT NOT NULL)"
    )
    db.execute(
        f"""INSERT INTO {GUARD} SELECT :me, '{authority.OWN_ACCOUNT}'
                   WHERE EXISTS (SELECT 1 FROM operation_changes WHERE operation_id = :op
                                 AND patron_id = :me AND outcome = 'change')""",
        params,
    )
    if operator.level == 0:
        return
    not_below = "'), not below your level ' || :level"
    db.execute(
        f"""INSERT OR IGNORE INTO {GUARD}
                   SELECT c.patron_id, 'in ' || g.name || ' (level ' || g.level || {not_below}
                   FROM operation_changes c JOIN patrons p ON p.id = c.patron_id
                   JOIN security_groups g ON g.name = p.security_group
                   WHERE c.operation_id = :op AND c.outcome = 'change' AND g.level <= :level""",
        params,
    )
    db.execute(
        f"""INSERT OR IGNORE INTO {GUARD}
                   SELECT j.row_id, 'would be put back in ' || g.name || ' (level ' || g.level
                          || {not_below}
                   FROM operation_rows j
                   JOIN security_groups g ON g.name = json_extract(j.before, '$.security_group')
                   WHERE j.operation_id = :op AND j.table_name = 'patrons' AND g.level <= :level""",
        params,
    )


def forbid(db: sqlite_utils.Database, operation_id: int) -> None:
    """Every journal row of a guarded patron is left as it is (a conflict with the reason)."""
    if db.execute(f"SELECT 1 FROM {GUARD} LIMIT 1").fetchone() is None:
        return
    db.execute(
        f"""INSERT OR IGNORE INTO {CONFLICTS} (journal_id, table_name, row_id, reason)
                   SELECT j.id, j.table_name, j.row_id, g.reason
                   FROM operation_rows j JOIN {GUARD} g ON g.patron_id = ({patron_of(db)})
                   WHERE j.operation_id = :op""",
        {"op": operation_id},
    )


def restored_before(db: sqlite_utils.Database, operation_id: int) -> bool:
    """Whether an earlier undo put back part of this operation (it is being undone again)."""
    return (
        db.execute(
            "SELECT partly_undone_by IS NOT NULL FROM operations WHERE id = ?", [operation_id]
        ).fetchone()[0]
        == 1
    )


def undoable(db: sqlite_utils.Database, operation_id: int) -> dict:
    row = db.execute("SELECT * FROM operations WHERE id = ?", [operation_id]).fetchone()
    if row is None:
        raise NotUndoable(f"there is no operation #{operation_id}")
    columns = [d[0] for d in db.execute("SELECT * FROM operations LIMIT 0").description]
    op = dict(zip(columns, row, strict=True))
    if op["undone_by"] is not None:
        raise NotUndoable(
            f"operation #{operation_id} was already undone by operation #{op['undone_by']}"
        )
    if op["undo_of"] is not None:
        raise NotUndoable(
            f"operation #{operation_id} is itself an undo (of #{op['undo_of']}); "
            "to make that change again, run the utility again"
        )
    return op


# An update row's shape: the columns its images hold.
_SHAPE = "CASE WHEN action = 'update' THEN (SELECT group_concat(key) FROM json_each(after)) END"


def _same_shape(shape: str | None) -> str:
    """SQL: a journal row's after-image holds exactly the columns ``shape`` lists (one
    json_remove per row: a json_each per row costs twice as much at a million rows)."""
    if shape is None:
        return "(after IS NULL OR action <> 'update')"
    paths = [f"'$.\"{key}\"'" for key in shape.split(",")]
    present = " AND ".join(f"json_type(after, {path}) IS NOT NULL" for path in paths)
    return f"coalesce(json_remove(after, {', '.join(paths)}) = '{{}}' AND {present}, 0)"


def blocks(
    db: sqlite_utils.Database, operation_id: int
) -> list[tuple[str, str, int, int, str | None]]:
    """Runs of consecutive journal rows of one table and action (and, for updates, the same
    columns: a username change then a password change of one patron are two runs), newest
    run first.

    Walked run by run in id order (an operation's rows are consecutive: it wrote them in
    one transaction), so a million rows are read once and never sorted."""
    first, last = db.execute(
        "SELECT min(id), max(id) FROM operation_rows WHERE operation_id = ?", [operation_id]
    ).fetchone()
    found = []
    low = first
    while low is not None:
        table, action, shape = db.execute(
            f"SELECT table_name, action, {_SHAPE} FROM operation_rows WHERE id = ?", [low]
        ).fetchone()
        # +operation_id: walk the rowid from low, not the (operation_id, table) index.
        after = db.execute(
            f"""SELECT id FROM operation_rows
                WHERE id > :low AND id <= :last AND +operation_id = :op
                  AND NOT (table_name = :table AND action = :action AND {_same_shape(shape)})
                ORDER BY id LIMIT 1""",
            {"low": low, "last": last, "op": operation_id, "table": table, "action": action},
        ).fetchone()
        high = after[0] - 1 if after else last
        found.append((table, action, low, high, shape))
        low = after[0] if after else None
    return found[::-1]


# Which patron a journal row ``j`` belongs to: the row itself, the patron_id its image
# holds, the patron_id of the live row (an image of a loan's due date holds no patron), or
# — for an item declared lost — the patron whose loan of it the same operation removed.
_PATRON_OF = """CASE
    WHEN j.table_name = 'patrons' THEN j.row_id
    WHEN json_extract(coalesce(j.before, j.after), '$.patron_id') IS NOT NULL
        THEN json_extract(coalesce(j.before, j.after), '$.patron_id')
    {live}
    ELSE (SELECT json_extract(k.before, '$.patron_id') FROM operation_rows k
          WHERE k.operation_id = :op AND k.table_name = 'checkouts'
            AND json_extract(k.before, '$.item_id') = CASE j.table_name
                WHEN 'items' THEN j.row_id ELSE json_extract(j.after, '$.item_id') END)
END"""


def patron_of(db: sqlite_utils.Database) -> str:
    """_PATRON_OF with a live-row lookup for every table that has a patron_id column."""
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'operation%'"
        )
    ]
    owned = [
        t
        for t in tables
        if any(c[1] == "patron_id" for c in db.execute(f"PRAGMA table_info('{t}')"))
    ]
    return _PATRON_OF.format(
        live=" ".join(
            f"WHEN j.table_name = '{t}' "
            f"THEN (SELECT x.patron_id FROM {t} x WHERE x.rowid = j.row_id)"
            for t in owned
        )
    )
