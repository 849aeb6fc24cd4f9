"""Sync from Roster: which export (the Roster tab, with the mapping it will be read by),
the preview of every patron's fate, and F9's confirm and apply.

The plan is the roster's (store/roster/): read and planned by the store in a worker, held
by the preview tab (tui/widgets/sync_preview.py), applied exactly as previewed or not at
all. A sync that would transfer more than the mapping's share of a site asks for the
number of transfers to be typed back, as the command line's --confirm-transfers does.
"""

from __future__ import annotations

import threading

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, TabbedContent, TabPane

from store import Busy, Cancelled, Invalid, NotPermitted, Operator, Stale, Store
from store.roster.mapping import RosterMapping
from store.roster.model import BadRoster
from store.roster.sync import SyncPlan, TransfersUnconfirmed
from store.utilities.base import Entry

from ..base import ProductScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain
from ..widgets.sync_preview import SyncPreview
from .applying import ApplyingScreen
from .confirm import ConfirmScreen, TypedConfirmScreen
from .summary import SummaryScreen

HELP = (
    "The export of the school's student information system: a folder or a .zip of "
    "OneRoster CSV (users.csv, orgs.csv, …) on this computer."
)


def mapping_lines(mapping: RosterMapping) -> list[str]:
    """The mapping the roster will be read by, in a few lines."""
    m = mapping
    roles = ", ".join(f"{r} → {rule.security_group}" for r, rule in sorted(m.roles.items())[:3])
    return [
        f"Barcode from {m.barcode_from} · site code from the school's {m.site_from.value}"
        + (f" ({len(m.sites)} school(s) named)" if m.sites else ""),
        f"{len(m.grades)} grade codes · {len(m.roles)} roles ({roles} …) · not patrons: "
        + (", ".join(m.skipped_roles) or "none"),
        f"tobedeleted → {m.tobedeleted_status.value} · enabledUser false → "
        f"{m.disabled_status.value} · transfers over {m.transfer_guard_percent}% of a "
        "site's active patrons need their number typed",
    ]


class SyncScreen(ProductScreen[None]):
    """F2 the roster to read, F5 the preview, F9 the apply after a confirm."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f2", "tab('roster')", "Roster", id="roster", show=False),
        Binding("f5", "preview", "Preview", id="preview", show=False),
        Binding("f4", "mapping", "Mapping", id="mapping"),
        Binding("f", "show_next", "Show", id="show"),
        Binding("f9", "apply", "Apply", id="apply"),
    ]

    class MappingRead(Message, bubble=False):
        def __init__(self, mapping: RosterMapping, problems: list[str]) -> None:
            super().__init__()
            self.mapping, self.problems = mapping, problems

    class Planned(Message, bubble=False):
        def __init__(self, preview: int, plan: SyncPlan) -> None:
            super().__init__()
            self.preview, self.plan = preview, plan

    class NotPlanned(Message, bubble=False):
        """The roster could not be read or planned: what to fix, nothing written."""

        def __init__(self, preview: int, lines: list[str], exc: Exception | None = None):
            super().__init__()
            self.preview, self.lines, self.exc = preview, lines, exc

    class Said(Message, bubble=False):
        """What the plan's worker is doing (reading the export, planning)."""

        def __init__(self, preview: int, line: str) -> None:
            super().__init__()
            self.preview, self.line = preview, line

    class Done(Message, bubble=False):
        """The apply ended: ``operation`` written, or ``why`` not (nothing written)."""

        def __init__(self, operation: int | None = None, why: Exception | None = None):
            super().__init__()
            self.operation, self.why = operation, why

    def __init__(self, store: Store, entry: Entry, operator: Operator) -> None:
        super().__init__()
        self.store = store
        self.entry = entry
        self.operator = operator
        self.pane = SyncPreview()
        self.previews = 0  # only the latest preview's plan is shown
        self.outdated = False  # the path changed since the preview
        self.applying: ApplyingScreen | None = None

    @property
    def plan(self) -> SyncPlan | None:
        return self.pane.plan

    def compose(self) -> ComposeResult:
        yield Plain(self.app.say(self.entry.title), id="heading")
        path = self.app.drafts.get(self.entry.key, {}).get("path", "")
        with TabbedContent(initial="roster"):
            with TabPane("F2 Roster", id="roster"):
                yield Plain(HELP, classes="help-line")
                yield Input(path, placeholder="/path/to/oneroster-export.zip", id="roster-path")
                yield Plain("", id="roster-problem")
                yield Plain(
                    "Mapping (F4 opens Preferences → Roster): reading…", id="roster-mapping"
                )
                yield Plain(
                    "F5 previews the sync: nothing is written before F9 and a confirm.",
                    id="roster-next",
                )
            yield self.pane
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#roster-path", Input).focus()
        self.read_mapping()

    def on_screen_resume(self) -> None:
        self.read_mapping()  # Preferences → Roster may have changed it

    @work(thread=True, exclusive=True, group="mapping", exit_on_error=False)
    def read_mapping(self) -> None:
        mapping = self.store.roster_mapping()
        problems = [str(p) for p in self.store.roster_mapping_problems(mapping)]
        self.post_message(self.MappingRead(mapping, problems))

    @on(MappingRead)
    def _mapping_read(self, message: MappingRead) -> None:
        lines = ["Mapping (F4 opens Preferences → Roster):", *mapping_lines(message.mapping)]
        if message.problems:
            lines.append("⚠ It names what this database lacks: " + "; ".join(message.problems))
        self.query_one("#roster-mapping", Plain).update(self.app.say("\n".join(lines)))

    # -- keys ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply" and (self.plan is None or self.outdated):
            return None  # shown dimmed until a current preview
        if action == "show" and self.plan is None:
            return None
        return True

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "roster":
            self.query_one("#roster-path", Input).focus()

    def action_back(self) -> None:
        if self.query_one(TabbedContent).active == "preview":
            self.action_tab("roster")
            return
        self._keep_path()
        self.previews += 1  # a plan still being made is dropped
        self.app.pop_screen()

    def action_mapping(self) -> None:
        self.app.action_preferences("roster")

    def action_show_next(self) -> None:
        self.pane.show_next()

    def _keep_path(self) -> None:
        self.app.drafts[self.entry.key] = {"path": self.query_one("#roster-path", Input).value}

    @on(Input.Changed, "#roster-path")
    def _path_changed(self) -> None:
        self.query_one("#roster-problem", Plain).update("")
        if self.plan is not None and not self.outdated:
            self.outdated = True
            self.refresh_bindings()
            self.pane.show_status("The roster changed since this preview: press F5 again.")

    @on(Input.Submitted, "#roster-path")
    def _path_submitted(self) -> None:
        self.action_preview()

    # -- preview ------------------------------------------------------------------------
    def action_preview(self) -> None:
        path = self.query_one("#roster-path", Input).value.strip()
        if not path:
            self._path_problem(
                "Roster: type the path of the export (a folder or a .zip of OneRoster CSV)."
            )
            return
        self._keep_path()
        self.previews += 1
        self.pane.plan = None
        self.outdated = False
        self.refresh_bindings()
        self.pane.show_status(f"Reading {path} and planning the sync…")
        self.query_one(TabbedContent).active = "preview"
        self.pane.table.focus()
        self.make_plan(path, self.previews)

    def _path_problem(self, line: str) -> None:
        self.query_one(TabbedContent).active = "roster"
        self.query_one("#roster-problem", Plain).update(f"⚠ {line}")
        self.query_one("#roster-path", Input).focus()

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def make_plan(self, path: str, preview: int) -> None:
        def said(line: str) -> None:
            self.post_message(self.Said(preview, line))

        try:
            plan = self.store.plan_sync(path, self.operator, said=said)
        except BadRoster as exc:
            lines = ["The roster cannot be read; nothing was written:"]
            self.post_message(self.NotPlanned(preview, lines + [str(p) for p in exc.problems]))
            return
        except Invalid as exc:
            lines = ["The mapping names what this database lacks (F4 fixes it):"]
            self.post_message(self.NotPlanned(preview, lines + [str(p) for p in exc.problems]))
            return
        except (NotPermitted, Busy) as exc:
            self.post_message(self.NotPlanned(preview, [f"Not previewed: {exc}"], exc))
            return
        self.post_message(self.Planned(preview, plan))

    @on(Said)
    def _said(self, message: Said) -> None:
        if message.preview == self.previews and self.plan is None:
            self.pane.show_status(message.line)

    @on(NotPlanned)
    def _not_planned(self, message: NotPlanned) -> None:
        if message.preview != self.previews:
            return
        if message.exc is not None and self.app.refused(message.exc):
            return
        self.pane.show_status(self.app.say("\n".join(message.lines)))
        self._path_problem(self.app.say(message.lines[-1]))

    @on(Planned)
    def _planned(self, message: Planned) -> None:
        if message.preview != self.previews:
            return
        self.pane.show_plan(message.plan)
        self.refresh_bindings()

    # -- apply --------------------------------------------------------------------------
    def action_apply(self) -> None:
        plan = self.plan
        if plan is None or self.outdated:
            return
        if plan.nothing_to_do:
            self.notify("Nothing to apply: the patrons match the roster.", severity="warning")
            return
        transfers = plan.count("transferred")
        lines = [
            *self.pane.lines(plan),
            "",
            f"{plan.changing:,} patron(s) will be created, updated or transferred in one "
            "transaction, recorded in the journal (undo it from Operations, F7).",
            "No patron is removed: Remove Patrons on status Transferred does that.",
        ]
        title = self.app.say(f"Apply {self.entry.title}?")
        screen: ConfirmScreen | TypedConfirmScreen
        if plan.needs_confirming:
            screen = TypedConfirmScreen(
                title, lines, transfers, "patrons that will be transferred", "nothing was written"
            )
        else:
            screen = ConfirmScreen(title, lines)
        self.app.push_screen(screen, self._confirmed)

    def _confirmed(self, confirmed: bool | None) -> None:
        plan = self.plan
        if not confirmed or plan is None:
            return
        cancel = threading.Event()
        self.applying = ApplyingScreen(self.app.say(f"Applying {self.entry.title}"), cancel)
        self.app.push_screen(self.applying)
        confirm = plan.count("transferred") if plan.needs_confirming else None
        self.run_apply(plan, confirm, self.applying, cancel)

    @work(thread=True, exclusive=True, group="apply", exit_on_error=False)
    def run_apply(
        self,
        plan: SyncPlan,
        confirm: int | None,
        applying: ApplyingScreen,
        cancel: threading.Event,
    ) -> None:
        def stage(number: int, of: int, what: str) -> None:
            applying.post_message(ApplyingScreen.Stage(number, of, what))

        try:
            result = self.store.apply_sync(plan, self.operator, confirm, stage, cancel)
        except (TransfersUnconfirmed, Stale, Busy, NotPermitted, Cancelled, Invalid) as exc:
            self.post_message(self.Done(why=exc))
            return
        self.post_message(self.Done(result.operation_id))

    @on(Done)
    def _done(self, message: Done) -> None:
        while self.applying is not None and self.applying in self.app.screen_stack:
            self.app.pop_screen()
        self.applying = None
        if message.why is not None:
            if self.app.refused(message.why):
                return
            line = f"Not applied: {message.why}"
            self.pane.show_status(line)
            if isinstance(message.why, (Cancelled, Busy)):  # the preview still holds
                self.notify(line, severity="warning", timeout=10)
                return
            self.outdated = True  # preview again: the plan no longer holds
            self.refresh_bindings()
            self.notify(line, severity="error", timeout=10)
            return
        self.pane.plan = None
        self.refresh_bindings()
        if message.operation is None:  # planned with something to do, found nothing
            self.notify("Nothing was written: the patrons already match the roster.")
            return
        self.app.switch_screen(SummaryScreen(self.store, message.operation, self.operator))
