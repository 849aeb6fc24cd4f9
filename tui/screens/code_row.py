"""One row of a code table (tui/widgets/code_table.py), asked for: its code typed or chosen,
each value chosen from what the database has (or typed where nothing is offered)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select

from store.file_out import printable
from store.validation import CHOICE_SOURCES

from ..base import ProductModalScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain

if TYPE_CHECKING:
    from ..widgets.code_table import Column


class RowScreen(ProductModalScreen[list[str] | None]):
    """Enter (in a typed field) or F9 keeps the row; Escape cancels (None)."""

    DEFAULT_CSS = """
    RowScreen { align: center middle; }
    RowScreen Label { margin-top: 1; text-style: bold; }
    RowScreen Input { height: 1; border: none; padding: 0 1; background: $boost; }
    RowScreen Input:focus { border: none; background: $primary 40%; }
    RowScreen Select:focus > SelectCurrent { background: $primary 40%; }
    RowScreen .fixed-code { padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("f9", "keep", "Keep the row", id="keep"),
        Binding("f1", "app.keys", "Keys", id="keys", show=False),
    ]

    def __init__(
        self,
        title: str,
        columns: Sequence[Column],
        cells: list[str],
        choice_labels: dict[str, list[tuple[str, str]]],
        taken: set[str],
        fixed_code: bool = False,
    ) -> None:
        super().__init__()
        self.heading = title
        self.columns = list(columns)
        self.cells = list(cells)
        self.choice_labels = choice_labels
        self.taken = taken  # the other rows' codes, casefolded
        self.fixed_code = fixed_code  # a default code: only its values change

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Plain(self.heading, id="dialog-title")
            for i, (column, value) in enumerate(zip(self.columns, self.cells, strict=True)):
                yield Label(column.title)
                if i == 0 and self.fixed_code:
                    yield Plain(value, classes="fixed-code", id="cell-0")
                else:
                    yield self._widget(column, value, f"cell-{i}")
            yield Plain("", id="dialog-problem")
            yield Plain(
                "F9 keeps the row · Enter opens a list · Tab next · Esc cancels",
                id="dialog-keys",
            )
        yield KeysFooter()

    def _widget(self, column: Column, value: str, wid: str) -> Widget:
        if column.choices is None:
            return Input(value, id=wid)
        offered = [(label, v) for v, label in self.choice_labels.get(column.choices, [])]
        if column.blank is not None:
            offered.insert(0, (column.blank, ""))
        # A value the database no longer has stays, marked, so the store names it.
        if value not in {v for _, v in offered} and value != "":
            source = CHOICE_SOURCES.get(column.choices, column.choices)
            offered.append((f"{value} — not in {source}", value))
        options = [(Text(printable(label)), v) for label, v in offered]
        known = value in {v for _, v in offered}
        return Select(
            options,
            prompt="Choose…",
            value=value if known else Select.NULL,
            compact=True,
            id=wid,
        )

    def on_mount(self) -> None:
        # A new row starts at its code; an edited one at its first value.
        start = 0 if not self.cells[0] else 1
        self.query_one(f"#cell-{start}").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_keep()

    def _read(self, i: int) -> str | None:
        widget = self.query_one(f"#cell-{i}")
        if isinstance(widget, Input):
            return widget.value.strip()
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else str(widget.value)
        return self.cells[i]  # a default's code, shown but not for changing

    def action_keep(self) -> None:
        values = [self._read(i) for i in range(len(self.columns))]
        problem = self._problem(values)
        if problem:
            self.query_one("#dialog-problem", Plain).update(f"⚠ {self.app.say(problem)}")
            return
        self.dismiss([v or "" for v in values])

    def _problem(self, values: list[str | None]) -> str:
        code = values[0] or ""
        first = self.columns[0].title
        if not code:
            return f"{first}: a value is required"
        if code.casefold() in self.taken:
            return f"{first}: {code} is already listed; e on its row edits it"
        for column, value in zip(self.columns[1:], values[1:], strict=True):
            if value is None or (value == "" and column.blank is None):
                return f"{column.title}: a value is required; choose one"
        return ""

    def action_cancel(self) -> None:
        self.dismiss(None)
