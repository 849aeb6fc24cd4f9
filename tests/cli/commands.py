"""The headless command line in-process: its constants, what a run printed, dumps of a database
and what the Store plans for the same inputs (tests/cli/conftest.py has the fixtures)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store import Store
from store.store import COMMAND_LINE

from ..operators import OPERATOR, PASSWORD  # District Administrator, level 0

TODAY = dt.date(2026, 6, 1)  # conftest fixes "today" here too (test modules do not import it)
AIDE, AIDE_PASSWORD = "aide", "demo-aide"  # Library Aide: the utilities permission only
REPO = Path(__file__).resolve().parents[2]
JOURNAL = ("operations", "operation_changes", "operation_rows", "undo_restored")
# Exit statuses (README): 0 done, 2 invalid input, 3 refused, 4 busy or stale.


@dataclass
class Result:
    code: int | None
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


def dump(
    path: Path, *, times: bool = True, skip: tuple[str, ...] = (), stamps: bool = True
) -> dict[str, Any]:
    """Every table's rows (sorted) and the schema; without ``times`` the journal's
    started/finished are left out, without ``stamps`` every row's 'modified' (an undo
    stamps what it writes with its own time)."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {
            "schema": sorted(
                conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr
            )
        }
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            if table in skip:
                continue
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            if not times and table == "operations":
                for row in rows:
                    row.pop("started"), row.pop("finished")
            if not stamps:
                for row in rows:
                    row.pop("modified", None)
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


def count(path: Path, sql: str, *params) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def argv_for(values: dict[str, Any]) -> list[str]:
    """Selection or options values as the flags a technician types."""
    argv: list[str] = []
    for name, value in values.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, list):
            for item in value:
                argv += [flag, str(item)]
        else:
            argv += [flag, str(value)]
    return argv


@dataclass
class StorePlan:
    counts: Any
    rows: list[tuple]


def store_plan(
    path: Path,
    key: str,
    selection: dict,
    options: dict,
    username: str = OPERATOR,
    password: str = PASSWORD,
) -> StorePlan:
    """What the Store plans for these inputs (written nowhere: the plan is discarded)."""
    s = Store(path)
    try:
        plan = s.plan(key, selection, options, s.login(username, password))
        rows = [
            (r.barcode, "skip" if r.excluded else r.outcome, r.reason, r.current, r.new)
            for r in s.page(plan, 0, 100_000)
        ]
        s.discard(plan)
        return StorePlan(plan.counts, rows)
    finally:
        s.close()


def store_apply(path: Path, key: str, selection: dict, options: dict) -> int:
    """Apply through the Store as the command line opens it (its operations are recorded as
    made from the command line), so a database the CLI wrote may be compared whole."""
    s = Store(path, via=COMMAND_LINE)
    try:
        plan = s.plan(key, selection, options, s.login(OPERATOR, PASSWORD))
        return s.apply(plan).operation_id
    finally:
        s.close()


def json_rows(payload: dict) -> list[tuple]:
    return [
        (p["barcode"], p["outcome"], p["reason"], p["before"], p["after"])
        for p in payload["patrons"]
    ]


def assert_agrees(payload: dict, expected: StorePlan) -> None:
    """A dry run's JSON says what Store.plan says: counts and every patron's row."""
    c = expected.counts
    assert (payload["matched"], payload["change"], payload["unchanged"], payload["skipped"]) == (
        c.matched,
        c.change,
        c.unchanged,
        c.skip,
    )
    assert payload["operation_id"] is None
    assert json_rows(payload) == expected.rows


def operations(path: Path) -> int:
    return count(path, "SELECT count(*) FROM operations")
