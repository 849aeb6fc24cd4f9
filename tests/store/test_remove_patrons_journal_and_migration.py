"""Remove Patrons' journal, a failed apply, and the migration to schema version 2."""

from __future__ import annotations

import sqlite3

import pytest

import store
from store.schema import V1, _statements

from ..operators import ADMIN, enrol
from .remove_patrons_helpers import KEY, PICTURE, assert_nothing_references, outcomes, snapshot
from .runs import count, journal, run

# -- the journal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_the_journal_keeps_every_removed_row_whole(holdings, force):
    s = holdings
    before = snapshot(s)
    plan, rows, report = run(s, KEY, {}, {"force": force})
    after = snapshot(s)
    entries = journal(s, report.operation_id)

    expected = []
    for table, old_rows in before.items():
        for rowid, row in old_rows.items():
            if rowid not in after[table]:
                image = {
                    k: (v.hex().upper() if isinstance(v, bytes) else v) for k, v in row.items()
                }
                expected.append((table, rowid, "delete", image, None))
    # Every table that lost rows: the patrons and each kind of row that belongs to them.
    deleted_from = {t for t, *_ in expected}
    assert deleted_from == (
        {
            "patrons",
            "notes",
            "pictures",
            "history",
            "holds",
            "reservations",
            "patron_emails",
            "outbox",
            "password_resets",
            "checkouts",
            "charges",
        }
        if force
        else {
            "patrons",
            "notes",
            "pictures",
            "history",
            "holds",
            "reservations",
            "patron_emails",
            "outbox",
            "password_resets",
        }
    )
    unknown = 303  # after small_db's operators
    expected.append(("patrons", unknown, "insert", None, after["patrons"][unknown]))
    moved = [k for k, r in before["reviews"].items() if after["reviews"][k]["patron_id"] == unknown]
    assert moved == ([1, 2, 3, 4] if force else [1, 2, 3])
    expected += [
        (
            "reviews",
            k,
            "update",
            {"patron_id": before["reviews"][k]["patron_id"]},
            {"patron_id": unknown},
        )
        for k in moved
    ]
    if force:
        expected += [
            ("items", k, "update", {"status": before["items"][k]["status"]}, {"status": "Lost"})
            for k in (1, 2, 3)
        ]
        expected += [
            ("item_history", k, "insert", None, after["item_history"][k]) for k in (1, 2, 3)
        ]
    assert sorted(entries, key=lambda e: (e[0], e[1], e[2])) == sorted(
        expected, key=lambda e: (e[0], e[1], e[2])
    )
    assert len(entries) == len(expected)

    # Spot checks of what an undo needs.
    by_key = {(t, r, a): (b, af) for t, r, a, b, af in entries}
    assert by_key[("pictures", 4, "delete")] == (
        {"patron_id": 4, "image": PICTURE.hex().upper()},
        None,
    )
    assert bytes.fromhex(by_key[("pictures", 4, "delete")][0]["image"]) == PICTURE
    assert by_key[("patrons", 4, "delete")][0] == {
        "id": 4,
        "barcode": "1000",
        "first_name": "Dan",
        "middle_name": "",
        "last_name": "Davis",
        "nickname": "",
        "grade": "Graduated",
        "location": None,
        "location2": None,
        "policy": "Secondary",
        "security_group": "Student",
        "status": "Transferred",
        "site": "HIGH",
        "graduation_date": "2025-06-01",
        "expiration_date": "2025-05-31",
        "username": None,
        "password_hash": None,
        "must_change_password": 0,
        "created": "2026-01-01 00:00:00",
        "modified": "2026-01-01 00:00:00",
        "is_unknown": 0,
        "roster_id": None,
    }
    assert by_key[("reviews", 3, "update")] == ({"patron_id": 9}, {"patron_id": 303})
    assert by_key[("patrons", 303, "insert")][1]["barcode"] == "UNKNOWN"
    if force:
        assert by_key[("items", 3, "update")] == ({"status": "Overdue"}, {"status": "Lost"})
        assert by_key[("charges", 5, "delete")][0] == {
            "id": 5,
            "patron_id": 5,
            "amount": 100,
            "description": "Refund due",
            "note": "",
            "transaction_date": "2026-03-05",
            "is_credit": 1,
        }
        assert by_key[("checkouts", 3, "delete")][0] == {
            "id": 3,
            "item_id": 3,
            "patron_id": 5,
            "checked_out": "2026-04-01",
            "due_date": "2026-04-22",
            "fines_from": "2026-05-01",
            # The fine terms it was checked out under (Éluard's Secondary), to come back with.
            "fine_per_day": 10,
            "max_fine": 1000,
        }
    # The journal's rows are written under the operation that did it.
    assert count(s, "operation_rows", "operation_id <> ?", report.operation_id) == 0


def test_a_failed_apply_writes_nothing(holdings, monkeypatch):
    from store.utilities import remove_patrons  # the module itself

    before = snapshot(holdings)
    plan = holdings.plan(KEY, {}, {"force": True}, ADMIN)

    def broken(self, tx, removed):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(remove_patrons.RemovePatrons, "_declare_lost", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        holdings.apply(plan)
    assert snapshot(holdings) == before
    assert count(holdings, "operations") == count(holdings, "operation_rows") == 0


# -- the migration to schema version 2 ----------------------------------------------------------


def test_a_version_1_database_is_migrated_keeping_its_history(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for statement in _statements(V1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO sites (code, name, is_union) VALUES ('ELM', 'Elm', 0), "
        "('UNION', 'Union Site', 1)"
    )
    conn.execute(
        "INSERT INTO patrons (id, barcode, last_name, first_name, site, created, "
        "modified) VALUES (1, '9', 'Adams', 'Ann', 'ELM', 'c', 'm')"
    )
    conn.execute(
        "INSERT INTO history (id, patron_id, kind, detail, date) "
        "VALUES (5, 1, 'payment', 'Paid $2.00', '2026-01-10')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("INSERT INTO history (patron_id, kind, date) VALUES (1, 'forgiven', 'x')")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(patrons)")]
    assert "is_unknown" not in columns
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'item_history'").fetchone()[0]
        == 0
    )
    conn.close()

    db = store.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == store.schema.VERSION == 8
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        # Version 3: the preview's name order is an index.
        assert (
            db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'patrons_preview_order'"
            ).fetchone()[0]
            == 1
        )
        assert db.execute("SELECT id, patron_id, kind, detail, date FROM history").fetchall() == [
            (5, 1, "payment", "Paid $2.00", "2026-01-10")
        ]
        db.execute(
            "INSERT INTO history (patron_id, kind, detail, date) "
            "VALUES (1, 'forgiven', 'Forgave $1.00', '2026-06-01')"
        )
        assert db.execute("SELECT id, kind FROM history ORDER BY id").fetchall() == [
            (5, "payment"),
            (6, "forgiven"),
        ]
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            db.execute("INSERT INTO history (patron_id, kind, date) VALUES (1, 'bogus', 'x')")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
            db.execute("INSERT INTO history (patron_id, kind, date) VALUES (99, 'payment', 'x')")
        assert [tuple(fk)[2:4] for fk in db.execute("PRAGMA foreign_key_list('history')")] == [
            ("patrons", "patron_id")
        ]
        assert db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'history'"
        ).fetchall() == [("history_patron",)]
        assert db.execute("SELECT id, is_unknown FROM patrons").fetchall() == [(1, 0)]
        assert db.execute("SELECT count(*) FROM item_history").fetchone()[0] == 0
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.conn.close()

    # Connecting again does not migrate twice; the migrated database runs Remove Patrons.
    s = store.Store(path)
    try:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == 8
        assert s.db.execute("SELECT count(*) FROM history").fetchone()[0] == 2
        enrol(s.db, ADMIN)
        plan, rows, report = run(s, KEY, {"barcodes": ["9"]}, {})
        assert outcomes(rows) == {"9": ("change", None, "nothing out or owed", "removed")}
        assert s.db.execute("SELECT count(*) FROM history").fetchone()[0] == 0
        assert [(t, r, a) for t, r, a, _, _ in journal(s, report.operation_id)] == [
            ("history", 5, "delete"),
            ("history", 6, "delete"),
            ("patrons", 1, "delete"),
        ]
        assert_nothing_references(s, {1})
    finally:
        s.close()
