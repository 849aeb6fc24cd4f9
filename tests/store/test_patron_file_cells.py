"""How a patron file's cells are judged, row by row, whatever shortcut the reading takes for
a plain row: a column not read is not judged, a quote is taken off only where the export
put it, and a row that only looks plain is judged as every other."""

from __future__ import annotations

import pytest

from store.patron_file import BadFile

from ..operators import ADMIN
from .patron_file_helpers import dump, one_patron_file, patron, write


def problems_of(s, path, **kwargs) -> list[tuple[int, str, str]]:
    before = dump(s.db)
    with pytest.raises(BadFile) as info:
        s.import_patrons(path, {}, ADMIN, **kwargs)
    assert dump(s.db) == before
    return [(p.row, p.column, p.message) for p in info.value.problems]


def test_a_column_not_read_is_not_judged(small_db, tmp_path):
    path = write(
        tmp_path,
        "notes.csv",
        'barcode,last_name,notes\nN1,Nash,"bell\x07"\nN2,Noor,' + "x" * 2_000 + "\n",
    )
    report = small_db.import_patrons(path, {}, ADMIN, ignore=("notes",))
    assert report.new == 2
    assert patron(small_db, "N1")["last_name"] == "Nash"
    # Read, the same cells are problems of their rows.
    path = write(
        tmp_path,
        "read.csv",
        'barcode,last_name\nN3,"bell\x07"\nN4,' + "x" * 2_000 + "\n",
    )
    assert problems_of(small_db, path) == [
        (
            2,
            "last_name",
            "contains a control character (\\x07); letters, digits, spaces and punctuation only",
        ),
        (3, "last_name", "at most 1,000 characters are allowed in a cell; this has 2,000"),
    ]


def test_a_repeated_header_in_another_case_or_spacing_is_a_problem(small_db, tmp_path):
    path = write(
        tmp_path,
        "joined.csv",
        "barcode,last_name\nJ1,Jones\n Barcode , LAST_NAME\nbarcode,Kay\n",
    )
    assert problems_of(small_db, path) == [
        (3, "(file)", "repeats the header row (two files joined into one?)")
    ]


def test_a_quote_is_taken_off_only_where_the_export_put_it(small_db, tmp_path):
    path = write(
        tmp_path,
        "quotes.csv",
        "barcode,last_name,first_name\nQ1,'=1+1,O'Brien\nQ2,'Kelly,'\n",
    )
    assert small_db.import_patrons(path, {}, ADMIN).new == 2
    assert (patron(small_db, "Q1")["last_name"], patron(small_db, "Q1")["first_name"]) == (
        "=1+1",
        "O'Brien",
    )
    assert (patron(small_db, "Q2")["last_name"], patron(small_db, "Q2")["first_name"]) == (
        "'Kelly",
        "'",
    )


def test_a_tab_in_a_tab_separated_cell_is_refused_by_the_record(small_db, tmp_path):
    # The reader lets a quoted tab through in a tab-separated file; the record refuses it.
    path = write(tmp_path, "tabs.tsv", 'barcode\tlast_name\nT1\t"Tab\tby"\n')
    assert problems_of(small_db, path) == [
        (2, "last_name", "contains a control character (\\t), which is not allowed")
    ]


@pytest.mark.parametrize(
    "column, value, says",
    [
        ("barcode", "AB\u00a012", "contains the character '\\xa0'; barcodes have no spaces"),
        ("barcode", "É;1", "contains the character ';'; barcodes have no spaces"),
        ("barcode", "AB;1", "contains the character ';'; barcodes have no spaces"),
        ("barcode", "É\u200b", "contains the character '\\u200b'; barcodes have no spaces"),
        ("username", "ann\u3000smith", "contains the character '\\u3000'; a username is typed"),
        ("username", "ann,smith", None),  # a comma is no space: a username may hold one
    ],
)
def test_barcodes_and_usernames_beyond_ascii_are_judged_alike(
    small_db, tmp_path, column, value, says
):
    row, path = one_patron_file(tmp_path, column, value)
    if says is None:
        assert small_db.import_patrons(path, {}, ADMIN).new == 1
        assert patron(small_db, row["barcode"])[column] == value
        return
    [(number, where, message)] = problems_of(small_db, path)
    assert (number, where) == (2, column)
    assert message.startswith(says), message


def test_the_record_checks_every_field_that_has_a_choice():
    # PatronRecord runs the by-name and database-choice checks on the fields named for them
    # only: every enum and every database choice it has must be among them.
    from store.fields import field_specs
    from store.patron_record import PatronRecord
    from store.validation import Invalid, validate

    checks = PatronRecord.__pydantic_decorators__.field_validators
    assert set(checks["_enum_by_name"].info.fields) == {
        s.name for s in field_specs(PatronRecord) if s.enum is not None
    }
    assert set(checks["_in_database"].info.fields) == {
        s.name for s in field_specs(PatronRecord) if s.choices
    }
    # In the inherited order: a control character is named before a value not in the table.
    assert list(checks)[:3] == ["_no_control", "_enum_by_name", "_in_database"]
    with pytest.raises(Invalid) as info:
        validate(
            PatronRecord, {"barcode": "B", "last_name": "L", "grade": "9\x01"}, lambda k: ["9"]
        )
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("grade", "contains a control character (\\x01), which is not allowed")
    ]


@pytest.mark.parametrize(
    "cells, says",
    [
        ("S1,Sam,card-lost,", None),  # a status typed by name
        ("S1,Sam,lost,", "Status: 'lost' is not allowed; allowed: 'Active' (active)"),
        ("S1,Sam,Active,99", "Grade: '99' is not in the grade table; allowed: "),
        ("S1,Sam,active,pk", None),  # a grade in another case: PK
    ],
)
def test_status_and_grade_are_judged_as_typed(small_db, tmp_path, cells, says):
    path = write(tmp_path, "sg.csv", "barcode,last_name,status,grade\n" + cells + "\n")
    if says is None:
        small_db.import_patrons(path, {}, ADMIN)
        record = patron(small_db, "S1")
        assert (record["status"], record["grade"]) in (("Card Lost", None), ("Active", "PK"))
        return
    [(number, where, message)] = problems_of(small_db, path)
    title, _, rest = says.partition(": ")
    assert (number, where) == (2, title.lower())
    assert message.startswith(rest), message
