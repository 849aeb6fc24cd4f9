"""How Patron Utilities keeps up with a district: every figure against raw SQLite.

    python benchmarks/scale.py                   # 1,000,000 patrons
    python benchmarks/scale.py --patrons 100000
    python benchmarks/scale.py --only plan --runs 7   # plans only, medians of 7 runs

The first run at a size builds patrons-<size>.db in /tmp (or --dir); later runs reuse it.

Each figure is measured in this run on the same file, next to raw SQLite doing the
same work, and printed as a ratio; nothing here passes or fails. Targets (issue 8):
apply and undo <= 3x raw, preview first paint <= 0.5 s, start-up <= 2x a bare app,
peak memory <= 200 MB while previewing every patron.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store import Store, compile_selection  # noqa: E402
from store.demo import DEMO_OPERATORS, create_demo  # noqa: E402
from store.plan import NAME_SQL, ORDER_SQL  # noqa: E402
from store.selection import Selection  # noqa: E402

FIRST_BARCODE = 20260001  # the demo numbers its patrons from here


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def line(
    what: str, seconds: float, raw: float | None = None, target: str = "", against: str = "raw"
) -> None:
    ratio = f"{seconds / raw:6.2f}x {against} ({raw:.2f} s)" if raw else ""
    print(f"  {what:<46} {seconds:8.2f} s  {ratio:<24} {target}", flush=True)


def demo_file(patrons: int, where: Path) -> Path:
    """The demo of ``patrons``, built once and kept (building a million takes a while)."""
    path = where / f"patrons-{patrons}.db"
    if not path.exists():
        seconds, _ = timed(
            lambda: create_demo(path.with_suffix(".tmp"), patrons=patrons, force=True)
        )
        path.with_suffix(".tmp").rename(path)
        print(f"  built the demo of {patrons:,} patrons in {seconds:.1f} s", flush=True)
    return path


def working_copy(source: Path, name: str) -> Path:
    target = source.with_name(name)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def raw(path: Path, sql: str, params=()) -> float:
    """Raw SQLite: one statement in its own transaction, committed, on a fresh connection."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(sql, params)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def repeated(work, runs: int) -> tuple[tuple[float, float, float], object]:
    """Median, fastest and slowest of ``runs`` runs of ``work`` (one run proves little),
    and what the last run returned."""
    runs_made = [timed(work) for _ in range(runs)]
    times = sorted(seconds for seconds, _ in runs_made)
    return (statistics.median(times), times[0], times[-1]), runs_made[-1][1]


def spread(figures: tuple[float, float, float]) -> str:
    return f"({figures[1]:.2f}-{figures[2]:.2f})"


def raw_plan(path: Path, selection: Selection, ordered: bool, runs: int):
    """Raw SQLite materializing a Change Status plan's rows into a temp table, unordered or
    numbered in preview order by row_number (SQLite walks the name index for it: each
    patron is then a lookup, not a step of a table scan)."""
    compiled = compile_selection(selection)
    conn = sqlite3.connect(path)
    from store.selection import fold_name

    conn.create_function("fold_name", 1, fold_name, deterministic=True)
    seq = f"row_number() OVER (ORDER BY {ORDER_SQL}) AS seq, " if ordered else ""
    sql = f"""CREATE TEMP TABLE raw_plan AS SELECT {seq}p.id, p.barcode, {NAME_SQL} AS name,
                  p.status AS current, 'Inactive' AS new,
                  CASE WHEN p.status = 'Inactive' THEN 'unchanged' ELSE 'change' END AS outcome,
                  NULL AS reason
              FROM patrons p WHERE {compiled.where}"""

    def once() -> None:
        conn.execute(sql, compiled.params)
        conn.execute("DROP TABLE raw_plan")

    figures, _ = repeated(once, runs)
    conn.close()
    return figures


def login(store: Store):
    username, password, *_ = DEMO_OPERATORS[0]
    return store.login(username, password)


def plan_once(store: Store, operator, selection: dict) -> int:
    plan = store.plan("change-status", selection, {"status": "Inactive"}, operator)
    store.discard(plan)
    return plan.counts.matched


def plans(path: Path, patrons: int, runs: int) -> None:
    store = Store(path)
    operator = login(store)
    tenth = {
        "barcode_from": str(FIRST_BARCODE),
        "barcode_to": str(FIRST_BARCODE + patrons // 10 - 1),
    }
    for label, selection in (("10%", tenth), ("100%", {})):
        figures, matched = repeated(functools.partial(plan_once, store, operator, selection), runs)
        unordered = raw_plan(path, Selection(**selection), False, runs)
        ordered = raw_plan(path, Selection(**selection), True, runs)
        line(
            f"plan + counts, {label} ({matched:,} matched)",
            figures[0],
            unordered[0],
            f"{spread(figures)}, target <= 2x + 1 s",
            against="unordered",
        )
        line(f"  raw: unordered materialization {spread(unordered)}", unordered[0])
        line(f"  raw: ordered by name {spread(ordered)}", ordered[0])
    store.close()


def apply_and_undo(path: Path) -> None:
    raw_file = working_copy(path, "raw-update.db")
    raw_seconds = raw(
        raw_file,
        "UPDATE patrons SET status = 'Inactive', modified = ? WHERE status <> 'Inactive'",
        ["2026-11-29 09:00:00"],
    )
    store = Store(path)
    operator = login(store)
    plan = store.plan("change-status", {}, {"status": "Inactive"}, operator)
    seconds, report = timed(lambda: store.apply(plan))
    line(
        f"apply Change Status ({report.counts.change:,} changed)",
        seconds,
        raw_seconds,
        "target <= 3x",
    )
    seconds, _ = timed(lambda: store.undo(report.operation_id, operator))
    line("undo of that apply", seconds, raw_seconds, "target <= 3x")
    store.close()


def import_patrons(path: Path, count: int = 100_000) -> None:
    """A CSV of ``count`` new patrons, imported; raw is executemany of the same rows."""
    folder = Path(tempfile.mkdtemp())
    csv_path = folder / "new-patrons.csv"
    columns = ["barcode", "last_name", "first_name", "grade", "site", "status"]
    rows = [
        (f"N{n:09d}", f"Imported{n % 977}", "Pat", str(1 + n % 12), "ELM", "Active")
        for n in range(count)
    ]
    with open(csv_path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
    raw_file = working_copy(path, "raw-import.db")
    conn = sqlite3.connect(raw_file, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO patrons "
        "(barcode, last_name, first_name, grade, site, status, created, modified) "
        "VALUES (?, ?, ?, ?, ?, ?, '2026-11-29', '2026-11-29')",
        rows,
    )
    conn.execute("COMMIT")
    raw_seconds = time.perf_counter() - start
    conn.close()
    target = working_copy(path, "import.db")
    store = Store(target)
    operator = login(store)
    seconds, _ = timed(lambda: store.import_patrons(csv_path, {}, operator))
    line(f"import {count:,} patrons from CSV", seconds, raw_seconds)
    store.close()
    shutil.rmtree(folder)


def app_figures(path: Path) -> None:
    """Start-up, first paint and peak memory, each in its own process (a clean heap)."""
    probe = [sys.executable, str(Path(__file__).with_name("app_probe.py")), str(path)]
    for what in ("startup", "first-paint"):
        out = subprocess.run(probe + [what], capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        if what == "startup":
            line(
                "app start to a usable picker",
                figures["app"],
                figures["bare"],
                "target <= 2x",
                against="bare app",
            )
        else:
            line(
                f"preview first paint ({figures['matched']:,} matched)",
                figures["first_paint"],
                None,
                "target <= 0.5 s",
            )
            line(f"scroll to the last row ({figures['matched']:,})", figures["to_last"])
            print(
                f"  {'peak memory while previewing every patron':<46} {figures['peak_mb']:8.0f} MB"
                f"{'':26} target <= 200 MB",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patrons", type=int, help="default 1,000,000 (--quick: 50,000)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the demo is built and kept between runs",
    )
    parser.add_argument("--runs", type=int, help="runs of each plan figure: 5 (--quick: 3)")
    parser.add_argument("--only", choices=["plan", "apply", "import", "app"], action="append")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a laptop's size: 50,000 patrons and 3 runs (unless --patrons or --runs say)",
    )
    args = parser.parse_args()
    args.patrons = args.patrons or (50_000 if args.quick else 1_000_000)
    args.runs = args.runs or (3 if args.quick else 5)
    only = set(args.only or ["plan", "apply", "import", "app"])
    print(
        f"Patron Utilities at {args.patrons:,} patrons (SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores)",
        flush=True,
    )
    source = demo_file(args.patrons, args.dir)
    work = working_copy(source, f"bench-{args.patrons}.db")
    if "plan" in only:
        plans(work, args.patrons, args.runs)
    if "apply" in only:
        apply_and_undo(work)
    if "import" in only:
        import_patrons(work)
    if "app" in only:
        app_figures(work)


if __name__ == "__main__":
    main()
