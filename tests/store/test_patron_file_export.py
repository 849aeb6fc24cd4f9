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
    return list(
        s.db.query(f"SELECT {', '.join(FIELDS)} FROM patrons WHERE {where} ORDER BY id", params)
    )


def test_export_then_import_changes_nothing(demo_store, tmp_path):
    before = dump(demo_store.db, journal=False)
    out = io.StringIO(newline="")
    count = demo_store.export_patrons({}, ADMIN, out, "csv")
    total = demo_store.patron_count()
    assert count == total
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(FIELDS)
    assert rows[1:] == [
        ["" if r[f] is None else r[f] for f in FIELDS] for r in demo_records(demo_store)
    ]

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


def test_row_problem_text():
    assert str(RowProblem(7, "grade", "nope")) == "row 7, column grade: nope"
