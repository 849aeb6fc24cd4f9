"""The journal from the command line: ``log``, ``undo``, and the end-of-year script in bash
that runs three utilities and reads the log."""

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

from store import Store

from ..databases import query
from .commands import (
    JOURNAL,
    OPERATOR,
    PASSWORD,
    REPO,
    TODAY,
    count,
    dump,
    store_apply,
)

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
    assert count(
        db, "SELECT count(*) FROM patrons WHERE status <> 'Inactive' AND NOT is_unknown"
    ) == count(
        db, "SELECT count(*) FROM operation_changes WHERE operation_id = 3 AND outcome = 'skip'"
    )
    # Change Status on everyone never matched the Unknown Patron: it is as it was made.
    assert count(db, "SELECT count(*) FROM patrons WHERE is_unknown AND status = 'Active'") == 1
    assert (
        count(
            db,
            "SELECT count(*) FROM operation_changes c JOIN patrons p ON p.id = c.patron_id "
            "WHERE p.is_unknown",
        )
        == 0
    )
