"""Excluding patrons from a preview by hand, and an operation's summary as a file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import store
from store import security
from store.apply import EXCLUDED_REASON
from store.usernames import as_password

from ..operators import ADMIN
from .runs import NOW, STAMP, changes, column, count, journal, operation, run

HIGH_TO_INACTIVE = ({"sites": ["HIGH"]}, {"status": "Inactive"})
# HIGH: Cobb (100, already Inactive), Davis (1000), de la Cruz (101), Éluard (P123), Ng (p150).


def seqs(plan: store.Plan) -> dict[str, int]:
    return {r.barcode: r.seq for r in plan.page(0, 100)}


def excluded_rows(plan: store.Plan) -> set[str]:
    return {r.barcode for r in plan.page(0, 100) if r.excluded}


# -- excluding patrons by hand ---------------------------------------------------------------


def test_excluding_a_patron_moves_them_from_change_to_excluded_and_back(small_db):
    plan = small_db.plan("change-status", *HIGH_TO_INACTIVE, ADMIN)
    assert plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0, excluded=0)
    seq = seqs(plan)

    assert small_db.toggle_excluded(plan, seq["P123"]) is True
    assert plan.counts == store.Counts(matched=5, change=3, unchanged=1, skip=0, excluded=1)
    assert excluded_rows(plan) == {"P123"}
    assert small_db.toggle_excluded(plan, seq["101"]) is True
    assert plan.counts == store.Counts(matched=5, change=2, unchanged=1, skip=0, excluded=2)

    assert small_db.toggle_excluded(plan, seq["P123"]) is False
    assert small_db.toggle_excluded(plan, seq["101"]) is False
    assert plan.counts == store.Counts(matched=5, change=4, unchanged=1, skip=0, excluded=0)
    assert excluded_rows(plan) == set()
    # The row itself is as previewed: only the mark moved.
    row = {r.barcode: r for r in plan.page(0, 100)}["P123"]
    assert (row.current, row.new, row.outcome, row.reason) == (
        "Suspended",
        "Inactive",
        "change",
        None,
    )


def test_only_a_patron_who_would_change_can_be_excluded(small_db):
    plan = small_db.plan("change-status", *HIGH_TO_INACTIVE, ADMIN)
    counts = plan.counts
    with pytest.raises(ValueError):
        small_db.toggle_excluded(plan, seqs(plan)["100"])  # unchanged: already Inactive
    with pytest.raises(ValueError):
        small_db.toggle_excluded(plan, 999)  # no such row
    assert plan.counts == counts

    grades = small_db.plan("advance-grade", {}, {}, ADMIN)
    rows = {r.barcode: r for r in grades.page(0, 100)}
    assert rows["P200"].outcome == "skip"  # Zimmer has no grade
    before = grades.counts
    with pytest.raises(ValueError):
        small_db.toggle_excluded(grades, rows["P200"].seq)
    assert grades.counts == before
    assert excluded_rows(grades) == set()


def test_excluded_patrons_are_untouched_and_reported_as_skipped(small_db):
    s = small_db
    statuses, modified = column(s, "status"), column(s, "modified")
    plan = s.plan("change-status", *HIGH_TO_INACTIVE, ADMIN)
    s.toggle_excluded(plan, seqs(plan)["P123"])
    s.toggle_excluded(plan, seqs(plan)["101"])
    report = s.apply(plan)

    assert report.counts == store.Counts(matched=5, change=2, unchanged=1, skip=0, excluded=2)
    now = column(s, "status")
    assert (now["P123"], now["101"]) == (statuses["P123"], statuses["101"])
    assert column(s, "modified")["P123"] == column(s, "modified")["101"] == STAMP
    assert (now["1000"], now["p150"]) == ("Inactive", "Inactive")
    assert modified["1000"] == STAMP and column(s, "modified")["1000"] == NOW

    rows = changes(s, report.operation_id)
    # Recorded with what they kept, not the status they would have been given.
    assert rows["P123"] == ("skip", EXCLUDED_REASON, "Suspended", "Suspended")
    assert rows["101"] == ("skip", "excluded from the preview by hand", "Active", "Active")
    assert rows["1000"][:2] == ("change", None)
    assert rows["100"][:2] == ("unchanged", "already Inactive")
    op = operation(s, report.operation_id)
    assert op["excluded"] == 2
    assert (op["matched"], op["changed"], op["unchanged"], op["skipped"]) == (5, 2, 1, 0)
    # Nothing of theirs is in the journal.
    assert {rid for _, rid, *_ in journal(s, report.operation_id)} == {4, 12}


def test_an_operation_without_exclusions_records_none(small_db):
    _, _, report = run(small_db, "change-status", *HIGH_TO_INACTIVE)
    assert report.counts.excluded == 0
    assert operation(small_db, report.operation_id)["excluded"] == 0


class RecordingHasher:
    """A stand-in for argon2 that remembers each password it hashed."""

    def __init__(self):
        self.passwords: list[str] = []

    def hash(self, password: str) -> str:
        self.passwords.append(password)
        return f"$test${password}"


def test_excluded_patrons_are_neither_hashed_nor_reset(small_db, monkeypatch):
    hasher = RecordingHasher()
    monkeypatch.setattr(security, "HASHER", hasher)
    s = small_db
    # small_db's twelve patrons (not the operators' District Office).
    plan = s.plan(
        "reset-accounts",
        {"sites": ["ELM", "HIGH", "UNION"]},
        {"username": "Barcode", "password": "Last Name (non-secure)"},
        ADMIN,
    )
    assert plan.counts.change == 12
    seq = seqs(plan)
    for barcode in ("P123", "O'1"):  # Éluard and O'Brien
        s.toggle_excluded(plan, seq[barcode])
    assert plan.counts == store.Counts(matched=12, change=10, unchanged=0, skip=0, excluded=2)
    report = s.apply(plan)

    assert as_password("Éluard") not in hasher.passwords
    assert as_password("O'Brien") not in hasher.passwords
    assert len(hasher.passwords) == 10
    rows = {
        r[0]: r[1:]
        for r in s.db.execute(
            "SELECT barcode, username, password_hash, must_change_password, modified FROM patrons"
        )
    }
    for barcode in ("P123", "O'1"):
        assert rows[barcode] == (None, None, 0, STAMP)
    assert rows["9"] == ("9", f"$test${as_password('Adams')}", 1, NOW)
    assert sum(1 for r in rows.values() if r[1] is not None) == 10
    assert changes(s, report.operation_id)["P123"][:2] == ("skip", EXCLUDED_REASON)
    assert operation(s, report.operation_id)["excluded"] == 2


@pytest.fixture
def charged_db(small_db):
    """small_db with one charge each for Adams (9), Carter (10) and Cobb (100)."""
    for pid, amount, description in (
        (1, 1299, "Lost"),
        (2, 500, "Overdue Fine"),
        (3, 250, "Printing"),
    ):
        small_db.db["charges"].insert(
            {
                "patron_id": pid,
                "amount": amount,
                "description": description,
                "transaction_date": "2026-05-01",
            }
        )
    return small_db


def test_excluding_a_patron_updates_the_total_to_forgive_and_keeps_their_charges(charged_db):
    s = charged_db
    plan = s.plan("forgive-charges", {}, {"category": "All Charges, Fees, and Fines"}, ADMIN)
    assert plan.tally == "In all, $20.49 will be forgiven."
    s.toggle_excluded(plan, seqs(plan)["9"])
    assert plan.tally == "In all, $7.50 will be forgiven."
    report = s.apply(plan)
    # The result and the operation's summary say what was forgiven, without the excluded.
    assert (
        report.effects
        == s.operation(report.operation_id)["effects"]
        == "In all, $7.50 was forgiven."
    )
    assert s.db.execute("SELECT patron_id, amount FROM charges").fetchall() == [(1, 1299)]
    assert count(s, "history", "patron_id = 1") == 0


# -- an operation's summary as a file --------------------------------------------------------


@pytest.fixture
def forgiven(charged_db):
    """Forgive Charges on ELM and HIGH with Ben Carter (10) excluded: an operation with a skip."""
    s = charged_db
    plan = s.plan(
        "forgive-charges",
        {"sites": ["ELM", "HIGH"]},
        {"category": "All Charges, Fees, and Fines"},
        ADMIN,
    )
    s.toggle_excluded(plan, seqs(plan)["10"])
    return s, s.apply(plan)


CSV_HEADER = [
    "operation",
    "barcode",
    "name",
    "outcome",
    "reason",
    "Balance before",
    "Balance after",
]


def test_the_csv_lists_every_patron_skipped_first_with_values_as_shown(forgiven, tmp_path):
    s, report = forgiven
    written = s.write_report(report.operation_id, tmp_path / "forgiven.csv", ADMIN)
    assert written == str((tmp_path / "forgiven.csv").resolve())
    with open(written, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == CSV_HEADER
    body = rows[1:]
    assert len(body) == report.counts.matched == 10
    op = str(report.operation_id)
    nothing = "no charges or accruing fines"
    assert body[:3] == [
        # Excluded by hand: left with what he had, not what he would have been given.
        [op, "10", "Carter, Ben", "skip", EXCLUDED_REASON, "$5.00", "$5.00"],
        [op, "9", "Adams, Ann", "change", "1 charge, $12.99 forgiven", "$12.99", "$0.00"],
        [op, "100", "Cobb, Cara", "change", "1 charge, $2.50 forgiven", "$2.50", "$0.00"],
    ]
    assert [r[1] for r in body[3:]] == ["11", "1000", "101", "p150", "O'1", "P200", "P123"]
    assert all(r[3:] == ["unchanged", nothing, "$0.00", "$0.00"] for r in body[3:])


def test_the_text_summary_starts_with_the_operation_and_its_selections_and_options(
    forgiven, tmp_path
):
    s, report = forgiven
    written = s.write_report(report.operation_id, tmp_path / "forgiven.txt", ADMIN)
    text = Path(written).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == f"Operation #{report.operation_id}: Forgive Charges"
    assert lines[1] == f"By demo at {NOW}"
    counts = lines[2]
    assert counts.startswith("Matched 10 · changed 2 · unchanged 7 · skipped 0 · excluded")
    assert counts.endswith(" 1")  # the one patron excluded by hand
    assert lines[3] == "In all, $15.49 was forgiven."  # Carter's $5.00 was excluded
    assert "Selections: Patrons in Site: ELM, HIGH" in lines
    assert (
        "Options: Charges to forgive: All Charges, Fees, and Fines; "
        "Transaction Date Starting: (none); And Ending: (none)"
    ) in lines
    patrons = lines[lines.index("") + 1 :]
    assert patrons[0] == f"10\tCarter, Ben\t$5.00 → $5.00\tskip: {EXCLUDED_REASON}"
    assert patrons[1] == "9\tAdams, Ann\t$12.99 → $0.00\tchange: 1 charge, $12.99 forgiven"
    assert len(patrons) == 10


def test_a_csv_name_in_capitals_is_still_csv(forgiven, tmp_path):
    s, report = forgiven
    written = s.write_report(report.operation_id, tmp_path / "FORGIVEN.CSV", ADMIN)
    with open(written, newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == CSV_HEADER


def test_the_summaries_of_an_undo_and_the_undone_say_so(small_db, tmp_path):
    s = small_db
    _, _, report = run(s, "change-status", *HIGH_TO_INACTIVE)
    undone = s.undo(report.operation_id, ADMIN)
    original = Path(s.write_report(report.operation_id, tmp_path / "o.txt", ADMIN)).read_text(
        encoding="utf-8"
    )
    undo = Path(s.write_report(undone.operation_id, tmp_path / "u.txt", ADMIN)).read_text(
        encoding="utf-8"
    )
    assert f"Undone by operation #{undone.operation_id}." in original.splitlines()
    assert undo.splitlines()[0] == (
        f"Operation #{undone.operation_id}: Undo of Change Patron Status (#{report.operation_id})"
    )
    assert f"This undid operation #{report.operation_id}." in undo.splitlines()
    assert "Options: Change Status to: Inactive" in undo.splitlines()
    with open(
        s.write_report(undone.operation_id, tmp_path / "u.csv", ADMIN), newline="", encoding="utf-8"
    ) as f:
        rows = list(csv.reader(f))
    assert rows[0] == [
        "operation",
        "barcode",
        "name",
        "outcome",
        "reason",
        "Status before",
        "Status after",
    ]
    assert {r[1]: (r[5], r[6]) for r in rows[1:]} == {
        "1000": ("Inactive", "Transferred"),
        "101": ("Inactive", "Active"),
        "P123": ("Inactive", "Suspended"),
        "p150": ("Inactive", "Active"),
    }


def test_a_summary_of_an_unknown_operation_is_a_key_error(small_db, tmp_path):
    with pytest.raises(KeyError) as info:
        small_db.write_report(42, tmp_path / "none.csv", ADMIN)
    assert "#42" in str(info.value)
    assert not (tmp_path / "none.csv").exists()


def test_a_patron_excluded_by_hand_is_recorded_with_what_they_kept(small_db):
    s = small_db
    plan = s.plan("remove-patrons", {}, {}, ADMIN)
    changing = [r for r in plan.page(0, 100) if r.outcome == "change"]
    assert len(changing) >= 2
    out = changing[0]
    s.toggle_excluded(plan, out.seq)
    report = s.apply(plan)
    rows = {r["barcode"]: r for r in s.operation_changes(report.operation_id)}
    assert (rows[out.barcode]["outcome"], rows[out.barcode]["reason"]) == ("skip", EXCLUDED_REASON)
    # Not "removed": the patron is still there, and the summary says kept.
    assert (rows[out.barcode]["before"], rows[out.barcode]["after"]) == (out.current, "kept")
    assert rows[changing[1].barcode]["after"] == "removed"
    assert count(s, "patrons", "barcode = ?", out.barcode) == 1
    assert count(s, "patrons", "barcode = ?", changing[1].barcode) == 0
