"""How plans, counts and outcomes read on screen (shared by the screens)."""
from __future__ import annotations

from rich.text import Text

# The summary's words are the store's, so a written report reads as the screen does.
from store.report import counts_line, options_lines, selection_lines  # noqa: F401


def outcome_cell(outcome: str, reason: str | None) -> Text:
    if outcome == "change":  # a reason here says what the change amounts to
        return Text(f"change: {reason}" if reason else "change", style="bold")
    if outcome == "skip":
        return Text(f"skip: {reason}", style="bold italic")
    return Text(f"unchanged: {reason}" if reason else "unchanged", style="dim")
