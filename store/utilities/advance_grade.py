"""Advance Patron Grade: each selected patron to the next grade of the grade table."""

from ..security import Operator
from ..validation import StoreModel
from .base import PlanSQL, TransactionView, Utility

_GRADE = "(SELECT g.{col} FROM grades g WHERE g.name = p.grade)"
_NEXT = """(SELECT n.name FROM grades g JOIN grades n ON n.position > g.position
            WHERE g.name = p.grade ORDER BY n.position LIMIT 1)"""


class AdvanceGradeOptions(StoreModel):
    """Advance Patron Grade has no options: the grade table says what comes next."""


class AdvancePatronGrade(Utility[AdvanceGradeOptions]):
    key = "advance-grade"
    title = "Advance Patron Grade"
    summary = "Moves specified patrons to the next grade (i.e. level)."
    guidance = (
        "Run this utility if you need to be specific about which patrons move to the next "
        "grade. Grades advance in the order of the grade table (Preferences); patrons at the "
        "Last Grade stay where they are.\n\n"
        "If you name your policies after grades, update those policies afterwards with "
        "Change Patron Policy."
    )
    Options = AdvanceGradeOptions
    value_label = "Grade"
    reminder = (
        "If you name policies after grades, change those patrons' policies now with "
        "Change Patron Policy (use the Patrons in Grade selection)."
    )

    def plan_sql(self, options: AdvanceGradeOptions, operator: Operator) -> PlanSQL:
        in_table = _GRADE.format(col="name")
        is_last = _GRADE.format(col="is_last")
        return PlanSQL(
            current="p.grade",
            new=f"CASE WHEN {is_last} THEN p.grade ELSE {_NEXT} END",
            outcome=f"""CASE WHEN p.grade IS NULL OR {in_table} IS NULL THEN 'skip'
                        WHEN {is_last} THEN 'unchanged'
                        WHEN p.new IS NULL THEN 'skip' ELSE 'change' END""",
            reason=f"""CASE WHEN p.grade IS NULL THEN 'no grade'
                       WHEN {in_table} IS NULL
                            THEN 'grade ' || p.grade || ' is not in the grade table'
                       WHEN {is_last} THEN 'already at Last Grade'
                       WHEN p.new IS NULL
                            THEN 'no grade after ' || p.grade || ' in the grade table' END""",
        )

    def apply(self, tx: TransactionView[AdvanceGradeOptions]) -> None:
        tx.update_patrons("grade")
