"""What a utility may see of the engine, and nothing more: a leaf module.

store/utilities/ import only this (and the models) from the engine, so a utility never
depends on how plans are made (store/plan.py) or applied (store/apply.py); those two
satisfy the Protocols below. Nothing here imports another store module but validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import sqlite_utils

from .validation import StoreModel

# SQL over a plan table aliased ``plan``: the rows to change — outcome 'change' and not
# excluded from the preview by hand.
CHANGING = "plan.outcome = 'change' AND NOT plan.excluded"

# The matched patrons (with the utility's extra columns), for PlanSQL.batch to read.
MATCHED = "matched"

# Reports (done, total) while an apply prepares slow work; the TUI shows it.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PlanSQL:
    """SQL expressions for one matched patron.

    ``current`` and ``new`` see the patron as ``p``; ``outcome`` (one of
    'change', 'unchanged', 'skip') and ``reason`` may also use ``p.current``
    and ``p.new``. Named parameters go in ``params`` (never into the SQL text).
    """

    current: str
    new: str
    outcome: str = "CASE WHEN p.current IS p.new THEN 'unchanged' ELSE 'change' END"
    reason: str = (
        "CASE WHEN p.current IS p.new THEN coalesce('already ' || p.new, 'already has none') END"
    )
    params: dict[str, Any] = field(default_factory=dict)
    # More columns computed once per patron, for current, new, outcome and reason to use
    # as p.<name>.
    extra: dict[str, str] = field(default_factory=dict)
    # Common table expressions over the whole batch (name → SELECT), for rules one patron's
    # row cannot decide alone (a username another patron of the run gives up): they read
    # the matched patrons, with the extra columns, as MATCHED, and may be recursive;
    # current, new, outcome and reason may read them in subqueries.
    batch: dict[str, str] = field(default_factory=dict)


# The options model a plan was made with, as the utility declared it.
O_co = TypeVar("O_co", bound=StoreModel, covariant=True)


class PlanView(Protocol[O_co]):
    """A computed plan as a utility sees it: its temporary table (seq, patron_id, current,
    new, outcome, reason, excluded; read with CHANGING) and the options it was made with."""

    @property
    def table(self) -> str: ...

    @property
    def options(self) -> O_co: ...


class TransactionView(Protocol[O_co]):
    """The journaled write transaction a utility's ``apply`` works in."""

    @property
    def db(self) -> sqlite_utils.Database: ...

    @property
    def plan(self) -> PlanView[O_co]: ...

    @property
    def options(self) -> O_co: ...

    @property
    def operation_id(self) -> int: ...

    @property
    def now(self) -> str: ...

    @property
    def changes(self) -> str:
        """A subquery of the patron ids to change."""
        ...

    def update_patrons(self, column: str, moving: bool = False) -> None:
        """Set ``column`` to each changing row's new value, journaled. ``moving``: values
        pass between patrons of the run (a username one gives up, another takes), so each
        changing value is cleared first and none collides half-way."""
        ...

    def record_rows(
        self,
        table: str,
        action: str,
        where: str,
        params: dict | None = None,
        columns: list[str] | None = None,
        after_sql: str | None = None,
    ) -> None: ...

    def delete_rows(self, table: str, where: str, params: dict | None = None) -> None: ...

    def last_id(self, table: str) -> int: ...
