"""``patron-utils serve``: the app and the headless commands over SSH, for technicians
without a login on the server; with ``--web HOST:PORT``, the patrons' password page (web/)
too, or alone (``--no-ssh``).

Small on purpose: it never imports the screens, Textual or rich (import-linter holds it);
each session's app runs in a child process of its own (``patron-utils --session-fd N``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from store import Busy, NotADatabase, Store
from store.database import resolve_path

from .hostkey import HostKeyProblem, load_or_create
from .service import Service, Settings

if TYPE_CHECKING:
    from web import WebServer

DEFAULT_PORT = 2222


def listen_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not HOST:PORT (e.g. 0.0.0.0:{DEFAULT_PORT}; port 0 picks a free one)"
        )
    return host.strip("[]") or "0.0.0.0", int(port)


def public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http:// or https:// address without ?query or #fragment "
            "(e.g. https://library.example.org)"
        )
    return text.rstrip("/")


def positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not allowed; more than 0")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="patron-utils serve",
        description="Serve Patron Utilities over SSH: a terminal session gets the app, "
        "`ssh HOST run KEY …` a command, as the operator who logged in (their password, or a "
        "key added with `patron-utils keys add`). Nothing else: no shell, files or forwarding.",
    )
    p.add_argument("--db", metavar="PATH", help="the patron database (default: $PATRON_UTILS_DB)")
    p.add_argument(
        "--listen",
        metavar="HOST:PORT",
        type=listen_address,
        default=None,
        help=f"where to listen (default 0.0.0.0:{DEFAULT_PORT})",
    )
    p.add_argument(
        "--web",
        metavar="HOST:PORT",
        type=listen_address,
        help="also serve the patrons' password page (reset links, choosing a new password) "
        "here, in plain HTTP: put a TLS reverse proxy in front of it (e.g. 127.0.0.1:8080)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        type=public_url,
        help="the address patrons reach the password page at, through the proxy "
        "(default http://HOST:PORT of --web); reset links point to URL/reset?token=… "
        "unless PATRON_UTILS_RESET_URL or send-mail --reset-url says otherwise",
    )
    p.add_argument("--no-ssh", action="store_true", help="only the password page (needs --web)")
    p.add_argument(
        "--host-key",
        metavar="FILE",
        help="the server's private key, made on first start (default: the database's path "
        "with .host_key added)",
    )
    p.add_argument("--max-sessions", type=positive(int), default=20, metavar="N", help="default 20")
    p.add_argument(
        "--max-unauthenticated",
        type=positive(int),
        default=10,
        metavar="N",
        help="connections not yet logged in, from one address (default 10)",
    )
    p.add_argument(
        "--login-timeout",
        type=positive(float),
        default=60.0,
        metavar="SECONDS",
        help="to log in (default 60)",
    )
    p.add_argument(
        "--idle-timeout",
        type=positive(float),
        default=1800.0,
        metavar="SECONDS",
        help="a session of the app with nothing typed is hung up (default 1800)",
    )
    return p


def main(argv: list[str]) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.no_ssh and args.web is None:
        p.error("--no-ssh: give --web HOST:PORT too (nothing would be served)")
    for given, flag in ((args.listen, "--listen"), (args.host_key, "--host-key")):
        if args.no_ssh and given is not None:
            p.error(f"{flag}: not used with --no-ssh (no SSH service is started)")
    if args.public_url and args.web is None:
        p.error("--public-url: give --web HOST:PORT too")
    db = resolve_path(args.db)
    if not db.exists():
        print(f"patron-utils serve: --db: there is no database at {db}", file=sys.stderr)
        return 2
    web = None
    if args.web is not None:
        from web import WebServer

        contact = os.environ.get("PATRON_UTILS_MAIL_FROM") or None
        web_host, web_port = args.web
        web = WebServer(str(db.resolve()), web_host, web_port, contact=contact)
    if args.no_ssh:
        return asyncio.run(_serve(None, web, args.public_url, db))
    key_path = Path(args.host_key) if args.host_key else Path(f"{db}.host_key")
    try:
        key, created = load_or_create(key_path)
    except HostKeyProblem as exc:
        print(f"patron-utils serve: {exc}", file=sys.stderr)
        return 2
    host, port = args.listen or ("0.0.0.0", DEFAULT_PORT)
    settings = Settings(
        db=db.resolve(),
        host=host,
        port=port,
        host_key=key,
        max_sessions=args.max_sessions,
        max_unauthenticated=args.max_unauthenticated,
        login_timeout=args.login_timeout,
        idle_timeout=args.idle_timeout,
    )
    made = "made now, " if created else ""
    key_note = f"host key {key.get_fingerprint()} ({made}{key_path})"
    return asyncio.run(_serve(Service(settings), web, args.public_url, db, key_note))


def log(text: str) -> None:
    print(f"patron-utils serve: {text}", file=sys.stderr, flush=True)


async def _serve(
    service: Service | None,
    web: WebServer | None,
    public: str | None,
    db: Path,
    key_note: str = "",
) -> int:
    if service is not None:
        try:
            port = await service.start()
        except OSError as exc:
            log(f"--listen: {exc.strerror or exc}")
            return 2
        s = service.settings
        log(key_note)
        log(f"listening on {s.host}:{port} for {s.db}")
    if web is not None:
        try:
            port = await web.start()
        except OSError as exc:
            log(f"--web: {exc.strerror or exc}")
            if service is not None:
                await service.stop()
            return 2
        host = web.host if web.host not in ("0.0.0.0", "::") else socket.getfqdn()
        host = f"[{host}]" if ":" in host else host
        page = public or f"http://{host}:{port}"
        if problem := _note_reset_url(db, f"{page}/reset?token="):
            log(f"--web: reset links will not point here: {problem}")
        log(f"password page on http://{web.host}:{port}, reached at {page}/password")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    if web is not None:
        await web.stop()
    if service is not None:
        log(f"stopping: hanging up {len(service.sessions)} session(s)")
        await service.stop()
    log("stopped")
    return 0


def _note_reset_url(db: Path, url: str) -> str | None:
    """Reset links point to the served page unless the mail settings say otherwise."""
    try:
        store = Store(db)
    except (Busy, NotADatabase, RuntimeError, OSError, sqlite3.Error) as exc:
        return str(exc)
    try:
        store.note_reset_url(url)
    except (OSError, RuntimeError, sqlite3.Error) as exc:
        return str(exc)
    finally:
        store.close()
    return None
