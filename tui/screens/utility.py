"""A utility: Selections and Options tabs and the preview (F9's confirm and apply: apply_flow)."""
from __future__ import annotations

from dataclasses import replace

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from store import Busy, Invalid, NotPermitted, Operator, Plan, Problem, Selection, Store, Unavailable
from store.utilities.base import Utility

from .. import text
from ..fields import field_specs
from ..widgets.model_form import ModelForm
from ..widgets.preview_table import PAGE, PreviewTable
from .applying import ApplyingScreen
from .apply_flow import ApplyFlow
from .prompt import PromptScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain

# The tabs carry their keys, which keeps the footer short enough for F9 at 80 columns.
TABS = {"selection-form": ("selections", "F2 Selections"), "options-form": ("options", "F3 Options")}


class UtilityScreen(ApplyFlow, Screen):
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

    def __init__(self, store: Store, utility: Utility, operator: Operator,
                 choice_labels: dict[str, list[tuple[str, str]]],
                 draft: dict[str, dict] | None = None, run_name: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.utility = utility
        self.operator = operator
        self.choice_labels = choice_labels
        self.draft = draft or {}  # the forms' values when this utility was last left
        self.run_name = run_name  # the saved run these values came from, if any
        self.plan: Plan | None = None
        self.counting = False  # the first page is shown; the whole plan is being counted
        self.outdated = False
        self.applying: ApplyingScreen | None = None  # the progress dialog while applying
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
                fixed = [say(self.utility.fixed_description)] if self.utility.fixed_description else []
                specs = {spec.name: spec for spec in field_specs(Selection, say)}
                specs = [specs[name] for name in self.utility.criteria()]
                yield ModelForm(specs, self.choice_labels,
                                self.draft.get("selection-form"), id="selection-form", fixed=fixed)
            with TabPane(TABS["options-form"][1], id="options"):
                # A utility without options says why (its Options docstring).
                doc = (self.utility.Options.__doc__ or "").strip() or "Nothing to set here."
                yield ModelForm(field_specs(self.utility.Options, say), self.choice_labels,
                                self.draft.get("options-form"), id="options-form", empty=say(doc))
            with TabPane("F5 Preview", id="preview"):
                yield Plain("Press F5 to preview which patrons change.", id="counts")
                yield PreviewTable(excludable=True, id="preview-table")
                yield Plain("", id="row-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#selection-form", ModelForm).focus_first()
        if self.draft:  # a saved run or this session's draft: checked as if typed just now
            values = {form.id: form.values() for form in self.forms}
            self.check_values(values["selection-form"], values["options-form"])

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def check_values(self, selection: dict, options: dict, quiet: bool = False) -> None:
        """The forms' values checked as a preview would check them; ``quiet`` (while the
        operator fixes marked fields) updates the marks and ⚠ counts without moving focus."""
        problems: list[Problem] = []
        for check in (lambda: self.store.validate_selection(selection, self.utility.key),
                      lambda: self.store.validate_options(self.utility.key, options)):
            try:
                check()
            except Invalid as exc:
                problems += exc.problems
        if problems or quiet:
            self.app.call_from_thread(self._show_problems, problems, "Not previewable yet",
                                      not quiet)

    @property
    def forms(self) -> list[ModelForm]:
        return list(self.query(ModelForm))

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
        if self.query_one(TabbedContent).active == "preview":
            self.action_tab(self.last_form_tab)
            return
        # The forms are kept for the session, so leaving loses nothing typed.
        self.app.drafts[self.utility.key] = {form.id: form.values() for form in self.forms}
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
        for form in self.forms:
            form.clear_problems()
        values = {form.id: form.values() for form in self.forms}
        self.query_one("#counts", Static).update("Computing the preview…")
        self.previews += 1
        self.make_plan(values["selection-form"], values["options-form"], self.previews)

    def _current(self, preview: int) -> bool:
        """Still the latest preview asked for, on a screen still open (a thread worker is not
        stopped by a newer one: its late results must not land)."""
        return preview == self.previews and not self.left

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def make_plan(self, selection: dict, options: dict, preview: int) -> None:
        problems: list[Problem] = []
        checked = []  # the Selection and Options models, when valid
        for check in (lambda: self.store.validate_selection(selection),
                      lambda: self.store.validate_options(self.utility.key, options, self.operator)):
            try:
                checked.append(check())
            except Invalid as exc:
                problems += exc.problems
        if problems:
            self.app.call_from_thread(self._show_problems, problems)
            return
        old, self.plan = self.plan, None
        if old is not None:
            self.store.discard(old)
        key = self.utility.key
        try:
            # The first page straight away, then the whole plan (seconds for a district).
            first = self.store.first_rows(key, selection, options, self.operator, PAGE)
            if self._current(preview):
                self.app.call_from_thread(self._show_first, first, checked[1], preview)
            plan = self.store.plan(key, selection, options, self.operator)
        except (NotPermitted, Unavailable) as exc:
            self.app.call_from_thread(self._refusal, exc)
            return
        # A million patrons take seconds to count: the technician may have left, or asked
        # for another preview.
        if not self._current(preview):
            self.store.discard(plan)
            return
        rows = self.store.page(plan, 0, PAGE)
        self.app.call_from_thread(self._show_plan, plan, rows, preview)

    def _show_problems(self, problems: list[Problem], what: str = "Not previewed",
                       focus: bool = True) -> None:
        first = None
        self.marked = bool(problems)
        for form in self.forms:
            form.clear_problems()
            mine = form.show_problems(problems)
            tab_id, title = TABS[form.id]
            tab = self.query_one(TabbedContent).get_tab(tab_id)
            tab.label = f"{title} ⚠ {len(mine)}" if mine else title
            if mine and first is None:
                first = (tab_id, form, mine[0].field)
        if not problems:  # every mark fixed
            self.query_one("#counts", Static).update("The fields are fixed: press F5 to preview.")
            return
        self.query_one("#counts", Static).update(self.app.say(
            f"{what}: fix the fields marked ⚠.\n" + "\n".join(str(p) for p in problems)))
        if first and focus:
            tab_id, form, field = first
            self.query_one(TabbedContent).active = tab_id
            form.focus_field(field)

    def _show_first(self, rows, options, preview: int) -> None:
        """The first page, while the plan is counted: F9 waits for the count."""
        if not self._current(preview):
            return
        for form in self.forms:
            tab_id, title = TABS[form.id]
            self.query_one(TabbedContent).get_tab(tab_id).label = title
        self.counting, self.outdated, self.marked = True, False, False
        self.query_one("#counts", Static).update(
            f"Counting the patrons… the first {len(rows):,} are shown; F9 waits for the count.")
        table = self.query_one(PreviewTable)
        label = self.app.say(self.utility.label(options))
        table.start(text.patron_columns(label, f"New {label.lower()}"), self._cells(rows))
        self.query_one(TabbedContent).active = "preview"
        table.focus()

    def _show_plan(self, plan: Plan, rows, preview: int) -> None:
        if not self._current(preview):
            self._discard(plan)
            return
        self.plan, self.counting = plan, False
        self._show_counts(plan)
        table = self.query_one(PreviewTable)
        table.set_total(plan.counts.matched)
        table.fill(0, self._cells(rows))

    def _show_counts(self, plan: Plan) -> None:
        c = plan.counts
        lines = [text.counts_line(c.matched, c.change, c.unchanged, c.skip, excluded=c.excluded,
                                  not_found=c.not_found)]
        lines += self._describe(plan)
        if c.change:
            lines.append("F9 applies this preview after a confirm · space excludes a patron.")
        else:
            lines.append("Nothing to change: no patron would be changed.")
        self.query_one("#counts", Static).update("\n".join(lines))

    def _describe(self, plan: Plan) -> list[str]:
        """The selections, options and the utility's notice, in the library's words."""
        say = self.app.say
        lines = []
        if plan.selection.is_empty() and not self.utility.fixed_description:
            lines.append("No selections: every patron in the database matches.")
        else:
            criteria = text.selection_lines(plan.selection, self.utility.fixed_description)
            lines.append(say("Selections: " + "; ".join(criteria)))
        if type(plan.options).model_fields:
            lines.append(say("Options: " + "; ".join(text.options_lines(plan.options))))
        for line in (self.utility.notice(plan.options), plan.tally):
            if line:
                lines.append(say(line))
        return lines

    def _cells(self, rows) -> list[tuple]:
        """(record, cells) pairs for the preview table."""
        show = self.utility.show
        return [(r, text.patron_cells(r.barcode, r.name, show(r.current), show(r.new), r.outcome,
                                      r.reason, r.excluded)) for r in rows]

    @on(PreviewTable.PageWanted)
    def _page_wanted(self, event: PreviewTable.PageWanted) -> None:
        if self.plan is not None:
            self.fetch_page(self.plan, event.page)

    @work(thread=True, group="page", exit_on_error=False)
    def fetch_page(self, plan: Plan, page: int) -> None:
        rows = self.store.page(plan, page * PAGE, PAGE)
        self.app.call_from_thread(self._fill, plan, page, rows)

    def _fill(self, plan: Plan, page: int, rows) -> None:
        if plan is self.plan:
            self.query_one(PreviewTable).fill(page, self._cells(rows))

    @on(PreviewTable.RowHighlighted)
    def _highlighted(self, event: PreviewTable.RowHighlighted) -> None:
        self._show_row(event.index)

    def _show_row(self, index: int) -> None:
        """The highlighted patron in full: the table may cut a long reason short."""
        table = self.query_one(PreviewTable)
        row = table.record(index)
        if row is None:
            self.query_one("#row-detail", Static).update("")
            return
        of = f"{self.plan.counts.matched:,}" if self.plan is not None else "…"
        show = self.utility.show
        self.query_one("#row-detail", Static).update(text.detail_line(
            f"{index + 1:,} of {of}", row.name, show(row.current), show(row.new), row.outcome,
            row.reason, row.excluded))

    @on(ModelForm.Edited)
    def _edited(self) -> None:
        if self.marked:  # the ⚠ marks and counts follow the fields as they are fixed
            values = {form.id: form.values() for form in self.forms}
            self.check_values(values["selection-form"], values["options-form"], quiet=True)
        if (self.plan is not None or self.counting) and not self.outdated:
            self.outdated = True
            self.query_one("#counts", Static).update(
                "Selections or options changed since this preview: press F5 to preview again.")

    # -- exclude from the preview ------------------------------------------------
    @on(PreviewTable.ExcludeWanted)
    def _exclude(self, event: PreviewTable.ExcludeWanted) -> None:
        row = self.query_one(PreviewTable).record(event.row)
        if self.plan is None or row is None:
            return
        if row.outcome != "change":
            self.notify("Only a patron who would change can be excluded; this one is "
                        f"{row.outcome}.", severity="warning")
            return
        self.toggle_excluded(self.plan, event.row, row)

    @work(thread=True, exclusive=True, group="exclude", exit_on_error=False)
    def toggle_excluded(self, plan: Plan, index: int, row) -> None:
        excluded = self.store.toggle_excluded(plan, row.seq)
        self.app.call_from_thread(self._excluded, plan, index, replace(row, excluded=excluded))

    def _excluded(self, plan: Plan, index: int, row) -> None:
        if plan is not self.plan:
            return
        [(record, cells)] = self._cells([row])
        self.query_one(PreviewTable).replace(index, record, cells)
        self._show_counts(plan)
        self._show_row(index)

    # -- saved runs ------------------------------------------------------------
    def action_save_run(self) -> None:
        self.app.push_screen(
            PromptScreen("Save these selections and options as (a name):",
                         self.run_name or "", keys="Enter saves · Escape cancels"),
            self._save_as)

    def _save_as(self, name: str | None) -> None:
        if name is not None:
            values = {form.id: form.values() for form in self.forms}
            self.save_run(name, values["selection-form"], values["options-form"])

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save_run(self, name: str, selection: dict, options: dict) -> None:
        try:
            _, replaced = self.store.save_run(self.utility.key, name, selection, options,
                                              self.operator)
        except (NotPermitted, Busy) as exc:
            self.app.call_from_thread(self._not_saved, exc)
            return
        except Invalid as exc:
            naming = [p for p in exc.problems if p.field == "name"]
            if naming:
                self.app.call_from_thread(self.notify, f"Not saved: {naming[0]}",
                                          severity="error", timeout=10)
            else:
                self.app.call_from_thread(self._show_problems, exc.problems, "Not saved")
            return
        self.app.call_from_thread(self._saved, name.strip(), replaced)

    def _not_saved(self, exc: Exception) -> None:
        if not self.app.refused(exc):
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)

    def _saved(self, name: str, replaced: bool) -> None:
        self.run_name = name
        verb = "Replaced the saved run" if replaced else "Saved as"
        self.notify(f"{verb} '{name}': the picker lists it under "
                    f"{self.app.say(self.utility.title)}.")

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
            self.query_one("#counts", Static).update(f"Error: {event.worker.error}")
            self.notify(f"Something went wrong: {event.worker.error}", severity="error", timeout=10)
