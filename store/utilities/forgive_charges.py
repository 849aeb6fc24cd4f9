"""Forgive Charges: the chosen category of charges and accruing fines, within a date range.

Categories partition a patron's charges: a charge is Lost when its description or
note is "Lost", else an Overdue Fine when either is "Overdue Fine" (any case, spaces
trimmed), else Other. Fines still accruing on overdue loans are Overdue Fines.
Credits are never forgiven. A forgiven charge is deleted (the journal keeps it) and
leaves a 'forgiven' history entry; a forgiven accruing fine restarts from today.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlite_utils
from pydantic import Field, ValidationInfo, field_validator

from .. import clock
from ..dates import ACCEPTED, parse_date
from ..money import ACCRUED, BALANCE, FINE_START, LOANS_OF, format_money
from ..security import FORGIVE, UTILITIES, Operator
from ..selection import check_order
from ..validation import StoreModel
from .base import CHANGING, PlanSQL, PlanView, TransactionView, Utility


class ChargeCategory(StrEnum):
    ALL = "All Charges, Fees, and Fines"
    LOST = "Lost Fees Only"
    OVERDUE = "Overdue Fines Only"
    OTHER = "Other Charges/Fees"


class ForgiveChargesOptions(StoreModel):
    category: ChargeCategory = Field(
        title="Charges to forgive",
        description="Lost: description or note 'Lost'. Overdue: 'Overdue Fine', or a fine "
        "accruing on an overdue loan. Other: everything else. Credits stay.",
    )
    transaction_from: str = Field(
        "",
        title="Transaction Date Starting",
        description=f"Blank: every past charge. Accepts {ACCEPTED}.",
    )
    transaction_to: str = Field(
        "",
        title="And Ending",
        validate_default=True,  # blank is today: checked too
        description="Blank: up to today. Both ends are included; an accruing fine is dated "
        "by its loan's due date.",
    )

    @field_validator("transaction_from", "transaction_to")
    @classmethod
    def _date(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value:
            parse_date(value)
            check_order(info, value, lambda a, b: parse_date(a) <= parse_date(b))
        elif info.field_name == "transaction_to":
            start = info.data.get("transaction_from", "")
            if start and parse_date(start) > clock.today():
                raise ValueError(
                    f"blank means up to today, which is before the start of the "
                    f"range, {start!r}; give an end date after it"
                )
        return value


_LOST = "(lower(trim(c.description)) = 'lost' OR lower(trim(c.note)) = 'lost')"
_OVERDUE = "(lower(trim(c.description)) = 'overdue fine' OR lower(trim(c.note)) = 'overdue fine')"
CATEGORY_SQL = {
    ChargeCategory.ALL: "1",
    ChargeCategory.LOST: _LOST,
    ChargeCategory.OVERDUE: f"(NOT {_LOST} AND {_OVERDUE})",
    ChargeCategory.OTHER: f"(NOT {_LOST} AND NOT {_OVERDUE})",
}
FINES_FORGIVEN = (ChargeCategory.ALL, ChargeCategory.OVERDUE)


def _date_range(column: str, options: ForgiveChargesOptions) -> str:
    clauses = []
    if options.transaction_from:
        clauses.append(f"date({column}) >= :date_from")
    if options.transaction_to:
        clauses.append(f"date({column}) <= :date_to")
    else:  # blank end: up to today (a charge dated ahead is not forgiven yet)
        clauses.append(f"coalesce(date({column}), :today) <= :today")
    return " AND ".join(clauses)


def charges_where(options: ForgiveChargesOptions, whose: str = "c.patron_id = p.id") -> str:
    """The charges ``c`` (of the patrons ``whose`` names) this run forgives."""
    return (
        f"{whose} AND NOT c.is_credit AND {CATEGORY_SQL[options.category]} "
        f"AND {_date_range('c.transaction_date', options)}"
    )


def fines_where(options: ForgiveChargesOptions, whose: str = "k.patron_id = p.id") -> str | None:
    """The loans ``k`` (of the patrons ``whose`` names) whose accruing fine this run forgives."""
    if options.category not in FINES_FORGIVEN:
        return None
    return f"{whose} AND {ACCRUED} > 0 AND {_date_range('k.due_date', options)}"


class ForgiveCharges(Utility[ForgiveChargesOptions]):
    key = "forgive-charges"
    title = "Forgive Charges"
    summary = "Forgives selected charges, fees, or fines created during a transaction date range."
    guidance = (
        "If you declare all overdue items lost at the end of the school year but only want to "
        "charge the lost item fee, run this utility with Overdue Fines Only.\n\n"
        "To forgive only minimal charges, such as those under $1, use the Patron Balance "
        "selection (to 0.99).\n\n"
        "Credits are never forgiven. Each forgiven charge leaves a history entry on the patron; "
        "a forgiven accruing fine restarts from today and the item stays checked out."
    )
    textbook_tracker = True
    permissions = (UTILITIES, FORGIVE)
    extra_criteria = ("balance_from", "balance_to")
    Options = ForgiveChargesOptions
    value_label = "Balance"

    def plan_sql(self, options: ForgiveChargesOptions, operator: Operator) -> PlanSQL:
        charges, fines = charges_where(options), fines_where(options) or "0"
        return PlanSQL(
            current="p.balance",
            new="p.balance - p.forgiven",
            outcome="CASE WHEN p.charges + p.fines = 0 THEN 'unchanged' ELSE 'change' END",
            # e.g. '2 charges, $1.15 forgiven' · '1 charge + 1 fine, $1.45 forgiven'
            reason=(
                "CASE WHEN p.charges + p.fines = 0 THEN :nothing ELSE "
                "ltrim(CASE WHEN p.charges = 1 THEN '1 charge' WHEN p.charges > 1 "
                "THEN p.charges || ' charges' ELSE '' END || "
                "CASE WHEN p.charges > 0 AND p.fines > 0 THEN ' + ' ELSE '' END || "
                "CASE WHEN p.fines = 1 THEN '1 fine' WHEN p.fines > 1 "
                "THEN p.fines || ' fines' ELSE '' END) || ', ' || money(p.forgiven) || "
                "' forgiven' END"
            ),
            params={
                "today": clock.today().isoformat(),
                "nothing": _nothing(options),
                "date_from": _iso(options.transaction_from),
                "date_to": _iso(options.transaction_to),
            },
            extra={
                "balance": BALANCE,
                "charges": f"(SELECT count(*) FROM charges c WHERE {charges})",
                "fines": f"(SELECT count(*) FROM {LOANS_OF} WHERE {fines})",
                "forgiven": f"(SELECT coalesce(sum(c.amount), 0) FROM charges c WHERE {charges}) + "
                f"(SELECT coalesce(sum({ACCRUED}), 0) FROM {LOANS_OF} WHERE {fines})",
            },
        )

    def tally(
        self, db: sqlite_utils.Database, plan: PlanView[ForgiveChargesOptions], done: bool = False
    ) -> str:
        total = db.execute(
            f"SELECT coalesce(sum(current - new), 0) FROM temp.{plan.table} plan WHERE {CHANGING}"
        ).fetchone()[0]
        return f"In all, {format_money(total)} {'was' if done else 'will be'} forgiven."

    def show(self, value: Any) -> str:
        return format_money(value)

    def apply(self, tx: TransactionView[ForgiveChargesOptions]) -> None:
        options: ForgiveChargesOptions = tx.options
        params = {
            "today": clock.today().isoformat(),
            "date_from": _iso(options.transaction_from),
            "date_to": _iso(options.transaction_to),
        }
        charges = charges_where(options, f"c.patron_id IN {tx.changes}")
        # One history entry per forgiven charge, journaled as inserts (an undo removes them).
        first = tx.last_id("history")
        tx.db.execute(
            f"""INSERT INTO history (patron_id, kind, detail, date)
                SELECT c.patron_id, 'forgiven',
                       'Forgave ' || money(c.amount) || ' ' || c.description ||
                       ' charged ' || strftime('%m/%d/%Y', c.transaction_date) ||
                       ' (operation #' || :op || ')',
                       :today
                FROM charges c WHERE {charges} ORDER BY c.id""",
            {**params, "op": tx.operation_id},
        )
        fines = fines_where(options, f"k.patron_id IN {tx.changes}")
        if fines:
            tx.db.execute(
                f"""INSERT INTO history (patron_id, kind, detail, date)
                    SELECT k.patron_id, 'forgiven',
                           'Forgave ' || money({ACCRUED}) || ' overdue fine accrued on ' ||
                           i.title || ' (' || i.barcode || ') since ' ||
                           strftime('%m/%d/%Y', {FINE_START}) ||
                           ' (operation #' || :op || ')', :today
                    FROM {LOANS_OF} JOIN items i ON i.id = k.item_id WHERE {fines} ORDER BY k.id""",
                {**params, "op": tx.operation_id},
            )
        tx.record_rows("history", "insert", "id > :first", {"first": first})
        if fines:
            loans = f"id IN (SELECT k.id FROM {LOANS_OF} WHERE {fines})"
            tx.record_rows(
                "checkouts",
                "update",
                loans,
                params,
                columns=["fines_from"],
                after_sql="json_object('fines_from', :today)",
            )
            tx.db.execute(f"UPDATE checkouts SET fines_from = :today WHERE {loans}", params)
        tx.delete_rows("charges", f"id IN (SELECT c.id FROM charges c WHERE {charges})", params)


def _nothing(options: ForgiveChargesOptions) -> str:
    """Why a patron has nothing to forgive: 'no lost fees dated 01/01/2026 to today'."""
    what = {
        ChargeCategory.ALL: "no charges or accruing fines",
        ChargeCategory.LOST: "no lost fees",
        ChargeCategory.OVERDUE: "no overdue fines",
        ChargeCategory.OTHER: "no other charges",
    }[options.category]
    if options.transaction_from or options.transaction_to:
        start = _us(options.transaction_from) if options.transaction_from else "the beginning"
        end = _us(options.transaction_to) if options.transaction_to else "today"
        what += f" dated {start} to {end}"
    return what


def _us(value: str) -> str:
    return parse_date(value).strftime("%m/%d/%Y")


def _iso(value: str) -> str | None:
    return parse_date(value).isoformat() if value else None
