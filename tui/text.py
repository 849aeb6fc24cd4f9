"""How plans, counts and outcomes read on screen (shared by the screens)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from store.file_out import printable

# The summary's words are the store's, so a written report reads as the screen does.
from store.report import counts_line, options_lines, selection_lines  # noqa: F401

from .widgets.preview_table import Column

EXCLUDED = "excluded"  # a preview row's outcome once space takes it out
STYLES = {"change": "bold", "skip": "bold italic", "unchanged": "dim", EXCLUDED: "strike"}


def patron_columns(current: str, new: str) -> list[Column]:
    """The preview's, the result's and the summary's columns. At 80 columns the barcode and
    the outcome word are never cut; the reason gives way first (to 10), then the values (to
    11: "Transferred", "Grade 9-12", a date), then the name (to 12). The detail line under
    the table shows the highlighted row whole."""
    return [
        Column("Barcode"),
        Column("Name", floor=12, cut=3, grow_to=28),
        Column(current, floor=11, cut=2),
        Column(new, floor=11, cut=2),
        Column("Outcome", at_least=len("unchanged")),
        Column("Reason", floor=10, cut=1),
    ]


def patron_cells(
    barcode: Any,
    name: Any,
    current: str,
    new: str,
    outcome: str,
    reason: str | None,
    excluded: bool = False,
) -> tuple:
    """One patron's row: what the screen draws, the data's control characters escaped."""
    word = EXCLUDED if excluded else outcome
    why = "by hand" if excluded else reason or ""
    return (
        printable(barcode),
        printable(name),
        printable(current),
        printable(new),
        Text(word, style=STYLES[word]),
        Text(printable(why), style=STYLES[word] if word == EXCLUDED else ""),
    )


def detail_line(
    position: str,
    name: Any,
    current: str,
    new: str,
    outcome: str,
    reason: str | None,
    excluded: bool = False,
) -> Text:
    """The highlighted row whole, under the table: nothing in it is cut."""
    what = f"{printable(current)} → {printable(new)}" if outcome == "change" else printable(current)
    why = (
        "excluded by hand (space puts them back)"
        if excluded
        else f"{outcome}: {reason}"
        if reason
        else outcome
    )
    return Text(f"{position} · {printable(name)} · {what} · {printable(why)}")
