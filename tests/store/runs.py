"""Running a utility on a Store and reading back what its journal says (store/ tests)."""

from __future__ import annotations

import json
from typing import Any

import store

from ..operators import ADMIN

STAMP = "2026-01-01 00:00:00"  # created/modified of every small_db patron (conftest)
NOW = "2026-06-01 09:00:00"  # clock.now() while conftest fixes today at 2026-06-01


def run(s: store.Store, key: str, selection: dict, options: dict, operator=ADMIN):
    """Plan and apply; returns the plan, its rows by barcode (as previewed) and the report."""
    plan = s.plan(key, selection, options, operator)
    rows = {r.barcode: r for r in plan.page(0, 100)}
    return plan, rows, s.apply(plan)


def column(s: store.Store, name: str) -> dict:
    """barcode -> value of one patrons column."""
    return dict(s.db.execute(f"SELECT barcode, {name} FROM patrons").fetchall())


def count(s: store.Store, table: str, where: str = "1", *params) -> int:
    return s.db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]


def operation(s: store.Store, operation_id: int) -> dict[str, Any]:
    """The operations row, its selection and options decoded."""
    op = dict(s.operation(operation_id))
    op["selection"] = json.loads(op["selection"])
    op["options"] = json.loads(op["options"])
    return op


def changes(s: store.Store, operation_id: int) -> dict[str, tuple]:
    """barcode -> (outcome, reason, before, after) of the operation's per-patron report."""
    return {
        r["barcode"]: (r["outcome"], r["reason"], r["before"], r["after"])
        for r in s.operation_changes(operation_id)
    }


def journal(s: store.Store, operation_id: int) -> list[tuple]:
    """(table_name, row_id, action, before, after) per journaled row, JSON decoded."""
    rows = s.db.execute(
        "SELECT table_name, row_id, action, before, after FROM operation_rows "
        "WHERE operation_id = ? ORDER BY table_name, row_id",
        [operation_id],
    ).fetchall()
    load = lambda v: None if v is None else json.loads(v)  # noqa: E731
    return [(t, rid, action, load(before), load(after)) for t, rid, action, before, after in rows]


def rows_of(s: store.Store, table: str, where: str = "1", *params) -> list[dict]:
    """Whole rows of ``table`` as dicts, in rowid order."""
    return list(s.db.query(f"SELECT * FROM {table} WHERE {where} ORDER BY rowid", params))


def set_preference(s: store.Store, key: str, value: str) -> None:
    s.db.execute("INSERT OR REPLACE INTO preferences (key, value) VALUES (?, ?)", [key, value])


def assert_operation(
    s: store.Store,
    report,
    key: str,
    counts: store.Counts,
    options: dict,
    selection: dict | None = None,
) -> None:
    """The operations row says which utility, who, when, with what, and how many."""
    op = operation(s, report.operation_id)
    assert (op["utility"], op["title"], op["operator"]) == (key, s.utility(key).title, "demo")
    assert (op["started"], op["finished"]) == (NOW, NOW)
    assert (op["matched"], op["changed"], op["unchanged"], op["skipped"]) == (
        counts.matched,
        counts.change,
        counts.unchanged,
        counts.skip,
    )
    assert op["options"] == options
    if selection is not None:
        assert op["selection"] == selection
    assert report.counts == counts
