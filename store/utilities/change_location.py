"""Change Patron Location."""

from pydantic import Field

from ..validation import StoreModel
from .base import SetPatronColumn


class ChangeLocationOptions(StoreModel):
    location: str = Field(
        title="Change Location to",
        min_length=1,
        max_length=50,
        description="The new location. It may be one no patron has yet.",
    )


class ChangePatronLocation(SetPatronColumn[ChangeLocationOptions]):
    key = "change-location"
    title = "Change Patron Location"
    summary = "Changes the location of selected patrons to the specified location."
    guidance = (
        "Run this utility to set patron homerooms based on grade: in the Patrons in Grade "
        "selection, enter the grade(s) you want to assign a specific homeroom.\n\n"
        "Use it to merge patron homerooms at the end of the school year. This may make it "
        "easier to assign new homerooms at the beginning of the year."
    )
    textbook_tracker = True
    Options = ChangeLocationOptions
    value_label = "Location"
    column = "location"
    option = "location"
