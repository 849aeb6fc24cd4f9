"""Advance All Grades: every patron to the next grade of the grade table, at once.

The vendor manual puts it on the Grade Table tab of Patron Preferences, not among the
utilities; it is Advance Patron Grade (the same plan SQL and apply) with no Selections.
"""

from .advance_grade import AdvanceGradeOptions, AdvancePatronGrade


class AdvanceAllGradesOptions(AdvanceGradeOptions):
    """Advance All Grades has no options: the grade table says what comes next, and every
    patron moves."""


class AdvanceAllGrades(AdvancePatronGrade):
    key = "advance-all-grades"  # patron-utils run advance-all-grades
    title = "Advance All Grades"
    summary = "Advances all patron grades at the same time (Preferences > Grade table)."
    guidance = (
        "Moves every patron to the next grade of the grade table at once; patrons at the "
        "Last Grade stay where they are. To move only some patrons, use Advance Patron "
        "Grade and say which on its Selections tab.\n\n"
        "If you name your policies after grades, update those policies afterwards with "
        "Change Patron Policy."
    )
    Options = AdvanceAllGradesOptions
    fixed_description = "Always: every patron (Advance All Grades has no selections)"
    no_selections = (
        "Advance All Grades has no selections: it always advances every patron "
        "(to advance only some, run Advance Patron Grade)"
    )
