"""``patron-utils import`` and ``export``: counts, dry runs, bad files and maps, the operator's
permission; a device is no patron file, and data already holding a bidi override is shown
escaped."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

import store
from patron_utils import main
from store.demo import create_demo
from store.patron_file import FIELDS

from ..databases import copy_db, demo_db, query, query_write
from ..store.patron_file_helpers import dump, write


@pytest.fixture
def demo60(tmp_path, monkeypatch):
    """A 60-patron demo the CLI finds in the environment, with the demo operator."""
    path = create_demo(tmp_path / "d.db", patrons=60)
    monkeypatch.setenv("PATRON_UTILS_DB", str(path))
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "demo")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")
    return path


def file_dump(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return dump(conn)
    finally:
        conn.close()


def test_cli_import_prints_counts_and_the_operation(demo60, tmp_path, capsys):
    path = write(
        tmp_path,
        "in.csv",
        "barcode,last_name,first_name,grade,site\n"
        "N1,Lovelace,Ada,3,ELM\n"
        "20260001,Smith,Zed,Graduated,HIGH\n"
        "N2,Nosite,Ned,4,\n",
    )
    assert query(demo60, "SELECT first_name FROM patrons WHERE barcode = '20260001'") != [("Zed",)]
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Imported 3 rows: 2 new, 1 updated, 0 unchanged." in out
    assert "1 row had no valid site code and goes to the Union Site (row 4)" in out
    assert "Recorded as operation #1 (patron-utils undo 1 --yes reverses it)." in out
    assert query(
        demo60,
        "SELECT barcode, last_name, first_name, grade, site FROM patrons "
        "WHERE barcode IN ('N1', 'N2', '20260001') ORDER BY barcode",
    ) == [
        ("20260001", "Smith", "Zed", "Graduated", "HIGH"),
        ("N1", "Lovelace", "Ada", "3", "ELM"),
        ("N2", "Nosite", "Ned", "4", "UNION"),
    ]
    assert query(demo60, "SELECT utility, title, operator FROM operations") == [
        ("import-patrons", "Import Patrons (in.csv)", "demo")
    ]


def test_cli_import_dry_run_writes_nothing(demo60, tmp_path, capsys):
    before = file_dump(demo60)
    path = write(tmp_path, "in.csv", "barcode,last_name,site\nN1,Lovelace,ELM\n")
    assert main(["import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Would import 1 row: 1 new, 0 updated, 0 unchanged." in out
    assert "Dry run: nothing was written." in out
    assert file_dump(demo60) == before


def test_cli_import_of_a_bad_file_lists_the_rows_and_writes_nothing(demo60, tmp_path, capsys):
    before = file_dump(demo60)
    path = write(
        tmp_path,
        "bad.csv",
        "barcode,last_name,grade,site\nN1,Good,1,ELM\nN2,,1,ELM\nN3,Bad,13,ELM\n",
    )
    assert main(["import", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert "patron-utils import: row 3, column last_name: a value is required" in err
    assert any(
        line.startswith("patron-utils import: row 4, column grade: '13' is not in the grade table")
        for line in err
    )
    assert "patron-utils: 2 problem(s); nothing was imported" in err
    assert "Imported" not in captured.out
    assert file_dump(demo60) == before


@pytest.mark.parametrize("bad", ["cardnumber=barcod", "cardnumber", "=barcode"])
def test_cli_import_with_a_bad_map_names_it(demo60, tmp_path, capsys, bad):
    before = file_dump(demo60)
    path = write(tmp_path, "in.csv", "cardnumber,last_name,site\nN1,Lovelace,ELM\n")
    assert main(["import", str(path), "--map", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"patron-utils: --map: {bad!r} should be SOURCE=FIELD")
    assert file_dump(demo60) == before


def test_cli_import_with_a_map(demo60, tmp_path, capsys):
    path = write(tmp_path, "in.csv", "CardNumber,Surname,site\nN1,Lovelace,ELM\n")
    assert (
        main(["import", str(path), "--map", "cardnumber=barcode", "--map", "surname=last_name"])
        == 0
    )
    assert "Imported 1 row: 1 new" in capsys.readouterr().out
    assert query(demo60, "SELECT last_name, site FROM patrons WHERE barcode = 'N1'") == [
        ("Lovelace", "ELM")
    ]


def emails_by_patron(path) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for pid, address in query(
        path, "SELECT patron_id, address FROM patron_emails ORDER BY patron_id, position"
    ):
        found.setdefault(pid, []).append(address)
    return found


def test_cli_export_a_grade_to_a_file(demo60, tmp_path, capsys):
    out_path = tmp_path / "grade5.csv"
    assert main(["export", "--grades", "5", "--output", str(out_path)]) == 0
    wanted = query(
        demo60, f"SELECT id, {', '.join(FIELDS)} FROM patrons WHERE grade = '5' ORDER BY id"
    )
    assert wanted
    emails = emails_by_patron(demo60)
    most = max(len(emails.get(r[0], [])) for r in wanted)
    assert most >= 2  # the demo's grade 5 has a patron with two addresses or more
    with open(out_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*FIELDS, "email"] + [f"email{n}" for n in range(2, most + 1)]
    assert rows[1:] == [
        ["" if v is None else v for v in r[1:]]
        + emails.get(r[0], [])
        + [""] * (most - len(emails.get(r[0], [])))
        for r in wanted
    ]
    assert f"Exported {len(wanted)} patrons to {out_path.resolve()}" in capsys.readouterr().err


def test_cli_export_json_to_stdout(demo60, capsys):
    assert main(["export", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    wanted = query(demo60, f"SELECT id, {', '.join(FIELDS)} FROM patrons ORDER BY id")
    assert len(records) == len(wanted) == 62  # 60 patrons and the two demo operators
    emails = emails_by_patron(demo60)
    assert any(emails.values())
    assert records == [
        {**dict(zip(FIELDS, r[1:], strict=True)), "emails": emails.get(r[0], [])} for r in wanted
    ]


def test_cli_refuses_an_operator_without_the_permission(demo60, tmp_path, monkeypatch, capsys):
    """A clerk may log in (their group grants Preferences) but not import or export."""
    from store.security import PREFERENCES, hash_password

    conn = sqlite3.connect(demo60)
    conn.execute(
        "INSERT INTO security_groups (name, level, permissions) VALUES ('Clerk', 2, ?)",
        [json.dumps([PREFERENCES])],
    )
    conn.execute(
        "UPDATE patrons SET username = 'teach', password_hash = ?, "
        "security_group = 'Clerk' WHERE barcode = '20260001'",
        [hash_password("pw")],
    )
    conn.commit()
    conn.close()
    before = file_dump(demo60)
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "teach")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "pw")
    path = write(tmp_path, "in.csv", "barcode,last_name,site\nN1,Lovelace,ELM\n")
    assert main(["import", str(path)]) == 3
    assert "may not run Import Patrons" in capsys.readouterr().err
    assert main(["export"]) == 3
    captured = capsys.readouterr()
    assert "may not run Export Patrons" in captured.err and captured.out == ""
    assert file_dump(demo60) == before


# -- hostile input at the command line ---------------------------------------------------------


def test_the_command_line_refuses_dev_zero_at_once(tmp_path, monkeypatch, capsys):
    path = copy_db(demo_db(tmp_path), tmp_path / "copy.db")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")
    code = main(["import", "/dev/zero", "--dry-run", "--db", str(path), "--operator", "demo"])
    err = capsys.readouterr().err
    assert code == 2 and "/dev/zero is not a file" in err and "Traceback" not in err


def test_a_bidi_override_already_in_the_data_is_shown_escaped(db, cli):
    s = store.Store(db)
    try:
        s.db.execute("UPDATE patrons SET last_name = 'Ann\u202eeH' WHERE id = 1")
        barcode = s.db.execute("SELECT barcode FROM patrons WHERE id = 1").fetchone()[0]
    finally:
        s.close()
    out = cli("run", "change-location", "--location", "Room 9", "--barcodes", barcode).out
    assert "\u202e" not in out and "Ann\\u202eeH" in out


# -- columns left out, presets, emails and usernames ---------------------------------------------
def test_cli_import_ignore_unknown_lists_the_columns_on_stderr(demo60, tmp_path, capsys):
    path = write(
        tmp_path,
        "sis.csv",
        "barcode,last_name,site,Student ID,Gender,email\nN1,Ng,ELM,S1,F,nia@example.org\n",
    )
    assert main(["import", str(path), "--ignore-unknown", "--ignore", "gender"]) == 0
    captured = capsys.readouterr()
    assert "patron-utils import: 2 column(s) not read: Student ID, Gender" in captured.err
    assert "Imported 1 row: 1 new, 0 updated, 0 unchanged." in captured.out
    assert "1 new patron got their barcode as username." in captured.out
    assert query(
        demo60,
        "SELECT p.username, e.address FROM patrons p JOIN patron_emails e ON e.patron_id = p.id "
        "WHERE p.barcode = 'N1'",
    ) == [("N1", "nia@example.org")]


def test_cli_import_refuses_an_unknown_column_naming_the_ways_out(demo60, tmp_path, capsys):
    before = file_dump(demo60)
    path = write(tmp_path, "sis.csv", "barcode,last_name,Gender\nN1,Ng,F\n")
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("patron-utils: unknown column(s) 'Gender': use --map SOURCE=FIELD")
    assert "--ignore COLUMN" in err and "--ignore-unknown" in err
    assert file_dump(demo60) == before


def test_cli_import_refuses_to_ignore_the_barcode(demo60, tmp_path, capsys):
    before = file_dump(demo60)
    path = write(tmp_path, "in.csv", "cardnumber,surname\nN1,Ng\n")
    assert main(["import", str(path), "--preset", "koha", "--ignore", "cardnumber"]) == 2
    assert capsys.readouterr().err == (
        "patron-utils: --ignore: 'cardnumber' cannot be ignored: it is the file's barcode "
        "column, and every patron needs a barcode and a last name\n"
    )
    assert file_dump(demo60) == before


def test_cli_import_a_koha_export_with_the_preset(demo60, tmp_path, capsys):
    path = write(
        tmp_path,
        "borrowers.csv",
        "borrowernumber,cardnumber,surname,firstname,branchcode,categorycode,email,emailpro,"
        "dateofbirth,sex,password,userid,dateexpiry\n"
        "7,K100,Kowalski,Marta,HIGH,PT,marta@example.org,mk@example.org,2011-04-02,F,"
        "$2a$08$xyz,,2027-08-31\n",
    )
    args = ["import", str(path), "--preset", "koha", "--ignore", "categorycode"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert (
        "patron-utils import: 5 column(s) not read: borrowernumber, categorycode, "
        "dateofbirth, sex, password" in captured.err
    )
    assert "Imported 1 row: 1 new" in captured.out
    assert query(
        demo60,
        "SELECT last_name, first_name, site, username, expiration_date, password_hash "
        "FROM patrons WHERE barcode = 'K100'",
    ) == [("Kowalski", "Marta", "HIGH", "K100", "2027-08-31", None)]
    assert query(
        demo60,
        "SELECT address FROM patron_emails WHERE patron_id = "
        "(SELECT id FROM patrons WHERE barcode = 'K100') ORDER BY position",
    ) == [("marta@example.org",), ("mk@example.org",)]


def test_cli_import_help_documents_the_koha_preset(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "--preset koha (Koha (borrowers columns)) reads cardnumber→barcode, surname→last_name"
        in text
    )
    assert "b_email→email3" in text and "password" in text and "--ignore-unknown" in text


def test_cli_import_says_which_new_patrons_got_no_username(demo60, tmp_path, capsys):
    query_write(demo60, "UPDATE patrons SET username = 'zz900' WHERE barcode = '20260001'")
    path = write(tmp_path, "in.csv", "barcode,last_name,site\nZZ900,Ng,ELM\nZZ901,Ox,ELM\n")
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 new patron got their barcode as username." in out
    assert "1 new patron got no username: the barcode is already a username" in out
    assert "  row 2, barcode ZZ900: 'ZZ900' is already patron 20260001's username" in out
    assert query(
        demo60, "SELECT barcode, username FROM patrons WHERE barcode LIKE 'ZZ9%' ORDER BY 1"
    ) == [("ZZ900", None), ("ZZ901", "ZZ901")]
