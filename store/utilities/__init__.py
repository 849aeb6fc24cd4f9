"""The registry: every utility of the vendor manual, in the manual's order.

Adding a utility is one module here plus its tests; the picker, the forms and
the preview are derived from its declaration.
"""
from __future__ import annotations

from .add_notes import AddPatronNotes
from .advance_grade import AdvancePatronGrade
from .base import Entry, Utility
from .change_grade import ChangePatronGrade
from .change_location import ChangePatronLocation
from .change_location2 import ChangePatron2ndLocation
from .change_policy import ChangePatronPolicy
from .change_security_group import ChangePatronSecurityGroup
from .change_status import ChangePatronStatus
from .forgive_charges import ForgiveCharges
from .grade_table import GradeTableEdit
from .import_patrons import ImportPatrons
from .move_to_site import MovePatronsToSite
from .reassign_union_site import ReassignUnionSitePatrons
from .remove_history import RemovePatronHistory
from .remove_notes import RemovePatronNotes
from .remove_patrons import RemovePatrons
from .remove_pictures import RemovePatronPictures
from .renew_accounts import RenewPatronAccounts
from .reset_accounts import ResetPatronAccounts

CATALOG: list[Entry] = [
    AddPatronNotes(),
    AdvancePatronGrade(),
    ChangePatronGrade(),
    ChangePatron2ndLocation(),
    ChangePatronLocation(),
    ChangePatronPolicy(),
    ChangePatronSecurityGroup(),
    ChangePatronStatus(),
    ForgiveCharges(),
    MovePatronsToSite(),
    ReassignUnionSitePatrons(),
    RemovePatronHistory(),
    RemovePatronNotes(),
    RemovePatronPictures(),
    RemovePatrons(),
    RenewPatronAccounts(),
    ResetPatronAccounts(),
]

# Operations the journal records that are not picked from the catalog (imports, grade
# table edits).
JOURNAL_ONLY: list[Utility] = [ImportPatrons(), GradeTableEdit()]
BY_KEY: dict[str, Entry] = {entry.key: entry for entry in CATALOG + JOURNAL_ONLY}


def get(key: str) -> Utility:
    """The runnable utility with this key; KeyError names the keys that exist."""
    entry = BY_KEY.get(key)
    if not isinstance(entry, Utility):
        built = ", ".join(e.key for e in CATALOG if isinstance(e, Utility))
        raise KeyError(f"no utility {key!r} can be run; available: {built}")
    return entry
