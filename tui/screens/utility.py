"""A utility: Selections and Options tabs and the preview (F9's confirm and apply: apply_flow).

The preview tab is a PreviewPane (the counts line, the table, exclusion); this screen keeps
the forms and the flow: what F5 asks of the store, which tab is showing, what F9 may do.
Its workers tell it what they found in messages (Problems, FirstRows, PlanReady, ...).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from store import (
    Busy,
    Invalid,
    NotPermitted,
    Operator,
    Plan,
    Problem,
    Selection,
    Store,
    Unavailable,
)
from store.utilities.base import Utility
from store.validation import StoreModel

from ..fields import field_specs
from ..widgets.footer import KeysFooter
from ..widgets.model_form import ModelForm
from ..widgets.plain import Plain
from ..widgets.preview_pane import PreviewPane
from ..widgets.preview_table import PAGE
from . import utility_messages as messages
from .apply_flow import ApplyFlow
from .applying import ApplyingScreen
from .prompt import PromptScreen

# The tabs carry their keys, which keeps the footer short enough for F9 at 80 columns.
TABS = {
    "selection-form": ("selections", "F2 Selections"),
    "options-form": ("options", "F3 Options"),
}


class UtilityScreen(ApplyFlow):
    """Say which patrons and what to do; F5 previews, F9 applies after a confirm."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f2", "tab('selections')", "Selections", id="selections", show=False),
        Binding("f3", "tab('options')", "Options", id="options", show=False),
        Binding("f5", "preview", "Preview", id="preview", show=False),
        Binding("f6", "save_run", "Save run", id="save-run"),
        Binding("f8", "clear", "Clear", id="clear"),
        Binding("f9", "apply", "Apply", id="apply"),
    ]

    # What its workers post (tui/screens/utility_messages.py), named as the screen's own.
    Problems = messages.Problems
    FirstRows = messages.FirstRows
    PlanReady = messages.PlanReady
    RunSaved = messages.RunSaved
    RunNotSaved = messages.RunNotSaved

    def __init__(
        self,
        store: Store,
        utility: Utility,
        operator: Operator,
        choice_labels: dict[str, list[tuple[str, str]]],
        draft: dict[str, dict] | None = None,
        run_name: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.utility = utility
        self.operator = operator
        self.choice_labels = choice_labels
        self.draft = draft or {}  # the forms' values when this utility was last left
        self.run_name = run_name  # the saved run these values came from, if any
        self.pane = PreviewPane(store, utility)  # holds the plan (ApplyFlow.plan)
        self.counting = False
        self.outdated = False
        self.applying: ApplyingScreen | None = None
        self.left = False  # back at the picker: a plan still being counted is dropped
        self.previews = 0  # previews asked for; only the latest one's results are shown
        self.last_form_tab = "selections"
        self.marked = False  # fields are marked ⚠: edits check them again

    def compose(self) -> ComposeResult:
        say = self.app.say
        heading = say(self.utility.title)
        if self.run_name:
            heading += f" — saved run '{self.run_name}'"
        yield Plain(heading, id="heading")
        with TabbedContent(initial="selections"):
            with TabPane(TABS["selection-form"][1], id="selections"):
                fixed = (
                    [say(self.utility.fixed_description)] if self.utility.fixed_description else []
                )
                by_name = {spec.name: spec for spec in field_specs(Selection, say)}
                specs = [by_name[name] for name in self.utility.criteria()]
                yield ModelForm(
                    specs,
                    self.choice_labels,
                    self.draft.get("selection-form"),
                    id="selection-form",
                    fixed=fixed,
                )
            with TabPane(TABS["options-form"][1], id="options"):
                # A utility without options says why (its Options docstring).
                doc = (self.utility.Options.__doc__ or "").strip() or "Nothing to set here."
                yield ModelForm(
                    field_specs(self.utility.Options, say),
                    self.choice_labels,
                    self.draft.get("options-form"),
                    id="options-form",
                    empty=say(doc),
                )
            yield self.pane
        yield KeysFooter()

    def on_mount(self) -> None:
        self.form("selection-form").focus_first()
        if self.utility.asks_nothing:  # Advance All Grades: straight to the preview of everyone
            self.action_preview()
        elif self.draft:  # a saved run or this session's draft: checked as if typed just now
            values = self.form_values()
            self.check_values(values["selection-form"], values["options-form"])

    def form(self, form_id: str) -> ModelForm:
        return self.query_one(f"#{form_id}", ModelForm)

    @property
    def forms(self) -> list[ModelForm]:
        return [self.form(form_id) for form_id in TABS]

    def form_values(self) -> dict[str, dict]:
        return {form_id: self.form(form_id).values() for form_id in TABS}

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def check_values(self, selection: dict, options: dict, quiet: bool = False) -> None:
        """The forms' values checked as a preview would check them; ``quiet`` (while the
        operator fixes marked fields) updates the marks and ⚠ counts without moving focus."""
        problems: list[Problem] = []
        for check in (
            lambda: self.store.validate_selection(selection, self.utility.key),
            lambda: self.store.validate_options(self.utility.key, options),
        ):
            try:
                check()
            except Invalid as exc:
                problems += exc.problems
        if problems or quiet:
            self.post_message(self.Problems(problems, "Not previewable yet", not quiet))

    # -- tabs ----------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab} ModelForm", ModelForm).focus_first()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id in ("selections", "options"):
            self.last_form_tab = event.pane.id

    def action_back(self) -> None:
        """One step back: from the preview to the form, from a form to the picker."""
        if self.query_one(TabbedContent).active == "preview" and not self.utility.asks_nothing:
            self.action_tab(self.last_form_tab)
            return
        # The forms are kept for the session, so leaving loses nothing typed.
        self.app.drafts[self.utility.key] = self.form_values()
        self.left = True
        if self.plan is not None:
            self._discard(self.plan)
        self.app.clear_notifications()
        self.app.pop_screen()

    def action_clear(self) -> None:
        """Both forms back to empty (what an apply or Esc keeps until now)."""
        self.app.drafts.pop(self.utility.key, None)
        self.left = True
        if self.plan is not None:
            self._discard(self.plan)
        self.app.pop_screen()
        self.app.open_utility(self.utility.key)
        self.app.notify(self.app.say(f"{self.utility.title}: the forms are cleared."))

    # -- preview -------------------------------------------------------------
    def action_preview(self) -> None:
        for form_id in TABS:
            self.form(form_id).clear_problems()
        values = self.form_values()
        self.pane.show_status("Computing the preview…")
        self.previews += 1
        self.make_plan(values["selection-form"], values["options-form"], self.previews)

    def _current(self, preview: int) -> bool:
        """Still the latest preview asked for, on a screen still open (a thread worker is not
        stopped by a newer one: its late results must not land)."""
        return preview == self.previews and not self.left

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def make_plan(self, selection: dict, options: dict, preview: int) -> None:
        problems: list[Problem] = []
        checked: list[StoreModel] = []  # the Selection and Options models, when valid
        for check in (
            lambda: self.store.validate_selection(selection),
            lambda: self.store.validate_options(self.utility.key, options, self.operator),
        ):
            try:
                checked.append(check())
            except Invalid as exc:
                problems += exc.problems
        if problems:
            self.post_message(self.Problems(problems))
            return
        old, self.plan = self.plan, None
        if old is not None:
            self.store.discard(old)
        key = self.utility.key
        try:
            # The first page straight away, then the whole plan (seconds for a district).
            first = self.store.first_rows(key, selection, options, self.operator, PAGE)
            if self._current(preview):
                self.post_message(self.FirstRows(preview, first, checked[1]))
            plan = self.store.plan(key, selection, options, self.operator)
        except (NotPermitted, Unavailable) as exc:
            self.post_message(self.Refused(exc))
            return
        # A million patrons take seconds to count: the technician may have left, or asked
        # for another preview.
        if not self._current(preview):
            self.store.discard(plan)
            return
        rows = self.store.page(plan, 0, PAGE)
        self.post_message(self.PlanReady(preview, plan, rows))

    @on(messages.Problems)
    def _show_problems(self, message: messages.Problems) -> None:
        first = None
        problems = message.problems
        self.marked = bool(problems)
        tabs = self.query_one(TabbedContent)
        for form_id, (tab_id, title) in TABS.items():
            form = self.form(form_id)
            form.clear_problems()
            mine = form.show_problems(problems)
            tabs.get_tab(tab_id).label = f"{title} ⚠ {len(mine)}" if mine else title
            if mine and first is None:
                first = (tab_id, form, mine[0].field)
        if not problems:  # every mark fixed
            self.pane.show_status("The fields are fixed: press F5 to preview.")
            return
        self.pane.show_status(
            self.app.say(
                f"{message.what}: fix the fields marked ⚠.\n" + "\n".join(str(p) for p in problems)
            )
        )
        if first and message.focus:
            tab_id, form, field = first
            tabs.active = tab_id
            form.focus_field(field)

    @on(messages.FirstRows)
    def _show_first(self, message: messages.FirstRows) -> None:
        """The first page, while the plan is counted: F9 waits for the count."""
        if not self._current(message.preview):
            return
        tabs = self.query_one(TabbedContent)
        for tab_id, title in TABS.values():
            tabs.get_tab(tab_id).label = title
        self.counting, self.outdated, self.marked = True, False, False
        self.refresh_bindings()
        self.pane.show_first(message.rows, message.options)
        tabs.active = "preview"
        self.pane.table.focus()

    @on(messages.PlanReady)
    def _show_plan(self, message: messages.PlanReady) -> None:
        if not self._current(message.preview):
            self._discard(message.plan)
            return
        self.counting = False
        self.pane.show_plan(message.plan, message.rows)
        self.refresh_bindings()

    @on(ModelForm.Edited)
    def _edited(self) -> None:
        if self.marked:  # the ⚠ marks and counts follow the fields as they are fixed
            values = self.form_values()
            self.check_values(values["selection-form"], values["options-form"], quiet=True)
        if (self.plan is not None or self.counting) and not self.outdated:
            self.outdated = True
            self.refresh_bindings()
            self.pane.show_status(
                "Selections or options changed since this preview: press F5 to preview again."
            )

    # -- saved runs ------------------------------------------------------------
    def action_save_run(self) -> None:
        self.app.push_screen(
            PromptScreen(
                "Save these selections and options as (a name):",
                self.run_name or "",
                keys="Enter saves · Escape cancels",
            ),
            self._save_as,
        )

    def _save_as(self, name: str | None) -> None:
        if name is not None:
            values = self.form_values()
            self.save_run(name, values["selection-form"], values["options-form"])

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save_run(self, name: str, selection: dict, options: dict) -> None:
        try:
            _, replaced = self.store.save_run(
                self.utility.key, name, selection, options, self.operator
            )
        except (NotPermitted, Busy) as exc:
            self.post_message(self.RunNotSaved(exc))
            return
        except Invalid as exc:
            naming = [p for p in exc.problems if p.field == "name"]
            if naming:
                self.post_message(self.RunNotSaved(naming[0]))
            else:
                self.post_message(self.Problems(exc.problems, "Not saved"))
            return
        self.post_message(self.RunSaved(name.strip(), replaced))

    @on(messages.RunNotSaved)
    def _not_saved(self, message: messages.RunNotSaved) -> None:
        if isinstance(message.why, Exception) and self.app.refused(message.why):
            return
        self.notify(f"Not saved: {message.why}", severity="error", timeout=10)

    @on(messages.RunSaved)
    def _saved(self, message: messages.RunSaved) -> None:
        self.run_name = message.name
        verb = "Replaced the saved run" if message.replaced else "Saved as"
        self.notify(
            f"{verb} '{message.name}': the picker lists it under "
            f"{self.app.say(self.utility.title)}."
        )

    # -- failures --------------------------------------------------------------
    def _discard(self, plan: Plan) -> None:
        # The app's worker: this screen may already be gone.
        self.app.run_worker(lambda: self.store.discard(plan), thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            if event.worker.group == "apply":
                self._close_applying()
            if event.worker.group == "plan":
                self.counting = False
                self.refresh_bindings()
            self.pane.show_status(f"Error: {event.worker.error}")
            self.notify(f"Something went wrong: {event.worker.error}", severity="error", timeout=10)
