"""The command line end to end, for benchmarks/scale.py: ``patron-utils run change-status
--status Inactive`` on every patron, a dry run and then ``--yes``, each a process of its own
as cron would start it (log-in, plan, every patron printed), next to the raw UPDATE the
apply reduces to, on a copy just as fresh, in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench import ROOT, line, raw_inactive, timed, working_copy

from store.demo import DEMO_OPERATORS


def _env() -> dict[str, str]:
    """This working tree's package; the demo operator, the password given as cron gives it."""
    username, password, *_ = DEMO_OPERATORS[0]
    out = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_UTILS_")}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return out | {"PATRON_UTILS_OPERATOR": username, "PATRON_UTILS_PASSWORD": password}


def _cli(db: Path, out: Path, *argv: str) -> tuple[float, str]:
    """Seconds for ``patron-utils ARGV --db DB``, its output in ``out`` (as a script's would
    be, not held in memory); and its second line (the counts)."""
    command = [sys.executable, "-m", "patron_utils", *argv, "--db", str(db)]
    with open(out, "w") as stdout:
        seconds, done = timed(
            lambda: subprocess.run(
                command, cwd=ROOT, env=_env(), stdout=stdout, stderr=subprocess.PIPE, text=True
            )
        )
    if done.returncode != 0:  # type: ignore[attr-defined]
        raise RuntimeError(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr}")  # type: ignore[attr-defined]
    with open(out) as printed:
        head = [printed.readline().strip() for _ in range(2)]
    return seconds, head[-1]


def cli_runs(source: Path, runs: int) -> None:
    """Each run: the raw UPDATE on a fresh copy; then, on another, the floor (a process that
    opens the database: ``list``), the dry run, and the apply."""
    out = source.with_name("cli-output.txt")
    floor: list[float] = []
    dry: list[float] = []
    applied: list[float] = []
    raw_times: list[float] = []
    counts = ""
    change = ["run", "change-status", "--status", "Inactive"]
    for _ in range(runs):
        raw_times.append(raw_inactive(source))
        db = working_copy(source, "cli.db")
        floor.append(_cli(db, out, "list")[0])
        seconds, counts = _cli(db, out, *change)
        dry.append(seconds)  # a dry run writes nothing: the copy is still fresh
        applied.append(_cli(db, out, *change, "--yes")[0])
    out.unlink(missing_ok=True)
    print(f"  ({counts})", flush=True)
    line("CLI: run change-status (dry run, a process)", dry, raw_times, "no target set")
    line("CLI: run change-status --yes (apply)", applied, raw_times, "no target set")
    line("  a process that opens the database (list)", floor)
    line("  raw: UPDATE of the same rows (fresh copy)", raw_times)
