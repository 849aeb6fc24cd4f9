"""The headless command line: ``patron-utils list | run KEY | log | undo``.

Every utility is run through ``tui.__main__.main`` in-process (dry run, then --yes) and
compared with the same plan made and applied through the Store on an identical copy of
the demo database; flags are checked against the models they are generated from; the
exit statuses (0 done, 2 invalid input, 3 refused, 4 busy or stale) against the README;
and the README's end-of-year script runs in bash, as a technician's cron job would.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

import cli.run as cli_run
import store.database
from store import Store, clock, security
from store.demo import create_demo
from store.selection import Selection
from store.utilities import CATALOG
from tui.__main__ import main

TODAY = dt.date(2026, 6, 1)  # conftest fixes "today" here too (test modules do not import it)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
OPERATOR, PASSWORD = "demo", "demo-librarian"  # District Administrator, level 0
AIDE, AIDE_PASSWORD = "aide", "demo-aide"  # Library Aide: the utilities permission only
REPO = Path(__file__).resolve().parents[1]
JOURNAL = ("operations", "operation_changes", "operation_rows")


# -- fixtures and helpers ------------------------------------------------------------------

@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setattr(security, "FAILURE_DELAY", 0)
    monkeypatch.setattr(security, "PATRON_HASHER", CHEAP)


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


def dump(path: Path, *, times: bool = True, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every table's rows (sorted) and the schema; without ``times`` the journal's
    started/finished are left out."""
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


# -- list ----------------------------------------------------------------------------------

def test_list_prints_every_utility_key_and_title_one_per_line(cli):
    result = cli("list")
    assert result.code == 0 and result.err == ""
    lines = result.out.splitlines()
    assert len(lines) == len(CATALOG)
    for line, entry in zip(lines, CATALOG):
        key, title = line.split(None, 1)
        assert (key, title.strip()) == (entry.key, entry.title)


def test_run_without_a_key_lists_the_keys_and_is_invalid(cli):
    result = cli("run")
    assert result.code == 2
    assert all(entry.key in result.out for entry in CATALOG)


# -- every utility: dry run, then --yes, against the Store ------------------------------------

# Selections and options valid on the demo database, each meant to change some patrons.
CASES: dict[str, tuple[dict, dict]] = {
    "add-notes": ({"grades": ["3", "4"]},
                  {"note": "Summer reading starts June 10", "note_type": "General",
                   "replace_existing": True}),
    "advance-grade": ({}, {}),
    "change-grade": ({"sites": ["ELM"], "grades": ["K"]}, {"grade": "1"}),
    "change-location2": ({"locations2": ["Bus 4"]}, {"location2": "Bus 9"}),
    "change-location": ({"last_name_from": "A", "last_name_to": "M"}, {"location": "Room 9"}),
    "change-policy": ({"grades": ["9", "10"]}, {"policy": "Staff", "recompute_due_dates": True}),
    "change-security-group": ({"security_groups": ["Student"], "grades": ["12"]},
                              {"group": "Teacher"}),
    "change-status": ({"statuses": ["Active"], "expiration_to": "today"},
                      {"status": "Inactive"}),
    "forgive-charges": ({"balance_from": "0.01"}, {"category": "All Charges, Fees, and Fines"}),
    "move-to-site": ({"sites": ["MID"]}, {"site": "HIGH"}),
    "reassign-union-site": ({}, {"site": "ELM"}),
    "remove-history": ({"grades": ["Graduated", "12"]}, {}),
    "remove-notes": ({}, {"note_type": "Alert"}),
    "remove-pictures": ({}, {}),
    "remove-patrons": ({"grades": ["Graduated"]}, {"force": True}),
    "renew-accounts": ({"expiration_to": "today"}, {}),
    # A small selection, usernames only (no password hashing, no random tokens).
    "reset-accounts": ({"barcode_from": "20260001", "barcode_to": "20260030"},
                       {"username": "First Initial + Last Name", "use_nickname": True}),
}


def test_every_utility_in_the_catalog_has_a_case():
    assert set(CASES) == {entry.key for entry in CATALOG}


@pytest.mark.parametrize("key", list(CASES))
def test_a_dry_run_writes_nothing_and_agrees_with_the_store(cli, db, key):
    selection, options = CASES[key]
    before = dump(db)
    result = cli("run", key, *argv_for(selection), *argv_for(options), "--format", "json")
    assert result.code == 0, result.err
    assert dump(db) == before, "a dry run wrote to the database"
    assert operations(db) == 0
    payload = result.json()
    assert payload["utility"] == key
    expected = store_plan(db, key, selection, options)
    assert expected.counts.change > 0, "the case should change someone"
    assert_agrees(payload, expected)


@pytest.mark.parametrize("key", list(CASES))
def test_yes_applies_exactly_what_the_store_applies(cli, db, twin, key):
    selection, options = CASES[key]
    dry = cli("run", key, *argv_for(selection), *argv_for(options), "--format", "json")
    assert dry.code == 0, dry.err
    done = cli("run", key, *argv_for(selection), *argv_for(options), "--yes", "--format", "json")
    assert done.code == 0, done.err
    payload = done.json()
    operation_id = store_apply(twin, key, selection, options)
    assert payload["operation_id"] == operation_id == 1
    assert count(db, "SELECT max(id) FROM operations") == operation_id
    assert dump(db, times=False) == dump(twin, times=False)
    # The JSON after --yes reports what the dry run previewed.
    assert payload["utility"] == key
    assert json_rows(payload) == json_rows(dry.json())
    assert {k: payload[k] for k in ("matched", "change", "unchanged", "skipped")} == \
        {k: dry.json()[k] for k in ("matched", "change", "unchanged", "skipped")}


# -- flags generated from the models --------------------------------------------------------

@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.key)
def test_help_lists_a_flag_for_every_option_and_offered_criterion(cli, entry):
    result = cli("run", entry.key, "--help")
    assert result.code == 0
    text = result.out
    for name, field in entry.Options.model_fields.items():
        flag = "--" + name.replace("_", "-")
        assert flag in text, f"{flag} missing from run {entry.key} --help"
        if field.annotation is bool:
            assert "--no-" + name.replace("_", "-") in text
    for name in Selection.model_fields:
        flag = "--" + name.replace("_", "-")
        if name in entry.criteria():
            assert flag in text, f"{flag} missing from run {entry.key} --help"
        elif name.startswith("balance"):
            assert flag not in text, f"{entry.key} does not offer {flag}"
    for common in ("--yes", "--format", "--preset", "--barcodes-file", "--operator", "--db"):
        assert common in text


def test_reassign_union_site_does_not_offer_the_site_criterion(cli):
    assert "--sites" not in cli("run", "reassign-union-site", "--help").out
    assert "--sites" in cli("run", "move-to-site", "--help").out


@pytest.mark.parametrize("key, selection, options, name", [
    ("remove-patrons", {"grades": ["Graduated"]}, {}, "force"),
    ("reset-accounts", {"barcode_from": "20260001", "barcode_to": "20260060"},
     {"username": "First Name + Last Name"}, "use_nickname"),
], ids=["remove-patrons --force", "reset-accounts --use-nickname"])
def test_a_boolean_is_x_and_no_x(cli, db, key, selection, options, name):
    flag = "--" + name.replace("_", "-")
    base = [*argv_for(selection), *argv_for(options), "--format", "json"]
    on = cli("run", key, *base, flag)
    off = cli("run", key, *base, "--no-" + flag[2:])
    default = cli("run", key, *base)
    assert (on.code, off.code, default.code) == (0, 0, 0), on.err + off.err + default.err
    assert_agrees(on.json(), store_plan(db, key, selection, {**options, name: True}))
    assert_agrees(off.json(), store_plan(db, key, selection, {**options, name: False}))
    assert off.json() == default.json()  # the model's default is off
    assert json_rows(on.json()) != json_rows(off.json()), "the case should show the flag matters"


def test_a_list_field_repeats(cli, db):
    result = cli("run", "change-status", "--grades", "12", "--grades", "11", "--status",
                 "Inactive", "--format", "json")
    assert result.code == 0, result.err
    expected = store_plan(db, "change-status", {"grades": ["12", "11"]}, {"status": "Inactive"})
    assert_agrees(result.json(), expected)
    both = count(db, "SELECT count(*) FROM patrons WHERE grade IN ('11', '12')")
    only_12 = count(db, "SELECT count(*) FROM patrons WHERE grade = '12'")
    assert result.json()["matched"] == both > only_12


def test_choices_and_fixed_values_are_matched_in_any_case(cli, db):
    result = cli("run", "change-status", "--grades", "graduated", "--statuses", "active",
                 "--status", "inactive", "--format", "json")
    assert result.code == 0, result.err
    assert_agrees(result.json(), store_plan(db, "change-status",
                                            {"grades": ["Graduated"], "statuses": ["Active"]},
                                            {"status": "Inactive"}))


# (utility, flags, the flag the message must name, what it must say is allowed)
BAD = [
    ("change-status", ["--status", "Inactive", "--grades", "12", "--grades", "13"], "--grades",
     ["'13'", "allowed", "Graduated"]),
    ("change-status", ["--status", "Inactive", "--graduation-from", "2026-13-01"],
     "--graduation-from", ["MM/DD/YYYY", "YYYY-MM-DD", "today"]),
    ("change-status", ["--status", "Inactive", "--expiration-to", "next tuesday"],
     "--expiration-to", ["MM/DD/YYYY"]),
    ("change-status", ["--status", "Retired"], "--status", ["'Retired'", "Inactive", "Active"]),
    ("change-status", ["--status", "Inactive", "--statuses", "Retired"], "--statuses",
     ["Inactive"]),
    ("change-status", ["--status", "Inactive", "--expiration-from", "2026-06-01",
                       "--expiration-to", "01/01/2026"], "--expiration-to", ["before the start"]),
    ("change-status", ["--status", "Inactive", "--barcode-from", "20260100",
                       "--barcode-to", "20260001"], "--barcode-to", ["before the start"]),
    ("change-status", [], "--status", ["a value is required", "Inactive"]),
    ("forgive-charges", ["--category", "Lost Fees Only", "--balance-to", "ten dollars"],
     "--balance-to", ["not an amount", "0.99"]),
    ("forgive-charges", ["--category", "Lost Fees Only", "--balance-from", "5",
                         "--balance-to", "1"], "--balance-to", ["before the start"]),
    ("forgive-charges", ["--category", "Some"], "--category", ["Lost Fees Only"]),
    ("forgive-charges", ["--category", "Lost Fees Only", "--transaction-from", "06/01/2026",
                         "--transaction-to", "05/01/2026"], "--transaction-to",
     ["before the start"]),
    ("change-grade", ["--grade", "13"], "--grade (", ["allowed", "Graduated"]),
    ("move-to-site", ["--site", "UNION"], "--site", ["ELM", "HIGH"]),
    ("change-policy", ["--policy", "Gold"], "--policy", ["Staff", "Community"]),
    ("change-security-group", ["--group", "Wizards"], "--group", ["Student"]),
    ("add-notes", ["--note-type", "General", "--note", "x" * 501], "--note (", ["500"]),
    ("add-notes", ["--note-type", "Gossip", "--note", "hi"], "--note-type", ["General", "Alert"]),
    ("reset-accounts", ["--barcodes", "20260001"], "--username", ["No Change"]),
]


@pytest.mark.parametrize("key, argv, flag, allowed", BAD,
                         ids=[f"{k} {f.strip(' (')}-{n}" for n, (k, _, f, _) in enumerate(BAD)])
def test_a_bad_value_exits_2_naming_the_flag_and_what_is_allowed(cli, db, key, argv, flag, allowed):
    before = dump(db)
    result = cli("run", key, *argv, "--yes")
    assert result.code == 2, result.out + result.err
    assert flag in result.err
    for text in allowed:
        assert text in result.err, f"{text!r} not in {result.err!r}"
    assert "nothing was written" in result.err
    assert result.out == ""
    assert dump(db) == before


@pytest.mark.parametrize("argv, flag", [
    (["change-status", "--status", "Inactive", "--balance-to", "1"], "--balance-to"),
    (["change-status", "--status", "Inactive", "--format", "xml"], "--format"),
    (["change-status", "--status", "Inactive", "--colour", "red"], "--colour"),
], ids=["not-offered-criterion", "bad-format", "unknown-flag"])
def test_argparse_refusals_exit_2_naming_the_flag(cli, db, argv, flag):
    before = dump(db)
    result = cli("run", *argv, "--yes")
    assert result.code == 2
    assert flag in result.err
    assert dump(db) == before


def test_an_unknown_utility_exits_2(cli, db):
    result = cli("run", "remove-everything", "--yes")
    assert result.code == 2
    assert "remove-everything" in result.err and "patron-utils list" in result.err
    assert operations(db) == 0


def test_a_missing_operator_exits_2_naming_operator(cli, db, monkeypatch):
    monkeypatch.delenv("PATRON_UTILS_OPERATOR")
    before = dump(db)
    result = cli("run", "change-status", "--status", "Inactive", "--yes")
    assert result.code == 2
    assert "--operator" in result.err and "PATRON_UTILS_OPERATOR" in result.err
    assert dump(db) == before


def test_the_operator_flag_overrides_the_environment(cli, db, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "nobody")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    result = cli("run", "change-status", "--status", "Inactive", "--operator", AIDE,
                 "--format", "json")
    assert result.code == 0, result.err


def test_a_wrong_password_exits_3(cli, db, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "not-the-password")
    before = dump(db, skip=("login_failures",))
    result = cli("run", "change-status", "--status", "Inactive", "--yes")
    assert result.code == 3
    assert "wrong password" in result.err
    assert result.out == ""
    assert dump(db, skip=("login_failures",)) == before  # only the failure is counted


def test_no_password_and_no_terminal_exits_3(cli, db, monkeypatch):
    monkeypatch.delenv("PATRON_UTILS_PASSWORD")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    result = cli("run", "change-status", "--status", "Inactive", "--yes")
    assert result.code == 3
    assert "PATRON_UTILS_PASSWORD" in result.err
    assert operations(db) == 0


def test_an_aide_may_not_remove_patrons_exit_3(cli, db, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    before = dump(db)
    result = cli("run", "remove-patrons", "--grades", "Graduated", "--yes")
    assert result.code == 3
    assert "aide" in result.err and "Patrons: Remove" in result.err
    assert dump(db) == before
    # …though the aide may run the everyday utilities.
    assert cli("run", "change-status", "--status", "Inactive", "--format", "json").code == 0


def test_a_preference_that_rules_a_utility_out_exits_3(cli, db):
    conn = sqlite3.connect(db)
    conn.execute("UPDATE preferences SET value = '1' WHERE key = 'disable_account_expiration'")
    conn.commit()
    conn.close()
    before = dump(db)
    for extra in ([], ["--yes"]):
        result = cli("run", "renew-accounts", *extra)
        assert result.code == 3
        assert "Renew Patron Accounts cannot run" in result.err
    assert dump(db) == before


def test_a_missing_database_exits_2_and_is_not_created(cli, tmp_path):
    path = tmp_path / "typo.db"
    result = cli("run", "change-status", "--status", "Inactive", "--db", path)
    assert result.code == 2 and "--db" in result.err
    assert not path.exists()


# -- output formats ------------------------------------------------------------------------

def test_csv_has_a_header_and_a_row_per_patron(cli, db):
    result = cli("run", "change-status", "--grades", "12", "--status", "Inactive",
                 "--format", "csv")
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == ["barcode", "name", "outcome", "reason", "before", "after"]
    expected = store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Inactive"})
    assert len(rows) - 1 == expected.counts.matched > 0
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        (b, o, reason or "", current, new) for b, o, reason, current, new in expected.rows]
    names = dict(sqlite3.connect(db).execute(
        "SELECT barcode, last_name || ', ' || first_name FROM patrons").fetchall())
    assert all(names[r[0]] == r[1] for r in rows[1:])  # commas in names stay one column


def test_text_says_dry_run_first_and_lists_each_patron(cli, db):
    result = cli("run", "change-status", "--grades", "12", "--status", "Inactive")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "dry run" in lines[0] and "--yes" in lines[0]
    expected = store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Inactive"})
    for barcode, *_ in expected.rows:
        assert any(line.startswith(barcode + "\t") for line in lines)
    applied = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    assert applied.code == 0
    assert applied.out.splitlines()[0] == "Operation #1: Change Patron Status"
    assert "dry run" not in applied.out


# -- busy and stale: exit 4, nothing written ----------------------------------------------------

@pytest.fixture
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(store.database, "BUSY_TIMEOUT_MS", 200)


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another program in the middle of a write: it holds BEGIN IMMEDIATE."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def run_catching(cli, *argv) -> Result:
    try:
        return cli(*argv)
    except Exception as exc:  # noqa: BLE001 - the point: the CLI must not crash
        pytest.fail(f"patron-utils {' '.join(argv)} crashed with {exc!r} instead of exiting 4")


def test_a_database_locked_by_another_program_exits_4_on_yes(cli, db, short_busy_timeout):
    before = dump(db)
    other = hold_write_lock(db)
    try:
        result = run_catching(cli, "run", "change-status", "--grades", "12", "--status",
                              "Inactive", "--yes")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.code == 4, result.err
    assert "busy" in result.err and "Traceback" not in result.err
    assert dump(db) == before


def test_a_dry_run_while_another_program_writes_does_not_crash(cli, db, short_busy_timeout):
    """A dry run writes nothing; if it cannot proceed, it says busy (4), never a traceback."""
    before = dump(db)
    other = hold_write_lock(db)
    try:
        result = run_catching(cli, "run", "change-status", "--grades", "12", "--status",
                              "Inactive", "--format", "json")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.code in (0, 4), result.err
    assert dump(db) == before


def test_a_lock_taken_between_the_plan_and_the_apply_exits_4(cli, db, short_busy_timeout,
                                                              monkeypatch):
    held: list[sqlite3.Connection] = []
    real_progress = cli_run._progress

    def lock_then_progress():  # called after the plan, just before store.apply
        held.append(hold_write_lock(db))
        return real_progress()

    monkeypatch.setattr(cli_run, "_progress", lock_then_progress)
    before = dump(db)
    try:
        result = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    finally:
        for other in held:
            other.execute("ROLLBACK")
            other.close()
    assert held, "the apply was never reached"
    assert result.code == 4
    assert "busy" in result.err and "try again" in result.err
    assert result.out == ""
    assert dump(db) == before


def test_patrons_changed_between_the_plan_and_the_apply_exit_4(cli, db, monkeypatch):
    real_progress = cli_run._progress

    def someone_else_edits():
        other = sqlite3.connect(db)
        other.execute("UPDATE patrons SET status = 'Inactive' WHERE grade = '12' AND id = "
                      "(SELECT min(id) FROM patrons WHERE grade = '12' AND status = 'Active')")
        other.commit()
        other.close()
        return real_progress()

    monkeypatch.setattr(cli_run, "_progress", someone_else_edits)
    result = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    assert result.code == 4
    assert "preview again" in result.err and "nothing was written" in result.err
    assert operations(db) == 0
    assert count(db, "SELECT count(*) FROM patrons WHERE status = 'Inactive' AND grade = '12'") == 1


# -- presets ------------------------------------------------------------------------------------

def save_run(path: Path, key: str, name: str, selection: dict, options: dict) -> None:
    s = Store(path)
    try:
        s.save_run(key, name, selection, options, s.login(OPERATOR, PASSWORD))
    finally:
        s.close()


def test_a_preset_is_used_and_flags_override_it(cli, db):
    save_run(db, "change-status", "Seniors leave", {"grades": ["12"]}, {"status": "Inactive"})
    before = dump(db)
    used = cli("run", "change-status", "--preset", "Seniors leave", "--format", "json")
    assert used.code == 0, used.err
    assert_agrees(used.json(), store_plan(db, "change-status", {"grades": ["12"]},
                                          {"status": "Inactive"}))
    option = cli("run", "change-status", "--preset", "seniors LEAVE", "--status", "Suspended",
                 "--format", "json")
    assert option.code == 0, option.err
    assert_agrees(option.json(), store_plan(db, "change-status", {"grades": ["12"]},
                                            {"status": "Suspended"}))
    criterion = cli("run", "change-status", "--preset", "Seniors leave", "--grades", "11",
                    "--format", "json")
    assert criterion.code == 0, criterion.err
    assert_agrees(criterion.json(), store_plan(db, "change-status", {"grades": ["11"]},
                                               {"status": "Inactive"}))
    assert dump(db) == before
    applied = cli("run", "change-status", "--preset", "Seniors leave", "--yes", "--format", "json")
    assert applied.code == 0
    op = Store(db)
    try:
        assert json.loads(op.operation(applied.json()["operation_id"])["selection"]) == {
            "grades": ["12"]}
    finally:
        op.close()


def test_an_unknown_preset_exits_2_naming_preset(cli, db):
    save_run(db, "change-status", "Seniors leave", {"grades": ["12"]}, {"status": "Inactive"})
    before = dump(db)
    result = cli("run", "change-status", "--preset", "Juniors", "--yes")
    assert result.code == 2
    assert "--preset" in result.err and "Juniors" in result.err and "Seniors leave" in result.err
    assert dump(db) == before
    # A preset of another utility is not this one's.
    other = cli("run", "change-location", "--preset", "Seniors leave", "--location", "X", "--yes")
    assert other.code == 2 and "--preset" in other.err
    assert dump(db) == before


# -- barcode lists ------------------------------------------------------------------------------

def write_list(path: Path, first: str, second: str) -> Path:
    path.write_text(textwrap.dedent(f"""\
        # end-of-year list from the office

        {first}
        NOPE-404
          {second}   # moved in March
        {first}

        """), encoding="utf-8")
    return path


def test_a_barcodes_file_selects_those_patrons_and_reports_the_unknown(cli, db, tmp_path):
    first, second = "20260007", "20260042"
    path = write_list(tmp_path / "leavers.txt", first, second)
    before = dump(db)
    result = cli("run", "change-status", "--status", "Inactive", "--barcodes-file", path,
                 "--format", "json")
    assert result.code == 0, result.err
    assert dump(db) == before
    payload = result.json()
    barcodes = [p["barcode"] for p in payload["patrons"]]
    assert sorted(barcodes) == sorted([first, second, "NOPE-404"])  # the duplicate once
    missing = [p for p in payload["patrons"] if p["barcode"] == "NOPE-404"]
    assert missing == [{"barcode": "NOPE-404", "name": "(not found)", "outcome": "skip",
                        "reason": "not found", "before": None, "after": None}]
    assert (payload["matched"], payload["skipped"], payload["not_found"]) == (3, 1, 1)
    assert_agrees(payload, store_plan(db, "change-status", {"barcodes": [first, second, "NOPE-404"]},
                                      {"status": "Inactive"}))

    applied = cli("run", "change-status", "--status", "Inactive", "--barcodes-file", path,
                  "--yes", "--format", "json")
    assert applied.code == 0, applied.err
    op = applied.json()["operation_id"]
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT barcode, patron_id, outcome, reason FROM operation_changes "
                            "WHERE operation_id = ? ORDER BY seq", [op]).fetchall()
        statuses = dict(conn.execute("SELECT barcode, status FROM patrons WHERE barcode IN (?, ?)",
                                     [first, second]).fetchall())
    finally:
        conn.close()
    assert ("NOPE-404", None, "skip", "not found") in rows
    assert len(rows) == 3
    assert statuses == {first: "Inactive", second: "Inactive"}


def test_a_barcodes_file_whose_path_has_a_space_is_read(cli, db, tmp_path):
    folder = tmp_path / "office lists"
    folder.mkdir()
    path = write_list(folder / "leavers.txt", "20260007", "20260042")
    result = cli("run", "change-status", "--status", "Inactive", "--barcodes-file", path,
                 "--format", "json")
    assert result.code == 0, result.err
    assert sorted(p["barcode"] for p in result.json()["patrons"]) == [
        "20260007", "20260042", "NOPE-404"]


@pytest.mark.parametrize("name", ["leavers", "leavers.txt"],
                         ids=["no-extension", "txt-extension"])
def test_a_missing_barcodes_file_exits_2_naming_the_flag(cli, db, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    before = dump(db)
    result = cli("run", "change-status", "--status", "Inactive", "--barcodes-file", name,
                 "--yes", "--format", "json")
    assert result.code == 2, result.out
    assert "--barcodes-file" in result.err
    assert dump(db) == before


def test_a_barcodes_file_with_no_barcodes_does_not_select_every_patron(cli, db, tmp_path):
    path = tmp_path / "leavers.txt"
    path.write_text("# nobody has left yet\n\n", encoding="utf-8")
    inactive = count(db, "SELECT count(*) FROM patrons WHERE status = 'Inactive'")
    result = cli("run", "change-status", "--status", "Inactive", "--barcodes-file", path,
                 "--yes", "--format", "json")
    if result.code == 0:
        assert result.json()["change"] == 0, (
            f"an empty barcode list selected {result.json()['matched']} patrons")
    else:
        assert result.code == 2 and "--barcodes-file" in result.err
    assert count(db, "SELECT count(*) FROM patrons WHERE status = 'Inactive'") == inactive


# -- log and undo --------------------------------------------------------------------------------

def test_log_lists_operations_newest_first(cli, db):
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    assert cli("run", "change-location", "--grades", "3", "--location", "Room 9", "--yes").code == 0
    text = cli("log")
    assert text.code == 0, text.err
    lines = text.out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["#2", "#1"]
    assert "Change Patron Location" in lines[0] and "Change Patron Status" in lines[1]
    assert OPERATOR in lines[0]
    as_json = cli("log", "--format", "json")
    assert as_json.code == 0
    ops = json.loads(as_json.out)
    assert [(op["id"], op["utility"]) for op in ops] == [(2, "change-location"),
                                                         (1, "change-status")]
    assert ops[1]["changed"] == count(db, "SELECT count(*) FROM operation_changes "
                                          "WHERE operation_id = 1 AND outcome = 'change'")
    assert len(json.loads(cli("log", "--format", "json", "--limit", "1").out)) == 1


def test_log_of_an_empty_journal_is_empty(cli, db):
    assert cli("log").out == ""
    assert json.loads(cli("log", "--format", "json").out) == []


def test_undo_says_what_it_would_do_then_undoes_with_yes(cli, db):
    original = dump(db, skip=JOURNAL)
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    after_first = dump(db, skip=JOURNAL)
    assert cli("run", "remove-patrons", "--grades", "Graduated", "--force", "--yes").code == 0
    assert dump(db, skip=JOURNAL) != after_first

    before = dump(db)
    dry = cli("undo", "2")
    assert dry.code == 0, dry.err
    assert "Would undo operation #2" in dry.out and "Nothing was written" in dry.out
    assert dump(db) == before

    undone = cli("undo", "2", "--yes", "--format", "json")
    assert undone.code == 0, undone.err
    assert undone.json()["operation_id"] == 3
    assert dump(db, skip=JOURNAL) == after_first
    assert cli("undo", "1", "--yes").code == 0
    assert dump(db, skip=JOURNAL) == original

    ops = json.loads(cli("log", "--format", "json").out)
    assert [(op["id"], op["undo_of"], op["undone_by"]) for op in ops] == [
        (4, 1, None), (3, 2, None), (2, None, 3), (1, None, 4)]


def test_undo_twice_or_an_unknown_or_an_undo_exits_3(cli, db):
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    assert cli("undo", "1", "--yes").code == 0
    before = dump(db)
    for argv, says in ((["1", "--yes"], "already undone"), (["1"], "already undone"),
                       (["99", "--yes"], "no operation #99"), (["99"], "no operation #99"),
                       (["2", "--yes"], "undo"), (["2"], "itself an undo")):
        result = cli("undo", *argv)
        assert result.code == 3, (argv, result.err)
        assert says in result.err
    assert dump(db) == before


def test_undo_needs_a_login(cli, db, monkeypatch):
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "guess")
    assert cli("undo", "1", "--yes").code == 3
    assert count(db, "SELECT count(*) FROM operations") == 1


# -- the end-of-year script, in bash -------------------------------------------------------------

def test_the_end_of_year_script_runs_in_bash(template, db, twin):
    installed = shutil.which("patron-utils")
    command = installed or f"{sys.executable} -m tui"
    script = textwrap.dedent("""\
        set -euo pipefail
        $PU run advance-grade > dry-advance.txt
        $PU run advance-grade --yes > /dev/null
        $PU run remove-patrons --grades Graduated > dry-remove.txt
        $PU run remove-patrons --grades Graduated --yes > /dev/null
        $PU run change-status --status Inactive --yes > /dev/null
        $PU log --format json
        """)
    env = {**os.environ, "PU": command, "PATRON_UTILS_DB": str(db),
           "PATRON_UTILS_OPERATOR": OPERATOR, "PATRON_UTILS_PASSWORD": PASSWORD,
           "PATRON_UTILS_TODAY": TODAY.isoformat(),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run(["bash", "-c", script], cwd=db.parent, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    for name in ("dry-advance.txt", "dry-remove.txt"):
        assert "dry run" in (db.parent / name).read_text(encoding="utf-8").splitlines()[0]

    ops = json.loads(out.stdout)
    assert [(op["id"], op["utility"]) for op in ops] == [
        (3, "change-status"), (2, "remove-patrons"), (1, "advance-grade")]
    assert all(op["operator"] == OPERATOR and op["undone_by"] is None for op in ops)

    # The same three steps through the Store on a copy: the same counts, the same patrons.
    for key, selection, options in (("advance-grade", {}, {}),
                                    ("remove-patrons", {"grades": ["Graduated"]}, {}),
                                    ("change-status", {}, {"status": "Inactive"})):
        store_apply(twin, key, selection, options)
    s = Store(twin)
    try:
        expected = {op["utility"]: op for op in s.operations()}
    finally:
        s.close()
    for op in ops:
        twin_op = expected[op["utility"]]
        assert {k: op[k] for k in ("matched", "changed", "unchanged", "skipped")} == {
            k: twin_op[k] for k in ("matched", "changed", "unchanged", "skipped")}
    patrons = "SELECT id, barcode, grade, status, site, policy FROM patrons ORDER BY id"
    assert sqlite3.connect(db).execute(patrons).fetchall() == \
        sqlite3.connect(twin).execute(patrons).fetchall()

    # What the database says: grade 11 moved up to 12 and 12 to Graduated; Graduated is
    # left only where the removal skipped them (items out or charges); all are Inactive.
    grade = "SELECT id, grade FROM patrons WHERE grade IN ('11', '12', 'Graduated')"
    old = dict(sqlite3.connect(template).execute(grade).fetchall())
    new = dict(sqlite3.connect(db).execute(grade).fetchall())
    assert {pid for pid, g in new.items() if g == "12"} == {
        pid for pid, g in old.items() if g == "11"}
    assert all(old[pid] in ("12", "Graduated") for pid, g in new.items() if g == "Graduated")
    kept = count(db, "SELECT count(*) FROM operation_changes WHERE operation_id = 2 "
                     "AND outcome = 'skip'")
    assert count(db, "SELECT count(*) FROM patrons WHERE grade = 'Graduated'") == kept
    removed = count(db, "SELECT count(*) FROM operation_changes WHERE operation_id = 2 "
                        "AND outcome = 'change'")
    assert removed > 0
    # (The Unknown Patron, made to keep removed patrons' reviews, is not one of them.)
    assert count(db, "SELECT count(*) FROM patrons WHERE NOT is_unknown") == 152 - removed
    assert count(db, "SELECT count(*) FROM patrons WHERE status <> 'Inactive'") == count(
        db, "SELECT count(*) FROM operation_changes WHERE operation_id = 3 AND outcome = 'skip'")
