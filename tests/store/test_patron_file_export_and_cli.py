"""Exporting patrons (CSV, JSON, round trip) and ``patron-utils import`` / ``export``."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

import store
from store.demo import create_demo
from store.patron_file import FIELDS, RowProblem
from tui.__main__ import main

from ..operators import ADMIN
from .patron_file_helpers import dump, write


# -- round trip and export ------------------------------------------------------------------------
def demo_records(s: store.Store, where: str = "1", *params) -> list[dict]:
    return list(s.db.query(f"SELECT {', '.join(FIELDS)} FROM patrons WHERE {where} ORDER BY id",
                           params))


def test_export_then_import_changes_nothing(demo_store, tmp_path):
    before = dump(demo_store.db, journal=False)
    out = io.StringIO(newline="")
    count = demo_store.export_patrons({}, ADMIN, out, "csv")
    total = demo_store.patron_count()
    assert count == total
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(FIELDS)
    assert rows[1:] == [["" if r[f] is None else r[f] for f in FIELDS]
                        for r in demo_records(demo_store)]

    path = tmp_path / "all.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    report = demo_store.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (total, 0, 0, total)
    assert report.to_union_site == []
    assert dump(demo_store.db, journal=False) == before
    op = demo_store.operation(report.operation_id)
    assert (op["matched"], op["changed"], op["unchanged"]) == (total, 0, total)
    assert {c["outcome"] for c in demo_store.operation_changes(report.operation_id, limit=10**6)} \
        == {"unchanged"}
    assert demo_store.db["operation_rows"].count == 0


def test_export_json_parses_to_the_same_records(demo_store):
    out = io.StringIO()
    count = demo_store.export_patrons({}, ADMIN, out, "json")
    records = json.loads(out.getvalue())
    assert count == len(records) == demo_store.patron_count()
    assert records == demo_records(demo_store)
    assert list(records[0]) == list(FIELDS)


def test_export_a_selection_writes_only_those_patrons(demo_store):
    out = io.StringIO(newline="")
    count = demo_store.export_patrons({"grades": ["5", "12"]}, ADMIN, out, "csv")
    wanted = demo_records(demo_store, "grade IN ('5', '12')")
    assert 0 < count == len(wanted) < demo_store.patron_count()
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [{f: "" if r[f] is None else r[f] for f in FIELDS} for r in wanted]


def test_export_refuses_a_bad_selection(demo_store):
    out = io.StringIO()
    with pytest.raises(store.Invalid) as exc:
        demo_store.export_patrons({"grades": ["13"]}, ADMIN, out, "csv")
    assert [p.field for p in exc.value.problems] == ["grades"]
    assert out.getvalue() == ""


# -- the command line ------------------------------------------------------------------------------
@pytest.fixture
def demo_db(tmp_path, monkeypatch):
    path = create_demo(tmp_path / "d.db", patrons=60)
    monkeypatch.setenv("PATRON_UTILS_DB", str(path))
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "demo")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")
    return path


def query(path, sql: str, *params):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def file_dump(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return dump(conn)
    finally:
        conn.close()


def test_cli_import_prints_counts_and_the_operation(demo_db, tmp_path, capsys):
    path = write(tmp_path, "in.csv",
                 "barcode,last_name,first_name,grade,site\n"
                 "N1,Lovelace,Ada,3,ELM\n"
                 "20260001,Smith,Zed,Graduated,HIGH\n"
                 "N2,Nosite,Ned,4,\n")
    assert query(demo_db, "SELECT first_name FROM patrons WHERE barcode = '20260001'") != [
        ("Zed",)]
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Imported 3 rows: 2 new, 1 updated, 0 unchanged." in out
    assert "1 rows had no valid site code and go to the Union Site (rows 4)" in out
    assert "Recorded as operation #1 (patron-utils undo 1 --yes reverses it)." in out
    assert query(demo_db, "SELECT barcode, last_name, first_name, grade, site FROM patrons "
                          "WHERE barcode IN ('N1', 'N2', '20260001') ORDER BY barcode") == [
        ("20260001", "Smith", "Zed", "Graduated", "HIGH"),
        ("N1", "Lovelace", "Ada", "3", "ELM"),
        ("N2", "Nosite", "Ned", "4", "UNION"),
    ]
    assert query(demo_db, "SELECT utility, title, operator FROM operations") == [
        ("import-patrons", "Import Patrons (in.csv)", "demo")]


def test_cli_import_dry_run_writes_nothing(demo_db, tmp_path, capsys):
    before = file_dump(demo_db)
    path = write(tmp_path, "in.csv", "barcode,last_name,site\nN1,Lovelace,ELM\n")
    assert main(["import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Would import 1 rows: 1 new, 0 updated, 0 unchanged." in out
    assert "Dry run: nothing was written." in out
    assert file_dump(demo_db) == before


def test_cli_import_of_a_bad_file_lists_the_rows_and_writes_nothing(demo_db, tmp_path, capsys):
    before = file_dump(demo_db)
    path = write(tmp_path, "bad.csv",
                 "barcode,last_name,grade,site\n"
                 "N1,Good,1,ELM\n"
                 "N2,,1,ELM\n"
                 "N3,Bad,13,ELM\n")
    assert main(["import", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert "patron-utils import: row 3, column last_name: a value is required" in err
    assert any(line.startswith("patron-utils import: row 4, column grade: '13' is not in the "
                               "grade table") for line in err)
    assert "patron-utils: 2 problem(s); nothing was imported" in err
    assert "Imported" not in captured.out
    assert file_dump(demo_db) == before


@pytest.mark.parametrize("bad", ["cardnumber=barcod", "cardnumber", "=barcode"])
def test_cli_import_with_a_bad_map_names_it(demo_db, tmp_path, capsys, bad):
    before = file_dump(demo_db)
    path = write(tmp_path, "in.csv", "cardnumber,last_name,site\nN1,Lovelace,ELM\n")
    assert main(["import", str(path), "--map", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"patron-utils: --map: {bad!r} should be SOURCE=FIELD")
    assert file_dump(demo_db) == before


def test_cli_import_with_a_map(demo_db, tmp_path, capsys):
    path = write(tmp_path, "in.csv", "CardNumber,Surname,site\nN1,Lovelace,ELM\n")
    assert main(["import", str(path), "--map", "cardnumber=barcode",
                 "--map", "surname=last_name"]) == 0
    assert "Imported 1 rows: 1 new" in capsys.readouterr().out
    assert query(demo_db, "SELECT last_name, site FROM patrons WHERE barcode = 'N1'") == [
        ("Lovelace", "ELM")]


def test_cli_export_a_grade_to_a_file(demo_db, tmp_path, capsys):
    out_path = tmp_path / "grade5.csv"
    assert main(["export", "--grades", "5", "--output", str(out_path)]) == 0
    wanted = query(demo_db, f"SELECT {', '.join(FIELDS)} FROM patrons WHERE grade = '5' "
                            "ORDER BY id")
    assert wanted
    with open(out_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [list(FIELDS)] + [["" if v is None else v for v in r] for r in wanted]
    assert f"Exported {len(wanted)} patrons to {out_path.resolve()}" in capsys.readouterr().err


def test_cli_export_json_to_stdout(demo_db, capsys):
    assert main(["export", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    wanted = query(demo_db, f"SELECT {', '.join(FIELDS)} FROM patrons ORDER BY id")
    assert len(records) == len(wanted) == 62  # 60 patrons and the two demo operators
    assert records == [dict(zip(FIELDS, r)) for r in wanted]


def test_cli_refuses_an_operator_without_the_permission(demo_db, tmp_path, monkeypatch, capsys):
    """A clerk may log in (their group grants Preferences) but not import or export."""
    from store.security import PREFERENCES, hash_password

    conn = sqlite3.connect(demo_db)
    conn.execute("INSERT INTO security_groups (name, level, permissions) VALUES ('Clerk', 2, ?)",
                 [json.dumps([PREFERENCES])])
    conn.execute("UPDATE patrons SET username = 'teach', password_hash = ?, "
                 "security_group = 'Clerk' WHERE barcode = '20260001'", [hash_password("pw")])
    conn.commit()
    conn.close()
    before = file_dump(demo_db)
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "teach")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "pw")
    path = write(tmp_path, "in.csv", "barcode,last_name,site\nN1,Lovelace,ELM\n")
    assert main(["import", str(path)]) == 3
    assert "may not run Import Patrons" in capsys.readouterr().err
    assert main(["export"]) == 3
    captured = capsys.readouterr()
    assert "may not run Export Patrons" in captured.err and captured.out == ""
    assert file_dump(demo_db) == before


def test_row_problem_text():
    assert str(RowProblem(7, "grade", "nope")) == "row 7, column grade: nope"
