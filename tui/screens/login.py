"""The login screen: the app starts here; operators are patrons with permissions."""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from store import Busy, LoginFailed, Operator, Store


class LoginScreen(Screen):
    """Username and password; one generic message for any failure."""


    def __init__(self, store: Store, heading: str, hint: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.heading = heading
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield Static(self.heading, id="heading")
        with Vertical(id="login-box"):
            yield Label("Username")
            yield Input(id="username")
            yield Label("Password")
            yield Input(id="password", password=True)
            yield Static("", id="login-message")
            if self.hint:
                yield Static(self.hint, id="login-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#username").focus()

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
        self.query_one("#login-message", Static).update("Checking…")
        self.query_one("#password", Input).disabled = True
        self.check(username, password)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self, username: str, password: str) -> None:
        try:
            operator = self.store.login(username, password)
        except (LoginFailed, Busy) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._logged_in, operator)

    def _failed(self, message: str) -> None:
        password = self.query_one("#password", Input)
        password.disabled = False
        password.value = ""
        password.focus()
        self.query_one("#login-message", Static).update(message[:1].upper() + message[1:])

    def _logged_in(self, operator: Operator) -> None:
        self.app.logged_in(operator)
