"""The login screen: the app starts here; operators are patrons with permissions.

An operator whose password was reset proves the old one here, then must choose a new
one (twice) before anything else opens.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from store import Busy, Invalid, LoginFailed, Operator, PasswordChangeRequired, Store
from store.security import MIN_PASSWORD_LENGTH

from ..base import ProductScreen
from ..widgets.footer import KeysFooter
from ..widgets.plain import Plain

CHANGE = (
    "The password of {username} was reset: choose a new one before anything else (at "
    f"least {MIN_PASSWORD_LENGTH} characters, not the one you just typed)."
)


class LoginScreen(ProductScreen[None]):
    """Username and password; one generic message for any failure."""

    BINDINGS = [Binding("escape", "start_over", "Start over", id="start-over")]

    def __init__(
        self,
        store: Store,
        heading: str,
        hint: str | None = None,
        message: str = "",
        notice: str = "",
        username: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        # Already proven (an SSH session's): shown, not typed, and no other may log in here.
        self.username = username
        self.heading = heading
        self.hint = hint
        self.message = message  # why the screen is shown (a session that ended), if anything
        self.notice = notice  # news, not a problem (the demo database was just created)
        self.changing: tuple[str, str] | None = None  # (username, old password) to change

    def compose(self) -> ComposeResult:
        yield Plain(self.heading, id="heading")
        with Vertical(id="login-box"):
            with Vertical(id="credentials"):
                yield Label("Username")
                yield Input(id="username")
                yield Label("Password")
                yield Input(id="password", password=True)
            with Vertical(id="change-box"):
                yield Plain("", id="change-why")
                yield Label("New password")
                yield Input(id="new-password", password=True)
                yield Label("New password again")
                yield Input(id="new-password-again", password=True)
            yield Plain(
                self.message or self.notice,
                id="login-message",
                classes="" if self.message or not self.notice else "-notice",
            )
            if self.hint:
                yield Plain(self.hint, id="login-hint")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._step(changing=False)
        if self.username is not None:
            field = self.query_one("#username", Input)
            field.value = self.username
            field.disabled = True
            self.query_one("#password").focus()
        else:
            self.query_one("#username").focus()

    def _step(self, changing: bool) -> None:
        """Username and password, or (once they are proven) the new password twice: one at a
        time, so either fits at 80×24."""
        self.query_one("#credentials").display = not changing
        self.query_one("#change-box").display = changing
        for hint in self.query("#login-hint"):
            hint.display = not changing
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # Escape means something only while a new password is being chosen.
        if action == "start_over":
            return self.changing is not None
        return True

    @on(Input.Submitted, "#username")
    def _next(self) -> None:
        self.query_one("#password").focus()

    @on(Input.Submitted, "#password")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value
        password = self.query_one("#password", Input).value
        if not username.strip() or not password:
            self._failed("Enter a username and a password.")
            return
        self._say("Checking…")
        self.query_one("#password", Input).disabled = True
        self.check(username, password)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self, username: str, password: str) -> None:
        try:
            operator = self.store.login(username, password)
        except PasswordChangeRequired:
            self.app.call_from_thread(self._must_change, username, password)
            return
        except (LoginFailed, Busy) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._logged_in, operator)

    def _say(self, message: str) -> None:
        shown = self.query_one("#login-message", Static)
        shown.remove_class("-notice")
        shown.update(message[:1].upper() + message[1:])

    def _failed(self, message: str) -> None:
        """Back to the first step, the username kept: retype the password."""
        self.changing = None
        self._step(changing=False)
        self.query_one("#username", Input).disabled = self.username is not None
        password = self.query_one("#password", Input)
        password.disabled = False
        password.value = ""
        password.focus()
        self._say(message)

    # -- a reset password must be changed ---------------------------------------------------
    def _must_change(self, username: str, password: str) -> None:
        self.changing = (username, password)
        self._step(changing=True)
        for field in ("#new-password", "#new-password-again"):
            self.query_one(field, Input).value = ""
        self.query_one("#new-password").focus()
        self.query_one("#change-why", Static).update(CHANGE.format(username=username.strip()))
        self._say("")

    @on(Input.Submitted, "#new-password")
    def _again(self) -> None:
        self.query_one("#new-password-again").focus()

    @on(Input.Submitted, "#new-password-again")
    def _change(self) -> None:
        if self.changing is None:
            return
        new = self.query_one("#new-password", Input).value
        if new != self.query_one("#new-password-again", Input).value:
            self._retype("The two new passwords differ: type the new one twice.")
            return
        self._say("Changing the password…")
        self.change(*self.changing, new)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def change(self, username: str, old: str, new: str) -> None:
        try:
            operator = self.store.change_password(username, old, new)
        except Invalid as exc:
            self.app.call_from_thread(self._retype, f"{exc.problems[0]}.")
            return
        except (LoginFailed, Busy) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._changed, operator)

    def _retype(self, message: str) -> None:
        for field in ("#new-password", "#new-password-again"):
            self.query_one(field, Input).value = ""
        self.query_one("#new-password").focus()
        self._say(message)

    def _changed(self, operator: Operator) -> None:
        self.app.notify("Your new password is set.")
        self._logged_in(operator)

    def action_start_over(self) -> None:
        """Escape while choosing a new password: back to the username and password."""
        if self.changing is not None:
            self._failed("Not logged in: the password must be changed first.")

    def _logged_in(self, operator: Operator) -> None:
        self.app.logged_in(operator)
