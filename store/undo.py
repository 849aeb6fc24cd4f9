"""Undo: put back what an operation changed, from its journal, in one transaction.

The journal (operation_rows) holds, per row an operation touched, its image
before and after. Undo walks the operation's blocks of rows (one table and one
action each) newest first, so a removed patron comes back before their notes and
a moved review goes back after its patron. Each block is restored set-based:

- a row is a *conflict* when it no longer looks as the operation left it (changed
  again, removed, or its id or a unique value taken since), or when what it points
  to could not be restored; conflicts are not overwritten but listed with what
  changed, and everything else is restored;
- the undo is an operation itself: its journal holds the inverse images, its
  per-patron report says which patrons were restored and which were not, and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from . import authority, clock, credentials, grade_journal
from .database import begin_write, roll_back
from .plan import Counts
from .security import Operator
from .undo_block import Block
from .undo_rules import (
    CONFLICTS,
    GUARD,
    NotUndoable,
    UndoCheck,
    check,
    checked,
    forbid,
    guard,
    needs,
    notes,
    patron_of,
    restored_before,
    undoable,
)

__all__ = ["NotUndoable", "UndoCheck", "UndoReport", "check", "undo"]


@dataclass(frozen=True)
class Conflict:
    table: str
    row_id: int
    patron_id: int | None
    reason: str


@dataclass(frozen=True)
class UndoReport:
    """The undo's own operation id, the counts of its report, and the rows not restored."""

    operation_id: int
    undone_id: int
    title: str
    counts: Counts
    conflicts: list[Conflict]
    notes: list[str] = field(default_factory=list)


# What an undo puts back besides patrons, in the library's words (one, many).
THINGS = {
    "checkouts": ("loan", "loans"),
    "notes": ("note", "notes"),
    "history": ("history entry", "history entries"),
    "charges": ("charge", "charges"),
    "pictures": ("picture", "pictures"),
    "holds": ("hold", "holds"),
    "reservations": ("reservation", "reservations"),
    "patron_emails": ("email address", "email addresses"),
    "reviews": ("review", "reviews"),
    "items": ("item", "items"),
    "item_history": ("item history entry", "item history entries"),
}


def put_back(db: sqlite_utils.Database, undo_id: int) -> str | None:
    """The undo's side effects as its summary says them ("Also put back: 25 loans."), from
    the rows it journaled; None when it put back only patrons' own values."""
    counts = db.execute(
        "SELECT table_name, count(*) FROM operation_rows WHERE operation_id = ? "
        "AND table_name <> 'patrons' GROUP BY table_name ORDER BY table_name",
        [undo_id],
    ).fetchall()
    said = [f"{n:,} {THINGS.get(t, (t + ' row', t + ' rows'))[n != 1]}" for t, n in counts]
    return f"Also put back: {', '.join(said)}." if said else None


def undo(
    db: sqlite_utils.Database, operation_id: int, operator: Operator, *, via: str
) -> UndoReport:
    """Undo operation ``operation_id``, or raise NotUndoable / NotPermitted / Busy.

    Patrons this operator may not change (their own account; below level 0, anyone whose
    group — now, or as it would be put back — is at or above their level) are left as
    they are and reported as skipped, with the reason."""
    # A refusal comes before the write lock is even asked for.
    _, runs = checked(db, operation_id, operator)
    begin_write(db)
    try:
        op = undoable(db, operation_id)  # again, under the lock: someone may just have undone it
        authority.authorize(db, operator, needs(db, op, runs, operator), f"undo {op['title']}")
        if operation_id in credentials.erase_expired(db):
            op = undoable(db, operation_id)
        if op["utility"] == grade_journal.KEY:
            undo_id = grade_journal.undo(db, op, operator, via=via)
            db.execute("COMMIT")
            report = db.execute(
                "SELECT title, changed FROM operations WHERE id = ?", [undo_id]
            ).fetchone()
            return UndoReport(
                undo_id, operation_id, report[0], Counts(report[1], report[1], 0, 0), []
            )
        said = notes(db, op, runs)
        now = clock.now()
        title = f"Undo of {op['title']} (#{operation_id})"
        if op["partly_undone_by"] is not None:
            title += ", again"
        row_id = db.execute(
            """INSERT INTO operations (utility, title, operator, operator_id, started, finished,
                   selection, options, matched, changed, unchanged, skipped, undo_of, via)
               VALUES (:utility, :title, :operator, :operator_id, :now, :now, :selection,
                       :options, 0, 0, 0, 0, :op, :via)""",
            {
                "utility": op["utility"],
                "title": title,
                "operator": operator.username,
                "operator_id": operator.patron_id,
                "now": now,
                "selection": op["selection"],
                "options": op["options"],
                "op": operation_id,
                "via": via,
            },
        ).lastrowid
        assert row_id is not None
        undo_id = row_id
        db.execute(f"DROP TABLE IF EXISTS {CONFLICTS}")
        db.execute(
            f"CREATE TEMP TABLE {CONFLICTS.split('.')[1]} (journal_id INTEGER PRIMARY KEY, "
            "table_name TEXT NOT NULL, row_id INTEGER NOT NULL, reason TEXT NOT NULL)"
        )
        again = restored_before(db, operation_id)
        guard(db, operation_id, operator)
        forbid(db, operation_id)
        erased = op["credentials_erased"] is not None
        for table, action, low, high, _ in runs:
            Block(db, operation_id, undo_id, table, action, low, high, now, erased, again).restore()
        counts = _report(db, operation_id, undo_id, again)
        conflicts = [
            Conflict(*row)
            for row in db.execute(
                f"SELECT c.table_name, c.row_id, {patron_of(db)}, c.reason FROM {CONFLICTS} c "
                "JOIN operation_rows j ON j.id = c.journal_id ORDER BY c.journal_id",
                {"op": operation_id},
            )
        ]
        if conflicts:
            # Partly undone: what came back is recorded, the rest can be undone later.
            db.execute(
                f"""INSERT INTO undo_restored (journal_id, undo_id)
                           SELECT j.id, :undo FROM operation_rows j
                           WHERE j.operation_id = :op
                             AND j.id NOT IN (SELECT journal_id FROM {CONFLICTS})
                             AND j.id NOT IN (SELECT journal_id FROM undo_restored)""",
                {"undo": undo_id, "op": operation_id},
            )
            db.execute(
                "UPDATE operations SET partly_undone_by = :undo WHERE id = :op",
                {"undo": undo_id, "op": operation_id},
            )
        else:
            db.execute(
                "UPDATE operations SET undone_by = :undo WHERE id = :op",
                {"undo": undo_id, "op": operation_id},
            )
        db.execute(
            "UPDATE operations SET finished = :t, effects = :e WHERE id = :id",
            {"t": clock.now(), "e": put_back(db, undo_id), "id": undo_id},
        )
        db.execute(f"DROP TABLE {CONFLICTS}")
        db.execute(f"DROP TABLE {GUARD}")
        if op["credentials_erased"] is not None:  # it kept none: its undo copied none
            credentials.nothing_to_erase(db, undo_id)
        elif conflicts:  # kept while it may be undone again; the undo's copies serve nothing
            credentials.erase(db, undo_id)
        else:  # undone whole: neither can be undone again, their hashes have served
            credentials.erase(db, operation_id)
            credentials.erase(db, undo_id)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    return UndoReport(undo_id, operation_id, title, counts, conflicts, said)


def _report(
    db: sqlite_utils.Database, operation_id: int, undo_id: int, again: bool = False
) -> Counts:
    """The undo's per-patron report: each patron the operation changed, restored or not
    (undoing it again: each patron it had left)."""
    left = ""
    if again:
        # (Asked before this undo records what it put back: the rows earlier undos left.)
        left = f"""AND ch.patron_id IN (SELECT {patron_of(db)} FROM operation_rows j
                                        WHERE j.operation_id = :op AND j.id NOT IN (
                                            SELECT journal_id FROM undo_restored))"""
    db.execute(
        f"""INSERT INTO operation_changes
                (operation_id, seq, patron_id, barcode, name, outcome, reason, before, after)
            SELECT :undo, ch.seq, ch.patron_id, ch.barcode, ch.name,
                   CASE WHEN bad.reason IS NULL THEN 'change' ELSE 'skip' END,
                   bad.reason, ch.after, ch.before
            FROM operation_changes ch
            LEFT JOIN (SELECT patron_id, 'not restored: ' || group_concat(reason, '; ') AS reason
                       FROM (SELECT {patron_of(db)} AS patron_id, c.reason,
                                    max(c.journal_id) AS latest
                             FROM {CONFLICTS} c JOIN operation_rows j ON j.id = c.journal_id
                             GROUP BY 1, 2 ORDER BY latest DESC)  -- each reason once, the
                       GROUP BY patron_id) bad                    -- patron's own first
                 ON bad.patron_id = ch.patron_id
            WHERE ch.operation_id = :op AND ch.outcome = 'change' {left}""",
        {"op": operation_id, "undo": undo_id},
    )
    by = dict(
        db.execute(
            "SELECT outcome, count(*) FROM operation_changes WHERE operation_id = ? "
            "GROUP BY outcome",
            [undo_id],
        ).fetchall()
    )
    counts = Counts(
        matched=sum(by.values()), change=by.get("change", 0), unchanged=0, skip=by.get("skip", 0)
    )
    db.execute(
        "UPDATE operations SET matched = :m, changed = :c, skipped = :s WHERE id = :id",
        {"m": counts.matched, "c": counts.change, "s": counts.skip, "id": undo_id},
    )
    return counts
