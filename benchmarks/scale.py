"""How Patron Utilities keeps up with a district: every figure against a baseline.

    python benchmarks/scale.py                   # 1,000,000 patrons, 5 runs of each figure
    python benchmarks/scale.py --quick           # a laptop: 50,000 patrons, 3 runs
    python benchmarks/scale.py --patrons 100000
    python benchmarks/scale.py --only plan --only apply --runs 7

The first run at a size builds patrons-<size>.db in /tmp (or --dir); later runs reuse it.
Every figure is the median of --runs runs with the fastest and slowest (min–max), measured
in this run next to its baseline doing the same work, alternately, and printed as a ratio
of the medians; nothing here passes or fails. Each write runs on a fresh working copy, as
does its raw baseline. The sections (--only):

  plan    plan + counts of Change Status, 10% and 100% matched; raw: the same rows
          materialized unordered, and numbered in name order.  Target <= 2x unordered + 1 s
  apply   apply and undo of Change Status to every patron; raw: the UPDATE.  <= 2.5x raw
  import  a CSV of new patrons (100,000; --quick 10,000); raw: executemany.  <= 3x raw
  cli     patron-utils run change-status --status Inactive, a dry run and --yes, each a
          process; raw: the UPDATE.  No target set
  reset   Reset Password by Last Name on N patrons (2,000; --quick 200) against hashing the
          same passwords on one thread; hashes/s, the ratio, the cores busy.  all cores busy
  app     start-up (<= 2x a bare Textual app), preview first paint (<= 0.5 s), peak memory
          while previewing every patron (<= 200 MB)
  sync    benchmarks/roster_sync.py: Sync from Roster of 100,000 users (--quick 10,000) on
          an empty demo; raw: executemany.  First sync plan + apply <= 5x raw
  ssh     benchmarks/ssh_sessions.py: SSH session start against the local app's start-up,
          and the memory of a session's process.  No target set

At full size on 2 cores the reset section alone takes over half an hour (an argon2 hash
is ~0.1 s; 2,000 of them twice in each of 5 runs): --reset-patrons shortens it.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench (a sibling module, run as a script) puts this working tree first on sys.path.
from bench import (
    FIRST_BARCODE,
    demo_file,
    line,
    login,
    machine,
    note,
    remove_copies,
    timed,
    working_copy,
)
from cli_runs import cli_runs
from reset_hashing import reset_hashing
from writes import apply_and_undo, import_patrons

from store import Store, compile_selection
from store.plan import NAME_SQL, ORDER_SQL
from store.selection import Selection, fold_name

SECTIONS = ["plan", "apply", "import", "cli", "reset", "app", "sync", "ssh"]


def repeated(work, runs: int) -> tuple[list[float], object]:
    """The seconds of each of ``runs`` runs of ``work``, and what the last one returned."""
    made = [timed(work) for _ in range(runs)]
    return [seconds for seconds, _ in made], made[-1][1]


def raw_plan(path: Path, selection: Selection, ordered: bool, runs: int) -> list[float]:
    """Raw SQLite materializing a Change Status plan's rows into a temp table, unordered or
    numbered in preview order by row_number (SQLite walks the name index for it: each
    patron is then a lookup, not a step of a table scan)."""
    compiled = compile_selection(selection)
    conn = sqlite3.connect(path)
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

    times, _ = repeated(once, runs)
    conn.close()
    return times


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
        times, matched = repeated(lambda s=selection: plan_once(store, operator, s), runs)
        unordered = raw_plan(path, Selection(**selection), False, runs)
        ordered = raw_plan(path, Selection(**selection), True, runs)
        line(
            f"plan + counts, {label} ({matched:,} matched)",
            times,
            unordered,
            "target <= 2x unordered + 1 s",
            against="unordered",
        )
        line("  raw: unordered materialization", unordered)
        line("  raw: ordered by name", ordered)
    store.close()


def app_figures(path: Path, runs: int) -> None:
    """Start-up, first paint and peak memory; each first paint in a process of its own (a
    clean heap)."""
    probe = [sys.executable, str(Path(__file__).with_name("app_probe.py")), str(path)]

    def figures(*what: str) -> dict:
        out = subprocess.run(probe + list(what), capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    start = figures("startup", str(runs))
    line("app start to a usable picker", start["app"], start["bare"], "target <= 2x", "bare app")
    line("  a bare Textual app", start["bare"])
    paints = [figures("first-paint") for _ in range(runs)]
    matched = paints[-1]["matched"]
    line(
        f"preview first paint ({matched:,} matched)",
        [p["first_paint"] for p in paints],
        target="target <= 0.5 s",
    )
    line("  the whole plan counted", [p["counted"] for p in paints])
    line(f"  scroll to the last row ({matched:,})", [p["to_last"] for p in paints])
    peaks = sorted(p["peak_mb"] for p in paints)
    note(
        "peak memory while previewing every patron",
        f"{statistics.median(peaks):8.0f} MB ({peaks[0]:.0f}–{peaks[-1]:.0f})",
        "target <= 200 MB",
    )


def heading(text: str) -> None:
    print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patrons", type=int, help="default 1,000,000 (--quick: 50,000)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the demo is built and kept between runs, and the working copies made",
    )
    parser.add_argument("--runs", type=int, help="runs of each figure: 5 (--quick: 3)")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="these sections")
    parser.add_argument("--import-rows", type=int, help="100,000 (--quick: 10,000)")
    parser.add_argument("--reset-patrons", type=int, help="2,000 (--quick: 200)")
    parser.add_argument("--sync-users", type=int, help="100,000 (--quick: 10,000)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a laptop's size: 50,000 patrons, 3 runs (unless --patrons or --runs say)",
    )
    args = parser.parse_args()
    quick = args.quick
    args.patrons = args.patrons or (50_000 if quick else 1_000_000)
    args.runs = args.runs or (3 if quick else 5)
    args.import_rows = args.import_rows or (10_000 if quick else 100_000)
    args.reset_patrons = min(args.reset_patrons or (200 if quick else 2_000), args.patrons)
    args.sync_users = args.sync_users or (10_000 if quick else 100_000)
    only = set(args.only or SECTIONS)
    print(
        f"Patron Utilities at {args.patrons:,} patrons: each figure the median of "
        f"{args.runs} runs (min–max), its baseline measured in the same run",
        flush=True,
    )
    print(machine(), flush=True)
    source = demo_file(args.patrons, args.dir)
    work = working_copy(source, f"bench-{args.patrons}.db")
    began = time.perf_counter()
    try:
        if "plan" in only:
            heading("Plans")
            plans(work, args.patrons, args.runs)
        if "apply" in only:
            heading("Apply and undo (each run on a fresh copy)")
            apply_and_undo(work, args.runs)
        if "import" in only:
            heading("Import (each run on a fresh copy)")
            import_patrons(work, args.runs, args.import_rows)
        if "cli" in only:
            heading("The command line, end to end (each run on a fresh copy)")
            cli_runs(work, args.runs)
        if "reset" in only:
            heading("Reset Patron Accounts: hashing on every core?")
            reset_hashing(work, args.runs, args.reset_patrons)
        if "app" in only:
            heading("The app")
            app_figures(work, args.runs)
        if "sync" in only:
            import roster_sync

            roster_sync.measure(args.sync_users, args.runs)
        if "ssh" in only:
            import ssh_sessions  # asyncssh and pyte: loaded only for this section

            heading("Over SSH (a demo of 2,000 patrons; no target set)")
            ssh_sessions.measure(args.runs)
    finally:
        remove_copies()
    print(f"The whole run: {(time.perf_counter() - began) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
