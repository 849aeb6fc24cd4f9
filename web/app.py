"""The password page: a patron's reset link (/reset?token=…), and signing in to choose a
new password (/password), as an ASGI application (Starlette).

The pages only ask the store (store/store_patron_passwords.py) and say what it answered:
no SQL, no rule about passwords is decided here. Passwords are read from the form and
handed on, never logged, never sent back in a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, PackageLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from store import Busy, Invalid, LoginFailed, ResetRefused, Store
from store.patron_passwords import LINK_REFUSED, VIA

from .guard import CSRF_FIELD, SecurityHeaders, Sessions, csrf_ok, csrf_token, remember_csrf

T = TypeVar("T")
TEMPLATES = Environment(loader=PackageLoader("web", "templates"), autoescape=True)
STYLE = (Path(__file__).parent / "templates" / "style.css").read_bytes()
FORM_EXPIRED = (
    "This form was not sent from this page, or it has expired. Reload the page and try again."
)
# Longest form the pages accept: two passwords and a token fit many times over.
MOST_FORM_BYTES = 16 * 1024
# Password checks and hashes at once: each argon2 hash takes 64 MiB, so a burst of sign-ins
# waits its turn rather than taking the server's memory.
CHECKS_AT_ONCE = 4


class Stores:
    """One Store per worker thread, so patrons' requests wait only on the database's own
    write lock (as two technicians would), not on one another."""

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._open: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.path, via=VIA, server_files=False)
            with self._lock:
                self._open.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._open:
                with contextlib.suppress(Exception):
                    store.close()
            self._open.clear()


def make_app(db: str, contact: str | None = None) -> Starlette:
    """The password page over the patron database at ``db``; ``contact`` is an address
    patrons may write to for a new link (the library's sender address, say)."""
    stores = Stores(db)
    sessions = Sessions()
    checks = asyncio.Semaphore(CHECKS_AT_ONCE)

    async def call(work: Callable[[Store], T]) -> T:
        return await run_in_threadpool(lambda: work(stores.get()))

    async def check(work: Callable[[Store], T]) -> T:
        """``call`` for what hashes or verifies a password."""
        async with checks:
            return await call(work)

    async def page(
        request: Request, template: str, status: int = 200, **values: Any
    ) -> HTMLResponse:
        name = await call(lambda s: s.library_name())
        html = TEMPLATES.get_template(template).render(
            library=name, csrf=csrf_token(request), contact=contact, **values
        )
        response = HTMLResponse(html, status_code=status)
        remember_csrf(request, response)
        return response

    async def form(request: Request) -> dict[str, str] | None:
        """The posted fields, or None when the CSRF token is missing or wrong."""
        if int(request.headers.get("content-length") or 0) > MOST_FORM_BYTES:
            return None
        data = await request.form(max_files=0, max_fields=10, max_part_size=MOST_FORM_BYTES)
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        return fields if csrf_ok(request, fields.get(CSRF_FIELD)) else None

    async def refused(request: Request, message: str) -> HTMLResponse:
        return await page(request, "refused.html", 403, message=message)

    async def busy(request: Request) -> HTMLResponse:
        return await page(
            request, "refused.html", 503, message="The library's system is busy. Try again."
        )

    async def reset(request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            name = await call(lambda s: s.reset_greeting(token))
        except ResetRefused:
            return await page(request, "link.html", 410, message=LINK_REFUSED)
        return await page(request, "reset.html", name=name, token=token, problems={})

    async def reset_post(request: Request) -> Response:
        fields = await form(request)
        if fields is None:
            return await refused(request, FORM_EXPIRED)
        token = fields.get("token", "")
        new, again = fields.get("new_password", ""), fields.get("again", "")
        try:
            await check(lambda s: s.redeem_reset(token, new, again))
        except ResetRefused:
            return await page(request, "link.html", 410, message=LINK_REFUSED)
        except Invalid as exc:
            try:
                name = await call(lambda s: s.reset_greeting(token))
            except ResetRefused:  # spent by another request a moment ago
                return await page(request, "link.html", 410, message=LINK_REFUSED)
            problems = {p.field: str(p) for p in exc.problems}
            return await page(request, "reset.html", 400, name=name, token=token, problems=problems)
        except Busy:
            return await busy(request)
        return await page(request, "done.html", how="set")

    async def password(request: Request) -> Response:
        signed_in = sessions.current(request)
        if signed_in is None:
            return await page(request, "login.html", username="", message=None)
        return await page(request, "choose.html", patron=signed_in, problems={})

    async def sign_in(request: Request) -> Response:
        fields = await form(request)
        if fields is None:
            return await refused(request, FORM_EXPIRED)
        username, password = fields.get("username", ""), fields.get("password", "")
        try:
            login = await check(lambda s: s.patron_login(username, password))
        except LoginFailed as exc:
            return await page(request, "login.html", 401, username=username, message=str(exc))
        except Busy:
            return await busy(request)
        response = RedirectResponse("/password", status_code=303)
        sessions.start(request, response, login)
        return response

    async def choose(request: Request) -> Response:
        fields = await form(request)
        if fields is None:
            return await refused(request, FORM_EXPIRED)
        signed_in = sessions.current(request)
        if signed_in is None:
            return RedirectResponse("/password", status_code=303)
        new, again = fields.get("new_password", ""), fields.get("again", "")
        try:
            await check(lambda s: s.change_patron_password(signed_in, new, again))
        except LoginFailed as exc:
            response = await page(request, "login.html", 401, username="", message=str(exc))
            sessions.end(request, response)
            return response
        except Invalid as exc:
            problems = {p.field: str(p) for p in exc.problems}
            return await page(request, "choose.html", 400, patron=signed_in, problems=problems)
        except Busy:
            return await busy(request)
        response = await page(request, "done.html", how="changed")
        sessions.end(request, response)  # signed in with a password that is no longer theirs
        return response

    async def sign_out(request: Request) -> Response:
        if await form(request) is None:
            return await refused(request, FORM_EXPIRED)
        response = RedirectResponse("/password", status_code=303)
        sessions.end(request, response)
        return response

    async def home(request: Request) -> Response:
        return RedirectResponse("/password", status_code=303)

    async def style(request: Request) -> Response:
        return Response(STYLE, media_type="text/css")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        stores.close()

    return Starlette(
        routes=[
            Route("/", home),
            Route("/reset", reset, methods=["GET"]),
            Route("/reset", reset_post, methods=["POST"]),
            Route("/password", password, methods=["GET"]),
            Route("/password", sign_in, methods=["POST"]),
            Route("/password/new", choose, methods=["POST"]),
            Route("/password/sign-out", sign_out, methods=["POST"]),
            Route("/style.css", style),
        ],
        middleware=[Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
