"""The utility contract: what every utility module declares, once.

A utility says how to compute, in SQL over one matched patron ``p``, the
current value, the new value, the outcome and its reason; the engine
(store/plan.py) turns that into the plan table the preview pages through, and
store/apply.py runs the utility's ``apply`` inside the journaled transaction.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

import sqlite_utils

# The engine's vocabulary, from the leaf module (re-exported: utilities import it from here).
from ..contract import CHANGING, MATCHED, PlanSQL, PlanView, Progress, TransactionView
from ..fields import field_title
from ..security import UTILITIES, Operator
from ..selection import OPT_IN, Selection
from ..validation import Invalid, Problem, StoreModel

__all__ = [
    "CHANGING",
    "MATCHED",
    "Entry",
    "PlanSQL",
    "PlanView",
    "Progress",
    "SetPatronColumn",
    "TransactionView",
    "Utility",
    "count_of",
]

# A utility's own Options model (ChangeStatusOptions, …): every method that takes options
# takes exactly that model, which the engine validated.
OptionsT = TypeVar("OptionsT", bound=StoreModel)


class Entry:
    """What the picker knows of a utility: enough to list, filter and explain it."""

    key: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]
    guidance: ClassVar[str] = ""
    textbook_tracker: ClassVar[bool] = False
    # Every one of these must be granted by the operator's security group.
    permissions: ClassVar[tuple[str, ...]] = (UTILITIES,)
    # It reads a file of the server (a roster export): not offered to a session over SSH,
    # which may not read the server's files.
    reads_server_files: ClassVar[bool] = False

    def unavailable(self, preferences: dict[str, str]) -> str | None:
        """Why the library's preferences rule this utility out, or None."""
        return None


class Utility(Entry, Generic[OptionsT]):
    """A runnable utility. Subclasses set the metadata, ``Options`` and ``value_label``."""

    # The form, the CLI flags and validation are generated from this model. (Not a
    # ClassVar only because a ClassVar may not mention the type variable.)
    Options: type[OptionsT]
    value_label: ClassVar[str]  # preview column header for current → new
    destructive: ClassVar[bool] = False
    # What happens to a changed patron, as the confirm says it ("removed").
    verb: ClassVar[str] = "changed"
    # When set, the confirm asks the operator to type the number of patrons to change.
    typed_confirmation: ClassVar[bool] = False
    # A criterion the utility always adds to the selection (SQL over ``p``), and how
    # the Selections tab states it.
    fixed_where: ClassVar[str | None] = None
    fixed_description: ClassVar[str | None] = None
    # Why a listed barcode of a patron the fixed criterion leaves out is skipped.
    fixed_reason: ClassVar[str | None] = None
    # Selection criteria the fixed one makes pointless (not offered on the form).
    hidden_criteria: ClassVar[tuple[str, ...]] = ()
    # Criteria only some utilities offer (selection.OPT_IN) that this one does.
    extra_criteria: ClassVar[tuple[str, ...]] = ()
    # Set on a utility that always acts on every patron (Advance All Grades): it offers
    # no Selections, and a criterion given anyway is refused with this (why, and what to
    # use instead) rather than dropped.
    no_selections: ClassVar[str | None] = None
    # Said in the result after a run (e.g. what else to do next).
    reminder: ClassVar[str | None] = None
    # SQL for the new value a patron the operator may not change shows (their current
    # value unless set): a constant, as it is also what a patron excluded by hand is
    # recorded with.
    skipped_value: ClassVar[str | None] = None

    def criteria(self) -> list[str]:
        """The Selection fields this utility offers, in the form's order: the criteria it
        asks for specially (Forgive Charges' Patron Balance) first, as the vendor manual
        lists them."""
        if self.no_selections:
            return []
        common = [
            name
            for name in Selection.model_fields
            if name not in self.hidden_criteria and name not in OPT_IN
        ]
        return [*self.extra_criteria, *common]

    @property
    def asks_nothing(self) -> bool:
        """No Selections and no Options (Advance All Grades): nothing to fill in or save."""
        return bool(self.no_selections) and not self.Options.model_fields

    def refuse_criteria(self, data: dict[str, Any]) -> None:
        """A utility with no Selections acts on everyone: a criterion given anyway (a flag,
        a saved run, a caller's dict) is refused, naming it, never dropped."""
        given = [name for name, value in data.items() if value not in ("", [], None)]
        if self.no_selections and given:
            raise Invalid(
                [Problem(name, field_title(Selection, name), self.no_selections) for name in given]
            )

    def notice(self, options: OptionsT) -> str | None:
        """A line the preview and confirm show about what this run will (not) do."""
        return None

    def tally(
        self, db: sqlite_utils.Database, plan: PlanView[OptionsT], done: bool = False
    ) -> str | None:
        """What the run does besides the patrons' own values (money forgiven, loans
        re-dated, notes removed), as a total over the whole plan: the preview and confirm
        say it as will be, and the apply records it as done (``done``) for the result and
        the operation's summary."""
        return None

    def plan_sql(self, options: OptionsT, operator: Operator) -> PlanSQL:
        raise NotImplementedError

    def check(self, db: sqlite_utils.Database, options: OptionsT, operator: Operator) -> None:
        """Rules on the options that depend on the operator or the data; raise Invalid."""

    def prepare(
        self, db: sqlite_utils.Database, plan: PlanView[OptionsT], progress: Progress
    ) -> None:
        """Slow per-patron work (hashing) done before the write lock is taken."""

    def apply(self, tx: TransactionView[OptionsT]) -> None:
        """Make the change for every plan row whose outcome is 'change', journaling it."""
        raise NotImplementedError

    def label(self, options: OptionsT) -> str:
        """The preview's header for the current → new columns."""
        return self.value_label

    def show(self, value: Any) -> str:
        """A current/new value as the preview shows it."""
        return "(none)" if value is None or value == "" else str(value)


def count_of(value: Any, one: str, many: str) -> str:
    """A count as the preview shows it ("1 note", "3 notes"); "(none)" for a listed barcode
    no patron has."""
    if value is None:
        return "(none)"
    return f"{value} {one if value == 1 else many}"


class SetPatronColumn(Utility[OptionsT]):
    """A utility that sets one patron column to the value of one option."""

    column: ClassVar[str]
    option: ClassVar[str]

    def target(self, options: OptionsT) -> Any:
        value = getattr(options, self.option)
        return None if value == "" else str(value)

    def plan_sql(self, options: OptionsT, operator: Operator) -> PlanSQL:
        return PlanSQL(
            current=f"p.{self.column}", new=":target", params={"target": self.target(options)}
        )

    def apply(self, tx: TransactionView[OptionsT]) -> None:
        tx.update_patrons(self.column)
