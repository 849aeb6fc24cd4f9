"""Remove Patrons: selected patron records and everything that belongs to them.

Reviews outlive their writer: they move to the Unknown Patron (created when
missing). Every removed row — the patron and each dependent row — is journaled
whole, and items declared lost keep their previous status in the journal, so an
undo can put everything back with the same identifiers.
"""

from __future__ import annotations

import sqlite_utils
from pydantic import Field

from ..security import REMOVE_PATRONS, UTILITIES, Operator
from ..validation import StoreModel
from .base import PlanSQL, TransactionView, Utility

UNKNOWN_PATRON = "Unknown Patron"
KEPT = "kept"  # the new value of a skipped patron
# Tables whose rows follow their patron somewhere other than out of the database.
MOVED = ("reviews",)


class RemovePatronsOptions(StoreModel):
    force: bool = Field(
        False,
        title="Remove even with Checked Out or Outstanding Financial Items",
        description=(
            "Including credits. Off: patrons with items out, charges or credits are skipped. "
            "On: every selected patron is removed; their items are declared lost and their "
            "holds, reservations, charges and credits are removed."
        ),
    )


class RemovePatrons(Utility[RemovePatronsOptions]):
    key = "remove-patrons"
    title = "Remove Patrons"
    summary = "Removes selected patron records from your database."
    guidance = (
        "Run this utility at the end of the school year if you re-import your patrons each "
        "year. To remove graduated patrons, select by Graduation Date (e.g. to today) or by "
        'the Last Grade (most commonly "Graduated"). Remove patrons with a status of '
        "Transferred, or with a location of Gone.\n\n"
        "Notes, pictures, history, holds, reservations and email addresses go with the "
        "patron; reviews move to the Unknown Patron. The Unknown Patron and your own account "
        "are never removed. You confirm by typing how many patrons will be removed."
    )
    textbook_tracker = True
    permissions = (UTILITIES, REMOVE_PATRONS)
    destructive = True
    verb = "removed"
    typed_confirmation = True
    Options = RemovePatronsOptions
    value_label = "Record"
    skipped_value = f"{KEPT!r}"

    def notice(self, options: RemovePatronsOptions) -> str:
        if options.force:
            return (
                "Every selected patron is removed: items they have out are declared lost; "
                "their holds, reservations, charges and credits are removed."
            )
        return (
            "Patrons with items checked out, charges or credits are skipped "
            "(the option to remove them anyway is off)."
        )

    def plan_sql(self, options: RemovePatronsOptions, operator: Operator) -> PlanSQL:
        blocked = [
            ("p.is_unknown", f"'the {UNKNOWN_PATRON} keeps removed patrons'' reviews'"),
        ]
        if not options.force:
            blocked.append(("p.items_out > 0 OR p.charges > 0", "p.current"))
        skip = " ".join(f"WHEN {cond} THEN 'skip'" for cond, _ in blocked)
        reasons = " ".join(f"WHEN {cond} THEN {why}" for cond, why in blocked)
        holding = (
            "rtrim("
            "CASE WHEN p.items_out = 1 THEN '1 item out, ' "
            "WHEN p.items_out > 1 THEN p.items_out || ' items out, ' ELSE '' END || "
            "CASE WHEN p.owed > 0 THEN money(p.owed) || ' owed, ' ELSE '' END || "
            "CASE WHEN p.credit > 0 THEN money(p.credit) || ' credit, ' ELSE '' END || "
            "CASE WHEN p.charges > 0 AND p.owed = 0 AND p.credit = 0 "
            "THEN 'a $0.00 charge, ' ELSE '' END, ', ')"
        )
        lost = (
            "CASE WHEN :force AND p.items_out > 0 THEN ', ' || p.items_out || "
            "CASE WHEN p.items_out = 1 THEN ' item' ELSE ' items' END || ' declared lost' "
            "ELSE '' END"
        )
        return PlanSQL(
            current=f"coalesce(nullif({holding}, ''), 'nothing out or owed')",
            # Extra columns are computed first, so the skip conditions hold here too.
            new=f"CASE {' '.join(f'WHEN {cond} THEN {KEPT!r}' for cond, _ in blocked)} "
            f"ELSE 'removed' || {lost} END",
            outcome=f"CASE {skip} ELSE 'change' END",
            reason=f"CASE {reasons} END",
            params={"force": options.force},
            extra={
                "items_out": "(SELECT count(*) FROM checkouts k WHERE k.patron_id = p.id)",
                "charges": "(SELECT count(*) FROM charges c WHERE c.patron_id = p.id)",
                "owed": "(SELECT coalesce(sum(c.amount), 0) FROM charges c "
                "WHERE c.patron_id = p.id AND NOT c.is_credit)",
                "credit": "(SELECT coalesce(sum(c.amount), 0) FROM charges c "
                "WHERE c.patron_id = p.id AND c.is_credit)",
            },
        )

    def apply(self, tx: TransactionView[RemovePatronsOptions]) -> None:
        removed = f"patron_id IN {tx.changes}"
        if tx.db.execute(f"SELECT 1 FROM reviews WHERE {removed} LIMIT 1").fetchone():
            unknown = unknown_patron(tx)
            tx.record_rows(
                "reviews",
                "update",
                removed,
                columns=["patron_id"],
                after_sql=f"json_object('patron_id', {unknown})",
            )
            tx.db.execute(
                f"UPDATE reviews SET patron_id = :unknown WHERE {removed}", {"unknown": unknown}
            )
        self._declare_lost(tx, removed)
        for table in dependents(tx.db):
            if table not in MOVED:
                tx.delete_rows(table, removed)
        tx.delete_rows("patrons", f"id IN {tx.changes}")

    def _declare_lost(self, tx: TransactionView[RemovePatronsOptions], removed: str) -> None:
        """Items out to removed patrons become Lost, with an entry in the item's history."""
        items = f"id IN (SELECT item_id FROM checkouts WHERE {removed})"
        tx.record_rows(
            "items", "update", items, columns=["status"], after_sql="json_object('status', 'Lost')"
        )
        first = tx.last_id("item_history")
        tx.db.execute(
            f"""INSERT INTO item_history (item_id, kind, detail, date)
                SELECT k.item_id, 'lost',
                       'Declared lost: checked out to ' || p.barcode || ' ' || p.last_name ||
                       CASE WHEN p.first_name <> '' THEN ', ' || p.first_name ELSE '' END ||
                       ', removed by Remove Patrons (operation #' || :op || ')', date(:now)
                FROM checkouts k JOIN patrons p ON p.id = k.patron_id
                WHERE k.{removed} ORDER BY k.item_id""",
            {"op": tx.operation_id, "now": tx.now},
        )
        tx.record_rows("item_history", "insert", "id > :first", {"first": first})
        tx.db.execute(f"UPDATE items SET status = 'Lost' WHERE {items}")


def dependents(db: sqlite_utils.Database) -> list[str]:
    """Every table with a foreign key to patrons: what a removed patron leaves behind."""
    tables = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'patrons' "
            "ORDER BY name"
        )
    ]
    return [
        t
        for t in tables
        if any(fk[2] == "patrons" for fk in db.execute(f"PRAGMA foreign_key_list('{t}')"))
    ]


def unknown_patron(tx: TransactionView[RemovePatronsOptions]) -> int:
    """The Unknown Patron's id, creating (and journaling) it when the database has none."""
    row = tx.db.execute("SELECT id FROM patrons WHERE is_unknown ORDER BY id LIMIT 1").fetchone()
    if row:
        return row[0]
    taken = {
        r[0] for r in tx.db.execute("SELECT barcode FROM patrons WHERE barcode LIKE 'UNKNOWN%'")
    }
    barcode = next(
        b for b in ("UNKNOWN", *(f"UNKNOWN-{n}" for n in range(2, 10**6))) if b not in taken
    )
    (site,) = tx.db.execute(
        "SELECT code FROM sites ORDER BY is_union DESC, code LIMIT 1"
    ).fetchone()
    # "Username fields in Alexandria default to barcode" (the vendor manual), unless another
    # patron has it (usernames compare without case, as logins do).
    taken_name = tx.db.execute("SELECT 1 FROM patrons WHERE username = ?", [barcode]).fetchone()
    new_id = tx.db.execute(
        """INSERT INTO patrons (barcode, last_name, status, site, username, is_unknown,
                                created, modified)
           VALUES (:barcode, :name, 'Active', :site, :username, 1, :now, :now)""",
        {
            "barcode": barcode,
            "name": UNKNOWN_PATRON,
            "site": site,
            "username": None if taken_name else barcode,
            "now": tx.now,
        },
    ).lastrowid
    assert new_id is not None
    tx.record_rows("patrons", "insert", "id = :id", {"id": new_id})
    return new_id
