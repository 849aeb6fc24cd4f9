"""A table of "code → value" rows edited at the keyboard: a roster mapping's grade codes,
policies by grade, roles (role → policy and security group) and schools to sites.

a adds a row, e or Enter edits it, d deletes it; the row itself is asked for in a dialog
(tui/screens/code_row.py) that offers the database's values as choices. A code whose
default the model keeps (a OneRoster grade code, a OneRoster role) is never deleted, only
put back to its default: deleting it would change nothing that is saved. What the store
says is wrong with a row is shown on it (⚠) and under the table, by the row's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label

from store import Problem

from ..screens.code_row import RowScreen
from .plain import Plain, PlainTable

if TYPE_CHECKING:
    from textual import getters

    from ..app import PatronUtilsApp

MARK = "⚠"


@dataclass(frozen=True)
class Column:
    """One column of a row: the code (the first) or one of its values."""

    title: str
    key: str = ""  # the value's key when a row holds several (a role's policy)
    choices: str | None = None  # the database's values offered (grade, site…); None: typed
    blank: str | None = None  # how a blank value reads, where one is allowed ("no grade")


class CodeTable(Vertical):
    """Rows of a ``code → value`` (or ``code → {key: value}``) mapping; ``values()`` gives it
    back as the model takes it."""

    DEFAULT_CSS = """
    CodeTable { height: auto; padding: 0 1; margin-bottom: 1; }
    CodeTable > Label { text-style: bold; }
    CodeTable > .help { color: $text-muted; }
    CodeTable > PlainTable { height: auto; max-height: 10; }
    CodeTable > .message { height: auto; display: none; }
    CodeTable > .problems { height: auto; color: $text-error; text-style: bold; display: none; }
    CodeTable.-invalid > Label { color: $text-error; }
    """

    if TYPE_CHECKING:
        app = getters.app(PatronUtilsApp)

    BINDINGS = [
        Binding("a", "add", "Add a row to the table", show=False),
        Binding("e", "edit", "Edit the row", show=False),
        Binding("d", "delete", "Delete the row (a default: put it back)", show=False),
    ]

    class Changed(Message):
        """A row was added, edited or deleted."""

        def __init__(self, table: CodeTable) -> None:
            super().__init__()
            self.table = table

    def __init__(
        self,
        name: str,
        title: str,
        description: str,
        columns: tuple[Column, ...],
        rows: dict[str, Any],
        choice_labels: dict[str, list[tuple[str, str]]],
        defaults: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(id=f"table-{name}")
        self.field = name
        self.heading = title
        self.help_text = description
        self.columns = columns
        self.choice_labels = choice_labels
        self.defaults = {
            code.casefold(): self._cells(code, v) for code, v in (defaults or {}).items()
        }
        self.rows = [self._cells(code, value) for code, value in rows.items()]
        self.marked: set[str] = set()  # codes with a problem, casefolded

    def _cells(self, code: str, value: Any) -> list[str]:
        if len(self.columns) == 2:
            return [code, "" if value is None else str(value)]
        return [code, *(str(value.get(c.key) or "") for c in self.columns[1:])]

    def compose(self) -> ComposeResult:
        yield Label(self.heading)
        if self.help_text:
            yield Plain(self.help_text, classes="help")
        yield PlainTable(id=f"rows-{self.field}", cursor_type="row", zebra_stripes=True)
        yield Plain("", classes="message", id=f"message-{self.field}")
        yield Plain("", classes="problems", id=f"problems-{self.field}")

    def on_mount(self) -> None:
        self.table.add_columns(" ", *(c.title for c in self.columns))
        self._show()

    @property
    def table(self) -> DataTable:
        return self.query_one(f"#rows-{self.field}", DataTable)

    def _shown(self, column: Column, value: str) -> str:
        """A value as the table shows it: a database value by its label (ELM — Elm Street
        Elementary), a blank one by what it means."""
        if value == "" and column.blank:
            return column.blank
        labels = dict(self.choice_labels.get(column.choices or "", []))
        return labels.get(value, value)

    def _show(self, select: str | None = None) -> None:
        table = self.table
        row = table.cursor_row
        table.clear()
        for cells in self.rows:
            mark = MARK if cells[0].casefold() in self.marked else ""
            table.add_row(
                mark, *(self._shown(c, v) for c, v in zip(self.columns, cells, strict=True))
            )
        codes = [cells[0].casefold() for cells in self.rows]
        if select is not None and select.casefold() in codes:
            row = codes.index(select.casefold())
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
        self._say("" if self.rows else "None yet: a adds one.")

    def _say(self, text: str) -> None:
        message = self.query_one(f"#message-{self.field}", Plain)
        message.update(text)
        message.display = bool(text)

    def values(self) -> dict[str, Any]:
        if len(self.columns) == 2:
            return {cells[0]: cells[1] for cells in self.rows}
        return {
            cells[0]: {c.key: v for c, v in zip(self.columns[1:], cells[1:], strict=True)}
            for cells in self.rows
        }

    def update_choices(self, choice_labels: dict[str, list[tuple[str, str]]]) -> None:
        """The database's values as they are now (the grade table may have changed)."""
        self.choice_labels = choice_labels
        self._show()

    # -- keys ---------------------------------------------------------------------------
    @property
    def chosen(self) -> int | None:
        return self.table.cursor_row if self.rows else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_add(self) -> None:
        self._ask(None)

    def action_edit(self) -> None:
        if self.chosen is not None:
            self._ask(self.chosen)

    def _ask(self, index: int | None) -> None:
        cells = self.rows[index] if index is not None else [""] * len(self.columns)
        taken = {c[0].casefold() for i, c in enumerate(self.rows) if i != index}
        # A default code stays: its code is not for changing, only its values.
        fixed = index is not None and cells[0].casefold() in self.defaults

        def answered(answer: list[str] | None) -> None:
            if answer is None:
                return
            if index is None:
                self.rows.append(answer)
            else:
                self.rows[index] = answer
            self.marked.discard(cells[0].casefold())  # its old problem may no longer hold
            self._show(select=answer[0])
            self._say(f"{'Added' if index is None else 'Changed'} {answer[0]}.")
            self.post_message(self.Changed(self))

        title = f"{self.heading}: {cells[0]}" if index is not None else f"{self.heading}: a new row"
        self.app.push_screen(
            RowScreen(title, self.columns, cells, self.choice_labels, taken, fixed), answered
        )

    def action_delete(self) -> None:
        index = self.chosen
        if index is None:
            return
        code = self.rows[index][0]
        default = self.defaults.get(code.casefold())
        if default is None:
            del self.rows[index]
            self._show()
            self._say(f"Deleted {code}.")
        elif self.rows[index][1:] == default[1:]:
            self._say(f"{code} is one of the defaults, kept as it is: a code not listed keeps it.")
            return
        else:
            self.rows[index] = [code, *default[1:]]
            shown = ", ".join(
                self._shown(c, v) for c, v in zip(self.columns[1:], default[1:], strict=True)
            )
            self._show(select=code)
            self._say(f"{code} is back to its default: {shown}.")
        self.marked.discard(code.casefold())
        self.post_message(self.Changed(self))

    # -- problems -----------------------------------------------------------------------
    def _code_of(self, problem: Problem) -> str | None:
        """The row a problem names (grades.KG, roles.student.policy), or None for the table."""
        rest = problem.field[len(self.field) + 1 :]
        for cells in self.rows:
            if rest == cells[0] or rest.startswith(cells[0] + "."):
                return cells[0]
        return None

    def show_problems(self, problems: list[Problem]) -> list[Problem]:
        """Mark the rows the problems name and list them under the table; returns those
        that belong to this table."""
        mine = [
            p for p in problems if p.field == self.field or p.field.startswith(self.field + ".")
        ]
        lines = []
        for problem in mine:
            code = self._code_of(problem)
            if code is None:
                lines.append(f"{MARK} {self.app.say(problem.message)}")
                continue
            self.marked.add(code.casefold())
            column = next(
                (
                    c.title
                    for c in self.columns[1:]
                    if c.key and problem.field.endswith("." + c.key)
                ),
                None,
            )
            where = f"{code}, {column}" if column else code
            lines.append(f"{MARK} {where}: {self.app.say(problem.message)}")
        listed = self.query_one(f"#problems-{self.field}", Plain)
        listed.update("\n".join(lines))
        listed.display = bool(lines)
        self.set_class(bool(mine), "-invalid")
        self._show()
        return mine

    def clear_problems(self) -> None:
        self.marked.clear()
        listed = self.query_one(f"#problems-{self.field}", Plain)
        listed.update("")
        listed.display = False
        self.remove_class("-invalid")
        self._show()

    def focus_problem(self, problem: Problem) -> None:
        """The table focused on the row the problem names."""
        code = self._code_of(problem)
        codes = [cells[0] for cells in self.rows]
        if code is not None:
            self.table.move_cursor(row=codes.index(code))
        self.table.focus()
