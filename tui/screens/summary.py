"""An operation's summary — the seed's "Operations Information" — with undo and save-to-file."""
from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from store import Busy, NotPermitted, NotUndoable, Operator, Store, UndoCheck
from store.file_out import FileExists, printable

from .. import text
from .confirm import ConfirmScreen
from .prompt import PromptScreen
from ..widgets.plain import Plain, PlainTable

# The screen shows the start of each outcome; the written file holds every patron.
REPORT_ROWS = 500


class SummaryScreen(Screen):
    """What an operation did: counts, selections and options, skipped and changed patrons."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("w", "write", "Write to file", id="write"),
    ]

    def __init__(self, store: Store, operation_id: int, operator: Operator) -> None:
        super().__init__()
        self.store = store
        self.operation_id = operation_id
        self.operator = operator
        self.op: dict | None = None
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Plain(f"Operation #{self.operation_id}", id="heading")
        yield Plain(id="result-summary")
        yield PlainTable(id="result-table", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="row-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#result-table").focus()
        self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self) -> None:
        op = self.store.operation(self.operation_id)
        rows = [row for outcome in ("skip", "change", "unchanged")
                for row in self.store.operation_changes(op["id"], outcome, limit=REPORT_ROWS)]
        self.app.call_from_thread(self._show, op, rows)

    def _show(self, op: dict, rows: list[dict]) -> None:
        self.op = op
        utility = self.store.utility(op["utility"])
        options = utility.Options.model_validate(json.loads(op["options"]))
        say = self.app.say
        heading = op["title"] if op["undo_of"] else f"Done: {op['title']}"  # "Undo of …"
        self.query_one("#heading", Static).update(say(f"{heading} — operation #{op['id']}"))
        lines = [text.counts_line(op["matched"], op["changed"], op["unchanged"], op["skipped"],
                                  done=True, excluded=op["excluded"]),
                 f"By {op['operator']} at {op['started']}",
                 say("Selections: " + "; ".join(text.selection_lines(op["selection"],
                                                                      utility.fixed_description)))]
        if type(options).model_fields:
            lines.append(say("Options: " + "; ".join(text.options_lines(options))))
        if op["undone_by"]:
            lines.append(f"Undone by operation #{op['undone_by']}.")
        elif op["partly_undone_by"]:
            lines.append(f"Partly undone by operation #{op['partly_undone_by']}: u puts back "
                         "what it left, once that can be.")
        elif op["undo_of"]:
            lines.append(f"This put back what operation #{op['undo_of']} changed; patrons "
                         "changed again since are skipped with what changed.")
        elif utility.reminder:
            lines.append(say("Next: " + utility.reminder))
        if len(rows) < op["matched"]:
            lines.append(f"Showing {len(rows):,} of {op['matched']:,} patrons (skipped first); "
                         "w writes them all to a file.")
        self.query_one("#result-summary", Static).update("\n".join(lines))
        table = self.query_one("#result-table", DataTable)
        table.clear(columns=True)
        label = say(utility.label(options))
        table.add_columns("Barcode", "Name", f"{label} before", "After", "Outcome")
        # A patron who was not changed still has the value from before.
        table.add_rows([
            (printable(r["barcode"]), printable(r["name"]), printable(utility.show(r["before"])),
             printable(utility.show(r["after"] if r["outcome"] == "change" else r["before"])),
             text.outcome_cell(r["outcome"], printable(r["reason"]) if r["reason"] else None))
            for r in rows
        ])
        self.rows = rows

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted patron's whole outcome: the table may cut a long reason short."""
        if 0 <= event.cursor_row < len(self.rows):
            r = self.rows[event.cursor_row]
            outcome = f"{r['outcome']}: {r['reason']}" if r["reason"] else r["outcome"]
            self.query_one("#row-detail", Static).update(Text(printable(f"{r['name']} · {outcome}")))

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- undo ------------------------------------------------------------------------------
    def action_undo(self) -> None:
        op = self.op
        if op is None:
            return
        if op["undone_by"] or op["undo_of"]:
            why = (f"it was already undone by operation #{op['undone_by']}" if op["undone_by"]
                   else f"it is itself an undo (of #{op['undo_of']}); run the utility again instead")
            self.notify(f"Operation #{op['id']} cannot be undone: {why}.", severity="warning")
            return
        self.check_undo()

    @work(thread=True, exclusive=True, group="undo", exit_on_error=False)
    def check_undo(self) -> None:
        """Ask the store first: a refusal (a permission missing) comes before the confirm."""
        try:
            check = self.store.check_undo(self.operation_id, self.operator)
        except (NotUndoable, NotPermitted, Busy) as exc:
            self.app.call_from_thread(self._not_undone, exc)
            return
        self.app.call_from_thread(self._confirm_undo, check)

    def _confirm_undo(self, check: UndoCheck) -> None:
        op = self.op
        plural = lambda n: "s" if n != 1 else ""  # noqa: E731
        lines = [f"{op['title']} by {op['operator']} at {op['started']}",
                 text.counts_line(op["matched"], op["changed"], op["unchanged"], op["skipped"],
                                  done=True, excluded=op["excluded"]), "",
                 f"The {check.restored:,} changed patron{plural(check.restored)}"
                 f"{' left' if op['partly_undone_by'] else ''} will be put back as they were "
                 "before, in one transaction recorded in the journal.",
                 "Patrons changed again since then are left as they are and listed."]
        if check.skipped:
            lines.append(f"{check.skipped:,} patron{plural(check.skipped)} you may not change "
                         f"will be left as they are, e.g. {check.shown[0][1]}: "
                         f"{check.shown[0][2]}.")
        lines += check.notes
        self.app.push_screen(ConfirmScreen(self.app.say(f"Undo operation #{op['id']}?"), lines,
                                           verb="Undo"), self._undo_confirmed)

    def _undo_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.query_one("#result-summary", Static).update("Undoing…")
            self.run_undo()

    @work(thread=True, exclusive=True, group="undo", exit_on_error=False)
    def run_undo(self) -> None:
        try:
            report = self.store.undo(self.operation_id, self.operator)
        except (NotUndoable, NotPermitted, Busy) as exc:
            self.app.call_from_thread(self._not_undone, exc)
            return
        self.app.call_from_thread(self._undone, report)

    def _not_undone(self, exc: Exception) -> None:
        if self.app.refused(exc):
            return
        self.notify(f"Not undone: {exc}", severity="error", timeout=10)
        self.load()

    def _undone(self, report) -> None:
        c = report.counts
        message = f"Operation #{report.undone_id} undone: {c.change:,} patrons put back"
        if c.skip:
            message += f", {c.skip:,} not (listed first, with the reason)"
        message += "".join(f" {note}" for note in report.notes)
        self.notify(message + ".", severity="warning" if c.skip else "information", timeout=10)
        self.app.switch_screen(SummaryScreen(self.store, report.operation_id, self.operator))

    # -- write to a file ---------------------------------------------------------------------
    def action_write(self, path: str | None = None) -> None:
        self.app.push_screen(
            PromptScreen(f"Write operation #{self.operation_id} to which file? "
                         "(.csv for a spreadsheet, anything else for text)",
                         path or f"operation-{self.operation_id}.txt",
                         keys="Enter writes · Escape cancels"),
            self._write_to)

    def _write_to(self, path: str | None) -> None:
        if path is None:
            return
        if not path.strip():
            self.notify("Not written: give a file name.", severity="warning")
            self.action_write()
            return
        self.write_file(path.strip())

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def write_file(self, path: str, overwrite: bool = False) -> None:
        try:
            written = self.store.write_report(self.operation_id, path, self.operator, overwrite)
        except NotPermitted as exc:
            self.app.call_from_thread(self._not_written, exc)
            return
        except FileExists:
            self.app.call_from_thread(self._confirm_replace, path)
            return
        except OSError as exc:
            self.app.call_from_thread(self._write_failed, path, exc.strerror or str(exc))
            return
        self.app.call_from_thread(self.notify, f"Written to {written}", timeout=15)

    def _confirm_replace(self, path: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.write_file(path, overwrite=True)
            else:
                self.action_write(path)
        self.app.push_screen(ConfirmScreen(f"Replace {path}?", [
            "A file of that name is there already; writing replaces it."], verb="Replace"),
            answered)

    def _write_failed(self, path: str, why: str) -> None:
        """Say why, and ask again with the path as typed."""
        self.notify(f"Not written: {why} ({path})", severity="error", timeout=10)
        self.action_write(path)

    def _not_written(self, exc: Exception) -> None:
        if not self.app.refused(exc):
            self.notify(f"Not written: {exc}", severity="error", timeout=10)
