"""The registry: every utility of the seed, in the seed's order.

Adding a utility is one module here plus its tests; the picker, the forms and
the preview are derived from its declaration.
"""
from __future__ import annotations

from . import coming
from .add_notes import AddPatronNotes
from .base import Entry, Utility
from .change_grade import ChangePatronGrade
from .change_location import ChangePatronLocation
from .change_security_group import ChangePatronSecurityGroup
from .change_status import ChangePatronStatus
from .reset_accounts import ResetPatronAccounts

CATALOG: list[Entry] = [
    AddPatronNotes(),
    coming.AdvancePatronGrade(),
    ChangePatronGrade(),
    coming.ChangePatron2ndLocation(),
    ChangePatronLocation(),
    coming.ChangePatronPolicy(),
    ChangePatronSecurityGroup(),
    ChangePatronStatus(),
    coming.ForgiveCharges(),
    coming.MovePatronsToSite(),
    coming.ReassignUnionSitePatrons(),
    coming.RemovePatronHistory(),
    coming.RemovePatronNotes(),
    coming.RemovePatronPictures(),
    coming.RemovePatrons(),
    coming.RenewPatronAccounts(),
    ResetPatronAccounts(),
]

BY_KEY: dict[str, Entry] = {entry.key: entry for entry in CATALOG}


def get(key: str) -> Utility:
    """The runnable utility with this key; KeyError names the keys that exist."""
    entry = BY_KEY.get(key)
    if not isinstance(entry, Utility):
        built = ", ".join(e.key for e in CATALOG if isinstance(e, Utility))
        raise KeyError(f"no utility {key!r} can be run; available: {built}")
    return entry
