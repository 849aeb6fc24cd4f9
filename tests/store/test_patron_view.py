"""One patron's whole record (store/patron_view.py, Store.patron_view): every section, the
library's terminology, the balance the Patron Balance selection computes, who may look, and
the record as text, JSON and the Patron History report as CSV."""

from __future__ import annotations

import io
import json

import pytest

from store import NoSuchPatron, NotPermitted, Selection, Store, compile_selection, security
from store.file_out import FileExists
from store.money import format_money
from store.patron_report import as_json, as_text, emit, sections
from store.patron_view import KIND_LABELS
from store.schema_versions import HISTORY_KINDS

from ..operators import ADMIN, AIDE, enrol
from .remove_patrons_helpers import add

P123 = 5  # Paul Éluard: two loans out (one overdue, one forgiven then overdue again), money


@pytest.fixture
def record(holdings):
    """holdings plus what P123's record shows in each section, and a password hash."""
    db = holdings.db
    add(
        db,
        "history",
        [
            {"patron_id": P123, "kind": "payment", "detail": "Paid $2.00", "date": "2026-03-10"},
            {"patron_id": P123, "kind": "returned", "detail": "Hatchet", "date": "2026-05-20"},
            {"patron_id": P123, "kind": "lexile", "detail": "850L", "date": "2025-09-01"},
            {"patron_id": P123, "kind": "credit", "detail": "Overpaid", "date": "2026-05-20"},
        ],
    )
    add(
        db,
        "notes",
        [
            {"patron_id": P123, "type": "Alert", "text": "Owes a book", "created": "2026-04-01"},
            {"patron_id": P123, "type": "Contact", "text": "Call dad", "created": "2026-04-02"},
            {"patron_id": P123, "type": "Alert", "text": "See office", "created": "2026-04-03"},
        ],
    )
    add(
        db,
        "patron_emails",
        [
            {"patron_id": P123, "position": 2, "address": "second@example.org"},
            {"patron_id": P123, "position": 1, "address": "first@example.org"},
        ],
    )
    add(db, "holds", [{"patron_id": P123, "title": "Dune", "placed": "2026-05-04"}])
    db.execute(
        "UPDATE patrons SET username = 'peluard', nickname = 'Pablo', password_hash = ? "
        "WHERE id = ?",
        ["$argon2id$secret-hash", P123],
    )
    return holdings


def test_every_section_of_a_patrons_record(record):
    view = record.patron_view("P123", ADMIN)
    shown = dict(view.details)
    assert (view.barcode, view.name) == ("P123", "Éluard, Paul")
    assert shown["Nickname"] == "Pablo"
    assert shown["Grade"] == "9" and shown["2nd Location"] == "Bus 7"
    assert shown["Status"] == "Suspended" and shown["Security group"] == "Student"
    assert shown["Site"] == "HIGH (Central High)"
    assert shown["Graduation date"] == "06/05/2029" and shown["Username"] == "peluard"
    assert view.emails == ["first@example.org", "second@example.org"]
    assert list(view.notes) == ["Contact", "General", "Alert", "Category"]
    assert [n["text"] for n in view.notes["Alert"]] == ["Owes a book", "See office"]
    assert [n["text"] for n in view.notes["Contact"]] == ["Call dad"]
    # Holes due 05/22 is 10 days overdue at 10¢; Wonder's fine was forgiven on 05/01: 31 days.
    assert [(k["title"], k["item_barcode"], k["fine"]) for k in view.loans] == [
        ("Wonder", "T3", 310),
        ("Holes", "T2", 100),
    ]
    assert [(c["description"], c["is_credit"]) for c in view.charges] == [
        ("Refund due", True),
        ("Late fee", False),
        ("Damaged cover", False),
    ]
    assert view.balance == 200 + 150 - 100 + 310 + 100
    assert view.money_line() == (
        "Charges $3.50 · credits $1.00 · fines accruing $4.10 · balance $6.60"
    )
    assert [h["title"] for h in view.holds] == ["Dune"]
    assert [r["title"] for r in view.reservations] == ["Laptop cart"]
    # The Patron History report: newest first (of one day, the one recorded last first).
    assert [(h["date"], h["label"]) for h in view.history] == [
        ("2026-05-20", "Credit"),
        ("2026-05-20", "Returned item"),
        ("2026-03-10", "Payment"),
        ("2025-09-01", "Lexile"),
    ]
    # Never the password hash, in any form the record takes.
    everything = as_text(view) + json.dumps(as_json(view)) + repr(view)
    assert "secret-hash" not in everything and "password" not in everything


def test_every_history_kind_has_its_name_in_the_report():
    assert set(KIND_LABELS) == set(HISTORY_KINDS)


def test_an_empty_record_says_none(small_db):
    view = small_db.patron_view("P200", ADMIN)
    parts = dict(sections(view))
    assert parts["Emails"] == ["(none)"] and parts["Holds (0)"] == ["(none)"]
    assert parts["Patron History (0, newest first)"] == ["(none)"]
    assert view.balance == 0 and dict(view.details)["Grade"] == "(none)"


def test_labels_are_the_librarys_terminology(record):
    record.db["preferences"].insert_all(
        [
            {"key": "term.grade", "value": "Level"},
            {"key": "term.location", "value": "Homeroom"},
            {"key": "term.location2", "value": "Bus Route"},
        ],
        replace=True,
    )
    view = record.patron_view("P123", ADMIN)
    labels = [label for label, _ in view.details]
    assert {"Level", "Homeroom", "Bus Route"} <= set(labels)
    assert not {"Grade", "Location", "2nd Location"} & set(labels)
    assert "  Level:" in as_text(view) and "Grade" not in as_text(view)
    assert as_json(view)["labels"]["grade"] == "Level"


def test_the_balance_is_the_patron_balance_selections(holdings):
    """Each patron is matched by the Patron Balance range of exactly their record's balance."""
    balances = {}
    for (barcode,) in holdings.db.execute("SELECT barcode FROM patrons").fetchall():
        balance = holdings.patron_view(barcode, ADMIN).balance
        amount = format_money(balance)
        where = compile_selection(Selection(balance_from=amount, balance_to=amount))
        matched = {
            r[0]
            for r in holdings.db.execute(
                f"SELECT barcode FROM patrons p WHERE {where.where}", where.params
            ).fetchall()
        }
        assert barcode in matched, (barcode, amount)
        balances[barcode] = balance
    # A charge, a credit and accruing fines are each counted (not just zero everywhere).
    assert (balances["10"], balances["100"], balances["P123"]) == (350, -100, 660)


def test_an_unknown_barcode_is_said_plainly(small_db):
    with pytest.raises(NoSuchPatron, match="no patron has the barcode 'NOPE'"):
        small_db.patron_view("NOPE", ADMIN)
    with pytest.raises(NoSuchPatron, match="give a patron's barcode"):
        small_db.patron_view("  ", ADMIN)
    # Typed in another case, as a barcode list matches, when only one patron has it.
    assert small_db.patron_view("p123", ADMIN).barcode == "P123"
    assert small_db.patron_view("P150", ADMIN).barcode == "p150"


def test_looking_needs_the_export_permission_not_a_higher_level(small_db):
    forgiver = enrol(
        small_db.db,
        security.Operator(
            303, "forgiver", "Fay Orr", "Bookkeeper", 2, frozenset({security.FORGIVE})
        ),
        "STAFF003",
    )
    with pytest.raises(NotPermitted, match="Patrons: Import, Export and Utilities"):
        small_db.patron_view("P123", forgiver)
    # Viewing changes nobody: a level-2 aide looks at a level-1 librarian and at themselves.
    assert small_db.patron_view("11", AIDE).barcode == "11"
    assert small_db.patron_view("STAFF002", AIDE).values["username"] == "aide"


def test_the_patron_history_report_as_csv_is_neutralised(record):
    add(
        record.db,
        "history",
        [{"patron_id": P123, "kind": "refund", "detail": "=HYPERLINK(1)", "date": "2026-05-30"}],
    )
    out = io.StringIO()
    emit(record.patron_view("P123", ADMIN), "csv", out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "barcode,name,date,kind,detail"
    assert lines[1] == 'P123,"Éluard, Paul",05/30/2026,Refund,\'=HYPERLINK(1)'
    assert len(lines) == 1 + 5


def test_the_record_as_text_escapes_control_characters(record):
    add(
        record.db,
        "notes",
        [{"patron_id": P123, "type": "General", "text": "bell\x1b[31m", "created": "2026-04-04"}],
    )
    text = as_text(record.patron_view("P123", ADMIN))
    assert "\x1b" not in text and "General: bell\\x1b[31m (04/04/2026)" in text
    assert "Patron History (4, newest first)\n  05/20/2026 · Credit · Overpaid" in text


def test_writing_the_report_to_a_file(record, tmp_path):
    target = tmp_path / "patron-P123.csv"
    written = record.write_patron_report("P123", target, ADMIN)
    assert written == str(target.resolve())
    assert (
        target.read_text(encoding="utf-8").splitlines()[1].startswith('P123,"Éluard, Paul",05/20')
    )
    with pytest.raises(FileExists):
        record.write_patron_report("P123", target, ADMIN)
    text = tmp_path / "P123.txt"
    record.write_patron_report("P123", text, ADMIN)
    assert "Loans (2)\n  Wonder (T3)" in text.read_text(encoding="utf-8")
    with pytest.raises(OSError, match="patron database itself"):
        record.write_patron_report("P123", record.path, ADMIN, overwrite=True)


def test_over_ssh_no_file_is_written_but_the_command_is_said(record, tmp_path):
    served = Store(record.path, via="ssh from 127.0.0.1", server_files=False)
    try:
        target = tmp_path / "mine.csv"
        with pytest.raises(NotPermitted) as refused:
            served.write_patron_report("O'1", target, ADMIN)
        assert not target.exists()
        assert "ssh … patron 'O'\"'\"'1' --format csv > 'patron-O'\"'\"'1.csv'" in str(
            refused.value
        )
        # Reading is not writing a file: the record itself is there over SSH too.
        assert served.patron_view("O'1", ADMIN).name == "O'Brien, Owen"
    finally:
        served.close()
