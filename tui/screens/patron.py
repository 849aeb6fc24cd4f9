"""One patron's whole record — details, emails, notes, loans, charges and credits with the
balance, holds, reservations and the Patron History report — in headed sections that scroll,
opened by Enter on a row of a preview or a summary; w writes it to a file."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll

from store import NoSuchPatron, NotPermitted, Operator, PatronView, Store
from store.money import format_money
from store.patron_report import detail_lines, sections, ssh_command

from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain
from .file_writing import FileWritingScreen

# The details split in two columns (barcode … 2nd Location, policy … username), so the
# record's first screen at 80×24 shows the patron whole and the sections after begin.
DETAILS_LEFT = 8


class PatronScreen(FileWritingScreen):
    """A patron's record, read by the store for this operator; Escape goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("w", "write", "Write to file", id="write"),
        Binding("home", "scroll('home')", "Top", show=False),
        Binding("end", "scroll('end')", "Bottom", show=False),
    ]

    def __init__(self, store: Store, barcode: str, operator: Operator) -> None:
        super().__init__()
        self.store = store
        self.barcode = barcode
        self.operator = operator
        self.view: PatronView | None = None

    def compose(self) -> ComposeResult:
        yield Plain(f"Patron record: {self.barcode}", id="heading")
        yield Plain("Reading the record…", id="patron-summary")
        yield VerticalScroll(id="patron-record")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#patron-record").focus()
        self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self) -> None:
        try:
            view = self.store.patron_view(self.barcode, self.operator)
        except (NoSuchPatron, NotPermitted) as exc:
            self.app.call_from_thread(self._not_shown, exc)
            return
        self.app.call_from_thread(self._show, view)

    def _not_shown(self, exc: Exception) -> None:
        if self.app.refused(exc):
            return
        self.notify(f"Not shown: {exc}", severity="warning", timeout=10)
        self.app.pop_screen()

    def _show(self, view: PatronView) -> None:
        self.view = view
        self.query_one("#heading", Plain).update(f"Patron record: {view.name} · {view.barcode}")
        counts = [
            f"Balance {format_money(view.balance)}",
            _count(len(view.loans), "loan"),
            _count(len(view.holds), "hold"),
            _count(len(view.reservations), "reservation"),
            _count(len(view.history), "history entry", "history entries"),
        ]
        self.query_one("#patron-summary", Plain).update(" · ".join(counts))
        record = self.query_one("#patron-record", VerticalScroll)
        record.remove_children()
        parts = sections(view)
        (details_title, _), rest = parts[0], parts[1:]
        left, right = view.details[:DETAILS_LEFT], view.details[DETAILS_LEFT:]
        record.mount(Plain(details_title, classes="record-title"))
        record.mount(
            Horizontal(
                Plain("\n".join(detail_lines(left)), classes="record-column -left"),
                Plain("\n".join(detail_lines(right)), classes="record-column"),
                classes="record-details",
            )
        )
        for title, lines in rest:
            record.mount(Plain(title, classes="record-title"))
            record.mount(Plain("\n".join(lines), classes="record-section"))

    def action_scroll(self, where: str) -> None:
        record = self.query_one("#patron-record", VerticalScroll)
        if where == "home":
            record.scroll_home(animate=False)
        else:
            record.scroll_end(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- write to a file (file_writing.py) ---------------------------------------------------
    def write_question(self) -> str:
        return (
            f"Write {self.barcode}'s record to which file? "
            "(.csv: the Patron History report for a spreadsheet; anything else: the record)"
        )

    def write_default(self) -> str:
        return f"patron-{self.barcode}.csv"

    def over_ssh(self) -> str:
        return "To save this patron's Patron History report on your own computer: " + ssh_command(
            self.barcode
        )

    def write_report_file(self, path: str, overwrite: bool) -> str:
        return self.store.write_patron_report(self.barcode, path, self.operator, overwrite)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"
