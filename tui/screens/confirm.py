"""The confirm step before any change is written."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from ..base import ProductModalScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain


class _Dialog(ProductModalScreen[bool]):
    """A title, a scrollable summary of what will happen, and how to answer."""

    # A modal screen hides the app's keys: F1 is given again (Textual merges BINDINGS).
    BINDINGS = [Binding("f1", "app.keys", "Keys", id="keys", show=False)]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.heading = title
        self.lines = lines

    def body(self) -> ComposeResult:
        yield Plain(self.heading, id="dialog-title")
        # Focusable, so a summary longer than the dialog can be scrolled from the keyboard.
        with VerticalScroll(id="dialog-scroll", can_focus=True):
            yield Plain("\n".join(self.lines), id="dialog-body")

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConfirmScreen(_Dialog):
    """Asks once more; y/Enter confirms, n/Escape cancels (and nothing is written)."""

    BINDINGS = [
        Binding("y,enter", "confirm", "Yes", id="confirm", priority=True),
        Binding("n,escape", "cancel", "Cancel", id="cancel", priority=True),
    ]

    def __init__(self, title: str, lines: list[str], verb: str = "apply") -> None:
        super().__init__(title, lines)
        self.verb = verb.lower()  # what y does: apply, undo, delete

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield from self.body()
            yield Plain(
                f"Press y or Enter to {self.verb} · n or Escape to cancel", id="dialog-keys"
            )
        yield KeysFooter()

    def action_confirm(self) -> None:
        self.dismiss(True)


class TypedConfirmScreen(_Dialog):
    """For removals: the operator types the number shown (a y or Enter is too easy)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel", priority=True)]

    def __init__(
        self,
        title: str,
        lines: list[str],
        expected: int,
        what: str,
        untouched: str = "nothing was removed",
    ) -> None:
        super().__init__(title, lines)
        self.expected = expected
        self.what = what  # "patrons that will be removed"
        self.untouched = untouched  # what a wrong number leaves

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-typed"):
            yield from self.body()
            yield Plain(
                f"Type {self.expected:,} — the number of {self.what} — and press "
                "Enter · Tab reads the summary above · Escape cancels",
                id="dialog-keys",
            )
            yield Input(id="dialog-typed", restrict=r"[0-9,]*", max_length=16)
            yield Plain("", id="dialog-problem")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#dialog-typed", Input).focus()

    @on(Input.Submitted, "#dialog-typed")
    def _typed(self, event: Input.Submitted) -> None:
        # Exactly the number, with or without its thousands commas ("1,234"), nothing looser.
        if event.value.strip() in (str(self.expected), f"{self.expected:,}"):
            self.dismiss(True)
            return
        shown = f"'{event.value}'" if event.value else "nothing"
        self.query_one("#dialog-problem", Static).update(
            f"You typed {shown}, not {self.expected:,}: {self.untouched}. "
            "Type the number exactly, or Escape to cancel."
        )
        event.input.clear()
