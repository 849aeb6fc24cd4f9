"""The preview tab of Sync from Roster: how many patrons meet each fate, every patron's
fate in the preview's table (f shows one fate at a time), the highlighted one whole below.

A sync's plan is the roster's, held whole in memory (store/roster/sync_model.py), so the
table's pages come from it directly; no patron is excluded by hand — the sync is applied
as planned or not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import TabPane

from store.file_out import printable
from store.roster.sync_model import Fate, SyncPlan

from .plain import Plain
from .preview_table import PAGE, Column, PreviewTable

if TYPE_CHECKING:
    from textual import getters

    from ..app import PatronUtilsApp

# What the table lists first: what most needs a look before applying.
ORDER = {"skipped": 0, "transferred": 1, "new": 2, "updated": 3, "unchanged": 4}
STYLES = {"new": "bold", "updated": "bold", "transferred": "bold", "skipped": "bold italic"}
STYLES["unchanged"] = "dim"
# What f shows, in turn.
SHOWN: list[tuple[str | None, str]] = [
    (None, "every patron"),
    ("new", "new only"),
    ("updated", "updated only"),
    ("transferred", "transferred only"),
    ("skipped", "skipped only"),
    ("unchanged", "unchanged only"),
]


def columns() -> list[Column]:
    """The preview's columns, cut at 80 columns as a utility's preview is (tui/text.py)."""
    return [
        Column("Barcode"),
        Column("Name", floor=12, cut=3, grow_to=28),
        Column("Current", floor=11, cut=2),
        Column("Roster", floor=11, cut=2),
        Column("Fate", at_least=len("transferred")),
        Column("Reason", floor=10, cut=1),
    ]


def _value(value: Any) -> str:
    return "(blank)" if value in (None, "", ()) else str(value)


# What a new patron's row shows of them (the detail line has every field).
NEW_SHOWN = ("Site", "Grade", "Security group")


def values(fate: Fate) -> tuple[str, str]:
    """What a fate changes, as it is and as the roster has it (the Reason column names the
    fields; the detail line says them whole)."""
    if fate.fate == "new":
        given = {k: b for k, _, b in fate.changes}
        return "", " · ".join(str(given[k]) for k in NEW_SHOWN if given.get(k))
    return (
        "; ".join(_value(a) for _, a, _ in fate.changes),
        "; ".join(_value(b) for _, _, b in fate.changes),
    )


def cells(fate: Fate, say=str) -> tuple:
    current, new = values(fate)
    return (
        printable(fate.barcode),
        printable(fate.name),
        printable(current),
        printable(new),
        Text(fate.fate, style=STYLES[fate.fate]),
        printable(say(fate.reason)),
    )


def detail(position: str, fate: Fate, say=str) -> Text:
    """The highlighted patron whole: each change as current → new, or the reason."""
    if fate.fate == "updated" and fate.changes:
        what = "; ".join(f"{say(k)} {_value(a)} → {_value(b)}" for k, a, b in fate.changes)
    elif fate.fate == "new":
        given = "; ".join(f"{say(k)} {_value(b)}" for k, _, b in fate.changes)
        what = say(fate.reason) + (f": {given}" if given else "")
    else:
        what = say(fate.reason) or fate.fate
    row = f" · users.csv row {fate.row}" if fate.row else ""
    return Text(printable(f"{position} · {fate.name or fate.barcode} · {fate.fate}: {what}{row}"))


class SyncPreview(TabPane):
    """``plan`` is the previewed sync, None before one (or once applied)."""

    if TYPE_CHECKING:  # for the type checker only, as in tui/base.py
        app = getters.app(PatronUtilsApp)

    def __init__(self, *, id: str = "preview") -> None:
        super().__init__("F5 Preview", id=id)
        self.plan: SyncPlan | None = None
        self.shown = 0  # index into SHOWN
        self.rows: list[Fate] = []  # what the table shows, in its order

    def compose(self) -> ComposeResult:
        yield Plain("Press F5 to preview the sync: nothing is written before F9.", id="counts")
        yield PreviewTable(id="preview-table")
        yield Plain("", id="row-detail")

    @property
    def table(self) -> PreviewTable:
        return self.query_one(PreviewTable)

    def show_status(self, line: str) -> None:
        self.query_one("#counts", Plain).update(line)

    def show_plan(self, plan: SyncPlan) -> None:
        self.plan = plan
        self.shown = 0
        self._fill()

    def show_next(self) -> None:
        """f: the next fate alone (then every patron again)."""
        if self.plan is not None:
            self.shown = (self.shown + 1) % len(SHOWN)
            self._fill()

    def lines(self, plan: SyncPlan) -> list[str]:
        """What the sync does, as the preview and the confirm say it."""
        say = self.app.say
        lines = [plan.counts_line(" · ")]
        sites = ", ".join(plan.synced_sites) or "none"
        line = f"{plan.source} (OneRoster {plan.roster.version}) · synced: {sites}"
        if plan.other_sites:
            others = sum(plan.other_sites.values())
            line += f" · other sites: {others:,} untouched"
        lines.append(line)
        for g in plan.guarded:
            lines.append(
                f"⚠ {g.site}: {g.transfers:,} of {g.active:,} active patrons would be "
                f"transferred ({g.percent:.0f}%, over {plan.mapping.transfer_guard_percent}%)"
            )
        if plan.unmatched and plan.count("transferred"):
            lines.append(
                f"⚠ {len(plan.unmatched):,} row(s) of users.csv could not be read: a transfer "
                "may be one of them"
            )
        return [say(line) for line in lines]

    def _fill(self) -> None:
        plan = self.plan
        if plan is None:
            return
        fate, what = SHOWN[self.shown]
        rows = [f for f in plan.fates if fate is None or f.fate == fate]
        rows.sort(key=lambda f: (ORDER[f.fate], f.name.casefold(), f.barcode))
        self.rows = rows
        if plan.nothing_to_do:
            keys = "nothing to do: the patrons match the roster"
        elif plan.needs_confirming:
            keys = "F9 applies once the transfers are counted back"
        else:
            keys = "F9 applies after a confirm"
        self.show_status("\n".join([*self.lines(plan), f"Showing {what} (f) · {keys}"]))
        say = self.app.say
        first = [(f, cells(f, say)) for f in rows[:PAGE]]
        self.table.start(columns(), first, len(rows))

    @on(PreviewTable.PageWanted)
    def _page_wanted(self, event: PreviewTable.PageWanted) -> None:
        event.stop()
        say = self.app.say
        start = event.page * PAGE
        self.table.fill(event.page, [(f, cells(f, say)) for f in self.rows[start : start + PAGE]])

    @on(PreviewTable.RowHighlighted)
    def _highlighted(self, event: PreviewTable.RowHighlighted) -> None:
        event.stop()
        fate = self.table.record(event.index)
        line = (
            detail(f"{event.index + 1:,}/{len(self.rows):,}", fate, self.app.say)
            if isinstance(fate, Fate)
            else ""
        )
        self.query_one("#row-detail", Plain).update(line)

    @on(PreviewTable.PatronWanted)
    def _patron_wanted(self, event: PreviewTable.PatronWanted) -> None:
        event.stop()
        fate = self.table.record(event.row)
        if not isinstance(fate, Fate):
            return
        if fate.patron_id is None:
            self.notify(
                f"{fate.name or fate.barcode} is not a patron yet: the sync would "
                + ("create them." if fate.fate == "new" else "skip them."),
                severity="warning",
            )
            return
        # A patron whose barcode the roster changes is still found by the one they have.
        now = next((a for k, a, _ in fate.changes if k == "Barcode"), fate.barcode)
        self.app.open_patron(str(now))
