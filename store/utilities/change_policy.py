"""Change Patron Policy, optionally recomputing the due dates and fines of current loans (the
same piece as the Recompute Due Dates utility)."""

import sqlite_utils
from pydantic import Field

from ..fields import choice
from ..validation import StoreModel
from .base import PlanView, SetPatronColumn, TransactionView
from .recompute_due_dates import count_differing, loans_said, recompute


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
        "from the day they were checked out, and its fines. Off: current loans keep their "
        "due dates and fines (Recompute Due Dates can give them the new ones later).",
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
        "checked out. To adjust these, run the Recompute Due Dates utility after this one, "
        "or tick Recompute due dates of current loans."
    )
    textbook_tracker = True
    Options = ChangePolicyOptions
    value_label = "Policy"
    column = "policy"
    option = "policy"

    def notice(self, options: ChangePolicyOptions) -> str | None:
        if options.recompute_due_dates:
            return None  # the tally says it, with the number of loans
        return "Current loans keep their due dates and fines (Recompute due dates is off)."

    def tally(
        self, db: sqlite_utils.Database, plan: PlanView[ChangePolicyOptions], done: bool = False
    ) -> str | None:
        if not plan.options.recompute_due_dates:
            return None
        # Counted against the policy they are to get (the patrons still have their old one).
        loans = loans_said(count_differing(db, plan, ":policy", {"policy": plan.options.policy}))
        policy = plan.options.policy
        if done:
            return f"{loans} of the changed patrons got the loan period and fines of {policy}."
        return f"{loans} of the patrons to change will get the loan period and fines of {policy}."

    def apply(self, tx: TransactionView[ChangePolicyOptions]) -> None:
        super().apply(tx)
        if tx.options.recompute_due_dates:
            recompute(tx)  # from the policy the patrons now have: the new one
