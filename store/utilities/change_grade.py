"""Change Patron Grade."""

from ..fields import choice
from ..validation import StoreModel
from .base import SetPatronColumn


class ChangeGradeOptions(StoreModel):
    grade: str = choice(
        "grade",
        title="Change Grade to",
        description="The grade (from the grade table) selected patrons will be in.",
    )


class ChangePatronGrade(SetPatronColumn[ChangeGradeOptions]):
    key = "change-grade"
    title = "Change Patron Grade"
    summary = "Changes the grade (i.e. level) of selected patrons to the specified grade."
    guidance = (
        "Run this utility if patrons were accidentally imported or added with the wrong "
        "grade and the correct grade needs to be added.\n\n"
        "To move patrons up one grade, use Advance Patron Grade instead."
    )
    textbook_tracker = True
    Options = ChangeGradeOptions
    value_label = "Grade"
    column = "grade"
    option = "grade"
