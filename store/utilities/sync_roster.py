"""Sync from Roster, as the journal knows it: the school's roster (OneRoster CSV) made the
patrons' records — new patrons created, changed ones updated, those who left Transferred.

Its own screen in the app (tui/screens/sync.py) and its own command (patron-utils sync
oneroster), not the Selections/Options engine: the plan is the roster's, not a query over
the patrons (store/roster/). Declared here so the picker lists it and the Operations screen,
the summary and undo read a sync like any other operation.
"""

from pydantic import Field

from ..security import PASSWORDS, SECURITY_GROUPS, UTILITIES, Operator
from ..validation import StoreModel
from .base import PlanSQL, Utility


class SyncRosterOptions(StoreModel):
    file: str = Field("", title="Roster")
    version: str = Field("", title="OneRoster version")
    confirmed_transfers: int = Field(0, title="Transfers confirmed")


class SyncRoster(Utility[SyncRosterOptions]):
    key = "sync-roster"
    title = "Sync from Roster"
    summary = (
        "Creates and updates patrons from the school's roster (OneRoster CSV) and marks "
        "those no longer in it as Transferred."
    )
    guidance = (
        "Point it at the export of the school's student information system (a folder or a "
        ".zip of OneRoster CSV): the preview shows every patron's fate — new, updated, "
        "unchanged, transferred (active patrons of the roster's sites it no longer lists) "
        "and skipped, with why — before anything is written. Preferences → Roster says how "
        "the roster's users become patrons. At the end of the year, run Remove Patrons on "
        "status Transferred."
    )
    # Creating patrons sets their security group and username (a password's login).
    permissions = (UTILITIES, SECURITY_GROUPS, PASSWORDS)
    reads_server_files = True
    # What the journal's "Selections" says of a sync: the roster chose its patrons.
    fixed_description = "The roster's users, and the active patrons of its sites"
    Options = SyncRosterOptions
    value_label = "Record"
    verb = "synced"

    def plan_sql(self, options: SyncRosterOptions, operator: Operator) -> PlanSQL:
        raise NotImplementedError("syncs are run by patron-utils sync oneroster, not planned")
