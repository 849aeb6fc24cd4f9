"""Recompute Due Dates: the current loans of selected patrons get the loan period and fines of
the patron's policy as it is now (due = checked out + loan days; the policy's fine per day and
maximum). A loan otherwise keeps the terms it was checked out under (store/money.py).

The loans part is shared: Change Patron Policy's "Recompute due dates of current loans" uses
``differing``, ``count_differing`` and ``recompute`` for the patrons it changes.
"""

from __future__ import annotations

import sqlite_utils

from ..security import Operator
from ..validation import StoreModel
from .base import CHANGING, PlanSQL, PlanView, TransactionView, Utility

# What loan ``k`` gets from policy ``pol``: its due date (the checkout date plus the
# policy's loan period) and the policy's fine terms.
DUE = "date(k.checked_out, '+' || pol.loan_days || ' days')"
_TERMS_DIFFER = "(k.fine_per_day IS NOT pol.fine_per_day OR k.max_fine IS NOT pol.max_fine)"
_DIFFERS = f"(k.due_date IS NOT {DUE} OR {_TERMS_DIFFER})"
# The patron's policy as it is now, for a loan ``k``.
_OWNERS = "(SELECT o.policy FROM patrons o WHERE o.id = k.patron_id)"


def differing(whose: str, policy: str = _OWNERS) -> str:
    """SQL (FROM … WHERE …) of the loans ``k`` of the patrons ``whose`` names whose due date or
    fine terms are not those of the policy named by ``policy`` (SQL; the owner's by default)."""
    return f"checkouts k JOIN policies pol ON pol.name = {policy} WHERE {whose} AND {_DIFFERS}"


def count_differing(
    db: sqlite_utils.Database, plan: PlanView, policy: str = _OWNERS, params: dict | None = None
) -> int:
    """How many loans of the plan's patrons to change a recompute would write."""
    whose = f"k.patron_id IN (SELECT patron_id FROM temp.{plan.table} plan WHERE {CHANGING})"
    return db.execute(f"SELECT count(*) FROM {differing(whose, policy)}", params or {}).fetchone()[
        0
    ]


def recompute(tx: TransactionView) -> None:
    """Give every loan of the patrons to change the due date and fine terms of the patron's
    policy as the database holds it now, journaling the old ones (undo puts them back)."""
    loans = f"id IN (SELECT k.id FROM {differing(f'k.patron_id IN {tx.changes}')})"

    def of_policy(sql: str) -> str:  # for one checkouts row, from its patron's policy
        return (
            f"(SELECT {sql} FROM patrons o JOIN policies pol ON pol.name = o.policy "
            "WHERE o.id = checkouts.patron_id)"
        )

    due = "date(checkouts.checked_out, '+' || pol.loan_days || ' days')"
    tx.record_rows(
        "checkouts",
        "update",
        loans,
        columns=["due_date", "fine_per_day", "max_fine"],
        after_sql=(
            f"json_object('due_date', {of_policy(due)}, "
            f"'fine_per_day', {of_policy('pol.fine_per_day')}, "
            f"'max_fine', {of_policy('pol.max_fine')})"
        ),
    )
    tx.db.execute(
        f"""UPDATE checkouts SET due_date = {due}, fine_per_day = pol.fine_per_day,
                   max_fine = pol.max_fine
            FROM patrons o JOIN policies pol ON pol.name = o.policy
            WHERE o.id = checkouts.patron_id AND checkouts.{loans}"""
    )


def loans_said(n: int) -> str:
    return f"{n:,} current loan" + ("" if n == 1 else "s")


def _terms(fine: str, most: str) -> str:
    """Fine terms as the preview says them: '$0.05/day up to $2.00', 'none'."""
    return (
        f"CASE WHEN coalesce({fine}, 0) = 0 THEN 'none' ELSE money({fine}) || '/day' || "
        f"CASE WHEN {most} IS NULL THEN ' (no maximum)' ELSE ' up to ' || money({most}) END END"
    )


def _dates(due: str, join: str = "") -> str:
    """Patron ``p``'s loans' due dates (``due``: SQL over ``k``), oldest checkout first."""
    return (
        f"(SELECT group_concat(d, ', ') FROM (SELECT strftime('%m/%d/%Y', {due}) AS d "
        f"FROM checkouts k {join} WHERE k.patron_id = p.id ORDER BY k.checked_out, k.id))"
    )


class RecomputeDueDatesOptions(StoreModel):
    """Recompute Due Dates has no options: each patron's policy says how long and how much."""


class RecomputeDueDates(Utility[RecomputeDueDatesOptions]):
    key = "recompute-due-dates"
    title = "Recompute Due Dates"
    summary = (
        "Recomputes the due dates and fines of selected patrons' current loans from their policies."
    )
    guidance = (
        "Newly changed patron policies do not affect the loan periods or fines of items "
        "already checked out. To adjust these based on the newly changed policies, run this "
        "utility after Change Patron Policy.\n\n"
        "Each current loan of the selected patrons is then due its checkout date plus the loan "
        "period of the patron's policy, and accrues fines at that policy's rate, up to its "
        "maximum."
    )
    textbook_tracker = True
    Options = RecomputeDueDatesOptions
    value_label = "Due dates"

    def plan_sql(self, options: RecomputeDueDatesOptions, operator: Operator) -> PlanSQL:
        policy = "JOIN policies pol ON pol.name = p.policy"
        return PlanSQL(
            # e.g. '05/24/2026, 06/03/2026' → '05/31/2026, 06/10/2026' (the first loan's
            # date reads in the preview's narrow column; the detail line shows them all).
            current="p.due_now",
            new="CASE WHEN p.has_policy THEN p.due_new ELSE p.due_now END",
            outcome="""CASE WHEN p.loans = 0 THEN 'unchanged'
                            WHEN NOT p.has_policy THEN 'skip'
                            WHEN p.differing = 0 THEN 'unchanged' ELSE 'change' END""",
            reason="""CASE WHEN p.loans = 0 THEN 'no current loans'
                           WHEN p.policy IS NULL THEN 'no policy'
                           WHEN NOT p.has_policy
                           THEN 'policy ' || p.policy || ' is not in the policy table'
                           WHEN p.differing = 0
                           THEN 'due dates and fines already match ' || p.policy
                           WHEN p.fines_now IS NOT NULL
                           THEN 'fines ' || p.fines_now || ' → ' || p.fines_new END""",
            extra={
                "loans": "(SELECT count(*) FROM checkouts k WHERE k.patron_id = p.id)",
                "has_policy": "EXISTS (SELECT 1 FROM policies pol WHERE pol.name = p.policy)",
                "due_now": _dates("k.due_date"),
                "due_new": _dates(DUE, policy),
                "differing": (
                    f"(SELECT count(*) FROM {differing('k.patron_id = p.id', 'p.policy')})"
                ),
                # The terms of loans not on the policy's, each once; then the policy's.
                "fines_now": (
                    f"(SELECT group_concat(t, '; ') FROM (SELECT DISTINCT "
                    f"{_terms('k.fine_per_day', 'k.max_fine')} AS t FROM checkouts k {policy} "
                    f"WHERE k.patron_id = p.id AND {_TERMS_DIFFER}))"
                ),
                "fines_new": (
                    f"(SELECT {_terms('pol.fine_per_day', 'pol.max_fine')} FROM policies pol "
                    "WHERE pol.name = p.policy)"
                ),
            },
        )

    def tally(
        self,
        db: sqlite_utils.Database,
        plan: PlanView[RecomputeDueDatesOptions],
        done: bool = False,
    ) -> str:
        loans = loans_said(count_differing(db, plan))
        if done:
            return f"{loans} of the changed patrons got the loan period and fines of their policy."
        return (
            f"{loans} of the patrons to change will get the loan period and fines of their policy."
        )

    def apply(self, tx: TransactionView[RecomputeDueDatesOptions]) -> None:
        recompute(tx)
