"""Every operation in the journal, newest first; Enter opens its summary, u undoes it."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from store import Operator, Store
from store.file_out import printable

from ..base import ProductScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain, PlainTable
from .summary import SummaryScreen

PAGE = 200
# Widths of the narrow columns; the operation takes the rest of the screen.
NUMBER, WHEN, WHO = 5, 10, 10


class OperationsScreen(ProductScreen[None]):
    """The journal: when, who, which utility, the counts, and whether it was undone — two
    lines an operation, so the utility's whole title fits at 80 columns."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("enter", "open", "Summary", id="open", priority=True),
        Binding("u", "undo", "Undo", id="undo"),
    ]

    def __init__(self, store: Store, operator: Operator) -> None:
        super().__init__()
        self.store = store
        self.operator = operator
        self.operations: list[dict] = []
        self.more = False  # the last page was full: older operations may follow
        self.keep: int | None = None  # the operation the cursor was on, to find it again

    def compose(self) -> ComposeResult:
        yield Plain("Operations — newest first", id="heading")
        yield PlainTable(id="operations-table", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="row-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        rest = max(20, self.app.size.width - 2 - (NUMBER + WHEN + WHO) - 2 * 4)
        table.add_column("#", width=NUMBER)
        table.add_column("When", width=WHEN)
        table.add_column("Operator", width=WHO)
        table.add_column("Operation", width=rest)
        table.focus()

    def on_screen_resume(self) -> None:
        """Shown, or back from a summary (perhaps after an undo): the journal as it is now,
        the cursor on the operation it was on."""
        if not self.is_current:  # passed over on the way back to the login screen
            return
        table = self.query_one(DataTable)
        if self.operations and 0 <= table.cursor_row < len(self.operations):
            self.keep = self.operations[table.cursor_row]["id"]
        table.clear()
        self.operations = []
        self.load(0)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self, offset: int) -> None:
        rows = self.store.operations(offset, PAGE)
        self.app.call_from_thread(self._add, rows)

    def _add(self, rows: list[dict]) -> None:
        table = self.query_one(DataTable)
        say = self.app.say
        for op in rows:
            title = Text(
                printable(say(op["title"])), style="bold", no_wrap=True, overflow="ellipsis"
            )
            title.append(
                "\n" + _counts(op) + (f" · {_state(op)}" if _state(op) else ""), style="not bold"
            )
            table.add_row(
                f"#{op['id']}",
                Text(f"{op['started'][:10]}\n{op['started'][11:16]}"),
                Text(printable(op["operator"]), no_wrap=True, overflow="ellipsis"),
                title,
                height=2,
            )
        self.operations += rows
        self.more = len(rows) == PAGE
        if self.keep is not None:
            ids = [op["id"] for op in self.operations]
            if self.keep in ids:
                table.move_cursor(row=ids.index(self.keep))
                self.keep = None
        if not self.operations:
            self.query_one("#row-detail", Static).update(
                "No operations yet: each utility you apply is listed here."
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.operations):
            op = self.operations[event.cursor_row]
            self.query_one("#row-detail", Static).update(
                f"#{op['id']} · {op['started']} · {op['operator']} · {self.app.say(op['title'])}"
                f" · matched {op['matched']:,}, unchanged {op['unchanged']:,}"
                + (f" · {_state(op)}" if _state(op) else "")
            )
        # Near the end of what is loaded: fetch the next page of older operations.
        if self.more and event.cursor_row >= len(self.operations) - 10:
            self.more = False
            self.load(len(self.operations))

    def _highlighted(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.operations or not 0 <= table.cursor_row < len(self.operations):
            return None
        return self.operations[table.cursor_row]

    def action_open(self) -> None:
        if op := self._highlighted():
            self.app.push_screen(SummaryScreen(self.store, op["id"], self.operator))

    def action_undo(self) -> None:
        """Undo the highlighted operation: its summary, then the undo's own checks and
        confirm (u there does the same)."""
        if op := self._highlighted():
            self.app.push_screen(SummaryScreen(self.store, op["id"], self.operator, undo=True))

    def action_back(self) -> None:
        self.app.pop_screen()


def _counts(op: dict) -> str:
    return f"changed {op['changed']:,}, skipped {op['skipped']:,} of {op['matched']:,}"


def _state(op: dict) -> str:
    return (
        f"undone by #{op['undone_by']}"
        if op["undone_by"]
        else f"partly undone by #{op['partly_undone_by']}"
        if op["partly_undone_by"]
        else f"undo of #{op['undo_of']}"
        if op["undo_of"]
        else ""
    )
