"""Change Patron Status."""

from pydantic import Field

from ..selection import Status
from ..validation import StoreModel
from .base import SetPatronColumn


class ChangeStatusOptions(StoreModel):
    status: Status = Field(
        title="Change Status to", description="The new status selected patrons will have."
    )


class ChangePatronStatus(SetPatronColumn[ChangeStatusOptions]):
    key = "change-status"
    title = "Change Patron Status"
    summary = "Changes the status of selected patrons to the specified status."
    guidance = (
        "Run this utility if you need to give a group of patrons who previously had an "
        "Inactive or Suspended status an Active status again.\n\n"
        "Run it at the end of the school year to give all patrons an Inactive status, which "
        "prevents them from placing holds, making reservations, and more over the summer. "
        "At the beginning of the school year, use it again to restore everyone's Active status."
    )
    textbook_tracker = True
    Options = ChangeStatusOptions
    value_label = "Status"
    column = "status"
    option = "status"
