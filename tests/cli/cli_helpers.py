"""The headless command line in-process: demo copies, the ``cli`` runner, the Store's view."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from store import Store, clock, security
from store.demo import create_demo
from tui.__main__ import main

TODAY = dt.date(2026, 6, 1)  # conftest fixes "today" here too (test modules do not import it)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
OPERATOR, PASSWORD = "demo", "demo-librarian"  # District Administrator, level 0
AIDE, AIDE_PASSWORD = "aide", "demo-aide"  # Library Aide: the utilities permission only
REPO = Path(__file__).resolve().parents[2]
JOURNAL = ("operations", "operation_changes", "operation_rows", "undo_restored")
# Exit statuses (README): 0 done, 2 invalid input, 3 refused, 4 busy or stale.


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setattr(security, "FAILURE_DELAY", 0)
    monkeypatch.setattr(security, "HASHER", CHEAP)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One demo database per module (150 patrons, seed 3), made with today fixed. The demo
    operators keep their passwords, hashed at a cheap cost so each login is quick."""
    clock.fix_today(TODAY)
    try:
        path = create_demo(tmp_path_factory.mktemp("template") / "demo.db", patrons=150, seed=3)
    finally:
        clock.fix_today(None)
    conn = sqlite3.connect(path)
    for username, password in ((OPERATOR, PASSWORD), (AIDE, AIDE_PASSWORD)):
        conn.execute("UPDATE patrons SET password_hash = ? WHERE username = ?",
                     [CHEAP.hash(password), username])
    conn.commit()
    conn.close()
    return path


def copy_db(source: Path, dest: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(dest) + suffix)
    return dest


@pytest.fixture
def db(template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the demo; the CLI finds it, and the demo operator, in the environment."""
    path = copy_db(template, tmp_path / "a.db")
    monkeypatch.setenv("PATRON_UTILS_DB", str(path))
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", OPERATOR)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", PASSWORD)
    return path


@pytest.fixture
def twin(template, tmp_path) -> Path:
    """A second copy of the same demo, for the Store to apply the same plan to."""
    return copy_db(template, tmp_path / "b.db")


@dataclass
class Result:
    code: int | None
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run ``patron-utils ARGV…`` in-process; argparse's SystemExit becomes the status."""
    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return run


def dump(path: Path, *, times: bool = True, skip: tuple[str, ...] = (),
         stamps: bool = True) -> dict[str, Any]:
    """Every table's rows (sorted) and the schema; without ``times`` the journal's
    started/finished are left out, without ``stamps`` every row's 'modified' (an undo
    stamps what it writes with its own time)."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {"schema": sorted(conn.execute(
            "SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr)}
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            if table in skip:
                continue
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row)) for row in cursor.fetchall()]
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


def store_plan(path: Path, key: str, selection: dict, options: dict,
               username: str = OPERATOR, password: str = PASSWORD) -> StorePlan:
    """What the Store plans for these inputs (written nowhere: the plan is discarded)."""
    s = Store(path)
    try:
        plan = s.plan(key, selection, options, s.login(username, password))
        rows = [(r.barcode, "skip" if r.excluded else r.outcome, r.reason, r.current, r.new)
                for r in s.page(plan, 0, 100_000)]
        s.discard(plan)
        return StorePlan(plan.counts, rows)
    finally:
        s.close()


def store_apply(path: Path, key: str, selection: dict, options: dict) -> int:
    s = Store(path)
    try:
        plan = s.plan(key, selection, options, s.login(OPERATOR, PASSWORD))
        return s.apply(plan).operation_id
    finally:
        s.close()


def json_rows(payload: dict) -> list[tuple]:
    return [(p["barcode"], p["outcome"], p["reason"], p["before"], p["after"])
            for p in payload["patrons"]]


def assert_agrees(payload: dict, expected: StorePlan) -> None:
    """A dry run's JSON says what Store.plan says: counts and every patron's row."""
    c = expected.counts
    assert (payload["matched"], payload["change"], payload["unchanged"], payload["skipped"]) == (
        c.matched, c.change, c.unchanged, c.skip)
    assert payload["operation_id"] is None
    assert json_rows(payload) == expected.rows


def operations(path: Path) -> int:
    return count(path, "SELECT count(*) FROM operations")
