"""How plans, counts and outcomes read on screen (shared by the screens)."""
from __future__ import annotations

import json

from pydantic import BaseModel
from rich.text import Text

from store import Selection


def counts_line(matched: int, change: int, unchanged: int, skip: int, done: bool = False) -> str:
    verb = "changed" if done else "will change"
    return (f"Matched {matched:,} · {verb} {change:,} · unchanged {unchanged:,} · "
            f"skipped {skip:,}")


def selection_lines(selection: Selection | str, fixed: str | None = None) -> list[str]:
    """The criteria in use, led by the one the utility always adds (Union Site patrons)."""
    if isinstance(selection, str):
        selection = Selection.model_validate(json.loads(selection))
    if fixed is None:
        return selection.describe()
    return [fixed] + ([] if selection.is_empty() else selection.describe())


def options_lines(options: BaseModel, width: int = 60) -> list[str]:
    """'Title: value' per option; a long value (a 500-character note) is shortened."""
    lines = []
    for name, field in type(options).model_fields.items():
        value = getattr(options, name)
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        elif value in (None, ""):
            value = "(none)"
        value = str(value)
        if len(value) > width:
            value = value[: width - 1] + "…"
        lines.append(f"{field.title}: {value}")
    return lines


def outcome_cell(outcome: str, reason: str | None) -> Text:
    if outcome == "change":  # a reason here says what the change amounts to
        return Text(f"change: {reason}" if reason else "change", style="bold")
    if outcome == "skip":
        return Text(f"skip: {reason}", style="bold italic")
    return Text(f"unchanged: {reason}" if reason else "unchanged", style="dim")
