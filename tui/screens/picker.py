"""The picker: every utility of the vendor manual, type-to-filter, with its guidance."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store import Busy, Invalid, NotPermitted
from store.utilities.base import Entry

from ..base import ProductScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain
from .confirm import ConfirmScreen
from .prompt import PromptScreen

# A line of the picker: a utility, or one of its saved runs.
Row = tuple[Entry, "dict | None"]


def entry_prompt(entry: Entry, reason: str | None, say=str) -> Text:
    text = Text(say(entry.title), style="" if reason is None else "dim")
    if reason is not None:
        tag = "denied" if reason.startswith("needs") else "off"
        text.append(f"  {tag}", style="italic dim")
    return text


class PickerScreen(ProductScreen[None]):
    """Choose a utility or one of its saved runs. Typing filters; Enter opens the highlighted
    one."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="open", priority=True),
        Binding("down", "focus_list", "List", show=False),
        Binding("escape", "clear_filter", "Clear filter", id="clear"),
        Binding("f4", "app.preferences", "Preferences", id="preferences"),
        # Said in the help panel of a highlighted saved run (the footer has no room at 80).
        Binding("f6", "rename_run", "Rename run", id="rename-run", show=False),
        Binding("f7", "app.operations", "Operations", id="operations"),
        Binding("f8", "delete_run", "Delete run", id="delete-run", show=False),
    ]

    KEYS_TITLE = "the list of utilities and saved runs"

    def __init__(
        self,
        entries: list[Entry],
        reasons: dict[str, str | None],
        heading: str,
        runs: list[dict] | None = None,
    ) -> None:
        super().__init__()
        self.entries = entries
        self.reasons = reasons  # why each utility cannot be run, or None
        self.heading = heading
        self.runs = runs or []  # saved runs, listed under their utility
        self.shown: list[Row] = []
        self.last_opened: str | None = None  # the row Enter opened, highlighted on return

    def compose(self) -> ComposeResult:
        yield Plain(self.heading, id="heading")
        yield Input(placeholder="Type to filter utilities and saved runs", id="filter")
        with Horizontal(id="picker-body"):
            yield OptionList(id="utilities", markup=False)
            with VerticalScroll(id="help-panel"):
                yield Plain(id="help")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._list("")
        self.query_one("#filter").focus()

    # -- what is listed ------------------------------------------------------------------
    def _matching(self, value: str) -> list[Row]:
        """Utilities (and their saved runs) matching every typed word; a saved run also
        matches by its own name."""
        words = value.casefold().split()
        phrase = " ".join(words)
        found = [
            e
            for e in self.entries
            if all(w in self._searchable(e) for w in words)
            or any(all(w in r["name"].casefold() for w in words) for r in self._runs(e))
        ]
        # Titles (or saved-run names) holding the typed phrase as a whole come first
        # ("change patron location", "end of year").
        found.sort(key=lambda e: not self._names(e, phrase))
        rows: list[Row] = []
        for entry in found:
            rows.append((entry, None))
            title_matches = all(w in self._searchable(entry) for w in words)
            rows += [
                (entry, r)
                for r in self._runs(entry)
                if title_matches or all(w in r["name"].casefold() for w in words)
            ]
        return rows

    def _names(self, entry: Entry, phrase: str) -> bool:
        return phrase in self.app.say(entry.title).casefold() or any(
            phrase in r["name"].casefold() for r in self._runs(entry)
        )

    def _label(self, row: Row) -> str:
        entry, run = row
        return (self.app.say(entry.title) if run is None else run["name"]).casefold()

    def _runs(self, entry: Entry) -> list[dict]:
        return [r for r in self.runs if r["utility"] == entry.key]

    def _searchable(self, entry: Entry) -> str:
        """Both the library's words and the manual's ("homeroom" and "location" both find it)."""
        text = f"{entry.title} {entry.summary}"
        return f"{text} {self.app.say(text)}".casefold()

    def _list(self, value: str) -> None:
        self.shown = self._matching(value)
        options = self.query_one("#utilities", OptionList)
        options.clear_options()
        options.add_options([self._option(entry, run) for entry, run in self.shown])
        if self.shown:
            # The first line whose own name holds what was typed: a saved run, if it is one.
            phrase = " ".join(value.casefold().split())
            first = next((i for i, row in enumerate(self.shown) if phrase in self._label(row)), 0)
            if not phrase:  # back from a utility: on the one last opened
                first = next(
                    (
                        i
                        for i, row in enumerate(self.shown)
                        if self._row_key(row) == self.last_opened
                    ),
                    0,
                )
            options.highlighted = first
            self._show_help(*self.shown[first])
        else:
            self.query_one("#help", Static).update(f"No utility or saved run matches {value!r}.")

    def _relist(self, keep: Row | None) -> None:
        """The same rows in their current state (available or not), the highlight kept."""
        options = self.query_one("#utilities", OptionList)
        options.clear_options()
        options.add_options([self._option(entry, run) for entry, run in self.shown])
        if keep is not None:
            options.highlighted = self.shown.index(keep)
            self._show_help(*keep)

    def _option(self, entry: Entry, run: dict | None) -> Option:
        if run is None:
            return Option(entry_prompt(entry, self.reasons[entry.key], self.app.say), id=entry.key)
        style = "italic" if self.reasons[entry.key] is None else "italic dim"
        return Option(Text(f"  ↳ {run['name']}", style=style), id=f"run:{run['id']}")

    def update_reasons(self, reasons: dict[str, str | None]) -> None:
        """What may run changed (preferences saved, here or in another session): the rows
        say so when next listed (on resume, or by Enter's own relist)."""
        self.reasons = reasons

    def on_input_changed(self, event: Input.Changed) -> None:
        self._list(event.value)

    def _highlighted(self) -> Row | None:
        options = self.query_one("#utilities", OptionList)
        index = options.highlighted
        if index is None or not 0 <= index < len(self.shown):
            return None
        return self.shown[index]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # A highlight from before the latest filter may arrive late: ignore it.
        row = next((r for r in self.shown if self._row_key(r) == event.option.id), None)
        if row is not None:
            self._show_help(*row)

    @staticmethod
    def _row_key(row: Row) -> str:
        entry, run = row
        return entry.key if run is None else f"run:{run['id']}"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open()

    def _show_help(self, entry: Entry, run: dict | None = None) -> None:
        text = Text()
        say = self.app.say
        if run is not None:
            text.append(f"{run['name']}\n", style="bold")
            text.append(
                f"A saved run of {say(entry.title)}, saved by {run['operator']} at "
                f"{run['saved']}.\n\n"
            )
            for line in self.app.describe_run(entry, run):
                text.append(say(line) + "\n")
            text.append(
                "\nEnter opens it with these values filled in (nothing runs until you "
                "preview and apply). F6 renames it, F8 deletes it.\n",
                style="italic",
            )
        else:
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
        """Back from a utility: a fresh filter, so typing the next name starts clean, and the
        saved runs as they are now (one may just have been saved)."""
        if not self.is_current:  # passed over on the way back to the login screen
            return
        self.app.catch_up()
        self.runs = self.app.store.saved_runs()
        self.query_one("#filter", Input).value = ""
        self._list("")
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
        highlighted = self._highlighted()
        if self.app.catch_up():  # another session changed what may run: list it anew
            self._relist(highlighted)
        entry, run = next(
            (r for r in matching if highlighted and self._row_key(r) == self._row_key(highlighted)),
            matching[0],
        )
        reason = self.reasons[entry.key]
        if reason is not None:
            self.notify(self.app.say(f"{entry.title}: {reason.rstrip('.')}."), severity="warning")
            return
        if run is not None and run.get("damaged"):  # empty forms would mean every patron
            self.notify(
                f"The saved run '{run['name']}' cannot be opened: {run['damaged']} "
                "(F8 deletes it).",
                severity="warning",
                timeout=10,
            )
            return
        self.last_opened = self._row_key((entry, run))
        self.app.open_utility(entry.key, run)

    # -- saved runs ----------------------------------------------------------------------
    def _highlighted_run(self, doing: str) -> dict | None:
        row = self._highlighted()
        if row is None or row[1] is None:
            self.notify(
                f"Highlight a saved run (listed under its utility, ↳) to {doing} it.",
                severity="warning",
            )
            return None
        return row[1]

    def _refused(self, run: dict, doing: str) -> bool:
        """Say so now, before a name or a confirm is asked for, if the store would refuse."""
        why = self.app.store.run_refusal(run["id"], self.app.signed_in, doing)
        if why:
            self.notify(f"{why[:1].upper()}{why[1:]}.", severity="warning", timeout=10)
        return why is not None

    def action_rename_run(self) -> None:
        run = self._highlighted_run("rename")
        if run is not None and not self._refused(run, "rename"):
            self.app.push_screen(
                PromptScreen(f"New name for the saved run '{run['name']}':", run["name"]),
                lambda name: self._rename(run, name),
            )

    def _rename(self, run: dict, name: str | None) -> None:
        if name is None:
            return
        try:
            self.app.store.rename_run(run["id"], name, self.app.signed_in)
        except (Invalid, NotPermitted, Busy) as exc:
            if not self.app.refused(exc):
                self.notify(f"Not renamed: {exc}", severity="error", timeout=10)
            return
        self.notify(f"Renamed to '{name.strip()}'.")
        self.on_screen_resume()

    def action_delete_run(self) -> None:
        run = self._highlighted_run("delete")
        if run is not None and not self._refused(run, "delete"):
            self.app.push_screen(
                ConfirmScreen(
                    f"Delete the saved run '{run['name']}'?",
                    [
                        "Its selections and options are forgotten; operations it ran "
                        "stay in the journal."
                    ],
                    verb="delete",
                ),
                lambda yes: self._delete(run, yes),
            )

    def _delete(self, run: dict, confirmed: bool | None) -> None:
        if confirmed:
            try:
                self.app.store.delete_run(run["id"], self.app.signed_in)
            except (NotPermitted, Busy) as exc:
                if not self.app.refused(exc):
                    self.notify(f"Not deleted: {exc}", severity="error", timeout=10)
                return
            self.notify(f"Deleted the saved run '{run['name']}'.")
            self.on_screen_resume()
