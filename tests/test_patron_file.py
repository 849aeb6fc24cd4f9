"""Patron files: CSV import (new and updated patrons, --map, BOM, tabs, quoting, the Union
Site fallback, all or nothing, the journal and undo) and CSV/JSON export, through the Store
and through ``patron-utils import`` / ``export``."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

import store
from store.demo import create_demo
from store.patron_file import FIELDS, BadFile, RowProblem
from store.security import Operator
from tui.__main__ import main

from .operators import ADMIN, AIDE
from .store_helpers import NOW, STAMP, rows_of

JOURNAL = ("operations", "operation_changes", "operation_rows")
# An operator whose security group grants no permission (so no import or export).
TEACHER = Operator(0, "teacher", "Test Teacher", "Teacher", 2, frozenset())


# -- helpers -----------------------------------------------------------------------------------
def write(tmp_path, name: str, text: str, *, bom: bool = False):
    """A file of ``text`` as UTF-8 (with a byte-order mark when ``bom``), newlines as given."""
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def dump(db, journal: bool = True) -> dict[str, list[tuple]]:
    """Every row of every table (the journal's tables too, unless ``journal`` is False)."""
    conn = db.conn if hasattr(db, "conn") else db
    tables = [t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {t: sorted((tuple(r) for r in conn.execute(f"SELECT * FROM {t}")), key=repr)
            for t in tables if journal or t not in JOURNAL}


def patron(s: store.Store, barcode: str) -> dict:
    rows = rows_of(s, "patrons", "barcode = ?", barcode)
    assert len(rows) == 1, barcode
    return rows[0]


def problems(exc: pytest.ExceptionInfo) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in exc.value.problems]


def blank_patron(**values) -> dict:
    """A whole patrons row as an import inserts it: defaults, then ``values``."""
    return {"barcode": None, "first_name": "", "middle_name": "", "last_name": None,
            "nickname": "", "grade": None, "location": None, "location2": None, "policy": None,
            "security_group": None, "status": "Active", "site": None, "graduation_date": None,
            "expiration_date": None, "username": None, "password_hash": None,
            "must_change_password": 0, "created": NOW, "modified": NOW, "is_unknown": 0,
            **values}


# -- new patrons -------------------------------------------------------------------------------
def test_new_patrons_with_every_field(small_db, tmp_path):
    before = dump(small_db.db, journal=False)
    path = write(tmp_path, "new.csv",
                 ",".join(FIELDS) + "\n"
                 "N100,Ivy,Q.,Quinn,Ives,3,Room 9,Bus 9,Elementary,Student,Suspended,HIGH,"
                 "06/05/2035,2027-01-31,ivyq\n"
                 # Choices in any case are stored as the database spells them; blanks are NULL.
                 "N101,,,Ross,,k,,,secondary,librarian,card lost,elm,,,\n")
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (2, 2, 0, 0)
    assert report.to_union_site == []
    assert report.operation_id == 1

    assert rows_of(small_db, "patrons", "id > 12") == [
        blank_patron(id=13, barcode="N100", first_name="Ivy", middle_name="Q.", last_name="Quinn",
                     nickname="Ives", grade="3", location="Room 9", location2="Bus 9",
                     policy="Elementary", security_group="Student", status="Suspended",
                     site="HIGH", graduation_date="2035-06-05", expiration_date="2027-01-31",
                     username="ivyq"),
        blank_patron(id=14, barcode="N101", last_name="Ross", grade="K", policy="Secondary",
                     security_group="Librarian", status="Card Lost", site="ELM"),
    ]
    after = dump(small_db.db, journal=False)
    after["patrons"] = [r for r in after["patrons"] if r[0] <= 12]
    assert after == before


# -- updates -----------------------------------------------------------------------------------
def test_updates_change_only_the_columns_in_the_file(small_db, tmp_path):
    ben, ann, paul = patron(small_db, "10"), patron(small_db, "9"), patron(small_db, "P123")
    others = rows_of(small_db, "patrons", "barcode NOT IN ('10', '9', 'P123')")
    path = write(tmp_path, "up.csv",
                 "barcode,last_name,grade,site,status\n"
                 "10,Carter,6,ELM,Active\n"      # grade changes
                 "9,Adams,K,ELM,Active\n"        # all the same
                 "P123,Eluard,9,high,inactive\n")  # last name and status change
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (3, 0, 2, 1)
    assert report.to_union_site == []

    assert patron(small_db, "10") == {**ben, "grade": "6", "modified": NOW}
    assert patron(small_db, "9") == ann  # untouched: modified is still the old stamp
    assert ann["modified"] == STAMP
    assert patron(small_db, "P123") == {**paul, "last_name": "Eluard", "status": "Inactive",
                                        "modified": NOW}
    assert rows_of(small_db, "patrons", "barcode NOT IN ('10', '9', 'P123')") == others
    assert small_db.db["patrons"].count == 12


def test_an_update_without_a_site_column_keeps_the_site(small_db, tmp_path):
    """'Only the columns present change': a file of barcode, last_name and grade must not
    move existing patrons to the Union Site."""
    ben = patron(small_db, "10")
    path = write(tmp_path, "grades.csv", "barcode,last_name,grade\n10,Carter,6\n")
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.new, report.updated, report.unchanged) == (0, 1, 0)
    assert report.to_union_site == []
    assert patron(small_db, "10") == {**ben, "grade": "6", "modified": NOW}
    assert [c["reason"] for c in small_db.operation_changes(report.operation_id)] == [
        "updated grade (row 2)"]


def test_dry_run_counts_and_writes_nothing(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "dry.csv",
                 "barcode,last_name,grade,site\n"
                 "N1,New,1,ELM\n"
                 "10,Carter,6,ELM\n"
                 "9,Adams,K,ELM\n"
                 "NOSITE,Nobody,2,\n")
    report = small_db.import_patrons(path, {}, ADMIN, dry_run=True)
    assert (report.rows, report.new, report.updated, report.unchanged) == (4, 2, 1, 1)
    assert report.to_union_site == [5]
    assert report.operation_id is None
    assert dump(small_db.db) == before


# -- columns: --map, unknown, missing ------------------------------------------------------------
def test_map_renames_columns_and_headers_ignore_case(small_db, tmp_path):
    path = write(tmp_path, "sis.csv",
                 "CardNumber,SURNAME,First_Name,Site\n"
                 "N1,Lovelace,Ada,ELM\n"
                 "10,Carter,Benjamin,ELM\n")
    report = small_db.import_patrons(path, {"cardnumber": "barcode", "Surname": "last_name"}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (2, 1, 1, 0)
    assert patron(small_db, "N1") == blank_patron(id=13, barcode="N1", last_name="Lovelace",
                                                  first_name="Ada", site="ELM")
    assert patron(small_db, "10")["first_name"] == "Benjamin"
    options = json.loads(small_db.operation(report.operation_id)["options"])
    assert options == {"file": "sis.csv", "mapping": ["cardnumber=barcode", "Surname=last_name"],
                       "site": ""}


def test_an_unknown_column_without_a_map_is_refused(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "sis.csv", "cardnumber,last_name\nN1,Lovelace\n")
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    message = str(exc.value)
    assert "'cardnumber'" in message and "--map" in message
    assert "the fields are " + ", ".join(FIELDS) in message
    assert exc.value.problems == []
    assert dump(small_db.db) == before


@pytest.mark.parametrize("header, missing", [("last_name,first_name", "barcode"),
                                             ("barcode,first_name", "last_name")])
def test_a_missing_required_column_is_refused(small_db, tmp_path, header, missing):
    before = dump(small_db.db)
    path = write(tmp_path, "short.csv", header + "\nN1,Ada\n")
    with pytest.raises(BadFile, match=f"needs a column for {missing}"):
        small_db.import_patrons(path, {}, ADMIN)
    assert dump(small_db.db) == before


# -- encodings, separators, quoting --------------------------------------------------------------
def test_bom_and_tabs_and_accented_names(small_db, tmp_path):
    path = write(tmp_path, "tabs.txt",
                 "barcode\tfirst_name\tlast_name\tsite\r\n"
                 "N1\tZoë\tØstergaard\tELM\r\n"
                 "N2\tNguyễn\tMüller, Jr.\tHIGH\r\n", bom=True)
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new) == (2, 2)
    assert rows_of(small_db, "patrons", "id > 12") == [
        blank_patron(id=13, barcode="N1", first_name="Zoë", last_name="Østergaard", site="ELM"),
        blank_patron(id=14, barcode="N2", first_name="Nguyễn", last_name="Müller, Jr.",
                     site="HIGH"),
    ]


def test_quoted_fields_with_commas_and_newlines_and_blank_lines(small_db, tmp_path):
    path = write(tmp_path, "quoted.csv",
                 "barcode,first_name,last_name,location,site\n"
                 "\n"
                 'N1,"Ann, Marie","de la Cruz","Room 1, East\nWing",ELM\n'
                 ",,,,\n"
                 "\n"
                 'N2,Renée,"O""Brien",,HIGH\n'
                 "\n")
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new) == (2, 2)
    assert rows_of(small_db, "patrons", "id > 12") == [
        blank_patron(id=13, barcode="N1", first_name="Ann, Marie", last_name="de la Cruz",
                     location="Room 1, East\nWing", site="ELM"),
        blank_patron(id=14, barcode="N2", first_name="Renée", last_name='O"Brien', site="HIGH"),
    ]


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(small_db, tmp_path):
    """RowProblem.row is 'as a spreadsheet numbers it': a blank line is a row there."""
    before = dump(small_db.db)
    path = write(tmp_path, "gaps.csv",
                 "barcode,last_name,site\n"   # row 1
                 "\n"                         # row 2
                 'N1,"Two\nLines",ELM\n'      # row 3 (one row, two lines)
                 "\n"                         # row 4
                 "N2,,ELM\n")                 # row 5
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert problems(exc) == [(5, "last_name")]
    assert dump(small_db.db) == before


# -- the Union Site ------------------------------------------------------------------------------
def test_unknown_or_empty_site_goes_to_the_union_site(small_db, tmp_path):
    path = write(tmp_path, "sites.csv",
                 "barcode,last_name,site\n"
                 "N1,Unknown,NOPE\n"
                 "N2,Empty,\n"
                 "N3,Lower,elm\n"
                 "99,Czerny,ELM\n")  # on the Union Site now; a good code moves them
    report = small_db.import_patrons(path, {}, ADMIN)
    assert report.to_union_site == [2, 3]
    assert (report.new, report.updated) == (3, 1)
    sites = dict(small_db.db.execute(
        "SELECT barcode, site FROM patrons WHERE barcode IN ('N1', 'N2', 'N3', '99')").fetchall())
    assert sites == {"N1": "UNION", "N2": "UNION", "N3": "ELM", "99": "ELM"}


def test_site_option_fills_rows_without_a_site(small_db, tmp_path):
    path = write(tmp_path, "sites.csv",
                 "barcode,last_name,site\n"
                 "N1,Blank,\n"
                 "N2,Own,ELM\n"
                 "N3,Unknown,NOPE\n")
    report = small_db.import_patrons(path, {}, ADMIN, site="high")
    assert report.to_union_site == [4]
    sites = dict(small_db.db.execute(
        "SELECT barcode, site FROM patrons WHERE id > 12").fetchall())
    assert sites == {"N1": "HIGH", "N2": "ELM", "N3": "UNION"}
    assert json.loads(small_db.operation(report.operation_id)["options"])["site"] == "high"

    # A file with no site column at all.
    path = write(tmp_path, "nosite.csv", "barcode,last_name\nN4,Nosite\n")
    report = small_db.import_patrons(path, {}, ADMIN, site="ELM")
    assert report.to_union_site == []
    assert patron(small_db, "N4")["site"] == "ELM"


def test_an_unknown_site_option_is_refused(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "sites.csv", "barcode,last_name\nN1,Ada\n")
    with pytest.raises(BadFile, match=r"--site: 'NOPE' is not a site; sites: ELM, HIGH, UNION"):
        small_db.import_patrons(path, {}, ADMIN, site="NOPE")
    assert dump(small_db.db) == before


# -- all or nothing ------------------------------------------------------------------------------
def test_bad_rows_mean_nothing_is_imported(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "bad.csv",
                 "barcode,last_name,grade,status,site,graduation_date\n"
                 "N1,Good,1,Active,ELM,\n"                 # 2 good
                 "N2,,1,Active,ELM,\n"                     # 3 no last name
                 "N3,Grade,13,Active,ELM,\n"               # 4 no such grade
                 "N4,Date,1,Active,ELM,02/30/2026\n"       # 5 no such day
                 "N5,Status,1,Asleep,ELM,\n"               # 6 no such status
                 "1234567890123456,Long,1,Active,ELM,\n"   # 7 16 characters
                 "N1,Again,1,Active,ELM,\n"                # 8 N1 again
                 "10,Carter,6,Active,ELM,\n")              # 9 good update
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert str(exc.value) == "6 problem(s); nothing was imported"
    assert problems(exc) == [(3, "last_name"), (4, "grade"), (5, "graduation_date"),
                             (6, "status"), (7, "barcode"), (8, "barcode")]
    got = {p.row: p.message for p in exc.value.problems}
    assert got[3] == "a value is required"
    assert got[4].startswith("'13' is not in the grade table; allowed: PK, K, 1")
    assert got[5].startswith("'02/30/2026' is not a real date")
    assert got[6].startswith("'Asleep' is not allowed; allowed: ")
    assert got[7] == "at most 15 characters are allowed; this has 16"
    assert got[8] == "'N1' is also on row 2"
    assert str(exc.value.problems[0]) == "row 3, column last_name: a value is required"
    assert dump(small_db.db) == before


def test_a_username_already_taken_is_a_bad_row(small_db, tmp_path):
    """A value the database would refuse is a bad row like any other: BadFile naming the row
    and column, not a database error."""
    small_db.db["patrons"].update(1, {"username": "ann"})
    before = dump(small_db.db)
    path = write(tmp_path, "users.csv",
                 "barcode,last_name,username,site\n"
                 "N1,New,ANN,ELM\n")
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert problems(exc) == [(2, "username")]
    assert dump(small_db.db) == before


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


# -- the journal and undo --------------------------------------------------------------------------
def test_an_import_is_journaled_and_undone_exactly(small_db, tmp_path):
    before = dump(small_db.db, journal=False)
    path = write(tmp_path, "people.csv",
                 "barcode,first_name,last_name,grade,site\n"
                 "N1,Ada,Lovelace,3,ELM\n"    # row 2: new
                 "10,Ben,Carter,6,ELM\n"      # row 3: grade
                 "9,Ann,Adams,K,ELM\n"        # row 4: the same
                 "P123,Paul,Eluard,10,HIGH\n")  # row 5: last name and grade
    report = small_db.import_patrons(path, {}, AIDE)
    op = small_db.operation(report.operation_id)
    assert {k: op[k] for k in ("utility", "title", "operator", "started", "finished", "selection",
                               "matched", "changed", "unchanged", "skipped", "undo_of",
                               "undone_by")} == {
        "utility": "import-patrons", "title": "Import Patrons (people.csv)", "operator": "aide",
        "started": NOW, "finished": NOW, "selection": "{}", "matched": 4, "changed": 3,
        "unchanged": 1, "skipped": 0, "undo_of": None, "undone_by": None}
    assert json.loads(op["options"]) == {"file": "people.csv", "mapping": [], "site": ""}
    assert [(c["seq"], c["patron_id"], c["barcode"], c["name"], c["outcome"], c["reason"])
            for c in small_db.operation_changes(report.operation_id)] == [
        (1, 13, "N1", "Lovelace, Ada", "change", "new patron (row 2)"),
        (2, 2, "10", "Carter, Ben", "change", "updated grade (row 3)"),
        (3, 1, "9", "Adams, Ann", "unchanged", "already the same (row 4)"),
        (4, 5, "P123", "Eluard, Paul", "change", "updated last_name, grade (row 5)"),
    ]
    journal = rows_of(small_db, "operation_rows", "operation_id = ?", report.operation_id)
    assert [(j["table_name"], j["row_id"], j["action"]) for j in journal] == [
        ("patrons", 13, "insert"), ("patrons", 2, "update"), ("patrons", 5, "update")]
    assert json.loads(journal[1]["before"]) == {"grade": "5", "modified": STAMP}
    assert json.loads(journal[1]["after"]) == {"grade": "6", "modified": NOW}
    assert json.loads(journal[2]["before"]) == {"last_name": "Éluard", "grade": "9",
                                                "modified": STAMP}

    undo = small_db.undo(report.operation_id, AIDE)
    assert undo.conflicts == []
    assert (undo.counts.matched, undo.counts.change, undo.counts.skip) == (3, 3, 0)
    assert dump(small_db.db, journal=False) == before
    assert small_db.operation(report.operation_id)["undone_by"] == undo.operation_id
    undo_op = small_db.operation(undo.operation_id)
    assert (undo_op["utility"], undo_op["title"], undo_op["undo_of"]) == (
        "import-patrons", f"Undo of Import Patrons (people.csv) (#{report.operation_id})",
        report.operation_id)


# -- permission --------------------------------------------------------------------------------
def test_an_operator_without_the_utilities_permission_is_refused(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "new.csv", "barcode,last_name,site\nN1,Ada,ELM\n")
    with pytest.raises(store.NotPermitted, match="Import Patrons"):
        small_db.import_patrons(path, {}, TEACHER)
    with pytest.raises(store.NotPermitted, match="Import Patrons"):
        small_db.import_patrons(path, {}, TEACHER, dry_run=True)
    out = io.StringIO()
    with pytest.raises(store.NotPermitted, match="Export Patrons"):
        small_db.export_patrons({}, TEACHER, out, "csv")
    assert out.getvalue() == ""
    assert dump(small_db.db) == before


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


# -- security groups follow Change Patron Security Group's rules -----------------------------------

def test_an_import_cannot_raise_a_security_group_beyond_the_operators_rights(small_db, tmp_path):
    """An aide (level 2, utilities only) may not import anyone into a group, least of all
    their own account into a powerful one; a level-1 librarian with the permission may not
    assign level 1; nothing is written either way."""
    before = dump(small_db.db)
    path = write(tmp_path, "groups.csv", "barcode,last_name,security_group\n"
                                         "2,Carter,Librarian\nNEW1,Newman,Student\n")
    with pytest.raises(BadFile) as info:
        small_db.import_patrons(path, {}, AIDE)
    assert problems(info) == [(2, "security_group"), (3, "security_group")]
    assert "Patron Security Groups: Assign" in str(info.value.problems[0])
    librarian = Operator(7, "bell", "Bea Bell", "Librarian", 1,
                         frozenset({"Patrons: Import, Export and Utilities",
                                    "Patron Security Groups: Assign"}))
    with pytest.raises(BadFile) as info:
        small_db.import_patrons(path, {}, librarian)
    assert problems(info) == [(2, "security_group")]  # Librarian is level 1: not below 1
    assert "not below your level 1" in str(info.value.problems[0])
    assert dump(small_db.db) == before
    # The same file from a district administrator goes through.
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.new, report.updated) == (1, 1)
    assert patron(small_db, "2")["security_group"] == "Librarian"
