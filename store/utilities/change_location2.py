"""Change Patron 2nd Location."""

from pydantic import Field

from ..validation import StoreModel
from .base import SetPatronColumn


class ChangeSecondLocationOptions(StoreModel):
    location2: str = Field(
        "",
        title="Change 2nd Location to",
        max_length=50,
        description="The new 2nd location. Leave it blank to remove the current 2nd location.",
    )


class ChangePatron2ndLocation(SetPatronColumn[ChangeSecondLocationOptions]):
    key = "change-location2"
    title = "Change Patron 2nd Location"
    summary = "Changes or adds a specified 2nd location for selected patrons."
    guidance = (
        "If the new 2nd location is left blank, the utility removes the current 2nd location."
    )
    textbook_tracker = True
    Options = ChangeSecondLocationOptions
    value_label = "2nd Location"
    column = "location2"
    option = "location2"
