"""``run --preset`` (a saved run) and ``run --barcodes-file`` (a list of barcodes): choosing
whom a run changes from something saved beforehand."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

import pytest

from store import Store

from .commands import (
    OPERATOR,
    PASSWORD,
    assert_agrees,
    count,
    dump,
    store_plan,
)

# -- presets ------------------------------------------------------------------------------------


def save_run(path: Path, key: str, name: str, selection: dict, options: dict) -> None:
    s = Store(path)
    try:
        s.save_run(key, name, selection, options, s.login(OPERATOR, PASSWORD))
    finally:
        s.close()


def test_a_preset_is_used_and_flags_override_it(cli, db):
    save_run(db, "change-status", "Seniors leave", {"grades": ["12"]}, {"status": "Inactive"})
    before = dump(db)
    used = cli("run", "change-status", "--preset", "Seniors leave", "--format", "json")
    assert used.code == 0, used.err
    assert_agrees(
        used.json(), store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Inactive"})
    )
    option = cli(
        "run",
        "change-status",
        "--preset",
        "seniors LEAVE",
        "--status",
        "Suspended",
        "--format",
        "json",
    )
    assert option.code == 0, option.err
    assert_agrees(
        option.json(), store_plan(db, "change-status", {"grades": ["12"]}, {"status": "Suspended"})
    )
    criterion = cli(
        "run", "change-status", "--preset", "Seniors leave", "--grades", "11", "--format", "json"
    )
    assert criterion.code == 0, criterion.err
    assert_agrees(
        criterion.json(),
        store_plan(db, "change-status", {"grades": ["11"]}, {"status": "Inactive"}),
    )
    assert dump(db) == before
    applied = cli("run", "change-status", "--preset", "Seniors leave", "--yes", "--format", "json")
    assert applied.code == 0
    op = Store(db)
    try:
        assert json.loads(op.operation(applied.json()["operation_id"])["selection"]) == {
            "grades": ["12"]
        }
    finally:
        op.close()


def test_an_unknown_preset_exits_2_naming_preset(cli, db):
    save_run(db, "change-status", "Seniors leave", {"grades": ["12"]}, {"status": "Inactive"})
    before = dump(db)
    result = cli("run", "change-status", "--preset", "Juniors", "--yes")
    assert result.code == 2
    assert "--preset" in result.err and "Juniors" in result.err and "Seniors leave" in result.err
    assert dump(db) == before
    # A preset of another utility is not this one's.
    other = cli("run", "change-location", "--preset", "Seniors leave", "--location", "X", "--yes")
    assert other.code == 2 and "--preset" in other.err
    assert dump(db) == before


# -- barcode lists ------------------------------------------------------------------------------


def write_list(path: Path, first: str, second: str) -> Path:
    path.write_text(
        textwrap.dedent(f"""\
        # end-of-year list from the office

        {first}
        NOPE-404
          {second}   # moved in March
        {first}

        """),
        encoding="utf-8",
    )
    return path


def test_a_barcodes_file_selects_those_patrons_and_reports_the_unknown(cli, db, tmp_path):
    first, second = "20260007", "20260042"
    path = write_list(tmp_path / "leavers.txt", first, second)
    before = dump(db)
    result = cli(
        "run", "change-status", "--status", "Inactive", "--barcodes-file", path, "--format", "json"
    )
    assert result.code == 0, result.err
    assert dump(db) == before
    payload = result.json()
    barcodes = [p["barcode"] for p in payload["patrons"]]
    assert sorted(barcodes) == sorted([first, second, "NOPE-404"])  # the duplicate once
    missing = [p for p in payload["patrons"] if p["barcode"] == "NOPE-404"]
    assert missing == [
        {
            "barcode": "NOPE-404",
            "name": "(not found)",
            "outcome": "skip",
            "reason": "not found",
            "before": None,
            "after": None,
        }
    ]
    assert (payload["matched"], payload["skipped"], payload["not_found"]) == (3, 1, 1)
    assert_agrees(
        payload,
        store_plan(
            db, "change-status", {"barcodes": [first, second, "NOPE-404"]}, {"status": "Inactive"}
        ),
    )

    applied = cli(
        "run",
        "change-status",
        "--status",
        "Inactive",
        "--barcodes-file",
        path,
        "--yes",
        "--format",
        "json",
    )
    assert applied.code == 0, applied.err
    op = applied.json()["operation_id"]
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT barcode, patron_id, outcome, reason FROM operation_changes "
            "WHERE operation_id = ? ORDER BY seq",
            [op],
        ).fetchall()
        statuses = dict(
            conn.execute(
                "SELECT barcode, status FROM patrons WHERE barcode IN (?, ?)", [first, second]
            ).fetchall()
        )
    finally:
        conn.close()
    assert ("NOPE-404", None, "skip", "not found") in rows
    assert len(rows) == 3
    assert statuses == {first: "Inactive", second: "Inactive"}


def test_a_barcodes_file_whose_path_has_a_space_is_read(cli, db, tmp_path):
    folder = tmp_path / "office lists"
    folder.mkdir()
    path = write_list(folder / "leavers.txt", "20260007", "20260042")
    result = cli(
        "run", "change-status", "--status", "Inactive", "--barcodes-file", path, "--format", "json"
    )
    assert result.code == 0, result.err
    assert sorted(p["barcode"] for p in result.json()["patrons"]) == [
        "20260007",
        "20260042",
        "NOPE-404",
    ]


@pytest.mark.parametrize("name", ["leavers", "leavers.txt"], ids=["no-extension", "txt-extension"])
def test_a_missing_barcodes_file_exits_2_naming_the_flag(cli, db, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    before = dump(db)
    result = cli(
        "run",
        "change-status",
        "--status",
        "Inactive",
        "--barcodes-file",
        name,
        "--yes",
        "--format",
        "json",
    )
    assert result.code == 2, result.out
    assert "--barcodes-file" in result.err
    assert dump(db) == before


def test_a_barcodes_file_with_no_barcodes_does_not_select_every_patron(cli, db, tmp_path):
    path = tmp_path / "leavers.txt"
    path.write_text("# nobody has left yet\n\n", encoding="utf-8")
    inactive = count(db, "SELECT count(*) FROM patrons WHERE status = 'Inactive'")
    result = cli(
        "run",
        "change-status",
        "--status",
        "Inactive",
        "--barcodes-file",
        path,
        "--yes",
        "--format",
        "json",
    )
    if result.code == 0:
        assert result.json()["change"] == 0, (
            f"an empty barcode list selected {result.json()['matched']} patrons"
        )
    else:
        assert result.code == 2 and "--barcodes-file" in result.err
    assert count(db, "SELECT count(*) FROM patrons WHERE status = 'Inactive'") == inactive
