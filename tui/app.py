"""The Patron Utilities application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from store import Operator, Selection, SessionEnded, Store
from store.catalog import SYNC_ROSTER
from store.preferences import localize

from . import text
from .commands import UtilityCommands, system_commands
from .fields import field_specs
from .screens.applying import ApplyingScreen
from .screens.keys import KeysScreen, keys_of
from .screens.login import LoginScreen
from .screens.picker import PickerScreen
from .screens.sync import SyncScreen
from .screens.utility import UtilityScreen
from .widgets.plain import plain


class PatronUtilsApp(App):
    """Log in, pick a utility, say which patrons and what to do, preview, confirm, apply."""

    CSS_PATH = "app.tcss"
    TITLE = "Patron Utilities"
    COMMANDS = App.COMMANDS | {UtilityCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f1", "keys", "Keys", id="keys"),
    ]

    def __init__(
        self,
        store: Store,
        operator: Operator | None = None,
        notice: str | None = None,
        username: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.operator = operator
        self.notice = notice
        # An SSH session's operator (session_app): the login screen, should it show, is
        # theirs alone.
        self.username = username
        self.db_name = Path(str(store.path)).name
        self.drafts: dict[str, dict] = {}  # each utility's unapplied form values, this session
        self.prefs: dict[str, str] = store.preferences()
        self.seen_version = store.data_version()  # what self.prefs and the picker reflect

    def notify(self, message: str, *args: Any, markup: bool = False, **kwargs: Any) -> None:
        # Messages quote the library's data (names, notes, a saved run's name): never markup,
        # whatever a caller passes (Widget.notify passes its own default, True).
        super().notify(plain(message), *args, markup=False, **kwargs)

    @property
    def signed_in(self) -> Operator:
        """The operator logged in, for what only a logged-in screen asks (the picker, a
        utility): none there would be a bug, not a state to show."""
        if self.operator is None:
            raise RuntimeError("no operator is logged in")
        return self.operator

    def say(self, text: str) -> str:
        """Text in the library's terminology (its words for Grade, Location, 2nd Location)."""
        return localize(text, self.prefs)

    def get_system_commands(self, screen: Screen):
        # Textual's own (theme, screenshot to a file, its keys panel) give way to ours.
        return system_commands(self, screen)

    def action_keys(self) -> None:
        """F1: every key of the screen it is pressed on."""
        screen = self.screen
        if isinstance(screen, KeysScreen):
            screen.dismiss()
            return
        headings = screen.query("#heading, #dialog-title")
        title = getattr(screen, "KEYS_TITLE", None) or (
            str(headings.first().render()) if headings else "this screen"
        )
        self.push_screen(
            KeysScreen(title if len(title) <= 60 else title[:59] + "…", keys_of(screen))
        )

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # No command palette over a running apply: what it lists reads the database the
        # apply holds, and whatever it opened would sit on the progress dialog.
        if action == "command_palette" and isinstance(self.screen, ApplyingScreen):
            return False
        return super().check_action(action, parameters)

    def get_default_screen(self) -> Screen:
        # Given an operator, the first screen is the picker itself: an empty default
        # screen under it would cost start-up a layout of its own.
        if self.operator is not None:
            return self._picker()
        return super().get_default_screen()

    def on_mount(self) -> None:
        if self.operator is None:
            # On the login screen itself: a toast would cover its line of demo passwords.
            self.push_screen(self._login_screen(notice=self.notice or ""))
        elif self.notice:
            self.notify(self.notice, timeout=15)

    def _login_screen(self, message: str = "", notice: str = "") -> LoginScreen:
        return LoginScreen(
            self.store,
            f"Patron Utilities · {self.db_name}",
            None if self.username else self._demo_hint(),
            message,
            notice,
            username=self.username,
        )

    def end_session(self, message: str) -> None:
        """The database no longer holds the operator who logged in (removed, moved to
        another group, locked, suspended): every screen closes, and it is the login screen
        again, saying why. What the forms held goes with the session."""
        self.operator = None
        self.drafts.clear()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        # On top of the first screen (Textual's own, or the picker the app started with:
        # logging in again puts a fresh picker over it).
        self.push_screen(self._login_screen(f"Logged out: {message}."))

    def refused(self, exc: Exception) -> bool:
        """Handle a refusal that ends the session (True); other refusals are the screen's."""
        if isinstance(exc, SessionEnded):
            self.end_session(str(exc))
            return True
        return False

    def _demo_hint(self) -> str | None:
        if not self.store.is_demo():
            return None
        from store.demo import DEMO_OPERATORS

        logins = " or ".join(f"{user} / {password}" for user, password, *_ in DEMO_OPERATORS)
        return f"This is a demo database. Log in as {logins}."

    def logged_in(self, operator: Operator) -> None:
        """Show the picker for this operator (replacing the login screen)."""
        if self.username is not None and operator.username != self.username:
            raise RuntimeError(f"{operator.username} logged in to {self.username}'s session")
        self.operator = operator
        picker = self._picker()
        if isinstance(self.screen, LoginScreen):
            self.switch_screen(picker)
        else:
            self.push_screen(picker)

    def _reasons(self) -> dict[str, str | None]:
        return {e.key: self.store.unavailable(e, self.signed_in) for e in self.store.catalog}

    def _picker(self) -> PickerScreen:
        self.prefs = self.store.preferences()
        reasons = self._reasons()
        me = self.signed_in
        heading = (
            f"Patron Utilities · {self.db_name} · {me.username} ({me.group}, level {me.level})"
        )
        return PickerScreen(self.store.catalog, reasons, heading, self.store.saved_runs())

    def describe_run(self, entry, run: dict) -> list[str]:
        """A saved run's selections and options, as the preview states them."""
        utility = self.store.utility(entry.key)
        problems = [f"⚠ {problem}" for problem in self.store.run_problems(run)]
        try:
            selection = Selection.model_validate(run["selection"])
            options = utility.Options.model_validate(run["options"])
        except ValidationError:  # values no form could hold: the problems say which
            return problems
        lines = [
            "Selections: " + "; ".join(text.selection_lines(selection, utility.fixed_description))
        ]
        if type(options).model_fields:
            lines.append("Options: " + "; ".join(text.options_lines(options)))
        return lines + problems

    def action_preferences(self, tab: str = "library") -> None:
        """Open the Preferences screen at ``tab``, if this operator may change preferences."""
        from store.security import PREFERENCES, NotPermitted, require

        from .screens.preferences import PreferencesScreen

        if self.operator is None:
            return
        try:
            require(self.operator, (PREFERENCES,), "change Preferences")
        except NotPermitted as exc:
            self.notify(str(exc), severity="warning")
            return
        self.push_screen(PreferencesScreen(self.store, self.operator, tab))

    def action_operations(self) -> None:
        """The journal: every operation, its summary, undo."""
        from .screens.operations import OperationsScreen

        if self.operator is not None:
            self.push_screen(OperationsScreen(self.store, self.operator))

    def open_patron(self, barcode: str) -> None:
        """A patron's whole record (Enter on a row of a preview or a summary)."""
        from .screens.patron import PatronScreen

        self.push_screen(PatronScreen(self.store, barcode, self.signed_in))

    def catch_up(self) -> bool:
        """Re-read the preferences if another session has written since they were read
        (its Preferences may have turned on the centralized catalog); True if so."""
        version = self.store.data_version()
        if version == self.seen_version:
            return False
        self.preferences_changed()
        return True

    def preferences_changed(self) -> None:
        """Preferences were saved: the picker lists the utilities in the new words and
        states when it shows again (it re-lists on resume)."""
        self.seen_version = self.store.data_version()
        self.prefs = self.store.preferences()
        if self.operator is None:  # logged out: no picker to tell
            return
        for screen in self.screen_stack:
            if isinstance(screen, PickerScreen):
                screen.update_reasons(self._reasons())

    def runnable(self) -> list:
        """The utilities this operator may open (for the command palette)."""
        if self.operator is None:
            return []
        return [e for e in self.store.catalog if self.store.unavailable(e, self.operator) is None]

    def open_utility(self, key: str, run: dict | None = None) -> None:
        """Open a utility's screen once its form's database choices are loaded; with a saved
        run, its forms start from the run's values."""
        self.load_utility(key, run)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def load_utility(self, key: str, run: dict | None = None) -> None:
        if key == SYNC_ROSTER.key:  # its own screen: the plan is the roster's
            self.call_from_thread(
                self.push_screen, SyncScreen(self.store, SYNC_ROSTER, self.signed_in)
            )
            return
        utility = self.store.utility(key)
        kinds = {
            s.choices
            for model in (Selection, utility.Options)
            for s in field_specs(model, self.say)
            if s.choices
        }
        labels = {kind: self.store.choice_labels(kind) for kind in kinds}
        draft = (
            {"selection-form": run["selection"], "options-form": run["options"]}
            if run
            else self.drafts.get(key)
        )
        self.call_from_thread(
            self.push_screen,
            UtilityScreen(
                self.store, utility, self.signed_in, labels, draft, run["name"] if run else None
            ),
        )


def make_app(
    db_path: str | Path, operator: Operator | None = None, notice: str | None = None
) -> PatronUtilsApp:
    """Build the app on the database at ``db_path``; with an operator it skips the login."""
    return PatronUtilsApp(Store(db_path), operator, notice)


def session_app(store: Store, username: str, operator: Operator | None) -> PatronUtilsApp:
    """The app of an SSH session (patron_utils.py --session-fd): ``username`` was proven by
    the service. With their operator it opens on the picker; without one (their password
    was reset) on the login screen, for them alone, to choose a new password first."""
    message = (
        "" if operator else f"The password of {username} was reset: type it, then choose a new one."
    )
    return PatronUtilsApp(store, operator, message or None, username=username)
