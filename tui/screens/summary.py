"""An operation's summary — the vendor manual's "Operations Information" — with undo and
save-to-file."""

from __future__ import annotations

import json

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from store import Busy, NotPermitted, NotUndoable, Operator, Store, UndoCheck

from .. import text
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain
from ..widgets.preview_table import PAGE, PreviewTable
from .confirm import ConfirmScreen
from .file_writing import FileWritingScreen
from .patron import PatronScreen

# What f shows, in turn: every patron of the report, then one outcome at a time.
SHOWN = [
    (None, "every patron, skipped first"),
    ("skip", "skipped only"),
    ("change", "changed only"),
    ("unchanged", "unchanged only"),
]


class SummaryScreen(FileWritingScreen):
    """What an operation did: counts, selections and options, and every patron's outcome,
    in the preview's layout (a page at a time, however many)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("w", "write", "Write to file", id="write"),
        Binding("f", "show_next", "Show", id="show"),
    ]

    def __init__(
        self, store: Store, operation_id: int, operator: Operator, undo: bool = False
    ) -> None:
        super().__init__()
        self.undo_when_shown = undo  # opened by u on the Operations list
        self.store = store
        self.operation_id = operation_id
        self.operator = operator
        self.op: dict | None = None
        self.shown = 0  # index into SHOWN
        self.total = 0  # rows of what is shown

    def compose(self) -> ComposeResult:
        yield Plain(f"Operation #{self.operation_id}", id="heading")
        yield Plain(id="result-summary")
        yield PreviewTable(id="result-table")
        yield Plain("", id="row-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#result-table").focus()
        self.load()

    @property
    def loaded(self) -> dict:
        """The operation as load() read it: its rows and an undo's confirm come after."""
        if self.op is None:
            raise RuntimeError(f"operation #{self.operation_id} is not loaded yet")
        return self.op

    @property
    def outcome(self) -> str | None:
        return SHOWN[self.shown][0]

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self) -> None:
        op = self.store.operation(self.operation_id)
        total = self.store.operation_change_count(op["id"], self.outcome)
        rows = self.store.report_page(op["id"], 0, PAGE, self.outcome)
        self.app.call_from_thread(self._show, op, rows, total)

    def _show(self, op: dict, rows: list[dict], total: int) -> None:
        self.op, self.total = op, total
        utility = self.store.utility(op["utility"])
        options = utility.Options.model_validate(json.loads(op["options"]))
        say = self.app.say
        heading = op["title"] if op["undo_of"] else f"Done: {op['title']}"  # "Undo of …"
        self.query_one("#heading", Static).update(say(f"{heading} — operation #{op['id']}"))
        lines = [
            text.counts_line(
                op["matched"],
                op["changed"],
                op["unchanged"],
                op["skipped"],
                done=True,
                excluded=op["excluded"],
            ),
            *([say(op["effects"])] if op["effects"] else []),
            f"By {op['operator']} at {op['started']}",
            say(
                "Selections: "
                + "; ".join(text.selection_lines(op["selection"], utility.fixed_description))
            ),
        ]
        if type(options).model_fields:
            lines.append(say("Options: " + "; ".join(text.options_lines(options))))
        if op["undone_by"]:
            lines.append(f"Undone by operation #{op['undone_by']}.")
        elif op["partly_undone_by"]:
            lines.append(
                f"Partly undone by operation #{op['partly_undone_by']}: u puts back "
                "what it left, once that can be."
            )
        elif op["undo_of"]:
            lines.append(
                f"This put back what operation #{op['undo_of']} changed; patrons "
                "changed again since are skipped with what changed."
            )
        elif utility.reminder:
            lines.append(say("Next: " + utility.reminder))
        lines.append(
            f"Showing {self._shown_as(self.shown)} ({total:,}) · f shows "
            f"{self._shown_as((self.shown + 1) % len(SHOWN))}"
        )
        self.query_one("#result-summary", Static).update("\n".join(lines))
        label = say(utility.label(options))
        self.query_one(PreviewTable).start(
            text.patron_columns(f"{label} before", "After"), self._cells(rows), total
        )
        if self.undo_when_shown:
            self.undo_when_shown = False
            self.action_undo()

    def _shown_as(self, shown: int) -> str:
        # "skipped first" only says something when some were skipped.
        if shown == 0 and self.op is not None and not self.op["skipped"]:
            return "every patron"
        return SHOWN[shown][1]

    def _cells(self, rows: list[dict]) -> list[tuple]:
        show = self.store.utility(self.loaded["utility"]).show
        # After is what each patron was left with: the new value, or for one not changed
        # their own (Remove Patrons: "kept").
        return [
            (
                r,
                text.patron_cells(
                    r["barcode"],
                    r["name"],
                    show(r["before"]),
                    show(r["after"]),
                    r["outcome"],
                    r["reason"],
                ),
            )
            for r in rows
        ]

    def action_show_next(self) -> None:
        self.shown = (self.shown + 1) % len(SHOWN)
        self.load()

    @on(PreviewTable.PageWanted)
    def _page_wanted(self, event: PreviewTable.PageWanted) -> None:
        self.fetch_page(self.shown, event.page)

    @work(thread=True, group="page", exit_on_error=False)
    def fetch_page(self, shown: int, page: int) -> None:
        rows = self.store.report_page(self.operation_id, page * PAGE, PAGE, SHOWN[shown][0])
        self.app.call_from_thread(self._fill, shown, page, rows)

    def _fill(self, shown: int, page: int, rows: list[dict]) -> None:
        if shown == self.shown and self.op is not None:
            self.query_one(PreviewTable).fill(page, self._cells(rows))

    @on(PreviewTable.RowHighlighted)
    def _highlighted(self, event: PreviewTable.RowHighlighted) -> None:
        """The highlighted patron whole: the table may cut a long reason short."""
        r = self.query_one(PreviewTable).record(event.index)
        if r is None or self.op is None:
            self.query_one("#row-detail", Static).update("")
            return
        show = self.store.utility(self.op["utility"]).show
        self.query_one("#row-detail", Static).update(
            text.detail_line(
                f"{event.index + 1:,} of {self.total:,}",
                r["name"],
                show(r["before"]),
                show(r["after"]),
                r["outcome"],
                r["reason"],
            )
        )

    @on(PreviewTable.PatronWanted)
    def _patron_wanted(self, event: PreviewTable.PatronWanted) -> None:
        r = self.query_one(PreviewTable).record(event.row)
        if r is None:
            return  # its page is still on its way
        if r["patron_id"] is None:
            self.notify(
                f"No patron has the barcode {r['barcode']}: it was listed, not found.",
                severity="warning",
            )
            return
        self.app.push_screen(PatronScreen(self.store, r["barcode"], self.operator))

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- undo ------------------------------------------------------------------------------
    def action_undo(self) -> None:
        op = self.op
        if op is None:
            return
        if op["undone_by"] or op["undo_of"]:
            why = (
                f"it was already undone by operation #{op['undone_by']}"
                if op["undone_by"]
                else f"it is itself an undo (of #{op['undo_of']}); run the utility again instead"
            )
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
        op = self.loaded
        plural = lambda n: "s" if n != 1 else ""  # noqa: E731
        lines = [
            f"{op['title']} by {op['operator']} at {op['started']}",
            text.counts_line(
                op["matched"],
                op["changed"],
                op["unchanged"],
                op["skipped"],
                done=True,
                excluded=op["excluded"],
            ),
            "",
            f"The {check.restored:,} changed patron{plural(check.restored)}"
            f"{' left' if op['partly_undone_by'] else ''} will be put back as they were "
            "before, in one transaction recorded in the journal.",
            "Patrons changed again since then are left as they are and listed.",
        ]
        if check.skipped:
            lines.append(
                f"{check.skipped:,} patron{plural(check.skipped)} you may not change "
                f"will be left as they are, e.g. {check.shown[0][1]}: "
                f"{check.shown[0][2]}."
            )
        lines += check.notes
        self.app.push_screen(
            ConfirmScreen(self.app.say(f"Undo operation #{op['id']}?"), lines, verb="Undo"),
            self._undo_confirmed,
        )

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

    # -- write to a file (file_writing.py) ---------------------------------------------------
    def write_question(self) -> str:
        return (
            f"Write operation #{self.operation_id} to which file? "
            "(.csv for a spreadsheet, anything else for text)"
        )

    def write_default(self) -> str:
        return f"operation-{self.operation_id}.txt"

    def over_ssh(self) -> str:
        return (
            "To save this summary on your own computer: ssh … log "
            f"{self.operation_id} --format csv > operation-{self.operation_id}.csv"
        )

    def write_report_file(self, path: str, overwrite: bool) -> str:
        return self.store.write_report(self.operation_id, path, self.operator, overwrite)
