"""Remove Patron Notes: every note of the chosen type, nothing else."""

from typing import Any

from pydantic import Field

from ..security import REMOVE_RECORDS, UTILITIES, Operator
from ..validation import StoreModel
from .add_notes import NoteType
from .base import PlanSQL, TransactionView, Utility, count_of

_COUNT = "(SELECT count(*) FROM notes n WHERE n.patron_id = p.id AND n.type = :type)"


class RemoveNotesOptions(StoreModel):
    note_type: NoteType = Field(
        title="Note Type", description="All notes of this type are removed."
    )


class RemovePatronNotes(Utility[RemoveNotesOptions]):
    key = "remove-notes"
    title = "Remove Patron Notes"
    summary = "Removes all Contact, General, Alert, or Category notes from selected patrons."
    guidance = "Run this utility to remove old and temporary notes past librarians may have left."
    permissions = (UTILITIES, REMOVE_RECORDS)
    destructive = True
    Options = RemoveNotesOptions
    value_label = "Notes"

    def label(self, options: RemoveNotesOptions) -> str:
        return f"{options.note_type} notes"

    def plan_sql(self, options: RemoveNotesOptions, operator: Operator) -> PlanSQL:
        return PlanSQL(
            current=_COUNT,
            new="0",
            outcome="CASE WHEN p.current = 0 THEN 'unchanged' ELSE 'change' END",
            reason="CASE WHEN p.current = 0 THEN 'no ' || :type || ' notes' END",
            params={"type": str(options.note_type)},
        )

    def show(self, value: Any) -> str:
        return count_of(value, "note", "notes")

    def apply(self, tx: TransactionView[RemoveNotesOptions]) -> None:
        where = f"type = :type AND patron_id IN {tx.changes}"
        params = {"type": str(tx.options.note_type)}
        tx.delete_rows("notes", where, params)
