"""The catalog: every utility of the vendor manual, in the manual's (alphabetical) order —
the page's seventeen and Recompute Due Dates, which its Change Patron Policy names.

Adding a utility is one module in store/utilities/ plus its line here and its tests;
the picker, the forms, the CLI flags and the preview are derived from its declaration.
It lives outside store/utilities/ so that the engine can import the contract
(store.utilities.base) without loading every utility.
"""

from __future__ import annotations

from .utilities.add_notes import AddPatronNotes
from .utilities.advance_all_grades import AdvanceAllGrades
from .utilities.advance_grade import AdvancePatronGrade
from .utilities.base import Entry, Utility
from .utilities.change_grade import ChangePatronGrade
from .utilities.change_location import ChangePatronLocation
from .utilities.change_location2 import ChangePatron2ndLocation
from .utilities.change_policy import ChangePatronPolicy
from .utilities.change_security_group import ChangePatronSecurityGroup
from .utilities.change_status import ChangePatronStatus
from .utilities.forgive_charges import ForgiveCharges
from .utilities.grade_table import GradeTableEdit
from .utilities.import_patrons import ImportPatrons
from .utilities.move_to_site import MovePatronsToSite
from .utilities.patron_password import PatronPassword
from .utilities.reassign_union_site import ReassignUnionSitePatrons
from .utilities.recompute_due_dates import RecomputeDueDates
from .utilities.remove_history import RemovePatronHistory
from .utilities.remove_notes import RemovePatronNotes
from .utilities.remove_patrons import RemovePatrons
from .utilities.remove_pictures import RemovePatronPictures
from .utilities.renew_accounts import RenewPatronAccounts
from .utilities.reset_accounts import ResetPatronAccounts
from .utilities.sync_roster import SyncRoster

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
    RecomputeDueDates(),
    RemovePatronHistory(),
    RemovePatronNotes(),
    RemovePatronPictures(),
    RemovePatrons(),
    RenewPatronAccounts(),
    ResetPatronAccounts(),
]

# Utilities the vendor manual puts on the Grade Table tab of Preferences, not in the
# picker: planned, applied, journaled and undone like the catalog's, and run by key
# (patron-utils run, listed by patron-utils list).
GRADE_TABLE: list[Entry] = [AdvanceAllGrades()]
# Every utility that can be planned and run, the picker's first.
RUNNABLE: list[Entry] = CATALOG + GRADE_TABLE
# Sync from Roster: in the picker with its own screen (the plan is the roster's, not a
# query over the patrons), and in the journal.
SYNC_ROSTER = SyncRoster()
# What the picker lists, in the manual's order and then the roster sync.
PICKER: list[Entry] = [*CATALOG, SYNC_ROSTER]
# Operations the journal records that are not picked from the catalog (imports, grade
# table edits, roster syncs, passwords patrons chose).
JOURNAL_ONLY: list[Utility] = [ImportPatrons(), GradeTableEdit(), SYNC_ROSTER, PatronPassword()]
BY_KEY: dict[str, Entry] = {entry.key: entry for entry in RUNNABLE + JOURNAL_ONLY}


def get(key: str) -> Utility:
    """The runnable utility with this key; KeyError names the keys that exist."""
    entry = BY_KEY.get(key)
    if not isinstance(entry, Utility):
        built = ", ".join(e.key for e in RUNNABLE if isinstance(e, Utility))
        raise KeyError(f"no utility {key!r} can be run; available: {built}")
    return entry
