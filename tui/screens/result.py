"""The operation's summary report after an apply."""
from __future__ import annotations

import json

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from store import Report, Store

from .. import text

# The result shows the start of the report; the journal keeps all of it.
REPORT_ROWS = 500


class ResultScreen(Screen):
    """What the operation did: counts, the selections and options, skipped and changed patrons."""

    BINDINGS = [Binding("escape", "back", "Back to utilities", id="back")]

    def __init__(self, store: Store, report: Report) -> None:
        super().__init__()
        self.store = store
        self.report = report

    def compose(self) -> ComposeResult:
        yield Static(f"Done: {self.report.title} — operation #{self.report.operation_id}",
                     id="heading")
        yield Static(id="result-summary")
        yield DataTable(id="result-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#result-table").focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        op = self.store.operation(self.report.operation_id)
        utility = self.store.utility(op["utility"])
        rows = (self.store.operation_changes(op["id"], "skip", limit=REPORT_ROWS)
                + self.store.operation_changes(op["id"], "change", limit=REPORT_ROWS)
                + self.store.operation_changes(op["id"], "unchanged", limit=REPORT_ROWS))
        self.app.call_from_thread(self._show, op, utility, rows)

    def _show(self, op: dict, utility, rows: list[dict]) -> None:
        options = utility.Options.model_validate(json.loads(op["options"]))
        lines = [text.counts_line(op["matched"], op["changed"], op["unchanged"], op["skipped"],
                                  done=True),
                 f"By {op['operator']} at {op['started']}",
                 "Selections: " + "; ".join(text.selection_lines(op["selection"])),
                 "Options: " + "; ".join(text.options_lines(options))]
        shown = len(rows)
        if shown < op["matched"]:
            lines.append(f"Showing {shown} of {op['matched']} patrons (skipped first).")
        self.query_one("#result-summary", Static).update("\n".join(lines))
        table = self.query_one("#result-table", DataTable)
        label = utility.label(options)
        table.add_columns("Barcode", "Name", f"{label} before", "After", "Outcome")
        table.add_rows([
            (r["barcode"], r["name"], utility.show(r["before"]), utility.show(r["after"]),
             text.outcome_cell(r["outcome"], r["reason"]))
            for r in rows
        ])

    def action_back(self) -> None:
        self.app.pop_screen()
