"""What the utility screen's workers tell it, as messages: the marks of bad fields, the
first page of a preview, the counted plan, and what came of saving a run.

Kept apart from the screen (tui/screens/utility.py) so that the flow reads as the steps it
takes; the screen names them as its own (``UtilityScreen.PlanReady``) for its handlers.
"""

from __future__ import annotations

from textual.message import Message

from store import Plan, PlanRow, Problem
from store.validation import StoreModel


class Problems(Message, bubble=False):
    """Fields to mark ⚠ (none: every mark is fixed); ``what`` heads the counts line."""

    def __init__(
        self, problems: list[Problem], what: str = "Not previewed", focus: bool = True
    ) -> None:
        super().__init__()
        self.problems = problems
        self.what = what
        self.focus = focus  # bring the first marked field forward


class FirstRows(Message, bubble=False):
    """Preview number ``preview``'s first page, read before the whole plan is counted."""

    def __init__(self, preview: int, rows: list[PlanRow], options: StoreModel) -> None:
        super().__init__()
        self.preview = preview
        self.rows = rows
        self.options = options


class PlanReady(Message, bubble=False):
    """Preview number ``preview`` is counted: its plan and the plan's first page."""

    def __init__(self, preview: int, plan: Plan, rows: list[PlanRow]) -> None:
        super().__init__()
        self.preview = preview
        self.plan = plan
        self.rows = rows


class RunSaved(Message, bubble=False):
    def __init__(self, name: str, replaced: bool) -> None:
        super().__init__()
        self.name = name
        self.replaced = replaced


class RunNotSaved(Message, bubble=False):
    """A refusal (an exception) or the one problem with the name asked for."""

    def __init__(self, why: Exception | Problem) -> None:
        super().__init__()
        self.why = why
