"""Exporting patrons (CSV, JSON, a round trip through import), and a row problem's text
(``patron-utils import`` / ``export``: tests/cli/test_cli_patron_files.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest

import store
from store.patron_file import FIELDS, RowProblem

from ..operators import ADMIN
from .patron_file_helpers import dump


# -- round trip and export -----------------------------------------------------------------------
def demo_records(s: store.Store, where: str = "1", *params) -> list[dict]:
    """The patrons' fields and their email addresses (a list, in order)."""
    rows = list(
        s.db.query(f"SELECT id, {', '.join(FIELDS)} FROM patrons WHERE {where} ORDER BY id", params)
    )
    emails: dict[int, list[str]] = {}
    for pid, address in s.db.execute(
        "SELECT patron_id, address FROM patron_emails ORDER BY patron_id, position"
    ):
        emails.setdefault(pid, []).append(address)
    return [{**{f: r[f] for f in FIELDS}, "emails": emails.get(r["id"], [])} for r in rows]


def as_csv_rows(records: list[dict]) -> tuple[list[str], list[list[str]]]:
    """The header and rows an export writes: the fields, then email, email2, … as many as
    the patron with the most addresses has."""
    most = max([len(r["emails"]) for r in records] + [1])
    header = [*FIELDS, "email"] + [f"email{n}" for n in range(2, most + 1)]
    return header, [
        ["" if r[f] is None else r[f] for f in FIELDS]
        + r["emails"]
        + [""] * (most - len(r["emails"]))
        for r in records
    ]


def test_export_then_import_changes_nothing(demo_store, tmp_path):
    before = dump(demo_store.db, journal=False)
    out = io.StringIO(newline="")
    count = demo_store.export_patrons({}, ADMIN, out, "csv")
    total = demo_store.patron_count()
    assert count == total
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    header, wanted = as_csv_rows(demo_records(demo_store))
    assert header[-2:] == ["email2", "email3"]  # the demo has patrons with three addresses
    assert rows[0] == header
    assert rows[1:] == wanted

    path = tmp_path / "all.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    report = demo_store.import_patrons(path, {}, ADMIN)
    assert (report.rows, report.new, report.updated, report.unchanged) == (total, 0, 0, total)
    assert report.to_union_site == []
    assert dump(demo_store.db, journal=False) == before
    op = demo_store.operation(report.operation_id)
    assert (op["matched"], op["changed"], op["unchanged"]) == (total, 0, total)
    assert {
        c["outcome"] for c in demo_store.operation_changes(report.operation_id, limit=10**6)
    } == {"unchanged"}
    assert demo_store.db["operation_rows"].count == 0


def test_export_json_parses_to_the_same_records(demo_store):
    out = io.StringIO()
    count = demo_store.export_patrons({}, ADMIN, out, "json")
    records = json.loads(out.getvalue())
    assert count == len(records) == demo_store.patron_count()
    assert records == demo_records(demo_store)
    assert list(records[0]) == [*FIELDS, "emails"]
    assert any(len(r["emails"]) > 1 for r in records)


def test_export_a_selection_writes_only_those_patrons(demo_store):
    out = io.StringIO(newline="")
    count = demo_store.export_patrons({"grades": ["5", "12"]}, ADMIN, out, "csv")
    wanted = demo_records(demo_store, "grade IN ('5', '12')")
    assert 0 < count == len(wanted) < demo_store.patron_count()
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    header, lines = as_csv_rows(wanted)
    assert rows == [header, *lines]


def test_an_export_of_patrons_without_addresses_still_names_the_email_column(small_db):
    out = io.StringIO(newline="")
    assert small_db.export_patrons({"barcodes": ["10"]}, ADMIN, out, "csv") == 1
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == [*FIELDS, "email"]
    assert rows[1][-1] == ""


def test_export_refuses_a_bad_selection(demo_store):
    out = io.StringIO()
    with pytest.raises(store.Invalid) as exc:
        demo_store.export_patrons({"grades": ["13"]}, ADMIN, out, "csv")
    assert [p.field for p in exc.value.problems] == ["grades"]
    assert out.getvalue() == ""


def test_row_problem_text():
    assert str(RowProblem(7, "grade", "nope")) == "row 7, column grade: nope"
