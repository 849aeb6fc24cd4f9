"""The footer every screen shows: compact, so a screen's keys, F1 and the palette fit in 80
columns (F1 lists them all, the ones a footer leaves out included)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class KeysFooter(Footer):
    def __init__(self, *children: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(*children, **kwargs)
