"""Remove Patron Pictures."""

from ..security import REMOVE_RECORDS, UTILITIES, Operator
from ..validation import StoreModel
from .base import PlanSQL, TransactionView, Utility


class RemovePicturesOptions(StoreModel):
    """Remove Patron Pictures has no options: every selected patron's picture is removed."""


class RemovePatronPictures(Utility[RemovePicturesOptions]):
    key = "remove-pictures"
    title = "Remove Patron Pictures"
    summary = "Removes the pictures of selected patrons."
    guidance = (
        "If you need to remove patron pictures because they need to be replaced or "
        "because of privacy concerns, run this utility."
    )
    permissions = (UTILITIES, REMOVE_RECORDS)
    destructive = True
    Options = RemovePicturesOptions
    value_label = "Picture"

    def plan_sql(self, options: RemovePicturesOptions, operator: Operator) -> PlanSQL:
        return PlanSQL(
            current="CASE WHEN EXISTS (SELECT 1 FROM pictures x WHERE x.patron_id = p.id) "
            "THEN 'picture' END",
            new="NULL",
            outcome="CASE WHEN p.current IS NULL THEN 'unchanged' ELSE 'change' END",
            reason="CASE WHEN p.current IS NULL THEN 'no picture' END",
        )

    def apply(self, tx: TransactionView[RemovePicturesOptions]) -> None:
        where = f"patron_id IN {tx.changes}"
        tx.delete_rows("pictures", where)
