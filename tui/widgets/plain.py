"""Widgets that show the library's data as it is.

A patron named ``[b]Bea`` or a note holding ``[@click=app.quit]`` is text, not markup, and a
control character from the data is shown escaped (``\\x1b``), never sent to the terminal.
No screen uses markup of its own, so every Static of the app is a Plain.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Static

from store.file_out import printable


def plain(value: Any) -> Any:
    """A string with its control characters escaped (line breaks kept); anything else (a
    styled Text, a renderable) as it is."""
    if isinstance(value, str):
        return "\n".join(printable(line) for line in value.split("\n"))
    return value


class Plain(Static):
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(plain(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(plain(content), layout=layout)


class PlainTable(DataTable):
    """A DataTable whose string cells are text (DataTable reads a string as markup), and
    whose Home and End go to the first and last row, as in the patron tables."""

    BINDINGS = [
        Binding("home", "first_row", "First", show=False),
        Binding("end", "last_row", "Last", show=False),
    ]

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    def add_row(self, *cells: Any, **kwargs: Any):  # add_rows comes through here too
        return super().add_row(
            *(Text(printable(c)) if isinstance(c, str) else c for c in cells), **kwargs
        )
