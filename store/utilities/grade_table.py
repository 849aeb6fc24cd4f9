"""The grade table edited (Preferences), as the journal knows it: one edit, undoable.

Not in the picker (the Preferences screen makes these edits); declared here so the
Operations screen, the summary and undo read a grade table edit like any other
operation. store/grade_journal.py records and undoes them.
"""

from pydantic import Field

from ..security import PREFERENCES, Operator
from ..validation import StoreModel
from .base import PlanSQL, Utility


class GradeTableOptions(StoreModel):
    action: str = Field("", title="Edit")
    grade: str = Field("", title="Grade")
    detail: str = Field("", title="To")


class GradeTableEdit(Utility[GradeTableOptions]):
    key = "grade-table"
    title = "Grade Table"
    summary = "An edit of the grade table: a grade added, renamed, removed or moved."
    permissions = (PREFERENCES,)
    Options = GradeTableOptions
    value_label = "Grade"

    def plan_sql(self, options: GradeTableOptions, operator: Operator) -> PlanSQL:
        raise NotImplementedError("grade table edits are made on the Preferences screen")
