"""Renew Patron Accounts: expiration = today + the policy's account period."""

from typing import Any

from .. import clock, preferences
from ..dates import show
from ..security import Operator
from ..validation import StoreModel
from .base import PlanSQL, TransactionView, Utility

_DAYS = "(SELECT pol.account_days FROM policies pol WHERE pol.name = p.policy)"
_RENEWED = f"date(:today, '+' || {_DAYS} || ' days')"  # today plus the policy's period


class RenewAccountsOptions(StoreModel):
    """Renew Patron Accounts has no options: each patron's policy says how long."""


class RenewPatronAccounts(Utility[RenewAccountsOptions]):
    key = "renew-accounts"
    title = "Renew Patron Accounts"
    summary = "Renews the accounts of all selected patrons."
    guidance = (
        "The number of days a patron's account is active after renewal is determined by the "
        "patron's policy: the new expiration date is today plus that period. Renewing never "
        "shortens an account: a patron whose account already expires later keeps that date.\n\n"
        + preferences.EXPIRATION_DISABLED
    )
    textbook_tracker = True
    Options = RenewAccountsOptions
    value_label = "Expiration date"

    def unavailable(self, prefs: dict[str, str]) -> str | None:
        if preferences.is_on(prefs, "disable_account_expiration"):
            return preferences.EXPIRATION_DISABLED
        return None

    def plan_sql(self, options: RenewAccountsOptions, operator: Operator) -> PlanSQL:
        # Renewing never shortens an account: one already expiring after the renewed date
        # keeps its date (unchanged, with that date as the reason).
        return PlanSQL(
            current="p.expiration_date",
            new=f"""CASE WHEN p.expiration_date > {_RENEWED} THEN p.expiration_date
                        ELSE {_RENEWED} END""",
            outcome=f"""CASE WHEN p.policy IS NULL OR {_DAYS} IS NULL THEN 'skip'
                        WHEN p.current IS p.new THEN 'unchanged' ELSE 'change' END""",
            reason=f"""CASE WHEN p.policy IS NULL THEN 'no policy'
                       WHEN {_DAYS} IS NULL THEN 'policy ' || p.policy || ' has no account period'
                       WHEN p.current > {_RENEWED}
                       THEN 'already expires after ' || strftime('%m/%d/%Y', {_RENEWED})
                       WHEN p.current IS p.new
                       THEN 'already expires ' || strftime('%m/%d/%Y', p.new) END""",
            params={"today": clock.today().isoformat()},
        )

    def show(self, value: Any) -> str:
        return show(value)

    def apply(self, tx: TransactionView[RenewAccountsOptions]) -> None:
        tx.update_patrons("expiration_date")
