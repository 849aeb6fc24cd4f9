"""``patron-utils serve``: the app and the headless commands over SSH, for technicians
without a login on the server.

Small on purpose: it never imports the screens, Textual or rich (import-linter holds it);
each session's app runs in a child process of its own (``patron-utils --session-fd N``).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from store.database import resolve_path

from .hostkey import HostKeyProblem, load_or_create
from .service import Service, Settings

DEFAULT_PORT = 2222


def listen_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not HOST:PORT (e.g. 0.0.0.0:{DEFAULT_PORT}; port 0 picks a free one)"
        )
    return host.strip("[]") or "0.0.0.0", int(port)


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
        default=("0.0.0.0", DEFAULT_PORT),
        help=f"where to listen (default 0.0.0.0:{DEFAULT_PORT})",
    )
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
    args = parser().parse_args(argv)
    db = resolve_path(args.db)
    if not db.exists():
        print(f"patron-utils serve: --db: there is no database at {db}", file=sys.stderr)
        return 2
    key_path = Path(args.host_key) if args.host_key else Path(f"{db}.host_key")
    try:
        key, created = load_or_create(key_path)
    except HostKeyProblem as exc:
        print(f"patron-utils serve: {exc}", file=sys.stderr)
        return 2
    host, port = args.listen
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
    return asyncio.run(_serve(Service(settings), f"{made}{key_path}", key.get_fingerprint()))


async def _serve(service: Service, key_note: str, fingerprint: str) -> int:
    try:
        port = await service.start()
    except OSError as exc:
        print(f"patron-utils serve: --listen: {exc.strerror or exc}", file=sys.stderr)
        return 2
    s = service.settings
    service.log(f"host key {fingerprint} ({key_note})")
    service.log(f"listening on {s.host}:{port} for {s.db}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    service.log(f"stopping: hanging up {len(service.sessions)} session(s)")
    await service.stop()
    service.log("stopped")
    return 0
