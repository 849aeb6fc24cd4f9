"""The plan: one row per matched patron with current → new and an outcome.

Computed set-based into a temporary table, so the preview pages through it
cheaply and apply consumes exactly what was previewed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from . import authority, clock
from .contract import MATCHED
from .security import Operator
from .selection import Selection, compile_selection, sql_text
from .utilities.base import Utility
from .validation import StoreModel

_ids = itertools.count(1)

NAME_SQL = (
    "CASE WHEN p.first_name = '' THEN p.last_name ELSE p.last_name || ', ' || p.first_name END"
)
ORDER_SQL = "p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.barcode"
LISTED_ORDER_SQL = "+p.last_name COLLATE NOCASE, +p.first_name COLLATE NOCASE, +p.barcode"
ROW_COLUMNS = "patron_id, barcode, name, current, new, outcome, reason"
PLAN_COLUMNS = "seq, patron_id, barcode, name, current, new, outcome, reason"


@dataclass(frozen=True)
class Counts:
    matched: int
    change: int  # patrons to change, not counting those excluded by hand
    unchanged: int
    skip: int
    excluded: int = 0  # would change, but the operator took them out of the run
    not_found: int = 0  # listed barcodes no patron has (counted in skip too)


@dataclass(frozen=True)
class PlanRow:
    seq: int
    patron_id: int | None  # None: a listed barcode that no patron has
    barcode: str
    name: str
    current: Any
    new: Any
    outcome: str
    reason: str | None
    excluded: bool = False


def plan_selects(
    utility: Utility,
    selection: Selection,
    options: StoreModel,
    operator: Operator,
    ordered: bool = True,
) -> tuple[list[str], dict]:
    """The plan's SELECTs and their params: the plan is their rows one after another, each
    in preview order (a row's seq is its place). Unordered, the same rows at less cost (the
    stale check at apply compares rows, not places)."""
    where = compile_selection(selection)
    if utility.fixed_where:
        # Set apart, not just left out: a listed barcode of a patron it leaves out is
        # reported as skipped, with the reason (a list is never silently shortened).
        where.set_apart(
            f"NOT coalesce(({utility.fixed_where}), 0)",
            sql_text(utility.fixed_reason or "not taken in by this utility"),
        )
    spec = utility.plan_sql(options, operator)
    # The level rule holds for every utility, whatever its own SQL says: a patron the
    # operator may not change keeps their value and is skipped, with the reason.
    guard = authority.guard(operator)
    new = (
        f"CASE WHEN {guard.condition} THEN {utility.skipped_value or spec.current} "
        f"ELSE {spec.new} END"
    )
    outcome = f"CASE WHEN {guard.condition} THEN 'skip' ELSE {spec.outcome} END"
    reason = f"CASE WHEN {guard.condition} THEN {guard.reason} ELSE {spec.reason} END"
    source = (
        f"(SELECT p.*, {spec.current} AS current, {new} AS new FROM patrons p WHERE {where.where})"
    )
    head = ""
    if spec.extra or spec.batch:
        # Extra columns are computed once per patron (materialized, so a costly subquery
        # is not re-run for every reference) and current/new may use them as p.<name>.
        extra = "".join(f", {sql} AS {name}" for name, sql in spec.extra.items())
        batch = "".join(f", {name} AS ({sql})" for name, sql in spec.batch.items())
        head = (
            f"WITH RECURSIVE {MATCHED} AS MATERIALIZED (SELECT p.*{extra} FROM patrons p "
            f"WHERE {where.where}){batch} "
        )
        source = f"(SELECT p.*, {spec.current} AS current, {new} AS new FROM {MATCHED} p)"
    params = {**where.params, **spec.params, **guard.params}
    # Ordered as the patrons_preview_order index is, so SQLite walks it instead of sorting;
    # a list's few patrons are found in one pass over patrons and sorted (+ keeps the
    # index out: walking it looks up every patron).
    by_name = f" ORDER BY {LISTED_ORDER_SQL if where.listed else ORDER_SQL}" if ordered else ""
    matched = f"""SELECT p.id, p.barcode, {NAME_SQL}, p.current, p.new, {outcome}, {reason}
        FROM {source} AS p{by_name}"""
    if not where.listed:
        return [head + matched], params
    # Listed barcodes no patron has come first, as skipped 'not found' rows in the list's
    # order: a list is never silently shortened.
    missing = f"""SELECT NULL, b.value, '(not found)', NULL, NULL, 'skip', 'not found'
        FROM json_each({where.listed}) b
        WHERE b.value COLLATE NOCASE NOT IN (
            -- Once for the whole list (compared row by row, each listed barcode would scan
            -- every patron's: the barcode index does not ignore case).
            SELECT x.barcode FROM patrons x
            WHERE x.barcode COLLATE NOCASE IN (SELECT value FROM json_each({where.listed})))
        {"ORDER BY b.key" if ordered else ""}"""
    # Then listed patrons the other criteria take in but no selection may (the Unknown
    # Patron; Reassign Union Site's patrons of other sites): skipped, with the reason.
    # They show what they have, and keep it (as a patron the operator may not change).
    extra = "".join(f", {sql} AS {name}" for name, sql in spec.extra.items())
    set_aside = f"""SELECT p.id, p.barcode, {NAME_SQL}, {spec.current},
               {utility.skipped_value or spec.current}, 'skip', {where.set_aside_reason}
        FROM (SELECT p.*{extra} FROM patrons p
              WHERE p.barcode COLLATE NOCASE IN (SELECT value FROM json_each({where.listed}))
                AND ({where.chosen}) AND ({where.set_aside_condition})) AS p{by_name}"""
    return [head + missing, head + set_aside, head + matched], params


def first_rows(
    db: sqlite_utils.Database,
    utility: Utility,
    selection: Selection,
    options: StoreModel,
    operator: Operator,
    limit: int,
) -> list[PlanRow]:
    """The plan's first ``limit`` rows, without computing the rest: read in preview order
    off an index, they are on screen long before a million-patron plan is counted."""
    selects, params = plan_selects(utility, selection, options, operator)
    rows: list = []
    for select in selects:
        if len(rows) >= limit:
            break
        rows += db.execute(f"{select} LIMIT {int(limit) - len(rows)}", params).fetchall()
    return [PlanRow(seq, *row) for seq, row in enumerate(rows, start=1)]


def create_plan_table(
    db: sqlite_utils.Database, name: str, selects: list[str], params: dict
) -> None:
    db.execute(f"DROP TABLE IF EXISTS temp.{name}")
    db.execute(
        # seq is the rowid, given in the order rows are inserted: the preview order.
        # patron_id is NULL on a listed barcode no patron has.
        f"CREATE TEMP TABLE {name} (seq INTEGER PRIMARY KEY, patron_id INTEGER, "
        "barcode TEXT, name TEXT, current, new, outcome TEXT NOT NULL, reason TEXT, "
        "excluded INTEGER NOT NULL DEFAULT 0)"
    )
    for select in selects:
        db.execute(f"INSERT INTO temp.{name} ({ROW_COLUMNS}) {select}", params)


class Plan:
    """A computed plan, held in a temporary table of the connection that made it."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        utility: Utility,
        selection: Selection,
        options: StoreModel,
        operator: Operator,
    ):
        self.db = db
        self.utility = utility
        self.selection = selection
        self.options = options
        self.operator = operator
        self.table = f"plan_{next(_ids)}"
        # Read before the plan is computed: a commit (or midnight) landing in between
        # makes the apply recheck in full, never the reverse.
        data_version, today = self._data_version(), clock.today()
        selects, params = plan_selects(utility, selection, options, operator)
        self.db.execute("BEGIN")  # one consistent read for the whole plan
        try:
            create_plan_table(db, self.table, selects, params)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.counts = self._count()
        self.tally = utility.tally(db, self)
        self.applied = False
        self.discarded = False
        self.stamp = (data_version, db.conn.total_changes, today)
        self.made_of = self._inputs()

    def _inputs(self) -> tuple:
        return (
            self.utility.key,
            self.selection.model_dump_json(),
            self.options.model_dump_json(),
            self.operator,
        )

    def check_unaltered(self) -> None:
        """A plan is applied with the utility, selections, options and operator it was made
        with (a program that swapped one would apply something nobody previewed)."""
        if self._inputs() != self.made_of:
            raise ValueError("this plan was altered after it was previewed; preview again")

    def _data_version(self) -> int:
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def unchanged_since(self) -> bool:
        """Nothing can have changed what this plan saw: no other connection has committed
        (data_version), this one has written nothing more (total_changes), and it is still
        the same day (fines and relative dates move with it)."""
        return self.stamp == (self._data_version(), self.db.conn.total_changes, clock.today())

    def _count(self) -> Counts:
        # One pass over the plan, in seq order (a GROUP BY would sort a million rows).
        kept = "CASE WHEN excluded THEN NULL ELSE outcome END"
        row = self.db.execute(
            f"""SELECT count(*), count(CASE {kept} WHEN 'change' THEN 1 END),
                       count(CASE {kept} WHEN 'unchanged' THEN 1 END),
                       count(CASE {kept} WHEN 'skip' THEN 1 END),
                       count(CASE WHEN excluded THEN 1 END),
                       count(CASE WHEN patron_id IS NULL THEN 1 END)
                FROM temp.{self.table}"""
        ).fetchone()
        matched, change, unchanged, skip, excluded, missing = row
        return Counts(matched, change, unchanged, skip, excluded, missing)

    def toggle_excluded(self, seq: int) -> bool:
        """Take a patron who would change out of the run, or put them back; True if now out.

        Only patrons whose outcome is 'change' can be excluded (ValueError otherwise)."""
        row = self.db.execute(
            f"SELECT outcome, excluded FROM temp.{self.table} WHERE seq = ?", [seq]
        ).fetchone()
        if row is None or row[0] != "change":
            raise ValueError("only a patron who would change can be excluded")
        current = self.unchanged_since()
        self.db.execute(
            f"UPDATE temp.{self.table} SET excluded = NOT excluded WHERE seq = ?", [seq]
        )
        if current:  # excluding is this plan's own write, not a change to what it saw
            self.stamp = (self.stamp[0], self.db.conn.total_changes, self.stamp[2])
        self.counts = self._count()
        self.tally = self.utility.tally(self.db, self)
        return not row[1]

    def page(self, offset: int, limit: int) -> list[PlanRow]:
        """Rows ``offset`` .. ``offset + limit`` in preview order (keyset on seq); none once
        discarded (a page asked for just before a new preview or an apply)."""
        if self.discarded:
            return []
        rows = self.db.query(
            f"SELECT {PLAN_COLUMNS}, excluded FROM temp.{self.table} "
            "WHERE seq > :lo AND seq <= :hi ORDER BY seq",
            {"lo": offset, "hi": offset + limit},
        )
        return [PlanRow(**{**row, "excluded": bool(row["excluded"])}) for row in rows]

    def discard(self) -> None:
        self.discarded = True
        self.db.execute(f"DROP TABLE IF EXISTS temp.{self.table}")
