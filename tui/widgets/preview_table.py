"""The preview's table: it holds only the pages fetched so far and asks for more."""
from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

# Ask for the next page when the cursor comes this close to the last loaded row.
LOOKAHEAD = 25


class PreviewTable(DataTable):
    """Rows arrive page by page from the plan; the table never loads every matched row."""

    BINDINGS = [
        Binding("home", "first_row", "First", show=False),
        Binding("end", "last_row", "Last", show=False),
        Binding("space", "exclude", "Exclude", id="exclude"),
    ]

    class MoreWanted(Message):
        """The cursor is near the end of the loaded rows; the screen should fetch from ``offset``."""

        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    class ExcludeWanted(Message):
        """Space on a row: take that patron out of the run, or put them back."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def action_exclude(self) -> None:
        if self.row_count:
            self.post_message(self.ExcludeWanted(self.cursor_row))

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.total = 0
        self.waiting = False

    def start(self, columns: list[str], total: int) -> None:
        """Empty the table for a new plan of ``total`` rows."""
        self.waiting = True
        self.clear(columns=True)
        self.add_columns(*columns)
        self.total = total

    def add_page(self, rows: list[tuple]) -> None:
        self.waiting = True  # add_rows moves the cursor row by row; ask only once it is done
        self.add_rows(rows)
        self.waiting = False
        self._want_more()

    def _want_more(self) -> None:
        loaded = self.row_count
        if not self.waiting and loaded < self.total and self.cursor_row >= loaded - LOOKAHEAD:
            self.waiting = True
            self.post_message(self.MoreWanted(loaded))

    def watch_cursor_coordinate(self, old, new) -> None:
        super().watch_cursor_coordinate(old, new)
        self._want_more()

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """To the last row loaded; the next page is then on its way."""
        self.move_cursor(row=self.row_count - 1)
