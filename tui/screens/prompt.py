"""A one-line question (a grade's name), answered or cancelled."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from ..base import ProductModalScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain


class PromptScreen(ProductModalScreen[str | None]):
    """Enter answers with the text typed; Escape cancels (None)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("f1", "app.keys", "Keys", id="keys", show=False),
    ]

    def __init__(
        self, question: str, value: str = "", keys: str = "Enter to save · Escape to cancel"
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Plain(self.question, id="dialog-title")
            yield Input(self.value, id="answer")
            yield Plain(self.keys, id="dialog-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#answer").focus()

    @on(Input.Submitted)
    def _answered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
