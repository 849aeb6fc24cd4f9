"""Remove Patron History: everything but Lexile history."""

from typing import Any

from ..security import REMOVE_RECORDS, UTILITIES, Operator
from ..validation import StoreModel
from .base import PlanSQL, TransactionView, Utility, count_of

_COUNT = "(SELECT count(*) FROM history h WHERE h.patron_id = p.id AND h.kind <> 'lexile')"


class RemoveHistoryOptions(StoreModel):
    """Remove Patron History has no options: Lexile history always stays."""


class RemovePatronHistory(Utility[RemoveHistoryOptions]):
    key = "remove-history"
    title = "Remove Patron History"
    summary = "Removes everything but Lexile history from selected patrons' histories."
    guidance = (
        "Payments (including credits), renewals, lost items, refunds, returned items and "
        "forgiven charges are "
        "removed; Lexile history stays. Run this utility to clear up space, start with a clean "
        "slate on statistics, or remove information because of privacy concerns."
    )
    permissions = (UTILITIES, REMOVE_RECORDS)
    destructive = True
    Options = RemoveHistoryOptions
    value_label = "History entries"

    def plan_sql(self, options: RemoveHistoryOptions, operator: Operator) -> PlanSQL:
        return PlanSQL(
            current=_COUNT,
            new="0",
            outcome="CASE WHEN p.current = 0 THEN 'unchanged' ELSE 'change' END",
            reason="CASE WHEN p.current = 0 THEN 'no history but Lexile' END",
        )

    def show(self, value: Any) -> str:
        return count_of(value, "entry", "entries")

    def apply(self, tx: TransactionView[RemoveHistoryOptions]) -> None:
        where = f"kind <> 'lexile' AND patron_id IN {tx.changes}"
        tx.delete_rows("history", where)
