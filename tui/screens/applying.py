"""An apply under way: what it is doing, how far along, and Escape to cancel before the commit."""

from __future__ import annotations

import threading
import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ProgressBar, Static

from ..base import ProductModalScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain

# How much of an apply each stage takes, roughly (measured on a million patrons): the
# bar moves by these as each stage begins.
WEIGHTS = {1: 0, 2: 5, 3: 25, 4: 90}
COMMITTING = 4
# An apply that prepares first (hashing passwords, a tenth of a second a patron) spends
# nearly all its time there: the preparation fills this much of the bar, the stages the rest.
PREPARATION = 95


class ApplyingScreen(ProductModalScreen[None]):
    """Shown from the confirm until the apply is committed, cancelled or refused."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    # The apply's thread posts these and goes on: waiting for the screen while it holds
    # the database could deadlock with anything on screen that reads the database.
    class Stage(Message):
        def __init__(self, number: int, of: int, what: str) -> None:
            super().__init__()
            self.number, self.of, self.what = number, of, what

    class Preparing(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    def __init__(self, title: str, cancel: threading.Event) -> None:
        super().__init__()
        self.heading = title
        self.cancel = cancel
        self.stage_number = 0
        self.what = "starting"
        self.started = time.monotonic()
        self.prepared = False  # whether a preparation took the bar's first part

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Plain(self.heading, id="dialog-title")
            yield Plain("Starting…", id="applying-stage")
            yield ProgressBar(total=100, show_eta=False, id="applying-bar")
            yield Plain("Escape cancels: nothing is written until the commit.", id="dialog-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.set_interval(0.5, self._show)

    def on_applying_screen_stage(self, message: Stage) -> None:
        self.stage(message.number, message.of, message.what)

    def on_applying_screen_preparing(self, message: Preparing) -> None:
        self.preparing(message.done, message.total)

    def stage(self, number: int, of: int, what: str) -> None:
        """Stage ``number`` of ``of`` of the apply has begun."""
        self.stage_number, self.what = number, what
        weight = WEIGHTS.get(number, 0)
        if self.prepared:
            weight = PREPARATION + weight * (100 - PREPARATION) // 100
        self.query_one(ProgressBar).update(progress=weight)
        if number == COMMITTING:
            self.query_one("#dialog-keys", Static).update(
                "Committing: it can no longer be cancelled."
            )
        self._show()

    def preparing(self, done: int, total: int) -> None:
        """Slow preparation (hashing passwords) before the transaction."""
        self.what = f"preparing {done:,} of {total:,} patrons"
        self.prepared = True
        self.query_one(ProgressBar).update(progress=PREPARATION * done // max(total, 1))
        self._show()

    def _show(self) -> None:
        if self.cancel.is_set() and self.stage_number < COMMITTING:
            what = "cancelling: rolling back"
        else:
            what = self.what
        seconds = int(time.monotonic() - self.started)
        self.query_one("#applying-stage", Static).update(
            f"{what[:1].upper()}{what[1:]}… ({seconds} s)"
        )

    def action_cancel(self) -> None:
        if self.stage_number >= COMMITTING:
            self.notify("Too late to cancel: the change is being committed.", severity="warning")
            return
        self.cancel.set()
        self._show()
