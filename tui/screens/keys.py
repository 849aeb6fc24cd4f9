"""F1: every key of the screen it was pressed on, shown in the footer or not."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen

from ..base import ProductModalScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain, PlainTable

# Moving about a list or a field is the same everywhere: said once, not key by key.
MOVING = (
    "↑ ↓ ← → move · Home/End first/last · PgUp/PgDn a page · Tab next field · "
    "Shift+Tab previous field"
)


# Said by MOVING, or Textual's words for them.
SAID_ONCE = (
    "cursor_",
    "scroll_",
    "page_",
    "first_row",
    "last_row",
    "focus_next",
    "focus_previous",
    "copy_text",
    "select_cursor",
)  # a table's Enter: the screen's own Enter says what it does
MOVING_KEYS = {"up", "down", "left", "right", "pageup", "pagedown", "home", "end"}
NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "minus": "-",
    "plus": "+",
    "equals_sign": "=",
    "pageup": "PgUp",
    "pagedown": "PgDn",
}
WORDS = {"command_palette": "Command palette: every screen, utility and saved run"}


def key_name(key: str) -> str:
    """A key as a technician would write it: Ctrl+Q, F1, Esc, Shift+Tab."""
    parts = key.split("+")

    def name(part: str) -> str:
        if part in NAMES:
            return NAMES[part]
        if part[:1] == "f" and part[1:].isdigit() or (len(part) == 1 and len(parts) > 1):
            return part.upper()  # F1, Ctrl+Q
        return part.capitalize() if len(part) > 1 else part  # Tab, Home; u stays u

    return "+".join(name(part) for part in parts)


def keys_of(screen: Screen) -> list[tuple[str, str, str]]:
    """(where, keys, what they do) for every key that does something on ``screen`` now:
    the screen's own first, then the focused widget's, then those that work everywhere.
    A key that is bound but cannot act at this moment says so."""
    rows: dict[tuple[str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        action = binding.action.rpartition(".")[2]  # app.focus_next → focus_next
        if not binding.description or action.startswith(SAID_ONCE):
            continue
        node = active.node
        where = (
            "app" if isinstance(node, App) else "screen" if isinstance(node, Screen) else "widget"
        )
        if where == "widget" and (
            key in MOVING_KEYS or not type(node).__module__.startswith("tui.")
        ):
            continue  # moving about, or a text field's editing keys: as in any form
        what = WORDS.get(action, binding.description)
        what = what if active.enabled else f"{what} (not now)"
        names = rows.setdefault((where, what), [])
        if key_name(key) not in names:
            names.append(key_name(key))
    order = {"screen": 0, "widget": 1, "app": 2}
    return sorted(
        ((where, " / ".join(names), what) for (where, what), names in rows.items()),
        key=lambda row: order[row[0]],
    )


class KeysScreen(ProductModalScreen[None]):
    """The keys of the screen underneath; Escape or F1 closes it."""

    BINDINGS = [Binding("escape,f1", "dismiss", "Close", id="close", priority=True)]
    WHERE = {"screen": "This screen", "widget": "Here", "app": "Everywhere"}

    def __init__(self, title: str, keys: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="keys"):
            yield Plain(f"Keys: {self.title_text}", id="dialog-title")
            yield PlainTable(id="keys-table", cursor_type="row", show_header=False)
            yield Plain(MOVING, id="keys-moving")
            yield Plain("Escape or F1 closes this", id="dialog-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(PlainTable)
        table.add_columns("Where", "Key", "What it does")
        last = None
        for where, key, what in self.keys:
            table.add_row(self.WHERE[where] if where != last else "", key, what)
            last = where
        table.focus()
