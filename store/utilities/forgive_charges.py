"""Forgive Charges: the chosen category of charges and accruing fines, within a date range.

Categories partition a patron's charges: a charge is Lost when its description or
note is "Lost", else an Overdue Fine when either is "Overdue Fine" (any case, spaces
trimmed), else Other. Fines still accruing on overdue loans are Overdue Fines.
Credits are never forgiven, and no balance goes below zero: at most the balance is
forgiven, accruing fines first, then charges oldest first, the one that reaches the
balance in part. A forgiven charge is deleted (the journal keeps it), one forgiven in
part has its amount lowered, and each leaves a 'forgiven' history entry; a forgiven
accruing fine restarts from today.
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
        "Credits are never forgiven, and no balance goes below zero: at most the balance is "
        "forgiven (accruing fines first, then charges oldest first; the charge that reaches "
        "the balance is forgiven in part). A patron with no balance owed, or whose accruing "
        "fines are more than the balance, is skipped. Each forgiven charge leaves a history "
        "entry on the patron; a forgiven accruing fine restarts from today and the item stays "
        "checked out."
    )
    textbook_tracker = True
    permissions = (UTILITIES, FORGIVE)
    extra_criteria = ("balance_from", "balance_to")
    Options = ForgiveChargesOptions
    value_label = "Balance"

    def plan_sql(self, options: ForgiveChargesOptions, operator: Operator) -> PlanSQL:
        charges, fines = charges_where(options), fines_where(options) or "0"
        # Never below zero: at most the balance is forgiven (credits are never forgiven, so
        # forgiving every charge of a patron with a credit would leave the library owing).
        owed = "max(p.balance, 0)"
        forgiven = f"min(p.charged + p.accrued, {owed})"
        counted = (
            "ltrim(CASE WHEN p.charges = 1 THEN '1 charge' WHEN p.charges > 1 "
            "THEN p.charges || ' charges' ELSE '' END || "
            "CASE WHEN p.charges > 0 AND p.fines > 0 THEN ' + ' ELSE '' END || "
            "CASE WHEN p.fines = 1 THEN '1 fine' WHEN p.fines > 1 "
            "THEN p.fines || ' fines' ELSE '' END)"
        )
        nothing = "p.charges + p.fines = 0"
        no_balance = f"NOT ({nothing}) AND p.balance <= 0"
        # Accruing fines are forgiven whole (a fine is a loan's, not an amount to cut), first;
        # only a charge is forgiven in part.
        fines_over = f"NOT ({nothing}) AND p.accrued > {owed}"
        return PlanSQL(
            current="p.balance",
            new=f"CASE WHEN {fines_over} THEN p.balance ELSE p.balance - {forgiven} END",
            outcome=f"""CASE WHEN {nothing} THEN 'unchanged'
                             WHEN {no_balance} OR {fines_over} THEN 'skip' ELSE 'change' END""",
            # e.g. '2 charges, $1.15 forgiven' · '1 charge + 1 fine, $1.45 forgiven' ·
            # '1 charge, $0.90 of $1.50 forgiven (up to the balance)'
            reason=f"""CASE WHEN {nothing} THEN :nothing
                WHEN {no_balance} THEN 'no balance owed (' || money(p.balance) ||
                     '): forgiving would leave a credit'
                WHEN {fines_over} THEN 'accruing fines of ' || money(p.accrued) ||
                     ' are more than the balance of ' || money(p.balance)
                WHEN p.charged + p.accrued > {owed}
                THEN {counted} || ', ' || money({forgiven}) || ' of ' ||
                     money(p.charged + p.accrued) || ' forgiven (up to the balance)'
                ELSE {counted} || ', ' || money({forgiven}) || ' forgiven' END""",
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
                "charged": f"(SELECT coalesce(sum(c.amount), 0) FROM charges c WHERE {charges})",
                "accrued": f"(SELECT coalesce(sum({ACCRUED}), 0) FROM {LOANS_OF} WHERE {fines})",
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
        parts = _forgiven_parts(tx, params)
        # One history entry per forgiven charge, journaled as inserts (an undo removes them).
        first = tx.last_id("history")
        tx.db.execute(
            f"""INSERT INTO history (patron_id, kind, detail, date)
                SELECT c.patron_id, 'forgiven',
                       'Forgave ' || money(f.part) ||
                       CASE WHEN f.part < c.amount THEN ' of ' || money(c.amount) ELSE '' END ||
                       ' ' || c.description ||
                       ' charged ' || strftime('%m/%d/%Y', c.transaction_date) ||
                       ' (operation #' || :op || ')',
                       :today
                FROM {parts} f JOIN charges c ON c.id = f.id WHERE f.kind = {_CHARGE}
                ORDER BY c.id""",
            {**params, "op": tx.operation_id},
        )
        loans = f"id IN (SELECT f.id FROM {parts} f WHERE f.kind = {_FINE})"
        tx.db.execute(
            f"""INSERT INTO history (patron_id, kind, detail, date)
                SELECT k.patron_id, 'forgiven',
                       'Forgave ' || money(f.part) || ' overdue fine accrued on ' ||
                       i.title || ' (' || i.barcode || ') since ' ||
                       strftime('%m/%d/%Y', {FINE_START}) ||
                       ' (operation #' || :op || ')', :today
                FROM {parts} f JOIN checkouts k ON k.id = f.id JOIN items i ON i.id = k.item_id
                WHERE f.kind = {_FINE} ORDER BY k.id""",
            {**params, "op": tx.operation_id},
        )
        tx.record_rows("history", "insert", "id > :first", {"first": first})
        tx.record_rows(
            "checkouts",
            "update",
            loans,
            params,
            columns=["fines_from"],
            after_sql="json_object('fines_from', :today)",
        )
        tx.db.execute(f"UPDATE checkouts SET fines_from = :today WHERE {loans}", params)
        # The charge that reaches the balance is forgiven in part: its amount goes down.
        cut = f"id IN (SELECT f.id FROM {parts} f WHERE f.kind = {_CHARGE} AND f.part < f.amount)"
        left = (
            f"amount - (SELECT f.part FROM {parts} f "
            f"WHERE f.kind = {_CHARGE} AND f.id = charges.id)"
        )
        tx.record_rows(
            "charges", "update", cut, columns=["amount"], after_sql=f"json_object('amount', {left})"
        )
        tx.db.execute(f"UPDATE charges SET amount = {left} WHERE {cut}")
        tx.delete_rows(
            "charges",
            f"id IN (SELECT f.id FROM {parts} f WHERE f.kind = {_CHARGE} AND f.part = f.amount)",
        )
        tx.db.execute(f"DROP TABLE {parts}")


_FINE, _CHARGE = 0, 1  # the order they are forgiven in: accruing fines first


def _forgiven_parts(tx: TransactionView[ForgiveChargesOptions], params: dict) -> str:
    """A temporary table of what is forgiven of each charge and loan (kind, id, amount, part):
    each changed patron's fines, then charges oldest first, until what the preview said
    (current - new: at most the balance) is reached; the one that reaches it in part."""
    options: ForgiveChargesOptions = tx.options
    table = f"temp.{tx.plan.table}_forgiven"
    charges = charges_where(options, f"c.patron_id IN {tx.changes}")
    fines = fines_where(options, f"k.patron_id IN {tx.changes}") or "0"
    tx.db.execute(f"DROP TABLE IF EXISTS {table}")
    tx.db.execute(
        f"""CREATE TEMP TABLE {table.split(".")[1]} AS
            WITH items AS (
                SELECT {_FINE} AS kind, k.id, k.patron_id, {ACCRUED} AS amount, k.due_date AS d
                FROM {LOANS_OF} WHERE {fines}
                UNION ALL
                SELECT {_CHARGE}, c.id, c.patron_id, c.amount, c.transaction_date
                FROM charges c WHERE {charges}),
            running AS (
                SELECT i.*, plan.current - plan.new AS cap,
                       sum(i.amount) OVER (PARTITION BY i.patron_id
                                           ORDER BY i.kind, i.d, i.id) AS upto
                FROM items i JOIN temp.{tx.plan.table} plan ON plan.patron_id = i.patron_id
                WHERE {CHANGING})
            SELECT kind, id, amount,
                   CASE WHEN upto <= cap THEN amount ELSE cap - (upto - amount) END AS part
            FROM running WHERE upto <= cap OR upto - amount < cap""",
        params,
    )
    return table


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
