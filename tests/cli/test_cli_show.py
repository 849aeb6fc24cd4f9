"""``patron-utils show ID``: an operation's Operations Information from the journal — its header,
then every patron with the outcome, current → new and why one was skipped; ``--skipped``
only the skipped. ``log ID`` prints the same (one piece serves both)."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from store.catalog import get


def journal(db, outcome: str | None = None) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT barcode, outcome, coalesce(reason, ''), before, after FROM operation_changes "
            "WHERE operation_id = 1 AND (:o IS NULL OR outcome = :o) ORDER BY seq",
            {"o": outcome},
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture
def reset(cli, db):
    """Usernames reset to email addresses: patrons with no email are skipped, with why."""
    done = cli("run", "reset-accounts", "--username", "email-address", "--yes")
    assert done.code == 0, done.err
    assert journal(db, "skip") and journal(db, "change")
    return db


def rows_of(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.split("\n\n", 1)[1].splitlines()]


def test_show_prints_the_header_and_every_patron(cli, reset):
    shown = cli("show", "1")
    assert shown.code == 0, shown.err
    head = shown.out.split("\n\n")[0]
    assert head.startswith("Operation #1: Reset Patron Accounts")
    assert "Options: Reset Username by: Email Address" in head
    rows = rows_of(shown.out)
    assert [r[0] for r in rows] == [b for b, *_ in journal(reset)]
    by_barcode = {b: (o, why, before, after) for b, o, why, before, after in journal(reset)}
    for barcode, _name, values, outcome in rows:
        o, why, before, after = by_barcode[barcode]
        show = get("reset-accounts").show  # '(none)' for no value, as the preview
        assert values == f"{show(before)} → {show(after)}"
        assert outcome == (f"{o}: {why}" if why else o)
    assert any(r[3].startswith("skip: ") for r in rows) and any(r[3] == "change" for r in rows)


def test_show_skipped_prints_only_the_skipped_with_why(cli, reset):
    shown = cli("show", "1", "--skipped")
    assert shown.code == 0, shown.err
    rows = rows_of(shown.out)
    assert [r[0] for r in rows] == [b for b, *_ in journal(reset, "skip")]
    assert all(r[3].startswith("skip: ") and len(r[3]) > len("skip: ") for r in rows)
    as_csv = list(csv.DictReader(io.StringIO(cli("show", "1", "--skipped", "--format", "csv").out)))
    assert [(r["barcode"], r["outcome"], r["reason"]) for r in as_csv] == [
        (b, o, why) for b, o, why, *_ in journal(reset, "skip")
    ]
    as_json = cli("show", "1", "--skipped", "--format", "json").json()
    assert as_json["skipped"] == len(as_json["patrons"]) == len(journal(reset, "skip"))
    assert {p["outcome"] for p in as_json["patrons"]} == {"skip"}


def test_log_id_is_show_id(cli, reset):
    for fmt in ("text", "json", "csv"):
        assert cli("log", "1", "--format", fmt).out == cli("show", "1", "--format", fmt).out


def test_show_of_no_operation_is_refused(cli, db):
    result = cli("show", "99")
    assert result.code == 2 and "ID: there is no operation #99" in result.err
    assert cli("show").code == 2  # ID is required


@pytest.mark.parametrize("skipped", [False, True])
def test_show_reads_the_report_page_after_page_each_row_once(cli, reset, monkeypatch, skipped):
    # Pages of 7: the report is read from where the last page ended (its seq), so an undo's
    # report, whose seqs are the changed patrons' own (gaps where the skipped were), and
    # one outcome alone come out whole, in order, nothing twice.
    from cli import printing

    monkeypatch.setattr(printing, "PAGE", 7)
    undone = cli("undo", "1", "--yes")
    assert undone.code == 0, undone.err
    conn = sqlite3.connect(reset)
    try:
        undo_id, seqs = conn.execute(
            "SELECT operation_id, group_concat(seq) FROM operation_changes "
            "WHERE operation_id = (SELECT max(id) FROM operations)"
        ).fetchone()
        expected = [
            b
            for (b,) in conn.execute(
                "SELECT barcode FROM operation_changes WHERE operation_id = ? ORDER BY seq",
                [1 if skipped else undo_id],
            )
            if not skipped or b in {r[0] for r in journal(reset, "skip")}
        ]
    finally:
        conn.close()
    numbers = [int(n) for n in seqs.split(",")]
    assert max(numbers) > len(numbers) > 7  # gaps, and more than a page
    shown = cli("show", "1" if skipped else str(undo_id), *(["--skipped"] if skipped else []))
    assert shown.code == 0, shown.err
    assert [r[0] for r in rows_of(shown.out)] == expected
