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
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Static(self.app.say(f"Done: {self.report.title} — operation #{self.report.operation_id}"),
                     id="heading")
        yield Static(id="result-summary")
        yield DataTable(id="result-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="row-detail")
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
        say = self.app.say
        lines = [text.counts_line(op["matched"], op["changed"], op["unchanged"], op["skipped"],
                                  done=True),
                 f"By {op['operator']} at {op['started']}",
                 say("Selections: " + "; ".join(text.selection_lines(op["selection"],
                                                                      utility.fixed_description)))]
        if type(options).model_fields:
            lines.append(say("Options: " + "; ".join(text.options_lines(options))))
        if utility.reminder:
            lines.append(say("Next: " + utility.reminder))
        shown = len(rows)
        if shown < op["matched"]:
            lines.append(f"Showing {shown} of {op['matched']} patrons (skipped first).")
        self.query_one("#result-summary", Static).update("\n".join(lines))
        table = self.query_one("#result-table", DataTable)
        label = say(utility.label(options))
        table.add_columns("Barcode", "Name", f"{label} before", "After", "Outcome")
        # A patron who was not changed still has the value from before.
        table.add_rows([
            (r["barcode"], r["name"], utility.show(r["before"]),
             utility.show(r["after"] if r["outcome"] == "change" else r["before"]),
             text.outcome_cell(r["outcome"], r["reason"]))
            for r in rows
        ])
        self.rows = rows

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted patron's whole outcome: the table may cut a long reason short."""
        if 0 <= event.cursor_row < len(self.rows):
            r = self.rows[event.cursor_row]
            outcome = f"{r['outcome']}: {r['reason']}" if r["reason"] else r["outcome"]
            self.query_one("#row-detail", Static).update(f"{r['name']} · {outcome}")

    def action_back(self) -> None:
        self.app.pop_screen()
