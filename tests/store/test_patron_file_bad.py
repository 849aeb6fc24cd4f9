"""Malformed and hostile patron files: each a problem with its row and column, nothing
imported, no traceback, nothing read that is not a regular file of a sane size."""

from __future__ import annotations

import os

import pytest

import store
from store.patron_file import BadFile

from ..operators import ADMIN
from .patron_file_helpers import dump, one_patron_file, patron, write
from .runs import set_preference


def refused(s, path, **kwargs) -> BadFile:
    before = dump(s.db)
    with pytest.raises(BadFile) as info:
        s.import_patrons(path, {}, ADMIN, **kwargs)
    assert dump(s.db) == before
    return info.value


def test_a_row_with_one_field_too_many_is_refused_not_shifted(small_db, tmp_path):
    path = write(
        tmp_path,
        "comma.csv",
        "barcode,last_name,first_name,location\n"
        "COMMA1,Smith, Jr.,John,Room 5\n"
        "OK1,Jones,Ann,Room 6\n",
    )
    exc = refused(small_db, path)
    assert [(p.row, p.column) for p in exc.problems] == [(2, "5 (extra)")]
    assert "has 5 fields where the header names 4" in exc.problems[0].message
    assert "double quotes" in exc.problems[0].message


def test_a_row_with_too_few_fields_names_the_first_missing_column(small_db, tmp_path):
    path = write(tmp_path, "short.csv", "barcode,last_name,first_name,location\nS1,Smith\n")
    assert [(p.row, p.column) for p in refused(small_db, path).problems] == [(2, "first_name")]


def test_an_unterminated_quote_is_refused_where_it_opens(small_db, tmp_path):
    path = write(tmp_path, "quote.csv", 'barcode,last_name\nQ1,"Smith\nQ2,Jones\nQ3,Brown\n')
    exc = refused(small_db, path)
    [problem] = exc.problems
    assert (problem.row, problem.column) == (2, "(file)")
    assert "never closed" in problem.message


def test_a_huge_cell_is_a_problem_not_a_traceback(small_db, tmp_path):
    path = write(tmp_path, "huge.csv", "barcode,last_name\nH1," + "x" * 200_000 + "\n")
    [problem] = refused(small_db, path).problems
    assert (problem.row, problem.column) == (2, "last_name")
    assert "at most 1,000 characters" in problem.message and "200,000" in problem.message


@pytest.mark.parametrize(
    "name, escaped",
    [
        ("\x1b]0;owned\x07", "\\x1b"),
        ("Red\x1b[31m", "\\x1b"),
        ("Two\rLines", "\\r"),
        ("Tab\there", "\\t"),
    ],
)
def test_control_characters_in_a_cell_are_refused(small_db, tmp_path, name, escaped):
    path = write(tmp_path, "ctl.csv", f'barcode,last_name\nC1,"{name}"\n')
    [problem] = refused(small_db, path).problems
    assert (problem.row, problem.column) == (2, "last_name")
    assert f"control character ({escaped})" in problem.message


def test_a_tab_separates_a_tab_separated_file(small_db, tmp_path):
    path = write(tmp_path, "tabs.tsv", "barcode\tlast_name\nT1\tTabby\n")
    assert small_db.import_patrons(path, {}, ADMIN).new == 1


def test_a_dry_run_reports_every_problem(small_db, tmp_path):
    path = write(
        tmp_path,
        "many.csv",
        "barcode,last_name\n" + "".join(f"B{n},\x1bbad\n" for n in range(50)) + "G1,Good\nX,1,2\n",
    )
    exc = refused(small_db, path, dry_run=True)
    assert len(exc.problems) == 51
    assert exc.problems[-1].row == 53


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "directory", "fifo"])
def test_only_a_regular_file_is_read(small_db, tmp_path, target):
    if target == "directory":
        target = tmp_path
    elif target == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    exc = refused(small_db, target, dry_run=True)
    assert "is not a file" in str(exc)


def test_a_file_over_the_librarys_limit_is_refused_before_it_is_read(small_db, tmp_path):
    set_preference(small_db, "largest_import_mb", "1")
    path = write(tmp_path, "big.csv", "barcode,last_name\n" + "B1,Big\n" * 200_000)
    exc = refused(small_db, path)
    assert "the largest file an import reads is 1 MB" in str(exc)


def test_a_file_that_is_no_patron_file_is_not_quoted(small_db, tmp_path):
    secret = "root:$6$saltsaltsalt$" + "h" * 80
    path = write(tmp_path, "shadow", f"{secret}\x1b[2J:19000:0:99999:7:::\n")
    message = str(refused(small_db, path))
    assert message.startswith(
        "the first row names none of the patron fields, so shadow is not a patron file"
    )
    assert "root" not in message and "salt" not in message and "\x1b" not in message
    # Nor when a --map or --ignore names a column it lacks, or every column is ignored.
    for options in (
        {"mapping": {"cardnumber": "barcode"}},
        {"ignore": ("x",)},
        {"ignore_unknown": True},
    ):
        mapping = options.pop("mapping", {})
        with pytest.raises(BadFile) as exc:
            small_db.import_patrons(path, mapping, ADMIN, **options)
        assert "is not a patron file" in str(exc.value)
        assert "root" not in str(exc.value) and "salt" not in str(exc.value)


def test_an_unknown_column_beside_known_ones_is_quoted_short_and_escaped(small_db, tmp_path):
    path = write(tmp_path, "extra.csv", "barcode,last_name," + "x" * 80 + "\x1b[2J\nB1,Bee,1\n")
    message = str(refused(small_db, path))
    assert message.startswith("unknown column(s) 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'")
    assert "x" * 40 not in message and "\x1b" not in message


def test_a_file_that_is_not_utf8_says_so(small_db, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("barcode,last_name\nL1,Müller\n".encode("latin-1"))
    exc = refused(small_db, path)
    assert "not UTF-8" in str(exc) or any("not UTF-8" in p.message for p in exc.problems)


def test_a_username_taken_by_another_import_meanwhile_is_a_row_problem(
    small_db, tmp_path, monkeypatch
):
    """The clash is checked under the write lock: an import that finished a moment ago
    (after this one read its file) makes this one's row a problem, not an IntegrityError."""
    from store import patron_file

    other = store.Store(small_db.path)
    first = write(tmp_path, "first.csv", "barcode,last_name,username\n9,Adams,shared\n")
    second = write(tmp_path, "second.csv", "barcode,last_name,username\n10,Carter,shared\n")
    checked = patron_file._refuse
    calls = []

    def meanwhile(problems):
        if not calls:  # just before this import takes the write lock
            calls.append("the other import")
            calls.append(other.import_patrons(first, {}, ADMIN))
        checked(problems)

    monkeypatch.setattr(patron_file, "_refuse", meanwhile)
    with pytest.raises(BadFile) as info:
        small_db.import_patrons(second, {}, ADMIN)
    other.close()
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (2, "username")
    assert problem.message == "'shared' belongs to patron 9"
    assert calls[1].updated == 1


def test_a_repeated_header_row_is_a_problem_not_a_patron(small_db, tmp_path):
    path = write(tmp_path, "joined.csv", "barcode,last_name\nJ1,Jones\nbarcode,last_name\nJ2,Kay\n")
    [problem] = refused(small_db, path).problems
    assert (problem.row, problem.column) == (3, "(file)")
    assert "repeats the header row" in problem.message


@pytest.mark.parametrize("text", ["barcode,last_name\n", "barcode,last_name\n\n , \n"])
def test_a_file_with_a_header_and_no_patrons_says_so(small_db, tmp_path, text):
    path = write(tmp_path, "empty.csv", text)
    for dry_run in (True, False):
        assert "names its columns but holds no patrons" in str(
            refused(small_db, path, dry_run=dry_run)
        )


def test_a_blank_site_cell_keeps_an_existing_patrons_site(small_db, tmp_path):
    # Ben (10) is at ELM: a blank cell says nothing about his site; a new patron with a
    # blank cell goes to the Union Site, as one with no site column does.
    path = write(tmp_path, "sites.csv", "barcode,last_name,site\n10,Carter,\nNEW1,Newman,\n")
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.new, report.updated, report.unchanged) == (1, 0, 1)
    assert patron(small_db, "10")["site"] == "ELM"
    assert patron(small_db, "NEW1")["site"] == "UNION"
    assert report.to_union_site == [3]


def test_an_export_imported_again_keeps_formula_looking_names(small_db, tmp_path):
    # The export writes '=1+1 so a spreadsheet shows it as text; the import takes the quote off.
    small_db.db.execute(
        "UPDATE patrons SET last_name = '=1+1', first_name = '@home' WHERE barcode = '9'"
    )
    small_db.db.execute(
        "UPDATE patrons SET last_name = '-2+3', first_name = ? WHERE barcode = '10'", ["'=x"]
    )  # already looks quoted: kept so
    exported = tmp_path / "out.csv"
    with open(exported, "w", newline="", encoding="utf-8") as out:
        small_db.export_patrons({"barcodes": ["9", "10"]}, ADMIN, out, "csv")
    assert "'=1+1" in exported.read_text()
    before = dump(small_db.db, journal=False)
    report = small_db.import_patrons(exported, {}, ADMIN)
    assert (report.updated, report.unchanged) == (0, 2)
    assert dump(small_db.db, journal=False) == before
    assert patron(small_db, "9")["last_name"] == "=1+1"
    assert patron(small_db, "10")["first_name"] == "'=x"


@pytest.mark.parametrize(
    "column, value, says",
    [
        ("barcode", "AB 12", "contains a space; barcodes have no spaces"),
        ("barcode", "AB,12", "the character ','"),
        ("barcode", "AB\u200b12", "the character '\\u200b'"),
        ("username", "ann\u200bsmith", "the character '\\u200b'; a username is typed at the login"),
        ("username", "ann smith", "contains a space"),
        ("username", "a" * 61, "at most 60 characters are allowed; this has 61"),
    ],
)
def test_barcodes_and_usernames_that_could_not_be_typed_are_refused(
    small_db, tmp_path, column, value, says
):
    _, path = one_patron_file(tmp_path, column, value)
    [problem] = refused(small_db, path).problems
    assert (problem.row, problem.column) == (2, column)
    assert says in problem.message, problem.message


def test_a_file_that_grows_while_it_is_read_stops_at_the_limit(small_db, tmp_path):
    from store import patron_csv
    from store.patron_columns import ColumnRule

    path = write(tmp_path, "growing.csv", "barcode,last_name\nG1,Grow\n")
    _, rows = patron_csv.read(path, ColumnRule().resolve, max_mb=1)
    with open(path, "a") as more:  # after it was measured, before it is read
        more.write("G2,More\n" * 200_000)
    with pytest.raises(BadFile, match="grew past 1 MB while it was read"):
        list(rows)


def test_a_choice_quoted_in_a_message_is_a_short_excerpt(small_db, tmp_path):
    path = write(tmp_path, "grade.csv", "barcode,last_name,grade\nE1,Ex," + "Z" * 500 + "\n")
    [problem] = refused(small_db, path).problems
    assert (problem.row, problem.column) == (2, "grade")
    assert "Z" * 61 not in problem.message and "…' is not in the grade table" in problem.message


def test_a_barcode_in_another_case_is_not_a_second_patron(small_db, tmp_path):
    # P123 is Paul's: p123 would be a twin that every list of "P123" selects with him.
    path = write(tmp_path, "case.csv", "barcode,last_name\np123,Twin\nNEW9,New\n")
    for dry_run in (True, False):
        [problem] = refused(small_db, path, dry_run=dry_run).problems
        assert (problem.row, problem.column) == (2, "barcode")
        assert problem.message.startswith("'p123' is patron 'P123''s barcode in another case")
    exact = write(tmp_path, "exact.csv", "barcode,last_name\nP123,Éluard\n")
    assert small_db.import_patrons(exact, {}, ADMIN).unchanged == 1
    # Among patrons updated as they are spelled and new barcodes of digits (no twin can
    # have those), the one in another case is still found, on its row.
    mixed = write(
        tmp_path, "mixed.csv", "barcode,last_name\nP123,Éluard\n4242,Digits\nstaff002,Twin\n"
    )
    for dry_run in (True, False):
        [problem] = refused(small_db, mixed, dry_run=dry_run).problems
        assert (problem.row, problem.column) == (4, "barcode")
        assert problem.message.startswith("'staff002' is patron 'STAFF002''s barcode")


def test_a_file_of_bad_values_stops_at_the_problem_limit(small_db, tmp_path):
    from store import patron_csv

    path = write(
        tmp_path,
        "nope.csv",
        "barcode,last_name,grade\n"
        + "".join(f"N{n},Nope,NOPE\n" for n in range(3 * patron_csv.MAX_PROBLEMS)),
    )
    exc = refused(small_db, path, dry_run=True)
    assert len(exc.problems) == patron_csv.MAX_PROBLEMS
    assert exc.problems[-1].row == patron_csv.MAX_PROBLEMS + 1  # read no further
    assert str(exc).startswith(
        "1,000 problems or more (the first 1,000 are listed; the rest of the file was not read)"
    )


@pytest.mark.parametrize(
    "name, says",
    [
        ("Ann\u202eeH", "control character (\\u202e)"),  # right-to-left override: shows reversed
        ("Ann\u2066x\u2069", "control character (\\u2066)"),
        ("Ann\u2028Lee", "control character (\\u2028)"),  # a line separator
        ("\u200b", "has no visible character"),
    ],
)
def test_names_that_would_reorder_or_hide_on_screen_are_refused(small_db, tmp_path, name, says):
    path = write(tmp_path, "bidi.csv", f"barcode,last_name\nB1,{name}\n")
    [problem] = refused(small_db, path).problems
    assert (problem.row, problem.column) == (2, "last_name")
    assert says in problem.message, problem.message
