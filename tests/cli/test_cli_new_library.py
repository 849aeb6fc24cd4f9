"""A new library set up from a script, start to finish, as a technician would write it:
its words and switches, its grade table, its patrons from another system's export, the
year's Advance All Grades, a policy change and then Recompute Due Dates, and the
Operations Information read back — each step checked in the database, not in the output."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from ..databases import query
from .commands import OPERATOR, PASSWORD

# Another system's export: its own column names, and columns this product has no field for.
EXPORT = (
    "cardnumber,surname,firstname,grade,Homeroom,email,email2,dateofbirth,sex\n"
    "N100,Núñez,Zoë,12,Room 9,zoe@example.org,zn@home.example,2008-04-01,F\n"
    "N101,O'Brien,Liam,11,Room 9,,,2009-02-11,M\n"
)


@pytest.fixture
def library(cli, tmp_path, monkeypatch):
    path = tmp_path / "library.db"
    assert cli("demo", "--db", path, "--patrons", "60", "--seed", "5").code == 0
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", OPERATOR)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", PASSWORD)
    monkeypatch.delenv("PATRON_UTILS_DB", raising=False)
    return path


def ok(result) -> str:
    assert result.code == 0, result.err
    return result.out


def test_a_library_set_up_from_the_command_line(cli, library, tmp_path):
    db = ["--db", library]
    # Its words and switches.
    ok(cli("preferences", *db, "--term", "Location=Homeroom", "--set", "largest-import-mb=300"))
    saved = dict(query(library, "SELECT key, value FROM preferences"))
    assert saved["term.location"] == "Homeroom" and saved["term.grade"] == "Grade"
    assert saved["largest_import_mb"] == "300"
    # Its grade table: a grade 13 between 12 and the Last Grade.
    ok(cli("grades", "add", "13", "--after", "12", *db))
    order = [name for (name,) in query(library, "SELECT name FROM grades ORDER BY position")]
    assert order[-3:] == ["12", "13", "Graduated"]
    assert query(library, "SELECT name FROM grades WHERE is_last") == [("Graduated",)]

    # Its patrons, from an export mapped and trimmed on the command line.
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    imported = cli(
        "import",
        export,
        *db,
        "--map",
        "cardnumber=barcode",
        "--map",
        "surname=last_name",
        "--map",
        "firstname=first_name",
        "--map",
        "Homeroom=location",
        "--ignore",
        "dateofbirth",
        "--ignore",
        "sex",
        "--site",
        "HIGH",
    )
    ok(imported)
    assert "dateofbirth" in imported.err and "sex" in imported.err  # what it did not read
    rows = query(
        library,
        "SELECT barcode, last_name, first_name, grade, location, username FROM patrons "
        "WHERE barcode IN ('N100', 'N101') ORDER BY barcode",
    )
    assert rows == [
        ("N100", "Núñez", "Zoë", "12", "Room 9", "N100"),  # the username: the barcode
        ("N101", "O'Brien", "Liam", "11", "Room 9", "N101"),
    ]
    assert query(
        library,
        "SELECT e.address FROM patron_emails e JOIN patrons p ON p.id = e.patron_id "
        "WHERE p.barcode = 'N100' ORDER BY e.position",
    ) == [("zoe@example.org",), ("zn@home.example",)]

    # The new year: everyone to the next grade, the Last Grade staying.
    before = dict(query(library, "SELECT barcode, grade FROM patrons WHERE grade IS NOT NULL"))
    advanced = json.loads(ok(cli("run", "advance-all-grades", *db, "--yes", "--format", "json")))
    after = dict(query(library, "SELECT barcode, grade FROM patrons WHERE grade IS NOT NULL"))
    assert after["N100"] == "13" and after["N101"] == "12"
    moved = {b for b in before if after[b] != before[b]}
    assert len(moved) == advanced["change"] > 0
    assert all(after[b] == "Graduated" for b in before if before[b] == "Graduated")

    # Policies follow the grades; then the loans already out follow the policies.
    ok(cli("run", "change-policy", *db, "--grades", "1", "--policy", "Staff", "--yes"))
    loans = query(
        library,
        "SELECT k.id, k.checked_out, k.due_date FROM checkouts k "
        "JOIN patrons p ON p.id = k.patron_id WHERE p.grade = '1'",
    )
    assert loans, "the demo lends to grade 1"
    staff_days, staff_rate = query(
        library, "SELECT loan_days, fine_per_day FROM policies WHERE name = 'Staff'"
    )[0]
    stale = [
        k for k in loans if k[2] != str(dt.date.fromisoformat(k[1]) + dt.timedelta(staff_days))
    ]
    assert stale, "the policy change left the loans as they were"
    recomputed = ok(cli("run", "recompute-due-dates", *db, "--grades", "1", "--yes"))
    operation = int(recomputed.split("Operation #", 1)[1].split(":", 1)[0])
    for loan_id, checked_out, _ in loans:
        due, rate = query(
            library, "SELECT due_date, fine_per_day FROM checkouts WHERE id = ?", loan_id
        )[0]
        assert due == str(dt.date.fromisoformat(checked_out) + dt.timedelta(staff_days))
        assert rate == staff_rate

    # The Operations Information, read back: every patron, with outcome and reason, as the
    # journal holds them; the changed ones are exactly those whose loans were stale.
    shown = ok(cli("show", operation, *db, "--format", "csv"))
    listed = [(r["barcode"], r["outcome"], r["reason"]) for r in csv.DictReader(io.StringIO(shown))]
    journal = query(
        library,
        "SELECT barcode, outcome, coalesce(reason, '') FROM operation_changes "
        "WHERE operation_id = ? ORDER BY seq",
        operation,
    )
    assert sorted(listed) == sorted(journal)
    stale_patrons = set(
        query(
            library,
            f"SELECT DISTINCT p.barcode FROM checkouts k JOIN patrons p ON p.id = k.patron_id "
            f"WHERE k.id IN ({','.join(str(k[0]) for k in stale)})",
        )
    )
    assert {(b,) for b, outcome, _ in listed if outcome == "change"} == stale_patrons
