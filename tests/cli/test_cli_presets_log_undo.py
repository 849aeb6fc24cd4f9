"""``--preset``, ``--barcodes-file``, ``log``, ``undo`` and the end-of-year script in bash."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from store import Store

from ..databases import query
from .commands import (
    JOURNAL,
    OPERATOR,
    PASSWORD,
    REPO,
    TODAY,
    assert_agrees,
    count,
    dump,
    store_apply,
    store_plan,
)

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
    assert_agrees(
        used.json(), store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Inactive"})
    )
    option = cli(
        "run",
        "change-status",
        "--preset",
        "seniors LEAVE",
        "--status",
        "Suspended",
        "--format",
        "json",
    )
    assert option.code == 0, option.err
    assert_agrees(
        option.json(), store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Suspended"})
    )
    criterion = cli(
        "run", "change-status", "--preset", "Seniors leave", "--grades", "11", "--format", "json"
    )
    assert criterion.code == 0, criterion.err
    assert_agrees(
        criterion.json(),
        store_plan(db, "change-status", {"grades": ["11"]}, {"status": "Inactive"}),
    )
    assert dump(db) == before
    applied = cli("run", "change-status", "--preset", "Seniors leave", "--yes", "--format", "json")
    assert applied.code == 0
    op = Store(db)
    try:
        assert json.loads(op.operation(applied.json()["operation_id"])["selection"]) == {
            "grades": ["12"]
        }
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
    path.write_text(
        textwrap.dedent(f"""\
        # end-of-year list from the office

        {first}
        NOPE-404
          {second}   # moved in March
        {first}

        """),
        encoding="utf-8",
    )
    return path


def test_a_barcodes_file_selects_those_patrons_and_reports_the_unknown(cli, db, tmp_path):
    first, second = "20260007", "20260042"
    path = write_list(tmp_path / "leavers.txt", first, second)
    before = dump(db)
    result = cli(
        "run", "change-status", "--status", "Inactive", "--barcodes-file", path, "--format", "json"
    )
    assert result.code == 0, result.err
    assert dump(db) == before
    payload = result.json()
    barcodes = [p["barcode"] for p in payload["patrons"]]
    assert sorted(barcodes) == sorted([first, second, "NOPE-404"])  # the duplicate once
    missing = [p for p in payload["patrons"] if p["barcode"] == "NOPE-404"]
    assert missing == [
        {
            "barcode": "NOPE-404",
            "name": "(not found)",
            "outcome": "skip",
            "reason": "not found",
            "before": None,
            "after": None,
        }
    ]
    assert (payload["matched"], payload["skipped"], payload["not_found"]) == (3, 1, 1)
    assert_agrees(
        payload,
        store_plan(
            db, "change-status", {"barcodes": [first, second, "NOPE-404"]}, {"status": "Inactive"}
        ),
    )

    applied = cli(
        "run",
        "change-status",
        "--status",
        "Inactive",
        "--barcodes-file",
        path,
        "--yes",
        "--format",
        "json",
    )
    assert applied.code == 0, applied.err
    op = applied.json()["operation_id"]
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT barcode, patron_id, outcome, reason FROM operation_changes "
            "WHERE operation_id = ? ORDER BY seq",
            [op],
        ).fetchall()
        statuses = dict(
            conn.execute(
                "SELECT barcode, status FROM patrons WHERE barcode IN (?, ?)", [first, second]
            ).fetchall()
        )
    finally:
        conn.close()
    assert ("NOPE-404", None, "skip", "not found") in rows
    assert len(rows) == 3
    assert statuses == {first: "Inactive", second: "Inactive"}


def test_a_barcodes_file_whose_path_has_a_space_is_read(cli, db, tmp_path):
    folder = tmp_path / "office lists"
    folder.mkdir()
    path = write_list(folder / "leavers.txt", "20260007", "20260042")
    result = cli(
        "run", "change-status", "--status", "Inactive", "--barcodes-file", path, "--format", "json"
    )
    assert result.code == 0, result.err
    assert sorted(p["barcode"] for p in result.json()["patrons"]) == [
        "20260007",
        "20260042",
        "NOPE-404",
    ]


@pytest.mark.parametrize("name", ["leavers", "leavers.txt"], ids=["no-extension", "txt-extension"])
def test_a_missing_barcodes_file_exits_2_naming_the_flag(cli, db, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    before = dump(db)
    result = cli(
        "run",
        "change-status",
        "--status",
        "Inactive",
        "--barcodes-file",
        name,
        "--yes",
        "--format",
        "json",
    )
    assert result.code == 2, result.out
    assert "--barcodes-file" in result.err
    assert dump(db) == before


def test_a_barcodes_file_with_no_barcodes_does_not_select_every_patron(cli, db, tmp_path):
    path = tmp_path / "leavers.txt"
    path.write_text("# nobody has left yet\n\n", encoding="utf-8")
    inactive = count(db, "SELECT count(*) FROM patrons WHERE status = 'Inactive'")
    result = cli(
        "run",
        "change-status",
        "--status",
        "Inactive",
        "--barcodes-file",
        path,
        "--yes",
        "--format",
        "json",
    )
    if result.code == 0:
        assert result.json()["change"] == 0, (
            f"an empty barcode list selected {result.json()['matched']} patrons"
        )
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
    assert [(op["id"], op["utility"]) for op in ops] == [
        (2, "change-location"),
        (1, "change-status"),
    ]
    assert ops[1]["changed"] == count(
        db, "SELECT count(*) FROM operation_changes WHERE operation_id = 1 AND outcome = 'change'"
    )
    assert len(json.loads(cli("log", "--format", "json", "--limit", "1").out)) == 1


def test_log_id_prints_one_operations_summary_patron_by_patron(cli, db):
    """What the app's summary writes to a file, on standard output: how a technician over
    SSH saves it on their own computer ('ssh … log 1 --format csv > operation-1.csv')."""
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    changed = {
        b
        for (b,) in query(
            db,
            "SELECT barcode FROM operation_changes WHERE operation_id = 1 AND outcome = 'change'",
        )
    }
    as_csv = cli("log", "1", "--format", "csv")
    assert as_csv.code == 0, as_csv.err
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert changed and {r["barcode"] for r in rows if r["outcome"] == "change"} == changed
    assert {r["after"] for r in rows if r["outcome"] == "change"} == {"Inactive"}
    assert json.loads(cli("log", "1", "--format", "json").out)["operation_id"] == 1
    assert cli("log", "1").out.startswith("Operation #1: Change Patron Status")
    missing = cli("log", "9")
    assert missing.code == 2 and "there is no operation #9" in missing.err
    assert cli("log", "--format", "csv").code == 2  # a list of operations has no CSV


def test_log_of_an_empty_journal_is_empty(cli, db):
    assert cli("log").out == ""
    assert json.loads(cli("log", "--format", "json").out) == []


def test_undo_says_what_it_would_do_then_undoes_with_yes(cli, db):
    original = dump(db, skip=JOURNAL, stamps=False)
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    after_first = dump(db, skip=JOURNAL, stamps=False)
    assert cli("run", "remove-patrons", "--grades", "Graduated", "--force", "--yes").code == 0
    assert dump(db, skip=JOURNAL, stamps=False) != after_first

    before = dump(db)
    dry = cli("undo", "2")
    assert dry.code == 0, dry.err
    assert "Would undo operation #2" in dry.out and "Nothing was written" in dry.out
    assert dump(db) == before

    undone = cli("undo", "2", "--yes", "--format", "json")
    assert undone.code == 0, undone.err
    assert undone.json()["operation_id"] == 3
    assert dump(db, skip=JOURNAL, stamps=False) == after_first
    assert cli("undo", "1", "--yes").code == 0
    assert dump(db, skip=JOURNAL, stamps=False) == original

    ops = json.loads(cli("log", "--format", "json").out)
    assert [(op["id"], op["undo_of"], op["undone_by"]) for op in ops] == [
        (4, 1, None),
        (3, 2, None),
        (2, None, 3),
        (1, None, 4),
    ]


def test_undo_twice_or_an_unknown_or_an_undo_exits_3(cli, db):
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    assert cli("undo", "1", "--yes").code == 0
    before = dump(db)
    for argv, says in (
        (["1", "--yes"], "already undone"),
        (["1"], "already undone"),
        (["99", "--yes"], "no operation #99"),
        (["99"], "no operation #99"),
        (["2", "--yes"], "undo"),
        (["2"], "itself an undo"),
    ):
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
    command = installed or f"{sys.executable} -m patron_utils"
    script = textwrap.dedent("""\
        set -euo pipefail
        $PU run advance-grade > dry-advance.txt
        $PU run advance-grade --yes > /dev/null
        $PU run remove-patrons --grades Graduated > dry-remove.txt
        $PU run remove-patrons --grades Graduated --yes > /dev/null
        $PU run change-status --status Inactive --yes > /dev/null
        $PU log --format json
        """)
    env = {
        **os.environ,
        "PU": command,
        "PATRON_UTILS_DB": str(db),
        "PATRON_UTILS_OPERATOR": OPERATOR,
        "PATRON_UTILS_PASSWORD": PASSWORD,
        "PATRON_UTILS_TODAY": TODAY.isoformat(),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    out = subprocess.run(
        ["bash", "-c", script], cwd=db.parent, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    for name in ("dry-advance.txt", "dry-remove.txt"):
        assert "dry run" in (db.parent / name).read_text(encoding="utf-8").splitlines()[0]

    ops = json.loads(out.stdout)
    assert [(op["id"], op["utility"]) for op in ops] == [
        (3, "change-status"),
        (2, "remove-patrons"),
        (1, "advance-grade"),
    ]
    assert all(op["operator"] == OPERATOR and op["undone_by"] is None for op in ops)

    # The same three steps through the Store on a copy: the same counts, the same patrons.
    for key, selection, options in (
        ("advance-grade", {}, {}),
        ("remove-patrons", {"grades": ["Graduated"]}, {}),
        ("change-status", {}, {"status": "Inactive"}),
    ):
        store_apply(twin, key, selection, options)
    s = Store(twin)
    try:
        expected = {op["utility"]: op for op in s.operations()}
    finally:
        s.close()
    for op in ops:
        twin_op = expected[op["utility"]]
        assert {k: op[k] for k in ("matched", "changed", "unchanged", "skipped")} == {
            k: twin_op[k] for k in ("matched", "changed", "unchanged", "skipped")
        }
    patrons = "SELECT id, barcode, grade, status, site, policy FROM patrons ORDER BY id"
    assert (
        sqlite3.connect(db).execute(patrons).fetchall()
        == sqlite3.connect(twin).execute(patrons).fetchall()
    )

    # What the database says: grade 11 moved up to 12 and 12 to Graduated; Graduated is
    # left only where the removal skipped them (items out or charges); all are Inactive.
    grade = "SELECT id, grade FROM patrons WHERE grade IN ('11', '12', 'Graduated')"
    old = dict(sqlite3.connect(template).execute(grade).fetchall())
    new = dict(sqlite3.connect(db).execute(grade).fetchall())
    assert {pid for pid, g in new.items() if g == "12"} == {
        pid for pid, g in old.items() if g == "11"
    }
    assert all(old[pid] in ("12", "Graduated") for pid, g in new.items() if g == "Graduated")
    kept = count(
        db, "SELECT count(*) FROM operation_changes WHERE operation_id = 2 AND outcome = 'skip'"
    )
    assert count(db, "SELECT count(*) FROM patrons WHERE grade = 'Graduated'") == kept
    removed = count(
        db, "SELECT count(*) FROM operation_changes WHERE operation_id = 2 AND outcome = 'change'"
    )
    assert removed > 0
    # (The Unknown Patron, made to keep removed patrons' reviews, is not one of them.)
    assert count(db, "SELECT count(*) FROM patrons WHERE NOT is_unknown") == 152 - removed
    assert count(db, "SELECT count(*) FROM patrons WHERE status <> 'Inactive'") == count(
        db, "SELECT count(*) FROM operation_changes WHERE operation_id = 3 AND outcome = 'skip'"
    )
