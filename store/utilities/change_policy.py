"""Change Patron Policy, optionally recomputing the due dates of current loans."""

import sqlite_utils
from pydantic import Field

from ..fields import choice
from ..validation import StoreModel
from .base import CHANGING, PlanView, SetPatronColumn, TransactionView


class ChangePolicyOptions(StoreModel):
    policy: str = choice(
        "policy",
        title="Change Policy to",
        description="The patron policy selected patrons will have.",
    )
    recompute_due_dates: bool = Field(
        False,
        title="Recompute due dates of current loans",
        description="Give items already checked out the new policy's loan period, counted "
        "from the day they were checked out. Off: current loans keep their due dates.",
    )


class ChangePatronPolicy(SetPatronColumn[ChangePolicyOptions]):
    key = "change-policy"
    title = "Change Patron Policy"
    summary = "Changes the policy of selected patrons to the specified policy."
    guidance = (
        "If you base policies on grades, run this utility at the end or beginning of a school "
        "year to update patron policies after advancing grades. Use the Patrons in Grade "
        "selection to choose the grade(s) for a policy.\n\n"
        "Newly changed policies do not affect the loan periods or fines of items already "
        "checked out, unless you tick Recompute due dates of current loans."
    )
    textbook_tracker = True
    Options = ChangePolicyOptions
    value_label = "Policy"
    column = "policy"
    option = "policy"

    def notice(self, options: ChangePolicyOptions) -> str | None:
        if options.recompute_due_dates:
            return None  # the tally says it, with the number of loans
        return "Current loans keep their due dates (Recompute due dates is off)."

    def tally(
        self, db: sqlite_utils.Database, plan: PlanView[ChangePolicyOptions], done: bool = False
    ) -> str | None:
        if not plan.options.recompute_due_dates:
            return None
        loans = db.execute(
            f"SELECT count(*) FROM checkouts WHERE patron_id IN "
            f"(SELECT patron_id FROM temp.{plan.table} plan WHERE {CHANGING})"
        ).fetchone()[0]
        if done:
            return (
                f"{_loans(loans)} of the changed patrons got due dates from the loan "
                f"period of {plan.options.policy}."
            )
        return (
            f"{_loans(loans)} of the patrons to change will get due dates from the loan "
            f"period of {plan.options.policy}."
        )

    def apply(self, tx: TransactionView[ChangePolicyOptions]) -> None:
        super().apply(tx)
        if not tx.options.recompute_due_dates:
            return
        due = """date(checked_out, '+' || (SELECT pol.loan_days FROM patrons p
                      JOIN policies pol ON pol.name = p.policy WHERE p.id = checkouts.patron_id)
                      || ' days')"""
        where = f"patron_id IN {tx.changes}"
        tx.record_rows(
            "checkouts",
            "update",
            where,
            columns=["due_date"],
            after_sql=f"json_object('due_date', {due})",
        )
        tx.db.execute(f"UPDATE checkouts SET due_date = {due} WHERE {where}")


def _loans(n: int) -> str:
    return f"{n:,} current loan" + ("" if n == 1 else "s")
