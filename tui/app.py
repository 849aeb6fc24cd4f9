"""The Patron Utilities application."""
from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App

from store import Selection, Store

from .commands import UtilityCommands
from .fields import field_specs
from .screens.picker import PickerScreen
from .screens.utility import UtilityScreen


class PatronUtilsApp(App):
    """Pick a utility, say which patrons and what to do, preview, confirm, apply."""

    CSS_PATH = "app.tcss"
    TITLE = "Patron Utilities"
    COMMANDS = App.COMMANDS | {UtilityCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, store: Store, operator: str, notice: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.operator = operator
        self.notice = notice

    def on_mount(self) -> None:
        name = Path(str(self.store.path)).name
        self.push_screen(PickerScreen(self.store.catalog, f"Patron Utilities · {name}"))
        if self.notice:
            self.notify(self.notice, timeout=15)
        self.count_patrons(name)

    @work(thread=True, exit_on_error=False)
    def count_patrons(self, name: str) -> None:
        count = self.store.patron_count()
        heading = f"Patron Utilities · {name} · {count:,} patrons · operator {self.operator}"
        self.call_from_thread(self._set_heading, heading)

    def _set_heading(self, heading: str) -> None:
        picker = next((s for s in self.screen_stack if isinstance(s, PickerScreen)), None)
        if picker is not None:
            picker.heading = heading
            picker.query_one("#heading").update(heading)

    def open_utility(self, key: str) -> None:
        """Open a utility's screen once its form's database choices are loaded."""
        self.load_utility(key)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def load_utility(self, key: str) -> None:
        utility = self.store.utility(key)
        kinds = {s.choices for model in (Selection, utility.Options)
                 for s in field_specs(model) if s.choices}
        labels = {kind: self.store.choice_labels(kind) for kind in kinds}
        self.call_from_thread(
            self.push_screen, UtilityScreen(self.store, utility, self.operator, labels))


def make_app(db_path: str | Path, operator: str = "operator", notice: str | None = None) -> PatronUtilsApp:
    """Build the app on the database at ``db_path`` (tests and snapshots use this)."""
    return PatronUtilsApp(Store(db_path), operator, notice)
