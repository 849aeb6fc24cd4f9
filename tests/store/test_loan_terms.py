"""A loan keeps the fine terms it was checked out under (schema 7): a patron's policy changed
since does not change the fine accruing on it — the balance, the Patron Balance selection,
Forgive Charges' preview and what it forgives all read the loan's own terms — and a database
of schema 6 keeps its fines when it is migrated. Recompute Due Dates: test_recompute_due_dates.py.
"""

from __future__ import annotations

import sqlite3

import store
from store.schema import MIGRATIONS, _statements

from ..operators import ADMIN, enrol
from .runs import rows_of, run

# Today is 06/01/2026 (tests/conftest.py). Adams (Elementary: 5 cents a day, up to $2.00)
# has a loan due 05/11/2026: 21 days overdue, $1.05. Community (the demo's) fines 25 cents a
# day up to $10.00 and lends for 21 days.
COMMUNITY = {
    "name": "Community",
    "account_days": None,
    "loan_days": 21,
    "fine_per_day": 25,
    "max_fine": 1000,
}
ADAMS = {"barcodes": ["9"]}


def lend(s: store.Store, patron_id: int = 1, due: str = "2026-05-11", **terms) -> int:
    """A loan of a new item to ``patron_id``, checked out 14 days before ``due``."""
    item = s.db.execute(
        "INSERT INTO items (barcode, title) VALUES ('T' || (SELECT count(*) FROM items), 'Atlas')"
    ).lastrowid
    named = "".join(", " + k for k in terms)
    return s.db.execute(
        f"INSERT INTO checkouts (item_id, patron_id, checked_out, due_date{named}) "
        f"VALUES (?, ?, date(?, '-14 days'), ?{', ?' * len(terms)})",
        [item, patron_id, due, due, *terms.values()],
    ).lastrowid


def balance(s: store.Store, selection: dict = ADAMS) -> int:
    """The patron's balance as Forgive Charges previews it (charges + fines accruing today)."""
    plan = s.plan("forgive-charges", selection, {"category": "Overdue Fines Only"}, ADMIN)
    [row] = plan.page(0, 10)
    return row.current


def test_a_loan_records_its_patrons_policy_terms_when_checked_out(small_db):
    loan = lend(small_db)
    cobbs = lend(small_db, patron_id=3)  # Secondary: 10 cents a day, up to $10.00
    given = lend(small_db, fine_per_day=0)  # terms said: kept as said (no fine, no maximum)
    terms = {r["id"]: (r["fine_per_day"], r["max_fine"]) for r in rows_of(small_db, "checkouts")}
    assert terms == {loan: (5, 200), cobbs: (10, 1000), given: (0, None)}


def test_a_policy_change_leaves_the_fine_accruing_on_a_loan_as_it_was(small_db):
    small_db.db["policies"].insert(COMMUNITY)
    lend(small_db)
    assert balance(small_db) == 105
    run(small_db, "change-policy", ADAMS, {"policy": "Community"})
    # Not 21 × 25 cents = $5.25: the loan was checked out under Elementary.
    assert balance(small_db) == 105
    # The Patron Balance selection reads the same fine.
    assert balance(small_db, {"balance_from": "1.05", "balance_to": "1.05"}) == 105
    # And Forgive Charges forgives exactly that, saying so.
    _, rows, _ = run(small_db, "forgive-charges", ADAMS, {"category": "Overdue Fines Only"})
    assert (rows["9"].current, rows["9"].new, rows["9"].reason) == (
        105,
        0,
        "1 fine, $1.05 forgiven",
    )
    [detail] = [
        r["detail"] for r in rows_of(small_db, "history", "patron_id = 1 AND kind = 'forgiven'")
    ]
    assert detail.startswith("Forgave $1.05 overdue fine")


def test_recompute_after_the_policy_change_gives_the_loan_the_new_terms(small_db):
    small_db.db["policies"].insert(COMMUNITY)
    lend(small_db)
    run(small_db, "change-policy", ADAMS, {"policy": "Community"})
    run(small_db, "recompute-due-dates", ADAMS, {})
    # Checked out 04/27/2026 + 21 days: due 05/18/2026, 14 days overdue at 25 cents.
    [loan] = rows_of(small_db, "checkouts")
    assert (loan["due_date"], loan["fine_per_day"], loan["max_fine"]) == ("2026-05-18", 25, 1000)
    assert balance(small_db) == 350


def test_a_policys_own_rate_changed_later_leaves_loans_out_as_they_were(small_db):
    lend(small_db)
    small_db.db.execute("UPDATE policies SET fine_per_day = 50, max_fine = NULL")
    assert balance(small_db) == 105
    lend(small_db)  # checked out now: under the policy as it is now
    assert balance(small_db) == 105 + 21 * 50


def schema_6_database(path) -> None:
    """A database as Patron Utilities wrote it at schema 6: loans without terms, an overdue one
    of an Elementary patron, one of a patron without a policy, one under a policy without a
    maximum."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for script in MIGRATIONS[:6]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 6")
    conn.executescript(
        """
        INSERT INTO sites (code, name) VALUES ('ELM', 'Elm');
        INSERT INTO policies (name, loan_days, fine_per_day, max_fine) VALUES
            ('Elementary', 14, 5, 200), ('Unlimited', 21, 10, NULL);
        INSERT INTO patrons (id, barcode, last_name, policy, site, created, modified) VALUES
            (1, '9', 'Adams', 'Elementary', 'ELM', 'c', 'm'),
            (2, '10', 'Carter', NULL, 'ELM', 'c', 'm'),
            (3, '11', 'Bell', 'Unlimited', 'ELM', 'c', 'm');
        INSERT INTO items (id, barcode, title) VALUES
            (1, 'T1', 'A'), (2, 'T2', 'B'), (3, 'T3', 'C');
        INSERT INTO checkouts (id, item_id, patron_id, checked_out, due_date) VALUES
            (1, 1, 1, '2026-04-27', '2026-05-11'),
            (2, 2, 2, '2026-04-27', '2026-05-11'),
            (3, 3, 3, '2026-04-20', '2026-05-11');
        """
    )
    assert "fine_per_day" not in [r[1] for r in conn.execute("PRAGMA table_info(checkouts)")]
    conn.close()


def test_a_schema_6_database_keeps_its_fines_once_migrated(tmp_path):
    path = tmp_path / "v6.db"
    schema_6_database(path)
    s = store.Store(path)
    try:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == store.schema.VERSION == 8
        enrol(s.db, ADMIN, site="ELM")
        # Each loan out got its patron's policy as it was at the migration.
        assert s.db.execute(
            "SELECT id, fine_per_day, max_fine FROM checkouts ORDER BY id"
        ).fetchall() == [(1, 5, 200), (2, 0, None), (3, 10, None)]
        everyone = {"barcodes": ["9", "10", "11"]}
        plan = s.plan("forgive-charges", everyone, {"category": "Overdue Fines Only"}, ADMIN)
        # 21 days overdue: $1.05 (Elementary), nothing (no policy), $2.10 (no maximum).
        assert {r.barcode: r.current for r in plan.page(0, 10)} == {"9": 105, "10": 0, "11": 210}
        # Changing the policies afterwards changes none of them.
        s.db.execute("UPDATE policies SET fine_per_day = 99, max_fine = 5000")
        s.db.execute("UPDATE patrons SET policy = 'Unlimited' WHERE id = 1")
        plan = s.plan("forgive-charges", everyone, {"category": "Overdue Fines Only"}, ADMIN)
        assert {r.barcode: r.current for r in plan.page(0, 10)} == {"9": 105, "10": 0, "11": 210}
    finally:
        s.close()
    # Opened again: not migrated twice.
    s = store.Store(path)
    try:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == 8
        assert s.db.execute("SELECT count(*) FROM checkouts").fetchone()[0] == 3
    finally:
        s.close()


def test_undo_of_a_removed_patron_brings_their_loans_back_with_their_terms(small_db):
    loan = lend(small_db, patron_id=5, fine_per_day=7, max_fine=300)  # terms of some old policy
    before = rows_of(small_db, "checkouts")
    _, _, report = run(small_db, "remove-patrons", {"barcodes": ["P123"]}, {"force": True})
    assert rows_of(small_db, "checkouts") == []
    small_db.undo(report.operation_id, ADMIN)
    assert rows_of(small_db, "checkouts") == before
    assert (before[0]["id"], before[0]["fine_per_day"], before[0]["max_fine"]) == (loan, 7, 300)
