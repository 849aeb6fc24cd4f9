"""F9 on a utility: the confirm, the progress dialog while applying, and what came of it.

The F9 half of UtilityScreen, as its typed base: the attributes it declares are the ones the
utility screen sets up, so the type checker holds both halves to them. Its worker tells the
screen what came of the apply in messages (the progress goes to the dialog, in its own).
"""

from __future__ import annotations

import threading

from textual import on, work
from textual.message import Message

from store import Busy, Cancelled, NotPermitted, Operator, Plan, Report, Stale, Store, Unavailable
from store.utilities.base import Utility

from ..base import ProductScreen
from ..widgets.preview_pane import PreviewPane
from .applying import ApplyingScreen
from .confirm import ConfirmScreen, TypedConfirmScreen
from .summary import SummaryScreen


class ApplyFlow(ProductScreen[None]):
    """What F9 works on: the preview pane's plan, and the screen's state of the preview."""

    store: Store
    utility: Utility
    operator: Operator
    pane: PreviewPane
    counting: bool  # the first page is shown; the whole plan is being counted
    outdated: bool  # the forms changed since the preview
    applying: ApplyingScreen | None  # the progress dialog while applying

    class Refused(Message, bubble=False):
        """The store refused a preview or an apply (nothing was written)."""

        def __init__(self, exc: Exception) -> None:
            super().__init__()
            self.exc = exc

    class ApplyCancelled(Message, bubble=False):
        """Cancel on the progress dialog stopped the apply before it wrote anything."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class Applied(Message, bubble=False):
        """The plan was applied: ``report`` names its operation in the journal."""

        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    @property
    def plan(self) -> Plan | None:
        """The counted plan the preview shows: what F9 applies."""
        return self.pane.plan

    @plan.setter
    def plan(self, plan: Plan | None) -> None:
        self.pane.plan = plan

    def form_values(self) -> dict[str, dict]:
        """The forms' values by form id (kept as the utility's draft once applied)."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F9 is dimmed (None: shown, not run) until F5 has counted a current preview:
        while counting, after an edit, after an apply. Call refresh_bindings() on each."""
        if action == "apply" and (self.plan is None or self.outdated):
            return None
        # Advance All Grades asks nothing: no form to clear, no run worth saving.
        return not (action in ("save_run", "clear") and self.utility.asks_nothing)

    def action_apply(self) -> None:
        plan = self.plan
        if plan is None or self.outdated:  # check_action keeps F9 from getting here
            return
        c = plan.counts
        if not c.change:
            self.notify(
                "Nothing to apply: no patron in this preview would change.", severity="warning"
            )
            return
        lines = [
            self.pane.counts_line(plan),
            "",
            *self.pane.describe(plan),
            "",
            f"{c.change:,} patron{'s' if c.change != 1 else ''} will be "
            f"{self.utility.verb} in one transaction, recorded in the journal.",
        ]
        if c.excluded:
            lines.append(
                f"{c.excluded:,} patron{'s' if c.excluded != 1 else ''} excluded by hand "
                "will be left as they are."
            )
        if self.utility.destructive:
            lines.append("Records will be removed; the journal keeps a copy of each.")
        title = self.app.say(f"Apply {self.utility.title}?")
        screen: ConfirmScreen | TypedConfirmScreen
        if self.utility.typed_confirmation:
            screen = TypedConfirmScreen(
                title, lines, c.change, f"patrons that will be {self.utility.verb}"
            )
        else:
            screen = ConfirmScreen(title, lines)
        self.app.push_screen(screen, self._confirmed)

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed and self.plan is not None:
            self.pane.show_status("Applying…")
            cancel = threading.Event()
            self.applying = ApplyingScreen(self.app.say(f"Applying {self.utility.title}"), cancel)
            self.app.push_screen(self.applying)
            self.run_apply(self.plan, self.applying, cancel)

    @work(thread=True, exclusive=True, group="apply", exit_on_error=False)
    def run_apply(self, plan: Plan, applying: ApplyingScreen, cancel: threading.Event) -> None:
        def stage(number: int, of: int, what: str) -> None:
            applying.post_message(ApplyingScreen.Stage(number, of, what))

        def progress(done: int, total: int) -> None:
            applying.post_message(ApplyingScreen.Preparing(done, total))

        try:
            report = self.store.apply(plan, progress=progress, stage=stage, cancel=cancel)
        except Cancelled as exc:
            self.post_message(self.ApplyCancelled(str(exc)))
            return
        except (Stale, Busy, NotPermitted, Unavailable) as exc:
            self.post_message(self.Refused(exc))
            return
        self.post_message(self.Applied(report))

    def _close_applying(self) -> None:
        # Whatever may have opened over the dialog goes with it.
        while self.applying is not None and self.applying in self.app.screen_stack:
            self.app.pop_screen()
        self.applying = None

    @on(ApplyCancelled)
    def _cancelled(self, message: ApplyCancelled) -> None:
        """The preview stays as it was: F9 can apply it after all."""
        self._close_applying()
        self.pane.show_counts()
        self.notify(f"Apply {message.reason}.", severity="warning", timeout=10)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._refusal(message.exc)

    def _refusal(self, exc: Exception) -> None:
        """The store said no: a session that ended goes back to the login screen; anything
        else is said here, and the preview must be made again."""
        if self.app.refused(exc):
            return
        if isinstance(exc, Busy):
            # Nothing was read or written: the preview still holds, F9 tries again.
            self._close_applying()
            self.pane.show_status(f"Not applied: {exc}. F9 tries again.")
            self.notify(f"Not applied: {exc}. F9 tries again.", severity="warning", timeout=10)
            return
        self._not_applied(str(exc))

    def _not_applied(self, reason: str) -> None:
        self._close_applying()
        self.outdated = True
        self.refresh_bindings()
        self.pane.show_status(f"Not applied: {reason}")
        self.notify(f"Not applied: {reason}", severity="error", timeout=10)

    @on(Applied)
    def _applied(self, message: Applied) -> None:
        self._close_applying()
        self.plan = None
        self.refresh_bindings()
        # The forms keep what was typed (the next run is often the same with one change);
        # F8 on the utility clears them.
        self.app.drafts[self.utility.key] = self.form_values()
        self.app.switch_screen(
            SummaryScreen(self.store, message.report.operation_id, self.operator)
        )
