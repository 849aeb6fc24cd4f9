"""Importing a patron file: new, updated, columns, encodings, Union Site, all or nothing."""

from __future__ import annotations

import json

import pytest

from store.patron_file import FIELDS, BadFile

from ..operators import ADMIN
from .patron_file_helpers import dump, patron, problems, write
from .runs import NOW, STAMP, rows_of


# -- helpers -----------------------------------------------------------------------------------
def blank_patron(**values) -> dict:
    """A whole patrons row as an import inserts it: defaults, then ``values``; a new patron
    the file gives no username has their barcode, in its case."""
    return {
        "username": values["barcode"],
        "barcode": None,
        "first_name": "",
        "middle_name": "",
        "last_name": None,
        "nickname": "",
        "grade": None,
        "location": None,
        "location2": None,
        "policy": None,
        "security_group": None,
        "status": "Active",
        "site": None,
        "graduation_date": None,
        "expiration_date": None,
        "password_hash": None,
        "must_change_password": 0,
        "created": NOW,
        "modified": NOW,
        "is_unknown": 0,
        "roster_id": None,  # schema 8: an import keeps no roster id
        **values,
    }


# -- new patrons -------------------------------------------------------------------------------
def test_new_patrons_with_every_field(small_db, tmp_path):
    before = dump(small_db.db, journal=False)
    path = write(
        tmp_path,
        "new.csv",
        ",".join(FIELDS) + "\n"
        "N100,Ivy,Q.,Quinn,Ives,3,Room 9,Bus 9,Elementary,Student,Suspended,HIGH,"
        "06/05/2035,2027-01-31,ivyq\n"
        # Choices in any case are stored as the database spells them; blanks are NULL.
        "N101,,,Ross,,k,,,secondary,librarian,card lost,elm,,,\n",
    )
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (2, 2, 0, 0)
    assert report.to_union_site == []
    assert report.operation_id == 1

    assert rows_of(small_db, "patrons", "id > 302") == [
        blank_patron(
            id=303,
            barcode="N100",
            first_name="Ivy",
            middle_name="Q.",
            last_name="Quinn",
            nickname="Ives",
            grade="3",
            location="Room 9",
            location2="Bus 9",
            policy="Elementary",
            security_group="Student",
            status="Suspended",
            site="HIGH",
            graduation_date="2035-06-05",
            expiration_date="2027-01-31",
            username="ivyq",
        ),
        blank_patron(
            id=304,
            barcode="N101",
            last_name="Ross",
            grade="K",
            policy="Secondary",
            security_group="Librarian",
            status="Card Lost",
            site="ELM",
        ),
    ]
    after = dump(small_db.db, journal=False)
    after["patrons"] = [r for r in after["patrons"] if r[0] <= 302]
    assert after == before


# -- updates -----------------------------------------------------------------------------------
def test_updates_change_only_the_columns_in_the_file(small_db, tmp_path):
    ben, ann, paul = patron(small_db, "10"), patron(small_db, "9"), patron(small_db, "P123")
    others = rows_of(small_db, "patrons", "barcode NOT IN ('10', '9', 'P123')")
    path = write(
        tmp_path,
        "up.csv",
        "barcode,last_name,grade,site,status\n"
        "10,Carter,6,ELM,Active\n"  # grade changes
        "9,Adams,K,ELM,Active\n"  # all the same
        "P123,Eluard,9,high,inactive\n",
    )  # last name and status change
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (3, 0, 2, 1)
    assert report.to_union_site == []

    assert patron(small_db, "10") == {**ben, "grade": "6", "modified": NOW}
    assert patron(small_db, "9") == ann  # untouched: modified is still the old stamp
    assert ann["modified"] == STAMP
    assert patron(small_db, "P123") == {
        **paul,
        "last_name": "Eluard",
        "status": "Inactive",
        "modified": NOW,
    }
    assert rows_of(small_db, "patrons", "barcode NOT IN ('10', '9', 'P123')") == others
    assert small_db.db["patrons"].count == 14


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
        "updated Grade (row 2)"
    ]


def test_dry_run_counts_and_writes_nothing(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(
        tmp_path,
        "dry.csv",
        "barcode,last_name,grade,site\n"
        "N1,New,1,ELM\n"
        "10,Carter,6,ELM\n"
        "9,Adams,K,ELM\n"
        "NOSITE,Nobody,2,\n",
    )
    report = small_db.import_patrons(path, {}, ADMIN, dry_run=True)
    assert (report.rows, report.new, report.updated, report.unchanged) == (4, 2, 1, 1)
    assert report.to_union_site == [5]
    assert report.operation_id is None
    assert dump(small_db.db) == before


# -- columns: --map, unknown, missing ------------------------------------------------------------
def test_map_renames_columns_and_headers_ignore_case(small_db, tmp_path):
    path = write(
        tmp_path,
        "sis.csv",
        "CardNumber,SURNAME,First_Name,Site\nN1,Lovelace,Ada,ELM\n10,Carter,Benjamin,ELM\n",
    )
    report = small_db.import_patrons(path, {"cardnumber": "barcode", "Surname": "last_name"}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (2, 1, 1, 0)
    assert patron(small_db, "N1") == blank_patron(
        id=303, barcode="N1", last_name="Lovelace", first_name="Ada", site="ELM"
    )
    assert patron(small_db, "10")["first_name"] == "Benjamin"
    options = json.loads(small_db.operation(report.operation_id)["options"])
    assert options == {
        "file": "sis.csv",
        "mapping": ["cardnumber=barcode", "Surname=last_name"],
        "preset": "",
        "ignore": [],
        "ignore_unknown": False,
        "ignored": [],
        "site": "",
    }


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


@pytest.mark.parametrize(
    "header, missing", [("last_name,first_name", "barcode"), ("barcode,first_name", "last_name")]
)
def test_a_missing_required_column_is_refused(small_db, tmp_path, header, missing):
    before = dump(small_db.db)
    path = write(tmp_path, "short.csv", header + "\nN1,Ada\n")
    with pytest.raises(BadFile, match=f"needs a column for {missing}"):
        small_db.import_patrons(path, {}, ADMIN)
    assert dump(small_db.db) == before


# -- encodings, separators, quoting --------------------------------------------------------------
def test_bom_and_tabs_and_accented_names(small_db, tmp_path):
    path = write(
        tmp_path,
        "tabs.txt",
        "barcode\tfirst_name\tlast_name\tsite\r\n"
        "N1\tZoë\tØstergaard\tELM\r\n"
        "N2\tNguyễn\tMüller, Jr.\tHIGH\r\n",
        bom=True,
    )
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new) == (2, 2)
    assert rows_of(small_db, "patrons", "id > 302") == [
        blank_patron(id=303, barcode="N1", first_name="Zoë", last_name="Østergaard", site="ELM"),
        blank_patron(
            id=304, barcode="N2", first_name="Nguyễn", last_name="Müller, Jr.", site="HIGH"
        ),
    ]


def test_quoted_fields_with_commas_and_newlines_and_blank_lines(small_db, tmp_path):
    path = write(
        tmp_path,
        "quoted.csv",
        "barcode,first_name,last_name,location,site\n"
        "\n"
        'N1,"Ann, Marie","de la Cruz","Room 1, East Wing",ELM\n'
        ",,,,\n"
        "\n"
        'N2,Renée,"O""Brien",,HIGH\n'
        "\n",
    )
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new) == (2, 2)
    assert rows_of(small_db, "patrons", "id > 302") == [
        blank_patron(
            id=303,
            barcode="N1",
            first_name="Ann, Marie",
            last_name="de la Cruz",
            location="Room 1, East Wing",
            site="ELM",
        ),
        blank_patron(id=304, barcode="N2", first_name="Renée", last_name='O"Brien', site="HIGH"),
    ]


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(small_db, tmp_path):
    """RowProblem.row is 'as a spreadsheet numbers it': a blank line is a row there."""
    before = dump(small_db.db)
    path = write(
        tmp_path,
        "gaps.csv",
        "barcode,last_name,site\n"  # row 1
        "\n"  # row 2
        'N1,"Two\nLines",ELM\n'  # row 3 (one row, two lines: a newline is refused)
        "\n"  # row 4
        "N2,,ELM\n",
    )  # row 5
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert problems(exc) == [(3, "last_name"), (5, "last_name")]
    assert "control character (\\n)" in exc.value.problems[0].message
    assert dump(small_db.db) == before


# -- the Union Site ------------------------------------------------------------------------------
def test_unknown_or_empty_site_goes_to_the_union_site(small_db, tmp_path):
    path = write(
        tmp_path,
        "sites.csv",
        "barcode,last_name,site\nN1,Unknown,NOPE\nN2,Empty,\nN3,Lower,elm\n99,Czerny,ELM\n",
    )  # on the Union Site now; a good code moves them
    report = small_db.import_patrons(path, {}, ADMIN)
    assert report.to_union_site == [2, 3]
    assert (report.new, report.updated) == (3, 1)
    sites = dict(
        small_db.db.execute(
            "SELECT barcode, site FROM patrons WHERE barcode IN ('N1', 'N2', 'N3', '99')"
        ).fetchall()
    )
    assert sites == {"N1": "UNION", "N2": "UNION", "N3": "ELM", "99": "ELM"}


def test_site_option_fills_rows_without_a_site(small_db, tmp_path):
    path = write(
        tmp_path, "sites.csv", "barcode,last_name,site\nN1,Blank,\nN2,Own,ELM\nN3,Unknown,NOPE\n"
    )
    report = small_db.import_patrons(path, {}, ADMIN, site="high")
    assert report.to_union_site == [4]
    sites = dict(small_db.db.execute("SELECT barcode, site FROM patrons WHERE id > 302").fetchall())
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
    with pytest.raises(
        BadFile, match=r"--site: 'NOPE' is not a site; sites: ELM, HIGH, OFFICE, UNION"
    ):
        small_db.import_patrons(path, {}, ADMIN, site="NOPE")
    assert dump(small_db.db) == before


# -- all or nothing ------------------------------------------------------------------------------
def test_bad_rows_mean_nothing_is_imported(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(
        tmp_path,
        "bad.csv",
        "barcode,last_name,grade,status,site,graduation_date\n"
        "N1,Good,1,Active,ELM,\n"  # 2 good
        "N2,,1,Active,ELM,\n"  # 3 no last name
        "N3,Grade,13,Active,ELM,\n"  # 4 no such grade
        "N4,Date,1,Active,ELM,02/30/2026\n"  # 5 no such day
        "N5,Status,1,Asleep,ELM,\n"  # 6 no such status
        "1234567890123456,Long,1,Active,ELM,\n"  # 7 16 characters
        "N1,Again,1,Active,ELM,\n"  # 8 N1 again
        "10,Carter,6,Active,ELM,\n",
    )  # 9 good update
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert str(exc.value) == "6 problem(s); nothing was imported"
    assert problems(exc) == [
        (3, "last_name"),
        (4, "grade"),
        (5, "graduation_date"),
        (6, "status"),
        (7, "barcode"),
        (8, "barcode"),
    ]
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
    path = write(tmp_path, "users.csv", "barcode,last_name,username,site\nN1,New,ANN,ELM\n")
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert problems(exc) == [(2, "username")]
    assert dump(small_db.db) == before
