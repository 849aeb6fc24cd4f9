"""Sync from Roster, as the journal knows it: the school's roster (OneRoster CSV) made the
patrons' records — new patrons created, changed ones updated, those who left Transferred.

Not in the picker yet (patron-utils sync oneroster runs it); declared here so the
Operations screen, the summary and undo read a sync like any other operation.
"""

from pydantic import Field

from ..security import Operator
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
    Options = SyncRosterOptions
    value_label = "Record"

    def plan_sql(self, options: SyncRosterOptions, operator: Operator) -> PlanSQL:
        raise NotImplementedError("syncs are run by patron-utils sync oneroster, not planned")
