"""What every page of the password page carries: security headers, CSRF tokens on every
form, and the signed-in patrons (held in memory only, for a few minutes).

Nothing here decides who may change a password (store/patron_passwords.py does): a
session only remembers that a patron proved their password, and which one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store import PatronLogin

# No script, no frame, no other origin: the pages are HTML forms and one stylesheet.
HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # A reset link's token is in the address: it must never travel on as a Referer.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_OURS = {k.lower().encode() for k in HEADERS}
CSRF_COOKIE, CSRF_FIELD = "csrf", "csrf"
SESSION_COOKIE = "patron_session"
SESSION_SECONDS = 15 * 60
MOST_SESSIONS = 10_000  # the oldest go first past this


class SecurityHeaders:
    """ASGI middleware: HEADERS on every response, error pages and redirects included."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k not in _OURS]
                headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def _cookie(response: Response, request: Request, name: str, value: str, seconds: int | None):
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry: its cookie's, or a new one (``remember``
    sets it on the response)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 32:
        token = request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(32))
    return token


def remember_csrf(request: Request, response: Response) -> Response:
    new = request.state.__dict__.get("new_csrf")
    if new:
        _cookie(response, request, CSRF_COOKIE, new, None)
    return response


def csrf_ok(request: Request, form_value: object) -> bool:
    """The form's token is the one its browser's cookie holds (a page of another site can
    send neither the cookie's value nor, with SameSite=Strict, the cookie)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return (
        isinstance(form_value, str)
        and len(cookie) >= 32
        and secrets.compare_digest(cookie.encode(), form_value.encode())
    )


class Sessions:
    """Signed-in patrons by a random cookie value; each ends after SESSION_SECONDS, when
    the patron signs out or changes their password, or when the server stops."""

    def __init__(self) -> None:
        self._held: OrderedDict[str, tuple[PatronLogin, float]] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, request: Request, response: Response, login: PatronLogin) -> None:
        key = secrets.token_urlsafe(32)
        with self._lock:
            self._held[key] = (login, time.monotonic() + SESSION_SECONDS)
            while len(self._held) > MOST_SESSIONS:
                self._held.popitem(last=False)
        _cookie(response, request, SESSION_COOKIE, key, SESSION_SECONDS)

    def current(self, request: Request) -> PatronLogin | None:
        key = request.cookies.get(SESSION_COOKIE, "")
        with self._lock:
            held = self._held.get(key)
            if held is None:
                return None
            if held[1] < time.monotonic():
                del self._held[key]
                return None
            return held[0]

    def end(self, request: Request, response: Response) -> None:
        with self._lock:
            self._held.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        response.delete_cookie(SESSION_COOKIE, path="/")
