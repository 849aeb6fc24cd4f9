"""F9 on a utility: the confirm, the progress dialog while applying, and what came of it.

Part of UtilityScreen (a mixin): it works on the screen's current plan and counts line.
"""
from __future__ import annotations

import threading

from textual import work
from textual.widgets import Static

from store import Busy, Cancelled, NotPermitted, Plan, Stale, Unavailable

from .. import text
from .applying import ApplyingScreen
from .confirm import ConfirmScreen, TypedConfirmScreen
from .summary import SummaryScreen


class ApplyFlow:
    """Needs from the screen: plan, counting, outdated, applying, utility, store, operator,
    _describe() and _show_counts()."""

    def action_apply(self) -> None:
        plan = self.plan
        if self.counting and not self.outdated:
            self.notify("Still counting the patrons: F9 works once the preview is complete.",
                        severity="warning")
            return
        if plan is None or self.outdated:
            self.notify("Preview first (F5): only a current preview can be applied.",
                        severity="warning")
            return
        c = plan.counts
        if not c.change:
            self.notify("Nothing to apply: no patron in this preview would change.",
                        severity="warning")
            return
        lines = [text.counts_line(c.matched, c.change, c.unchanged, c.skip, excluded=c.excluded,
                                  not_found=c.not_found),
                 "", *self._describe(plan), "",
                 f"{c.change:,} patron{'s' if c.change != 1 else ''} will be "
                 f"{self.utility.verb} in one transaction, recorded in the journal."]
        if c.excluded:
            lines.append(f"{c.excluded:,} patron{'s' if c.excluded != 1 else ''} excluded by hand "
                         "will be left as they are.")
        if self.utility.destructive:
            lines.append("Records will be removed; the journal keeps a copy of each.")
        title = self.app.say(f"Apply {self.utility.title}?")
        if self.utility.typed_confirmation:
            screen = TypedConfirmScreen(title, lines, c.change,
                                        f"patrons that will be {self.utility.verb}")
        else:
            screen = ConfirmScreen(title, lines)
        self.app.push_screen(screen, self._confirmed)

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed and self.plan is not None:
            self.query_one("#counts", Static).update("Applying…")
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
            self.app.call_from_thread(self._cancelled, str(exc))
            return
        except (Stale, Busy, NotPermitted, Unavailable) as exc:
            self.app.call_from_thread(self._refusal, exc)
            return
        self.app.call_from_thread(self._applied, report)

    def _close_applying(self) -> None:
        # Whatever may have opened over the dialog goes with it.
        while self.applying is not None and self.applying in self.app.screen_stack:
            self.app.pop_screen()
        self.applying = None

    def _cancelled(self, message: str) -> None:
        """The preview stays as it was: F9 can apply it after all."""
        self._close_applying()
        self._show_counts(self.plan)
        self.notify(f"Apply {message}.", severity="warning", timeout=10)

    def _refusal(self, exc: Exception) -> None:
        """The store said no: a session that ended goes back to the login screen; anything
        else is said here, and the preview must be made again."""
        if self.app.refused(exc):
            return
        if isinstance(exc, Busy):
            # Nothing was read or written: the preview still holds, F9 tries again.
            self._close_applying()
            self.query_one("#counts", Static).update(f"Not applied: {exc}. F9 tries again.")
            self.notify(f"Not applied: {exc}. F9 tries again.", severity="warning", timeout=10)
            return
        self._not_applied(str(exc))

    def _not_applied(self, message: str) -> None:
        self._close_applying()
        self.outdated = True
        self.query_one("#counts", Static).update(f"Not applied: {message}")
        self.notify(f"Not applied: {message}", severity="error", timeout=10)

    def _applied(self, report) -> None:
        self._close_applying()
        self.plan = None
        # The forms keep what was typed (the next run is often the same with one change);
        # F8 on the utility clears them.
        self.app.drafts[self.utility.key] = {form.id: form.values() for form in self.forms}
        self.app.switch_screen(SummaryScreen(self.store, report.operation_id, self.operator))
