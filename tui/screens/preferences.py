"""Library preferences: terminology, catalog and expiration rules, the grade table, and how
the school's roster makes patrons (its tab is tui/screens/roster_tab.py)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from store import Busy, Invalid, NotPermitted, Operator, Store
from store.preferences import LibraryPreferences

from ..base import ProductScreen
from ..fields import field_specs
from ..widgets.footer import KeysFooter
from ..widgets.model_form import ModelForm
from ..widgets.plain import Plain, PlainTable
from .prompt import PromptScreen
from .roster_tab import ROSTER, RosterTab

ADVANCE_ALL = "advance-all-grades"
# The tabs carry their keys, which keeps the footer short enough at 80 columns.
TABS = {"library": "F2 Library", "grade-table": "F3 Grade table", "roster": ROSTER}


class PreferencesScreen(ProductScreen[None]):
    """F9 saves the Library tab or the Roster tab, the one shown; the grade table's keys
    change it at once."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f2", "tab('library')", "Library", id="library", show=False),
        Binding("f3", "tab('grade-table')", "Grade table", id="grade-table", show=False),
        Binding("f4", "tab('roster')", "Roster", id="roster", show=False),
        Binding("f9", "save", "Save", id="save"),
        # The vendor manual's Advance All Grades lives here, not in the picker.
        Binding("f5", "advance_all", "Advance all", id="advance-all"),
        # The grade keys are on the tab's own help line (and F1): a footer holding them
        # all would be cut at 80 columns.
        Binding("a", "add", "Add a grade", id="add", show=False),
        Binding("r", "rename", "Rename the grade", id="rename", show=False),
        Binding("d", "remove", "Remove the grade", id="remove", show=False),
        Binding("minus", "move(-1)", "Move the grade up", id="up", show=False),
        Binding("plus,equals_sign", "move(1)", "Move the grade down", id="down", show=False),
        Binding("l", "last", "Make it the Last Grade", id="last", show=False),
    ]

    def __init__(self, store: Store, operator: Operator, tab: str = "library") -> None:
        super().__init__()
        self.initial_tab = tab  # library, grade-table or roster (Sync from Roster opens it)
        self.store = store
        self.operator = operator
        # What the Library tab showed: saving refuses what another session changed since.
        self.read = store.library_preferences().model_dump()

    def compose(self) -> ComposeResult:
        yield Plain("Preferences", id="heading")
        with TabbedContent(initial=self.initial_tab):
            with TabPane(TABS["library"], id="library"):
                yield ModelForm(field_specs(LibraryPreferences), {}, self.read, id="prefs-form")
            with TabPane(TABS["grade-table"], id="grade-table"):
                yield Plain(
                    "Grades advance in this order. a add · r rename · d remove · "
                    "- up · + down · l make it the Last Grade",
                    classes="help-line",
                )
                yield PlainTable(id="grades", cursor_type="row", zebra_stripes=True)
                yield Plain("", id="grade-message")
            with TabPane(TABS["roster"], id="roster"):
                yield RosterTab(self.store)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#grades", DataTable)
        table.add_columns("Order", "Grade", "Last Grade", "Patrons")
        self._load_grades()
        self._focus_tab(self.initial_tab)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Grade keys only on the Grade table tab, Save only on the Library tab."""
        tab = self.query_one(TabbedContent).active
        if action in ("add", "rename", "remove", "move", "last", "advance_all"):
            return tab == "grade-table"
        if action == "save":
            return tab in ("library", "roster")
        return True

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        if tab == "library":
            self.query_one("#prefs-form", ModelForm).focus_first()
        elif tab == "roster":
            self.query_one(RosterTab).focus_first()
        else:
            self.query_one("#grades").focus()

    def on_tabbed_content_tab_activated(self) -> None:
        self.refresh_bindings()
        active = self.query_one(TabbedContent).active
        if active == "grade-table":
            self._catch_up()
            self.query_one("#grades").focus()
        elif active == "roster":
            # The grade table may have changed since: what the mapping names, checked again.
            self.query_one(RosterTab).check()

    def on_screen_resume(self) -> None:
        self._catch_up()

    def _catch_up(self) -> None:
        """Another session may have edited the grade table since it was read: show it as
        it is now, on the same grade."""
        if self.store.data_version() != self.seen_version:
            self._load_grades(self.chosen)

    # -- the grade table ------------------------------------------------------
    def _load_grades(self, select: str | None = None) -> None:
        self.seen_version = self.store.data_version()
        table = self.query_one("#grades", DataTable)
        table.clear()
        self.grade_names = []
        for i, g in enumerate(self.store.grades(), start=1):
            table.add_row(
                str(i), g["name"], "Last Grade" if g["is_last"] else "", f"{g['patrons']:,}"
            )
            self.grade_names.append(g["name"])
        if select in self.grade_names:
            table.move_cursor(row=self.grade_names.index(select))

    @property
    def chosen(self) -> str | None:
        table = self.query_one("#grades", DataTable)
        if not self.grade_names:
            return None
        return self.grade_names[table.cursor_row]

    def _edit(self, action: str, *args, select: str | None = None, done: str = "") -> None:
        message = self.query_one("#grade-message", Static)
        try:
            self.store.edit_grades(self.operator, action, *args)
        except Invalid as exc:
            message.update(f"⚠ {exc.problems[0].message}")
            return
        except (NotPermitted, Busy) as exc:
            if not self.app.refused(exc):
                message.update(f"⚠ {exc}")
            return
        message.update(done)
        self._load_grades(select)

    def action_add(self) -> None:
        after = self.chosen

        def added(name: str | None) -> None:
            if name is not None:
                self._edit("add", name, after, select=name.strip(), done=f"Added {name.strip()}.")

        self.app.push_screen(PromptScreen(f"New grade (after {after}):"), added)

    def action_rename(self) -> None:
        old = self.chosen
        if old is None:
            return

        def renamed(name: str | None) -> None:
            if name is not None and name.strip() != old:
                self._edit(
                    "rename",
                    old,
                    name,
                    select=name.strip(),
                    done=f"Renamed {old} to {name.strip()}; its patrons follow.",
                )

        self.app.push_screen(PromptScreen(f"Rename grade {old} to:", old), renamed)

    def action_remove(self) -> None:
        if self.chosen:
            self._edit("remove", self.chosen, done=f"Removed {self.chosen}.")

    def action_move(self, step: int) -> None:
        if self.chosen:
            self._edit("move", self.chosen, step, select=self.chosen)

    def action_last(self) -> None:
        if self.chosen:
            self._edit(
                "set_last",
                self.chosen,
                select=self.chosen,
                done=f"{self.chosen} is now the Last Grade.",
            )

    def action_advance_all(self) -> None:
        """Advance All Grades: the utility screen, straight to its preview of everyone (it
        asks nothing); after the apply, its summary, then back here."""
        utility = self.store.utility(ADVANCE_ALL)
        reason = self.store.unavailable(utility, self.operator)
        if reason is not None:
            self.query_one("#grade-message", Static).update(
                self.app.say(f"⚠ {utility.title} {reason}.")
            )
            return
        # Its apply is this session's own write, which data_version does not count: read
        # the table again when this screen shows.
        self.seen_version = -1
        self.app.open_utility(ADVANCE_ALL)

    # -- saving -------------------------------------------------------------------
    def action_save(self) -> None:
        if self.query_one(TabbedContent).active == "roster":
            roster = self.query_one(RosterTab)
            roster.clear_problems()
            self.save_roster(roster.values(), roster.read)
            return
        form = self.query_one("#prefs-form", ModelForm)
        form.clear_problems()
        self.save(form.values())

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, values: dict) -> None:
        try:
            self.store.save_preferences(values, self.operator, self.read)
        except Invalid as exc:
            self.app.call_from_thread(self._show_problems, exc.problems)
            return
        except (NotPermitted, Busy) as exc:
            self.app.call_from_thread(self._not_saved, exc)
            return
        self.app.call_from_thread(self._saved)

    def _show_problems(self, problems) -> None:
        form = self.query_one("#prefs-form", ModelForm)
        mine = form.show_problems(problems)
        if mine:
            form.focus_field(mine[0].field)

    def _not_saved(self, exc: Exception) -> None:
        if not self.app.refused(exc):
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)

    def _saved(self) -> None:
        if self.query_one(RosterTab).unsaved():
            # Going back would drop the Roster tab's edits unsaved: stay, and say so.
            self.read = self.store.library_preferences().model_dump()
            self.app.preferences_changed()
            self.notify("Preferences saved. The Roster tab's changes are not saved yet: F4, F9.")
            return
        self.notify("Preferences saved.")
        self.app.pop_screen()
        self.app.preferences_changed()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save_roster(self, values: dict, read) -> None:
        try:
            saved = self.store.save_roster_mapping(values, self.operator, read)
        except Invalid as exc:
            self.app.call_from_thread(self._roster_problems, exc.problems)
            return
        except (NotPermitted, Busy) as exc:
            self.app.call_from_thread(self._roster_not_saved, exc)
            return
        self.app.call_from_thread(self._roster_saved, saved)

    def _roster_problems(self, problems: list) -> None:
        self.query_one(RosterTab).show_problems(problems)

    def _roster_saved(self, mapping) -> None:
        self.query_one(RosterTab).saved(mapping)

    def _roster_not_saved(self, exc: Exception) -> None:
        if not self.app.refused(exc):
            self.query_one(RosterTab).refused(f"⚠ Not saved: {exc}")
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)

    def action_back(self) -> None:
        self.app.pop_screen()
        self.app.preferences_changed()  # grade edits change what the forms offer
