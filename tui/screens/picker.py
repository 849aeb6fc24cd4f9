"""The picker: every utility of the seed, type-to-filter, with its guidance."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from store.utilities.base import Entry


def entry_prompt(entry: Entry, reason: str | None, say=str) -> Text:
    text = Text(say(entry.title), style="" if reason is None else "dim")
    if reason is not None:
        tag = "denied" if reason.startswith("needs") else "off"
        text.append(f"  {tag}", style="italic dim")
    return text


class PickerScreen(Screen):
    """Choose a utility. Typing filters the list; Enter opens the highlighted one."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="open", priority=True),
        Binding("down", "focus_list", "List", show=False),
        Binding("escape", "clear_filter", "Clear filter", id="clear"),
        Binding("f4", "app.preferences", "Preferences", id="preferences"),
    ]

    def __init__(self, entries: list[Entry], reasons: dict[str, str | None], heading: str) -> None:
        super().__init__()
        self.entries = entries
        self.reasons = reasons  # why each utility cannot be run, or None
        self.heading = heading
        self.shown: list[Entry] = list(entries)

    def compose(self) -> ComposeResult:
        yield Static(self.heading, id="heading")
        yield Input(placeholder="Type to filter utilities", id="filter")
        with Horizontal(id="picker-body"):
            yield OptionList(*[Option(entry_prompt(e, self.reasons[e.key], self.app.say), id=e.key)
                               for e in self.entries],
                             id="utilities")
            with VerticalScroll(id="help-panel"):
                yield Static(id="help")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#utilities", OptionList).highlighted = 0
        self.query_one("#filter").focus()
        self._show_help(self.entries[0])

    def _matching(self, value: str) -> list[Entry]:
        words = value.casefold().split()
        found = [e for e in self.entries
                 if all(w in self._searchable(e) for w in words)]
        # Titles holding the typed phrase as a whole come first ("change patron location").
        phrase = " ".join(words)
        return sorted(found, key=lambda e: phrase not in self.app.say(e.title).casefold())

    def _searchable(self, entry: Entry) -> str:
        """Both the library's words and the manual's ("homeroom" and "location" both find it)."""
        text = f"{entry.title} {entry.summary}"
        return f"{text} {self.app.say(text)}".casefold()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.shown = self._matching(event.value)
        options = self.query_one("#utilities", OptionList)
        options.clear_options()
        options.add_options([Option(entry_prompt(e, self.reasons[e.key], self.app.say), id=e.key)
                             for e in self.shown])
        if self.shown:
            options.highlighted = 0
        else:
            self.query_one("#help", Static).update(f"No utility matches {event.value!r}.")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # A highlight from before the latest filter may arrive late: ignore it.
        entry = next((e for e in self.shown if e.key == event.option.id), None)
        if entry is not None:
            self._show_help(entry)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open()

    def _show_help(self, entry: Entry) -> None:
        text = Text()
        say = self.app.say
        text.append(say(entry.title) + "\n", style="bold")
        if entry.textbook_tracker:
            text.append("Textbook Tracker\n", style="italic")
        text.append("\n" + say(entry.summary) + "\n")
        if entry.guidance:
            text.append("\nWhen to run it\n", style="bold")
            text.append(say(entry.guidance) + "\n")
        reason = self.reasons[entry.key]
        if reason is not None:
            text.append(f"\nNot available: {say(reason).rstrip('.')}.\n", style="bold italic")
        self.query_one("#help", Static).update(text)

    def on_screen_resume(self) -> None:
        """Back from a utility: a fresh filter, so typing the next name starts clean."""
        if self.query_one("#filter", Input).value:
            self.action_clear_filter()
        self.query_one("#filter").focus()

    def action_focus_list(self) -> None:
        self.query_one("#utilities").focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.query_one("#filter").focus()

    def action_open(self) -> None:
        # Read the filter now: Enter may arrive before the list has caught up with typing.
        matching = self._matching(self.query_one("#filter", Input).value)
        if not matching:
            return
        options = self.query_one("#utilities", OptionList)
        index = options.highlighted
        highlighted = options.get_option_at_index(index).id if index is not None else None
        entry = next((e for e in matching if e.key == highlighted), matching[0])
        reason = self.reasons[entry.key]
        if reason is not None:
            self.notify(self.app.say(f"{entry.title}: {reason.rstrip('.')}."), severity="warning")
            return
        self.app.open_utility(entry.key)
