"""The preview tab of a utility: the counts line, the patron table, the highlighted patron's
line under it, and excluding patrons by hand.

The utility screen composes it and tells it what its workers found (the first page, the
counted plan, a line to say); the pane pages through the plan and excludes patrons itself.
It is the tab pane itself, so the counts line, the table and the detail line keep their
place in the layout (and their ids: ``#counts``, ``#preview-table``, ``#row-detail``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import TabPane
from textual.worker import Worker, WorkerState

from store import Plan, PlanRow, Store
from store.utilities.base import Utility
from store.validation import StoreModel

from .. import text
from .plain import Plain
from .preview_table import PAGE, PreviewTable

if TYPE_CHECKING:
    from textual import getters

    from ..app import PatronUtilsApp

Cells = list[tuple[PlanRow, tuple]]


class PreviewPane(TabPane):
    """``plan`` is the counted plan shown, None before one is (or once applied)."""

    if TYPE_CHECKING:  # for the type checker only, as in tui/base.py
        app = getters.app(PatronUtilsApp)

    class PageFetched(Message, bubble=False):
        """Rows of ``page`` of ``plan`` were read (the plan may have been replaced since)."""

        def __init__(self, plan: Plan, page: int, rows: list[PlanRow]) -> None:
            super().__init__()
            self.plan = plan
            self.page = page
            self.rows = rows

    class Excluded(Message, bubble=False):
        """Row ``index`` of ``plan`` was taken out of the run or put back: ``row`` as now."""

        def __init__(self, plan: Plan, index: int, row: PlanRow) -> None:
            super().__init__()
            self.plan = plan
            self.index = index
            self.row = row

    def __init__(self, store: Store, utility: Utility, *, id: str = "preview") -> None:
        super().__init__("F5 Preview", id=id)
        self.store = store
        self.utility = utility
        self.plan: Plan | None = None

    def compose(self) -> ComposeResult:
        yield Plain("Press F5 to preview which patrons change.", id="counts")
        yield PreviewTable(excludable=True, id="preview-table")
        yield Plain("", id="row-detail")

    @property
    def table(self) -> PreviewTable:
        return self.query_one(PreviewTable)

    # -- what the screen tells it ---------------------------------------------------------
    def show_status(self, line: str) -> None:
        """A line in place of the counts: computing, applying, an error, what to fix."""
        self.query_one("#counts", Plain).update(line)

    def show_first(self, rows: list[PlanRow], options: StoreModel) -> None:
        """The first page, while the plan is counted: F9 waits for the count."""
        self.show_status(
            f"Counting the patrons… the first {len(rows):,} are shown; F9 waits for the count."
        )
        label = self.app.say(self.utility.label(options))
        self.table.start(text.patron_columns(label, f"New {label.lower()}"), self._cells(rows))

    def show_plan(self, plan: Plan, rows: list[PlanRow]) -> None:
        """The counted plan: its counts, and its first page (already shown as first rows)."""
        self.plan = plan
        self.show_counts()
        self.table.set_total(plan.counts.matched)
        self.table.fill(0, self._cells(rows))

    def show_counts(self) -> None:
        """The counts line, what the plan does, and what F9 and space do with it."""
        if self.plan is None:
            return
        c = self.plan.counts
        lines = [self.counts_line(self.plan), *self.describe(self.plan)]
        if c.change:
            lines.append("F9 applies this preview after a confirm · space excludes a patron.")
        else:
            lines.append("Nothing to change: no patron would be changed.")
        self.show_status("\n".join(lines))

    @staticmethod
    def counts_line(plan: Plan) -> str:
        c = plan.counts
        return text.counts_line(
            c.matched, c.change, c.unchanged, c.skip, excluded=c.excluded, not_found=c.not_found
        )

    def describe(self, plan: Plan) -> list[str]:
        """The selections, options and the utility's notice, in the library's words (the
        confirm says them too)."""
        say = self.app.say
        lines = []
        if plan.selection.is_empty() and not self.utility.fixed_description:
            # Honest about the one record no selection takes in (store/selection.py).
            lines.append("No selections: every patron matches (the Unknown Patron never does).")
        else:
            criteria = text.selection_lines(plan.selection, self.utility.fixed_description)
            lines.append(say("Selections: " + "; ".join(criteria)))
        if type(plan.options).model_fields:
            lines.append(say("Options: " + "; ".join(text.options_lines(plan.options))))
        for line in (self.utility.notice(plan.options), plan.tally):
            if line:
                lines.append(say(line))
        return lines

    def _cells(self, rows: Sequence[PlanRow]) -> Cells:
        """(record, cells) pairs for the table."""
        show = self.utility.show
        return [
            (
                r,
                text.patron_cells(
                    r.barcode, r.name, show(r.current), show(r.new), r.outcome, r.reason, r.excluded
                ),
            )
            for r in rows
        ]

    # -- paging -----------------------------------------------------------------------------
    @on(PreviewTable.PageWanted)
    def _page_wanted(self, event: PreviewTable.PageWanted) -> None:
        event.stop()
        if self.plan is not None:
            self.fetch_page(self.plan, event.page)

    @work(thread=True, group="page", exit_on_error=False)
    def fetch_page(self, plan: Plan, page: int) -> None:
        rows = self.store.page(plan, page * PAGE, PAGE)
        self.post_message(self.PageFetched(plan, page, rows))

    @on(PageFetched)
    def _page_fetched(self, message: PageFetched) -> None:
        if message.plan is self.plan:  # not a page of a plan replaced meanwhile
            self.table.fill(message.page, self._cells(message.rows))

    @on(PreviewTable.RowHighlighted)
    def _highlighted(self, event: PreviewTable.RowHighlighted) -> None:
        event.stop()
        self.show_row(event.index)

    def show_row(self, index: int) -> None:
        """The highlighted patron in full: the table may cut a long reason short."""
        row = self.table.record(index)
        detail = self.query_one("#row-detail", Plain)
        if row is None:
            detail.update("")
            return
        of = f"{self.plan.counts.matched:,}" if self.plan is not None else "…"
        show = self.utility.show
        detail.update(
            text.detail_line(
                f"{index + 1:,} of {of}",
                row.name,
                show(row.current),
                show(row.new),
                row.outcome,
                row.reason,
                row.excluded,
            )
        )

    @on(PreviewTable.PatronWanted)
    def _patron_wanted(self, event: PreviewTable.PatronWanted) -> None:
        event.stop()
        row = self.table.record(event.row)
        if row is None:
            return  # its page is still on its way
        if row.patron_id is None:
            self.notify(
                f"No patron has the barcode {row.barcode}: it was listed, not found.",
                severity="warning",
            )
            return
        self.app.open_patron(row.barcode)

    # -- excluding by hand ------------------------------------------------------------------
    @on(PreviewTable.ExcludeWanted)
    def _exclude(self, event: PreviewTable.ExcludeWanted) -> None:
        event.stop()
        row = self.table.record(event.row)
        if self.plan is None or row is None:
            return
        if row.outcome != "change":
            self.notify(
                f"Only a patron who would change can be excluded; this one is {row.outcome}.",
                severity="warning",
            )
            return
        self.toggle_excluded(self.plan, event.row, row)

    @work(thread=True, exclusive=True, group="exclude", exit_on_error=False)
    def toggle_excluded(self, plan: Plan, index: int, row: PlanRow) -> None:
        excluded = self.store.toggle_excluded(plan, row.seq)
        self.post_message(self.Excluded(plan, index, replace(row, excluded=excluded)))

    @on(Excluded)
    def _excluded(self, message: Excluded) -> None:
        if message.plan is not self.plan:
            return
        [(record, cells)] = self._cells([message.row])
        self.table.replace(message.index, record, cells)
        self.show_counts()
        self.show_row(message.index)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A page or an exclusion that failed is said as the screen says its own failures.
        if event.state == WorkerState.ERROR:
            self.show_status(f"Error: {event.worker.error}")
            self.notify(f"Something went wrong: {event.worker.error}", severity="error", timeout=10)
