"""Apply a plan: one BEGIN IMMEDIATE transaction, journaled, all or nothing."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from . import authority, choices, clock, credentials, preferences
from .contract import CHANGING, Progress
from .database import begin_write, roll_back
from .plan import Counts, Plan, create_plan_table, plan_selects
from .preferences import Unavailable
from .selection import Selection
from .validation import validate

EXCLUDED_REASON = "excluded from the preview by hand"


class Stale(RuntimeError):
    """The patrons changed between the preview and the apply."""

    def __init__(self, changed: int):
        self.changed = changed
        super().__init__(
            f"patrons changed since the preview ({changed} differ) — preview again; "
            "nothing was written"
        )


class Cancelled(RuntimeError):
    """The operator cancelled the apply before its commit: nothing was written."""

    def __init__(self) -> None:
        super().__init__("cancelled before it was committed; nothing was written")


# Hears (stage number, of how many, what is being done) as an apply moves on.
Stage = Callable[[int, int, str], None]
STAGES = 4
# How often (in SQLite VM steps) a running statement looks for a cancel.
CANCEL_CHECK_STEPS = 20_000


class AlreadyApplied(RuntimeError):
    """A plan is applied once; a second apply would double the change."""


@dataclass(frozen=True)
class Report:
    """What an apply did: the operation's id in the journal and its counts."""

    operation_id: int
    title: str
    counts: Counts
    # What it did besides the patrons' own values (Utility.tally, as done), or None.
    effects: str | None = None


class Transaction:
    """What a utility's ``apply`` works with: the plan table, its options, the journal."""

    def __init__(self, db: sqlite_utils.Database, plan: Plan, operation_id: int, now: str):
        self.db = db
        self.plan = plan
        self.options = plan.options
        self.operation_id = operation_id
        self.now = now
        self.credentials = False  # whether the journal now holds a password hash
        self._changing = False  # whether the changing patrons' table is made

    @property
    def changes(self) -> str:
        """A subquery of the patron ids to change: a temporary table keyed by patron id,
        filled on first use in id order, so an ``IN`` probes it and the patrons table is
        read and written front to back (the plan itself is in the preview's name order)."""
        changing = f"{self.plan.table}_changing"
        if not self._changing:
            self.db.execute(
                f"""CREATE TEMP TABLE {changing} (patron_id INTEGER PRIMARY KEY, new)"""
            )
            self.db.execute(
                f"""INSERT INTO temp.{changing} SELECT patron_id, new
                    FROM temp.{self.plan.table} plan
                    WHERE {CHANGING} AND patron_id IS NOT NULL ORDER BY patron_id"""
            )
            self._changing = True
        return f"(SELECT patron_id FROM temp.{changing})"

    def update_patrons(self, column: str, moving: bool = False) -> None:
        """Set ``column`` to each plan row's new value, journaling the old one (and the
        old ``modified``, so an undo leaves the row exactly as it was). ``moving``: values
        pass between patrons of the run (a username one gives up and another takes), so
        the changing ones are cleared first: a unique column never collides half-way."""
        changes = self.changes
        changing = f"temp.{self.plan.table}_changing"
        self.credentials |= column in credentials.COLUMNS.get("patrons", ())
        self.db.execute(
            f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
                SELECT :op, 'patrons', p.id, 'update',
                       json_object(:col, p.{column}, 'modified', p.modified),
                       json_object(:col, c.new, 'modified', :now)
                FROM {changing} c JOIN patrons p ON p.id = c.patron_id""",
            {"op": self.operation_id, "col": column, "now": self.now},
        )
        # A correlated value and an IN rather than UPDATE … FROM: SQLite materializes an
        # UPDATE … FROM's join first, which doubles the cost of a million-patron change.
        # One value for all (a status given to everyone): a parameter, no lookup per row.
        distinct, values, rows, value = self.db.execute(
            f"SELECT count(DISTINCT new), count(new), count(*), min(new) FROM {changing}"
        ).fetchone()
        if distinct == 1 and values == rows:
            new, params = ":new", {"now": self.now, "new": value}
        else:
            new = f"(SELECT c.new FROM {changing} c WHERE c.patron_id = patrons.id)"
            params = {"now": self.now}
        if moving:
            self.db.execute(
                f"""UPDATE patrons SET {column} = NULL
                    WHERE id IN {changes} AND {new} IS NOT {column} COLLATE BINARY""",
                params,
            )
        self.db.execute(
            f"UPDATE patrons SET {column} = {new}, modified = :now WHERE id IN {changes}", params
        )

    def record_rows(
        self,
        table: str,
        action: str,
        where: str,
        params: dict | None = None,
        columns: list[str] | None = None,
        after_sql: str | None = None,
    ) -> None:
        """Journal rows of ``table`` matching ``where``: whole rows before a delete or after
        an insert; for an update, ``columns`` before and ``after_sql`` (a JSON object) after."""
        types = {c.name: c.type.upper() for c in self.db[table].columns}
        columns = columns or list(types)
        self.credentials |= bool(set(columns) & set(credentials.COLUMNS.get(table, ())))
        # JSON cannot hold bytes: BLOB columns (pictures) are journaled as hex.
        image = (
            "json_object("
            + ", ".join(
                f"'{c}', hex({c})" if types.get(c) == "BLOB" else f"'{c}', {c}" for c in columns
            )
            + ")"
        )
        before, after = {
            "delete": (image, "NULL"),
            "insert": ("NULL", image),
            "update": (image, after_sql or "NULL"),
        }[action]
        self.db.execute(
            f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
                SELECT :op, '{table}', rowid, '{action}', {before}, {after}
                FROM {table} WHERE {where}""",
            {"op": self.operation_id, **(params or {})},
        )

    def delete_rows(self, table: str, where: str, params: dict | None = None) -> None:
        """Delete rows of ``table`` matching ``where``, journaling each whole row first."""
        self.record_rows(table, "delete", where, params)
        self.db.execute(f"DELETE FROM {table} WHERE {where}", params or {})

    def last_id(self, table: str) -> int:
        return self.db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def apply(
    db: sqlite_utils.Database,
    plan: Plan,
    progress: Progress | None = None,
    stage: Stage | None = None,
    cancel: threading.Event | None = None,
    *,
    via: str,
) -> Report:
    """Apply ``plan`` exactly as previewed, or raise Stale/Busy/Cancelled having written nothing.

    ``progress(done, total)`` hears about slow preparation (hashing passwords), ``stage``
    about each step of the transaction; setting ``cancel`` before the commit stops even a
    statement half-way through and rolls everything back. ``via`` is how the operation was
    made ("terminal", "command line", "ssh from …"), for the journal.
    """
    stage = stage or (lambda number, of, what: None)

    def stop_if_cancelled() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()

    def preparing(done: int, total: int) -> None:
        stop_if_cancelled()
        if progress:
            progress(done, total)

    if plan.applied:
        raise AlreadyApplied("this preview has already been applied; preview again")
    # Asked now (a refusal costs no hashing) and again under the write lock.
    authority.authorize(db, plan.operator, plan.utility.permissions, f"run {plan.utility.title}")
    # Preferences may have changed since the preview (expiration dates disabled, say).
    reason = plan.utility.unavailable(preferences.read(db))
    if reason:
        raise Unavailable(f"{plan.utility.title} cannot run: {reason}")
    plan.utility.prepare(db, plan, preparing)
    stop_if_cancelled()
    # Stage 0 says why nothing moves while another technician's write holds the lock.
    stage(0, STAGES, "waiting for the database (another technician may be writing)")
    begin_write(db)
    if cancel is not None:
        # A non-zero answer interrupts the running statement (SQLite then rolls back).
        db.conn.set_progress_handler(lambda: int(cancel.is_set()), CANCEL_CHECK_STEPS)
    try:
        stage(1, STAGES, "checking the preview is still current")
        # The operator as the database holds them at the moment of writing: the plan's
        # level rules were computed for exactly this operator, or it is refused.
        authority.authorize(
            db, plan.operator, plan.utility.permissions, f"run {plan.utility.title}"
        )
        plan.check_unaltered()
        # Every value checked again against the database as it is now (a grade renamed, the
        # last patron moved out of a location since the preview), and the options' own rules
        # (the group being assigned may have changed level).
        offered = functools.partial(choices.values, db)
        validate(Selection, plan.selection.model_dump(mode="json"), offered)
        validate(type(plan.options), plan.options.model_dump(mode="json"), offered)
        plan.utility.check(db, plan.options, plan.operator)
        _check_fresh(db, plan)
        stop_if_cancelled()
        now = clock.now()
        counts = plan.counts
        stage(2, STAGES, f"recording the {counts.matched:,} previewed patrons in the journal")
        operation_id = db.execute(
            """INSERT INTO operations (utility, title, operator, operator_id, started, finished,
                   selection, options, matched, changed, unchanged, skipped, excluded, via)
               VALUES (:utility, :title, :operator, :operator_id, :now, :now, :selection,
                   :options, :matched, :change, :unchanged, :skip, :excluded, :via)""",
            {
                "utility": plan.utility.key,
                "title": plan.utility.title,
                "operator": plan.operator.username,
                "operator_id": plan.operator.patron_id,
                "now": now,
                "selection": plan.selection.model_dump_json(exclude_defaults=True),
                "options": plan.options.model_dump_json(),
                "matched": counts.matched,
                "change": counts.change,
                "unchanged": counts.unchanged,
                "skip": counts.skip,
                "excluded": counts.excluded,
                "via": via,
            },
        ).lastrowid
        assert operation_id is not None
        db.execute(
            f"""INSERT INTO operation_changes
                    (operation_id, seq, patron_id, barcode, name, outcome, reason, before, after)
                SELECT :op, seq, patron_id, barcode, name,
                       CASE WHEN excluded THEN 'skip' ELSE outcome END,
                       CASE WHEN excluded THEN :excluded ELSE reason END, current,
                       -- A patron excluded by hand keeps what they had (Remove Patrons: kept).
                       CASE WHEN excluded THEN {plan.utility.skipped_value or "current"}
                            ELSE new END
                FROM temp.{plan.table}""",
            {"op": operation_id, "excluded": EXCLUDED_REASON},
        )
        stop_if_cancelled()
        stage(
            3,
            STAGES,
            f"{counts.change:,} patron{'s' if counts.change != 1 else ''} being "
            f"{plan.utility.verb}",
        )
        tx = Transaction(db, plan, operation_id, now)
        # Counted under the write lock, before the change (notes to remove are still there):
        # what the result and the summary say was done, whatever the preview counted.
        effects = plan.utility.tally(db, plan, done=True)
        plan.utility.apply(tx)
        db.execute(
            "UPDATE operations SET finished = :t, effects = :e WHERE id = :id",
            {"t": clock.now(), "e": effects, "id": operation_id},
        )
        if not tx.credentials:
            credentials.nothing_to_erase(db, operation_id)
        credentials.erase_expired(db)
        stop_if_cancelled()
        db.conn.set_progress_handler(None, 0)  # from here on it is committed, not cancelled
        stage(4, STAGES, "committing")
        db.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        roll_back(db)
        if cancel is not None and cancel.is_set() and "interrupt" in str(exc):
            raise Cancelled() from exc
        raise
    except BaseException:
        roll_back(db)
        raise
    finally:
        db.conn.set_progress_handler(None, 0)
        # Made inside the transaction: a roll-back took it away already, a commit kept it.
        db.execute(f"DROP TABLE IF EXISTS temp.{plan.table}_changing")
    plan.applied = True
    return Report(operation_id, plan.utility.title, counts, effects)


def _check_fresh(db: sqlite_utils.Database, plan: Plan) -> None:
    """Recompute the plan under the write lock; any difference means a stale preview.

    Skipped when nothing can have changed since the plan was made: recomputing a
    million-patron plan would cost more than the change itself."""
    if plan.unchanged_since():
        return
    # Unordered: the rows are compared, not their places, and no index walk is paid for.
    selects, params = plan_selects(
        plan.utility, plan.selection, plan.options, plan.operator, ordered=False
    )
    check = f"{plan.table}_check"
    create_plan_table(db, check, selects, params)
    cols = "patron_id, current, new, outcome, reason"
    # Patrons whose row differs either way (a changed patron shows on both sides: count once).
    differ = db.execute(
        f"""SELECT count(DISTINCT patron_id) FROM (
                SELECT * FROM (SELECT {cols} FROM temp.{plan.table}
                               EXCEPT SELECT {cols} FROM temp.{check})
                UNION ALL
                SELECT * FROM (SELECT {cols} FROM temp.{check}
                               EXCEPT SELECT {cols} FROM temp.{plan.table}))"""
    ).fetchone()[0]
    db.execute(f"DROP TABLE temp.{check}")
    if differ:
        raise Stale(differ)
