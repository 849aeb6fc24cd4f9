"""``patron-utils patron BARCODE``: one patron's record as text, JSON, and the Patron History
report as CSV; an unknown barcode is said plainly; nothing is written."""

from __future__ import annotations

import csv
import io

from store import Store

from ..databases import query
from .commands import OPERATOR, dump

# A patron of the demo with a loan, a charge and history to show (the first such).
BUSY_PATRON = (
    "SELECT p.barcode, p.id FROM patrons p WHERE "
    "EXISTS (SELECT 1 FROM history h WHERE h.patron_id = p.id) AND "
    "EXISTS (SELECT 1 FROM checkouts k WHERE k.patron_id = p.id) AND "
    "EXISTS (SELECT 1 FROM charges c WHERE c.patron_id = p.id) ORDER BY p.id LIMIT 1"
)


def test_json_is_the_whole_record_the_store_reads(cli, db):
    [(barcode, patron_id)] = query(db, BUSY_PATRON)
    result = cli("patron", barcode, "--format", "json")
    assert result.code == 0, result.err
    got = result.json()
    store = Store(db)
    try:
        view = store.patron_view(barcode, store.session_operator(OPERATOR))
    finally:
        store.close()
    assert got["barcode"] == barcode and got["details"]["barcode"] == barcode
    assert got["balance"] == view.balance
    assert [h["date"] for h in got["history"]] == sorted(
        (r[0] for r in query(db, "SELECT date FROM history WHERE patron_id = ?", patron_id)),
        reverse=True,
    )
    assert [k["item_barcode"] for k in got["loans"]] == [k["item_barcode"] for k in view.loans]
    assert (
        len(got["charges"])
        == query(db, "SELECT count(*) FROM charges WHERE patron_id = ?", patron_id)[0][0]
    )
    assert set(got["notes"]) == {"Contact", "General", "Alert", "Category"}
    assert "password_hash" not in result.out


def test_text_has_every_section_and_csv_is_the_patron_history_report(cli, db):
    [(barcode, patron_id)] = query(db, BUSY_PATRON)
    before = dump(db)
    text = cli("patron", barcode)
    assert text.code == 0, text.err
    for heading in ("Details", "Emails", "Notes", "Loans (", "Charges and credits", "Holds (",
                    "Reservations (", "Patron History ("):  # fmt: skip
        assert f"\n{heading}" in text.out, heading
    assert "Patron record: " in text.out and f"· {barcode}\n" in text.out
    table = cli("patron", barcode, "--format", "csv")
    assert table.code == 0, table.err
    rows = list(csv.reader(io.StringIO(table.out)))
    assert rows[0] == ["barcode", "name", "date", "kind", "detail"]
    kept = query(db, "SELECT count(*) FROM history WHERE patron_id = ?", patron_id)[0][0]
    assert len(rows) == 1 + kept and {r[0] for r in rows[1:]} == {barcode}
    assert dump(db) == before  # looking writes nothing, not even to the journal


def test_terminology_reaches_the_text(cli, db):
    [(barcode, _)] = query(db, BUSY_PATRON)
    store = Store(db)
    try:
        store.db["preferences"].insert({"key": "term.grade", "value": "Level"}, replace=True)
    finally:
        store.close()
    out = cli("patron", barcode).out
    assert "\n  Level:" in out and "Grade:" not in out


def test_an_unknown_barcode_is_invalid_input_said_plainly(cli, db):
    result = cli("patron", "NO-SUCH-1")
    assert result.code == 2
    assert result.err == "patron-utils: BARCODE: no patron has the barcode 'NO-SUCH-1'\n"
    assert result.out == ""


def test_looking_needs_a_login(cli, db, monkeypatch):
    [(barcode, _)] = query(db, BUSY_PATRON)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "wrong-password")
    result = cli("patron", barcode)
    assert result.code == 3 and result.out == ""
    monkeypatch.delenv("PATRON_UTILS_OPERATOR")
    assert "--operator: required" in cli("patron", barcode).err


def test_db_names_the_database(cli, db, tmp_path, monkeypatch):
    [(barcode, _)] = query(db, BUSY_PATRON)
    monkeypatch.delenv("PATRON_UTILS_DB")
    assert cli("patron", barcode, "--db", db).code == 0
    missing = cli("patron", barcode, "--db", tmp_path / "none.db")
    assert missing.code == 2 and "--db: there is no database" in missing.err
