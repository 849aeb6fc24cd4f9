"""Add Patron Notes."""

from typing import Any

import sqlite_utils
from pydantic import Field

from ..fields import field_title
from ..schema import NoteType
from ..security import REMOVE_RECORDS, Operator
from ..validation import Invalid, Problem, StoreModel
from .base import CHANGING, PlanSQL, PlanView, TransactionView, Utility, count_of

_COUNT = "(SELECT count(*) FROM notes n WHERE n.patron_id = p.id AND n.type = :type)"
_SAME = (
    "EXISTS (SELECT 1 FROM notes n WHERE n.patron_id = p.id AND n.type = :type AND n.text = :text)"
)


class AddNotesOptions(StoreModel):
    note: str = Field(
        title="Add Note",
        min_length=1,
        max_length=500,
        description="The note to add. 500 character limit.",
    )
    note_type: NoteType = Field(title="Note Type", description="The type of note to add.")
    replace_existing: bool = Field(
        False,
        title="Replace Existing Notes",
        description="Remove all existing notes of the chosen type and replace them with this note.",
    )


class AddPatronNotes(Utility[AddNotesOptions]):
    key = "add-notes"
    title = "Add Patron Notes"
    summary = "Adds or appends a Contact, General, Alert, or Category note to selected patrons."
    guidance = (
        "If a group of specific patrons need to meet with the librarian, choose Alert and type "
        '"Needs to meet with librarian". Alert notes pop up in Circulation whenever those '
        "patrons' barcodes are scanned.\n\n"
        "If patrons are in special reading programs, considered at-risk, or belong to other "
        "groups that need to be recorded, choose Category and type the note."
    )
    Options = AddNotesOptions
    value_label = "Notes of type"

    def check(
        self, db: sqlite_utils.Database, options: AddNotesOptions, operator: Operator
    ) -> None:
        # Replacing removes the patrons' notes of the type: as Remove Patron Notes does, so
        # it needs that utility's permission (else this would be a way round it).
        if options.replace_existing and not operator.may((REMOVE_RECORDS,)):
            raise Invalid(
                [
                    Problem(
                        "replace_existing",
                        field_title(AddNotesOptions, "replace_existing"),
                        f"removes the patrons' existing {options.note_type} notes: it needs "
                        f"the permission '{REMOVE_RECORDS}'",
                    )
                ]
            )

    def plan_sql(self, options: AddNotesOptions, operator: Operator) -> PlanSQL:
        params = {"type": str(options.note_type), "text": options.note}
        if options.replace_existing:
            # Already exactly this one note of the type: nothing to replace.
            same = f"({_COUNT} = 1 AND {_SAME})"
            # A patron who loses notes is told which: the reason quotes their text.
            removed = (
                "(SELECT group_concat('\"' || n.text || '\"', ', ') FROM "
                "(SELECT text FROM notes WHERE patron_id = p.id AND type = :type "
                "ORDER BY id) n)"
            )
            return PlanSQL(
                current=_COUNT,
                new="1",
                outcome=f"CASE WHEN {same} THEN 'unchanged' ELSE 'change' END",
                reason=(
                    f"CASE WHEN {same} THEN 'already has only this note' "
                    f"WHEN {_COUNT} > 0 THEN 'removes ' || {removed} END"
                ),
                params=params,
            )
        return PlanSQL(
            current=_COUNT,
            new=f"{_COUNT} + CASE WHEN {_SAME} THEN 0 ELSE 1 END",
            outcome=f"CASE WHEN {_SAME} THEN 'unchanged' ELSE 'change' END",
            reason=f"CASE WHEN {_SAME} THEN 'already has this note' END",
            params=params,
        )

    def tally(
        self, db: sqlite_utils.Database, plan: PlanView[AddNotesOptions], done: bool = False
    ) -> str | None:
        if not plan.options.replace_existing:
            return None
        removed = db.execute(
            f"SELECT count(*) FROM notes WHERE type = ? AND patron_id IN "
            f"(SELECT patron_id FROM temp.{plan.table} plan WHERE {CHANGING})",
            [str(plan.options.note_type)],
        ).fetchone()[0]
        kind = f"{plan.options.note_type} note" + ("" if removed == 1 else "s")
        if done:
            return f"{removed:,} existing {kind} removed (their text is in each patron's reason)."
        return f"{removed:,} existing {kind} will be removed (each patron's reason quotes them)."

    def label(self, options: AddNotesOptions) -> str:
        return f"{options.note_type} notes"

    def show(self, value: Any) -> str:
        return count_of(value, "note", "notes")

    def apply(self, tx: TransactionView[AddNotesOptions]) -> None:
        params = {"type": str(tx.options.note_type), "text": tx.options.note, "now": tx.now}
        if tx.options.replace_existing:
            where = f"type = :type AND patron_id IN {tx.changes}"
            tx.delete_rows("notes", where, params)
        first_new = tx.last_id("notes")
        tx.db.execute(
            f"""INSERT INTO notes (patron_id, type, text, created)
                SELECT patron_id, :type, :text, :now FROM temp.{tx.plan.table} plan
                WHERE {CHANGING} ORDER BY seq""",
            params,
        )
        tx.record_rows("notes", "insert", "id > :first", {"first": first_new})
