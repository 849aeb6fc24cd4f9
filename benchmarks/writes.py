"""The writes of benchmarks/scale.py: apply and undo of Change Status to every patron, and an
import of new patrons, each run on a fresh working copy next to raw SQLite doing the same
writes on a copy just as fresh, alternately (the machine's noise falls on both).
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from pathlib import Path

from bench import STAMP, line, login, raw_connection, raw_inactive, timed, working_copy

from store import Store

IMPORT_COLUMNS = ["barcode", "last_name", "first_name", "grade", "site", "status"]


def apply_and_undo(source: Path, runs: int) -> None:
    """Each run: the raw UPDATE on one fresh copy; plan, apply and undo on another."""
    raw_times: list[float] = []
    applied: list[float] = []
    undone: list[float] = []
    changed = 0
    for _ in range(runs):
        raw_times.append(raw_inactive(source))
        store = Store(working_copy(source, "apply.db"))
        operator = login(store)
        plan = store.plan("change-status", {}, {"status": "Inactive"}, operator)
        seconds, report = timed(lambda: store.apply(plan))  # noqa: B023 (called at once)
        applied.append(seconds)
        changed = report.counts.change  # type: ignore[attr-defined]
        seconds, _ = timed(lambda: store.undo(report.operation_id, operator))  # noqa: B023
        undone.append(seconds)
        store.close()
    line(f"apply Change Status ({changed:,} changed)", applied, raw_times, "target <= 2.5x")
    line("undo of that apply", undone, raw_times, "target <= 2.5x")
    line("  raw: UPDATE of the same rows (fresh copy)", raw_times)


def new_patrons(count: int) -> list[tuple[str, ...]]:
    return [
        (f"N{n:09d}", f"Imported{n % 977}", "Pat", str(1 + n % 12), "ELM", "Active")
        for n in range(count)
    ]


def raw_import(source: Path, rows: list[tuple[str, ...]]) -> float:
    """executemany INSERT of the same rows, in one transaction, on a fresh copy."""
    conn = raw_connection(working_copy(source, "raw-import.db"))
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO patrons "
        "(barcode, last_name, first_name, grade, site, status, created, modified) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, STAMP, STAMP) for row in rows],
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def import_patrons(source: Path, runs: int, count: int) -> None:
    """A CSV of ``count`` new patrons, imported on a fresh copy each run."""
    folder = Path(tempfile.mkdtemp(prefix="scale-import-"))
    try:
        csv_path = folder / "new-patrons.csv"
        rows = new_patrons(count)
        with open(csv_path, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(IMPORT_COLUMNS)
            writer.writerows(rows)
        raw_times: list[float] = []
        imported: list[float] = []
        for _ in range(runs):
            raw_times.append(raw_import(source, rows))
            store = Store(working_copy(source, "import.db"))
            operator = login(store)
            seconds, _ = timed(lambda: store.import_patrons(csv_path, {}, operator))  # noqa: B023
            imported.append(seconds)
            store.close()
        line(f"import {count:,} patrons from CSV", imported, raw_times, "target <= 3x")
        line("  raw: executemany INSERT (fresh copy)", raw_times)
    finally:
        shutil.rmtree(folder)
