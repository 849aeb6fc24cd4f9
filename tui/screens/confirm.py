"""The confirm step before any change is written."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks once more; y/Enter confirms, n/Escape cancels (and nothing is written)."""

    BINDINGS = [
        Binding("y,enter", "confirm", "Apply", id="confirm", priority=True),
        Binding("n,escape", "cancel", "Cancel", id="cancel", priority=True),
    ]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.heading = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.heading, id="dialog-title")
            with VerticalScroll(id="dialog-scroll"):
                yield Static("\n".join(self.lines), id="dialog-body")
            yield Static("Press y or Enter to apply · n or Escape to cancel", id="dialog-keys")
        yield Footer()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
