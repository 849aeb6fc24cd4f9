"""Sync from Roster at a district's size: every figure against raw SQLite in the same run.

    python benchmarks/roster_sync.py                  # 100,000 users, 5 runs
    python benchmarks/roster_sync.py --users 20000 --runs 3
    python benchmarks/roster_sync.py --quick          # 10,000 users, 2 runs

A OneRoster 1.1 export of N users (students with grades at three schools, their teachers,
a few guardians; emails, some preferredGivenNames and usernames) is synced onto an empty
demo database (its grade table, sites, policies and groups; the two demo operators): the
first sync makes every user a patron. Then the same roster again (all unchanged, nothing
written), a "nightly" export (~1% changed, ~0.5% left, ~0.5% new), the undo of the first
sync, and the command line end to end. Raw SQLite does the same writes with executemany.
Each figure is the median of --runs, with min–max; nothing here passes or fails.
Aims: plan + apply of the first sync <= 5x the raw insert; the nightly plan a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402
from store.demo import DEMO_OPERATORS, create_demo  # noqa: E402
from store.roster.reader import read_roster  # noqa: E402

COLUMNS = [
    *("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role"),
    *("username", "userIds", "givenName", "familyName", "middleName", "identifier"),
    *("email", "sms", "phone", "agentSourcedIds", "grades", "password", "preferredGivenName"),
]
SCHOOLS = (  # (sourcedId, name, identifier = the demo's site code, OneRoster grades)
    ("s-elm", "Elm Street Elementary", "ELM", ("PK", "KG", "01", "02", "03", "04", "05")),
    ("s-mid", "Lincoln Middle School", "MID", ("06", "07", "08")),
    ("s-high", "Central High School", "HIGH", ("09", "10", "11", "12")),
)
FIRST = ("Ada", "Ben", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu")
LAST = ("Byron", "Chen", "Diaz", "Evans", "Fox", "Gray", "Hill", "Ito", "Jones", "Khan")
# Patron columns the sync writes, for the raw baseline's INSERT of the same rows.
WRITTEN = (
    *("barcode", "first_name", "middle_name", "last_name", "nickname", "grade", "policy"),
    *("security_group", "status", "site", "username", "roster_id", "created", "modified"),
)


def user(n: int) -> dict[str, str]:
    sourced, _name, _code, grades = SCHOOLS[n % len(SCHOOLS)]
    row = dict.fromkeys(COLUMNS, "")
    role = "guardian" if n % 200 == 7 else "teacher" if n % 25 == 3 else "student"
    row |= {
        "sourcedId": f"u{n}",
        "enabledUser": "true",
        "orgSourcedIds": sourced,
        "role": role,
        "givenName": FIRST[n % len(FIRST)],
        "familyName": f"{LAST[n % len(LAST)]}{n // 97}",
        "middleName": "Q" if n % 3 else "",
        "identifier": f"R{n:07d}",
        "email": f"user{n}@district.example.org",
        "grades": grades[n % len(grades)] if role == "student" else "",
        "preferredGivenName": "Sunny" if n % 10 == 1 else "",
        "username": f"t{n}" if role == "teacher" else "",
        "dateLastModified": "2026-08-30",
    }
    return row


def nightly(users: list[dict[str, str]], count: int) -> list[dict[str, str]]:
    """The next night's export: ~1% changed, ~0.5% left, ~0.5% new."""
    out = []
    for n, row in enumerate(users):
        if n % 200 == 11:
            continue  # left the district
        if n % 100 == 5:
            row = dict(row)
            kind = n // 100 % 4
            if kind == 0:
                row["familyName"] += "-Ray"
            elif kind == 1:
                row["email"] = f"new{n}@district.example.org"
            elif kind == 2:
                row["preferredGivenName"] = "Bo"
            else:
                row["middleName"] = "Z"
        out.append(row)
    return out + [user(n) for n in range(count, count + count // 200)]


def export(folder: Path, users: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "orgs.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["sourcedId", "status", "dateLastModified", "name", "type", "identifier"])
        writer.writerow(["d1", "active", "", "Demo District", "district", ""])
        for sourced, name, code, _ in SCHOOLS:
            writer.writerow([sourced, "active", "", name, "school", code])
    with open(folder / "users.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows([u[c] for c in COLUMNS] for u in users)
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(
            [["propertyName", "value"], ["oneroster.version", "1.1"], ["file.users", "bulk"]]
        )
    return folder


def zipped(folder: Path) -> Path:
    path = folder.with_suffix(".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted(folder.iterdir()):
            z.write(file, file.name)
    return path


def copy(source: Path, target: Path) -> Path:
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


class Figures:
    """Seconds by figure, over the runs, printed as median (min–max)."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        self.notes: dict[str, str] = {}
        self.peaks: list[float] = []  # the CLI's peak memory, MB

    def add(self, what: str, seconds: float, note: str = "") -> None:
        self.seconds.setdefault(what, []).append(seconds)
        if note:
            self.notes[what] = note

    def median(self, what: str) -> float:
        return statistics.median(self.seconds[what])

    def line(self, what: str, against: str | None = None) -> None:
        got = self.seconds[what]
        spread = f"({min(got):.2f}–{max(got):.2f})" if len(got) > 1 else ""
        ratio = ""
        if against:
            raw = self.median(against)
            ratio = f"{self.median(what) / raw:6.1f}x raw ({raw:.3f} s)"
        print(
            f"  {what:<44} {self.median(what):7.2f} s {spread:<13} {ratio:<22} "
            f"{self.notes.get(what, '')}",
            flush=True,
        )


def counted(plan) -> str:
    return ", ".join(f"{n} {fate}" for fate, n in plan.counts.items() if n)


def raw_first(base: Path, work: Path, rows: list[tuple]) -> float:
    """executemany INSERT of the first sync's patron rows into a copy of the same schema."""
    conn = sqlite3.connect(copy(base, work), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        f"INSERT INTO patrons ({', '.join(WRITTEN)}) VALUES ({', '.join('?' * len(WRITTEN))})",
        rows,
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def raw_nightly(synced: Path, work: Path, changes: list[tuple], left: list, new: list) -> float:
    """The nightly's writes as raw SQL: UPDATE the changed and the left, INSERT the new."""
    conn = sqlite3.connect(copy(synced, work), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "UPDATE patrons SET last_name = ?, middle_name = ?, nickname = ?, modified = ? "
        "WHERE roster_id = ?",
        changes,
    )
    conn.executemany(
        "UPDATE patrons SET status = 'Transferred', modified = ? WHERE roster_id = ?", left
    )
    conn.executemany(
        f"INSERT INTO patrons ({', '.join(WRITTEN)}) VALUES ({', '.join('?' * len(WRITTEN))})",
        new,
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


# The command line, saying its own peak memory at the end (VmHWM: ru_maxrss of a child
# counts the benchmark's memory it was forked from).
CLI = """import sys, patron_utils
try:
    code = patron_utils.main()
finally:
    with open("/proc/self/status") as status:
        sys.stderr.write(next(line for line in status if line.startswith("VmHWM")))
sys.exit(code)
"""


def login(store: Store):
    username, password, *_ = DEMO_OPERATORS[0]
    return store.login(username, password)


def one_run(base: Path, work: Path, first: Path, night: Path, f: Figures, count: int) -> None:
    seconds, roster = timed(lambda: read_roster(first))
    f.add("read the roster (folder)", seconds, f"{len(roster.users):,} users")  # type: ignore[attr-defined]
    db = copy(base, work / "sync.db")
    store = Store(db)
    operator = login(store)
    seconds, plan = timed(lambda: store.plan_sync(first, operator))
    f.add("first sync: plan (read included)", seconds, counted(plan))
    seconds, result = timed(lambda: store.apply_sync(plan, operator))
    f.add("first sync: apply", seconds)
    first_op = result.operation_id  # type: ignore[attr-defined]
    f.add("first sync: plan + apply", f.seconds["first sync: plan (read included)"][-1] + seconds)
    seconds, plan = timed(lambda: store.plan_sync(first, operator))
    f.add("same roster again: plan", seconds, counted(plan))
    seconds, result = timed(lambda: store.apply_sync(plan, operator))
    assert result.operation_id is None  # type: ignore[attr-defined]
    f.add("same roster again: apply", seconds, "nothing written")
    store.close()
    copy(db, work / "first.db")  # closed: the WAL is checkpointed into the file
    store = Store(db)
    operator = login(store)
    seconds, plan = timed(lambda: store.plan_sync(night, operator))
    f.add("nightly: plan", seconds, counted(plan))
    seconds, _ = timed(lambda: store.apply_sync(plan, operator))
    f.add("nightly: apply", seconds)
    store.close()
    store = Store(copy(work / "first.db", work / "undo.db"))
    operator = login(store)
    seconds, report = timed(lambda: store.undo(first_op, operator))
    f.add("undo of the first sync", seconds, f"{report.counts.change:,} restored")  # type: ignore[attr-defined]
    store.close()
    cli = copy(base, work / "cli.db")
    username, password, *_ = DEMO_OPERATORS[0]
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        PATRON_UTILS_DB=str(cli),
        PATRON_UTILS_OPERATOR=username,
        PATRON_UTILS_PASSWORD=password,
    )
    command = [sys.executable, "-c", CLI]
    seconds, done = timed(
        lambda: subprocess.run(
            [*command, "sync", "oneroster", str(first), "--yes"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    )
    f.add("CLI: sync oneroster --yes (a process)", seconds, done.stdout.splitlines()[1])  # type: ignore[attr-defined]
    peak = int(done.stderr.split()[-2]) / 1024  # type: ignore[attr-defined]
    f.peaks.append(peak)


def measure(count: int, runs: int) -> None:
    """Every figure of the sync of ``count`` users, medians of ``runs``, printed (scale.py
    runs it too, as its sync section)."""
    print(
        f"Sync from Roster, {count:,} users, {runs} run(s) (SQLite "
        f"{sqlite3.sqlite_version}, {os.cpu_count()} cores): median (min–max); aims: "
        "first sync plan + apply <= 5x raw, the nightly plan a few seconds",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="roster-sync-"))
    try:
        base = create_demo(work / "base.db", patrons=0, seed=1)
        users = [user(n) for n in range(count)]
        first = export(work / "first", users)
        tonight = nightly(users, count)
        night = export(work / "nightly", tonight)
        f = Figures()
        for _ in range(runs):
            one_run(base, work, first, night, f, count)
            # The raw baseline, in the same run: the very rows the sync wrote.
            conn = sqlite3.connect(work / "first.db")
            rows = conn.execute(
                f"SELECT {', '.join(WRITTEN)} FROM patrons WHERE roster_id IS NOT NULL ORDER BY id"
            ).fetchall()
            conn.close()
            f.add("raw: executemany INSERT of the patrons", raw_first(base, work / "raw.db", rows))
            stamp = "2026-12-01 02:00:00"
            sid = WRITTEN.index("roster_id")
            named = {u["sourcedId"] for u in tonight}
            changes = [
                (u["familyName"], u["middleName"], u["preferredGivenName"], stamp, u["sourcedId"])
                for n, u in enumerate(users)
                if n % 100 == 5 and u["role"] != "guardian"
            ]
            left = [(stamp, r[sid]) for r in rows if r[sid] not in named]
            new = [  # the first rows again, with a barcode, username and roster id of their own
                (f"N{r[0]}", *r[1 : sid - 1], f"N{r[sid - 1]}", f"N{r[sid]}", stamp, stamp)
                for r in rows[: count // 200]
            ]
            f.add(
                "raw: nightly UPDATEs and INSERTs",
                raw_nightly(work / "first.db", work / "raw-night.db", changes, left, new),
                f"{len(changes)} changed, {len(left)} left, {len(new)} new",
            )
        seconds, roster = timed(lambda: read_roster(zipped(first)))
        f.add("read the roster (.zip, once)", seconds)
        raw = "raw: executemany INSERT of the patrons"
        for what in ("read the roster (folder)", "read the roster (.zip, once)"):
            f.line(what)
        for what in (
            "first sync: plan (read included)",
            "first sync: apply",
            "first sync: plan + apply",
        ):
            f.line(what, raw)
        f.line("same roster again: plan")
        f.line("same roster again: apply")
        f.line("nightly: plan")
        f.line("nightly: apply", "raw: nightly UPDATEs and INSERTs")
        f.line("undo of the first sync", raw)
        f.line("CLI: sync oneroster --yes (a process)", raw)
        f.line(raw)
        f.line("raw: nightly UPDATEs and INSERTs")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cli = statistics.median(f.peaks)
        print(
            f"  peak RSS: the CLI's sync {cli:.0f} MB ({min(f.peaks):.0f}–{max(f.peaks):.0f}); "
            f"this benchmark (every roster and plan of the run held) {own:.0f} MB",
            flush=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10,000 users, 2 runs")
    args = parser.parse_args()
    if args.quick:
        args.users, args.runs = 10_000, 2
    measure(args.users, args.runs)


if __name__ == "__main__":
    main()
