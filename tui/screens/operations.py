"""Every operation in the journal, newest first; Enter opens its summary."""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from store import Operator, Store
from store.file_out import printable

from .summary import SummaryScreen
from ..widgets.plain import Plain, PlainTable

PAGE = 200


class OperationsScreen(Screen):
    """The journal: when, who, which utility, the counts, and whether it was undone."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("enter", "open", "Summary", id="open", priority=True),
    ]

    def __init__(self, store: Store, operator: Operator) -> None:
        super().__init__()
        self.store = store
        self.operator = operator
        self.operations: list[dict] = []
        self.more = False  # the last page was full: older operations may follow

    def compose(self) -> ComposeResult:
        yield Plain("Operations — newest first", id="heading")
        yield PlainTable(id="operations-table", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="row-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The utility's title comes last: it is the column that may be cut at 80 columns.
        table.add_columns("#", "When", "Operator", "Changed", "Skipped", "Matched", "Undone",
                          "Utility")
        table.focus()

    def on_screen_resume(self) -> None:
        """Shown, or back from a summary (perhaps after an undo): the journal as it is now."""
        if not self.is_current:  # passed over on the way back to the login screen
            return
        self.query_one(DataTable).clear()
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
            state = (f"by #{op['undone_by']}" if op["undone_by"]
                     else f"part by #{op['partly_undone_by']}" if op["partly_undone_by"]
                     else f"undo of #{op['undo_of']}" if op["undo_of"] else "")
            table.add_row(str(op["id"]), op["started"][:16], printable(op["operator"]),
                          f"{op['changed']:,}", f"{op['skipped']:,}", f"{op['matched']:,}", state,
                          printable(say(op["title"])))
        self.operations += rows
        self.more = len(rows) == PAGE
        if not self.operations:
            self.query_one("#row-detail", Static).update(
                "No operations yet: each utility you apply is listed here.")
        elif len(rows) == PAGE:
            self.query_one("#row-detail", Static).update(
                f"Showing the newest {len(self.operations):,}; more load as you scroll.")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Near the end of what is loaded: fetch the next page of older operations.
        if self.more and event.cursor_row >= len(self.operations) - 10:
            self.more = False
            self.load(len(self.operations))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not self.operations or not 0 <= table.cursor_row < len(self.operations):
            return
        op = self.operations[table.cursor_row]
        self.app.push_screen(SummaryScreen(self.store, op["id"], self.operator))

    def action_back(self) -> None:
        self.app.pop_screen()
